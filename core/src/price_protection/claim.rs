//! The one-claim API: a pure function over plain input structs.
//!
//! Why: a buyer's (or a support agent's) single claim must be answerable
//! without any engine state — given the order, the policy, the prices seen
//! at claim time and each line's history, the answer is a function. The
//! same structs are the JSON claim file of the CLI.

use serde::{Deserialize, Serialize};

use super::apportion::{line_terms, LineTerms};
use super::assess::{
    assess_line, check_history, Comparison, LineAssessment, LineHistory, PromotionSet,
    ZeroPayoutReason,
};
use super::error::{PriceProtectionError, Result};
use super::funding::Funding;
use super::window::{check_days, window_for, Window};
use crate::event::{
    is_event_time, Money, OrderDiscount, OrderLine, OrderPaid, PriceChange, PriceProtectionPolicy,
    PromotionKind, Timestamp, MAX_TIME, MIN_TIME,
};

/// The order part of a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimOrder {
    /// Order id.
    pub order_id: String,
    /// The lines.
    pub lines: Vec<OrderLine>,
    /// Order-level discounts.
    #[serde(default)]
    pub discounts: Vec<OrderDiscount>,
    /// Order submission time; defaults to `paid_at`.
    #[serde(default)]
    pub ordered_at: Option<Timestamp>,
    /// Payment time.
    pub paid_at: Timestamp,
    /// Signed-receipt time, once received.
    #[serde(default)]
    pub received_at: Option<Timestamp>,
}

impl From<&OrderPaid> for ClaimOrder {
    fn from(o: &OrderPaid) -> Self {
        ClaimOrder {
            order_id: o.order_id.clone(),
            lines: o.lines.clone(),
            discounts: o.discounts.clone(),
            ordered_at: o.ordered_at,
            paid_at: o.paid_at,
            received_at: None,
        }
    }
}

/// A public price seen for a SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceObservation {
    /// The SKU.
    pub sku: String,
    /// Price of one unit, minor units.
    pub price: Money,
    /// What produced the price.
    #[serde(default = "none_kind")]
    pub promotion: PromotionKind,
    /// When it was observed (must not be after the claim).
    pub at: Timestamp,
}

fn none_kind() -> PromotionKind {
    PromotionKind::None
}

impl From<&PriceChange> for PriceObservation {
    fn from(p: &PriceChange) -> Self {
        PriceObservation {
            sku: p.sku.clone(),
            price: p.price,
            promotion: p.promotion,
            at: p.at,
        }
    }
}

/// One price-protection claim: everything needed to answer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The order.
    pub order: ClaimOrder,
    /// The shop's policy.
    pub policy: PriceProtectionPolicy,
    /// The prices in effect at claim time (any SKUs of the order).
    pub observations: Vec<PriceObservation>,
    /// Per line, in line order; empty means no history anywhere. The
    /// history as it stood at `claimed_at`: returns and refunds completed
    /// no later than the claim, and the protection paid before it (a
    /// payout is fixed when made; the entries carry no times, so the
    /// caller leaves out what happened after the claim — automatic mode
    /// does this itself from the events' times).
    #[serde(default)]
    pub history: Vec<LineHistory>,
    /// When the claim is made.
    pub claimed_at: Timestamp,
    /// Who funds a payout, by the kind of price that triggered it (default:
    /// a seller's own price cut is the seller's, other drops split by who
    /// funded the discounts).
    #[serde(default)]
    pub funding: Funding,
    /// The risk system's verdict on the order: `true` when it holds the
    /// order fake (brushing). A fake order is not an order: every line
    /// gets nothing, reason [`ZeroPayoutReason::FakeOrder`], and its history
    /// is unchanged (automatic mode skips fake orders the same way).
    /// Default `false`: the caller vouches for the order.
    #[serde(default)]
    pub fake: bool,
}

/// The answer for one line of a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineResult {
    /// Index of the line in the order.
    pub line: usize,
    /// Its SKU.
    pub sku: String,
    /// Units bought.
    pub quantity: i64,
    /// The line's protection window, if open.
    pub window: Option<Window>,
    /// Payout, breakdown and zero-payout reason.
    #[serde(flatten)]
    pub assessment: LineAssessment,
    /// The line's history after this claim (feed it to the next claim).
    pub history_after: LineHistory,
}

/// The answer to a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// Order id.
    pub order_id: String,
    /// One result per line, in line order.
    pub lines: Vec<LineResult>,
    /// Sum of the payouts.
    pub total_payout: Money,
    /// Sum of the platform-funded parts.
    pub total_platform: Money,
    /// Sum of the seller-funded parts.
    pub total_seller: Money,
}

/// Answers one claim: per line, the paid unit price, the comparison price,
/// the protected quantity, the payout with its platform/seller split, or the
/// reason it is zero.
///
/// ```
/// # use truexp::Timestamp;
/// use truexp::event::{OrderLine, PriceProtectionPolicy, ProtectionAnchor, PromotionKind};
/// use truexp::price_protection::{assess_claim, Claim, ClaimOrder, PriceObservation};
/// use truexp::Money;
///
/// let t0 = Timestamp::constant(1_731_240_000); // 2024-11-10 12:00:00 UTC
/// let claim = Claim {
///     order: ClaimOrder {
///         order_id: "o1".into(),
///         lines: vec![OrderLine { sku: "tv".into(), quantity: 2, unit_price: Money::from(100_000), line_discount: Money::ZERO }],
///         discounts: vec![],
///         ordered_at: Some(t0),
///         paid_at: t0,
///         received_at: None,
///     },
///     policy: PriceProtectionPolicy {
///         window_days: 7,
///         anchor: ProtectionAnchor::Order,
///         counted_promotions: truexp::event::default_counted_promotions(),
///         deduct_protected_units: false,
///     },
///     observations: vec![PriceObservation {
///         sku: "tv".into(), price: Money::from(95_000), promotion: PromotionKind::Public, at: t0.plus_days(7),
///     }],
///     history: vec![],
///     claimed_at: t0.plus_days(7), // 11-17 12:00:00, the last second of the window
///     funding: Default::default(),
///     fake: false,
/// };
/// let r = assess_claim(&claim).unwrap();
/// assert_eq!(r.total_payout, Money::from(10_000)); // 50.00 yuan × 2 units
/// assert_eq!(r.lines[0].assessment.seller_part, Money::from(10_000));
/// ```
pub fn assess_claim(claim: &Claim) -> Result<ClaimResult> {
    let prepared = PreparedClaim::new(claim)?;
    let mut out = ClaimResult {
        order_id: claim.order.order_id.clone(),
        lines: Vec::with_capacity(claim.order.lines.len()),
        total_payout: Money::ZERO,
        total_platform: Money::ZERO,
        total_seller: Money::ZERO,
    };
    for (i, line) in claim.order.lines.iter().enumerate() {
        let seen = || {
            claim
                .observations
                .iter()
                .filter(|o| o.sku == line.sku)
                .map(|o| (o.price, o.promotion))
        };
        let comparison = Comparison::lowest(seen(), prepared.counted);
        let mut history = prepared.history[i];
        if claim.fake {
            // refused before every other rule; the claim was still checked
            out.lines.push(LineResult {
                line: i,
                sku: line.sku.clone(),
                quantity: line.quantity,
                window: prepared.window,
                assessment: LineAssessment {
                    paid_unit: prepared.terms[i].paid_unit(),
                    comparison: comparison.price(),
                    protected_quantity: 0,
                    payout: Money::ZERO,
                    platform_part: Money::ZERO,
                    seller_part: Money::ZERO,
                    reason: Some(ZeroPayoutReason::FakeOrder),
                },
                history_after: history,
            });
            continue;
        }
        let a = assess_line(
            &prepared.terms[i],
            &history,
            prepared.window,
            claim.policy.deduct_protected_units,
            comparison,
            claim.claimed_at,
        )?;
        let mut a = a;
        if let Some(kind) = Comparison::lowest_kind(seen(), prepared.counted) {
            if a.payout.is_positive() {
                (a.platform_part, a.seller_part) =
                    claim.funding.split(kind, a.payout, &prepared.terms[i]);
            }
        }
        history.record_payout(&a, claim.policy.deduct_protected_units)?;
        out.total_payout = super::money::add(out.total_payout, a.payout, "total_payout")?;
        out.total_platform += a.platform_part; // <= total_payout
        out.total_seller += a.seller_part;
        out.lines.push(LineResult {
            line: i,
            sku: line.sku.clone(),
            quantity: line.quantity,
            window: prepared.window,
            assessment: a,
            history_after: history,
        });
    }
    Ok(out)
}

/// A claim's inputs, validated.
struct PreparedClaim {
    terms: Vec<LineTerms>,
    history: Vec<LineHistory>,
    window: Option<Window>,
    counted: PromotionSet,
}

impl PreparedClaim {
    fn new(c: &Claim) -> Result<Self> {
        check_days(c.policy.window_days)?;
        let o = &c.order;
        // every moment in the range events may carry, so that window and
        // deadline arithmetic never nears overflow
        let moments = [
            ("claimed_at".to_owned(), Some(c.claimed_at)),
            ("order.ordered_at".to_owned(), o.ordered_at),
            ("order.paid_at".to_owned(), Some(o.paid_at)),
            ("order.received_at".to_owned(), o.received_at),
        ]
        .into_iter()
        .chain(
            c.observations
                .iter()
                .enumerate()
                .map(|(i, ob)| (format!("observations[{i}].at"), Some(ob.at))),
        );
        for (field, t) in moments {
            if let Some(t) = t.filter(|&t| !is_event_time(t)) {
                return Err(PriceProtectionError::invalid(
                    field,
                    t,
                    format!("must be in {MIN_TIME} ..< {MAX_TIME} (years 2000 to 2099)"),
                ));
            }
        }
        let terms = line_terms(&o.lines, &o.discounts)?;
        let ordered_at = o.ordered_at.unwrap_or(o.paid_at);
        if ordered_at > o.paid_at {
            return Err(PriceProtectionError::invalid(
                "order.ordered_at",
                ordered_at,
                format!("is after paid_at {}", o.paid_at),
            ));
        }
        if let Some(r) = o.received_at {
            if r < ordered_at {
                return Err(PriceProtectionError::invalid(
                    "order.received_at",
                    r,
                    format!("is before ordered_at {ordered_at}"),
                ));
            }
        }
        let history = match c.history.len() {
            0 => vec![LineHistory::default(); terms.len()],
            n if n == terms.len() => c.history.clone(),
            n => {
                return Err(PriceProtectionError::invalid(
                    "history",
                    n,
                    format!("needs one entry per line ({})", terms.len()),
                ))
            }
        };
        for (i, (t, h)) in terms.iter().zip(&history).enumerate() {
            check_history(t, h, &format!("history[{i}]."))?;
        }
        for (i, ob) in c.observations.iter().enumerate() {
            if !o.lines.iter().any(|l| l.sku == ob.sku) {
                return Err(PriceProtectionError::ForeignSku {
                    field: format!("observations[{i}].sku"),
                    sku: ob.sku.clone(),
                });
            }
            if ob.price.is_negative() {
                return Err(PriceProtectionError::invalid(
                    format!("observations[{i}].price"),
                    ob.price,
                    "must not be negative",
                ));
            }
            if ob.at > c.claimed_at {
                return Err(PriceProtectionError::invalid(
                    format!("observations[{i}].at"),
                    ob.at,
                    format!("is after claimed_at {}", c.claimed_at),
                ));
            }
        }
        let window = window_for(&c.policy, ordered_at, o.paid_at, o.received_at)?;
        Ok(PreparedClaim {
            terms,
            history,
            window,
            counted: PromotionSet::of(&c.policy.counted_promotions),
        })
    }
}
