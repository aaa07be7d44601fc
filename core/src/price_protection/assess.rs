//! The per-line payout computation: one code path for every face.
//!
//! Why one function: the one-claim API and the automatic book must never
//! disagree, so both build a [`LineTerms`] + [`LineHistory`] and call
//! [`assess_line`]; the book only decides *which* lines to look at.
//!
//! Rules, in the order they are checked (the first that applies is the
//! zero-payout reason; before all of them, a single claim for an order the
//! risk system holds fake is refused with [`ZeroPayoutReason::FakeOrder`],
//! and automatic mode leaves fake orders out):
//! 1. the claim time is outside the window → [`ZeroPayoutReason::OutsideWindow`];
//! 2. every unit was returned → [`ZeroPayoutReason::FullyReturned`];
//!    the money refunded covers the whole paid amount (a cancellation or
//!    refund-only of the whole line) → [`ZeroPayoutReason::FullyRefunded`];
//! 3. observations exist but none has a counted promotion kind →
//!    [`ZeroPayoutReason::ExcludedPromotion`];
//! 4. no counted price below the paid unit price (compared exactly:
//!    `comparison × quantity < paid_amount`, the unit price is never floored
//!    first) → [`ZeroPayoutReason::PriceNotLower`];
//! 5. nothing left to pay (earlier payouts, or refunds, took what remains
//!    paid on the line) → [`ZeroPayoutReason::AlreadyCompensated`].
//!
//! Amounts:
//! - protected quantity = bought − returned, minus units already protected
//!   when the policy says `deduct_protected_units` (never below 0);
//! - entitlement = floor((paid_amount − comparison × quantity) × protected
//!   quantity / quantity): the per-unit difference on the exact paid unit
//!   price, floored once at the end (a 3-unit line paid 10,001 dropping to
//!   3,000 per unit is owed 1,001, not 3 × 333);
//! - payout = entitlement − already paid (without `deduct_protected_units`:
//!   a later drop pays only the increment), or the entitlement itself (with
//!   it: earlier payouts covered other units);
//! - capped at what remains paid on the line after every refund:
//!   `paid_amount − max(refunded, floor(paid_amount × returned / quantity)) − already_paid`,
//!   where `refunded` is all money refunded on the line (refund-only,
//!   partial refunds, cancellations and the refunds of returns alike) and
//!   the returned units' share stands in for a return recorded without its
//!   money; never below 0;
//! - split: platform part = `floor(payout × platform_discount / discount_total)`,
//!   seller part = the rest; no discounts → all seller-funded.

use serde::{Deserialize, Serialize};

use super::apportion::LineTerms;
use super::error::{PriceProtectionError, Result};
use super::money;
use super::window::Window;
use crate::event::{Money, PromotionKind, Timestamp};

/// What happened to a line before this claim.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineHistory {
    /// Units returned so far.
    #[serde(default)]
    pub units_returned: i64,
    /// Units covered by earlier protection payouts (still held by the buyer).
    #[serde(default)]
    pub protected_units: i64,
    /// Protection paid on this line by earlier claims, net of amounts
    /// withheld from later refunds and returns.
    #[serde(default)]
    pub already_paid: Money,
    /// Money refunded on this line so far, minor units (0 ..= the line's
    /// paid amount): refund-only (仅退款), partial refunds, cancellations
    /// refunded, and the refunds of returns, as granted (before any
    /// protection withheld from them). No payout takes the line past it.
    #[serde(default)]
    pub refunded: Money,
}

/// Why a line gets nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroPayoutReason {
    /// The claim time is outside the protection window (or it is not open yet).
    OutsideWindow,
    /// The lower price comes only from promotions the policy does not count.
    ExcludedPromotion,
    /// No counted price is lower than the paid unit price.
    PriceNotLower,
    /// Every unit was returned.
    FullyReturned,
    /// Earlier claims already paid this difference, or earlier payouts and
    /// refunds together took what remained paid on the line.
    AlreadyCompensated,
    /// The money refunded on the line covers its whole paid amount
    /// (a cancellation or refund-only of the whole line).
    FullyRefunded,
    /// The risk system holds the order fake (brushing): fake orders are
    /// not orders and get no protection (checked before every other rule;
    /// a single claim's `fake`, automatic mode's risk verdicts).
    FakeOrder,
}

impl ZeroPayoutReason {
    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            ZeroPayoutReason::OutsideWindow => "outside_window",
            ZeroPayoutReason::ExcludedPromotion => "excluded_promotion",
            ZeroPayoutReason::PriceNotLower => "price_not_lower",
            ZeroPayoutReason::FullyReturned => "fully_returned",
            ZeroPayoutReason::AlreadyCompensated => "already_compensated",
            ZeroPayoutReason::FullyRefunded => "fully_refunded",
            ZeroPayoutReason::FakeOrder => "fake_order",
        }
    }
}

/// A set of promotion kinds, one bit each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PromotionSet(u8);

impl PromotionSet {
    fn bit(k: PromotionKind) -> u8 {
        1 << match k {
            PromotionKind::None => 0,
            PromotionKind::Public => 1,
            PromotionKind::PlatformCampaign => 2,
            PromotionKind::PersonalCoupon => 3,
            PromotionKind::PaymentChannel => 4,
            PromotionKind::MemberOnly => 5,
        }
    }

    /// The set of the given kinds.
    pub fn of(kinds: &[PromotionKind]) -> Self {
        PromotionSet(kinds.iter().fold(0, |m, &k| m | Self::bit(k)))
    }

    /// The set's bits (a snapshot writes them as is).
    pub(crate) fn bits(self) -> u8 {
        self.0
    }

    /// A set from its bits, if they name only known kinds.
    pub(crate) fn from_bits(bits: u8) -> Option<Self> {
        (bits & !0x3f == 0).then_some(PromotionSet(bits))
    }

    /// True when `k` is in the set.
    pub fn contains(self, k: PromotionKind) -> bool {
        self.0 & Self::bit(k) != 0
    }
}

/// The comparison price a claim is judged against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// The lowest counted price.
    Price(Money),
    /// Prices were observed, but none of a counted promotion kind.
    Excluded,
    /// No price was observed for the SKU.
    Unobserved,
}

impl Comparison {
    /// The lowest price among `(price, kind)` observations whose kind is counted.
    pub fn lowest(
        observations: impl IntoIterator<Item = (Money, PromotionKind)>,
        counted: PromotionSet,
    ) -> Comparison {
        let mut out = Comparison::Unobserved;
        for (price, kind) in observations {
            out = match (out, counted.contains(kind)) {
                (Comparison::Price(p), true) => Comparison::Price(p.min(price)),
                (_, true) => Comparison::Price(price),
                (Comparison::Price(p), false) => Comparison::Price(p),
                (_, false) => Comparison::Excluded,
            };
        }
        out
    }

    /// The kind of the lowest counted price: among counted observations at
    /// the lowest price, the first kind in [`PromotionKind`]'s order (a
    /// seller's own price before a campaign price), whatever the order of
    /// the observations. `None` when no observation is counted.
    pub fn lowest_kind(
        observations: impl IntoIterator<Item = (Money, PromotionKind)>,
        counted: PromotionSet,
    ) -> Option<PromotionKind> {
        observations
            .into_iter()
            .filter(|&(_, kind)| counted.contains(kind))
            .min()
            .map(|(_, kind)| kind)
    }

    /// The price, when there is one.
    pub fn price(self) -> Option<Money> {
        match self {
            Comparison::Price(p) => Some(p),
            _ => None,
        }
    }
}

/// The outcome for one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAssessment {
    /// Paid unit price (floor of paid amount / quantity).
    pub paid_unit: Money,
    /// The comparison price, when a counted price was observed.
    pub comparison: Option<Money>,
    /// Units protected by this claim.
    pub protected_quantity: i64,
    /// What this claim pays (the increment over earlier claims).
    pub payout: Money,
    /// Platform-funded part of `payout`.
    pub platform_part: Money,
    /// Seller-funded part of `payout`.
    pub seller_part: Money,
    /// Why the payout is zero; `None` when it is positive.
    pub reason: Option<ZeroPayoutReason>,
}

/// Checks a history against the line's quantity; errors name the field.
pub(crate) fn check_history(terms: &LineTerms, h: &LineHistory, prefix: &str) -> Result<()> {
    let q = terms.quantity;
    if !(0..=q).contains(&h.units_returned) {
        return Err(PriceProtectionError::invalid(
            format!("{prefix}units_returned"),
            h.units_returned,
            format!("must be 0 ..= quantity {q}"),
        ));
    }
    if !(0..=q).contains(&h.protected_units) {
        return Err(PriceProtectionError::invalid(
            format!("{prefix}protected_units"),
            h.protected_units,
            format!("must be 0 ..= quantity {q}"),
        ));
    }
    if !(Money::ZERO..=terms.paid_amount).contains(&h.already_paid) {
        return Err(PriceProtectionError::invalid(
            format!("{prefix}already_paid"),
            h.already_paid,
            format!("must be 0 ..= the line's paid amount {}", terms.paid_amount),
        ));
    }
    if !(Money::ZERO..=terms.paid_amount).contains(&h.refunded) {
        return Err(PriceProtectionError::invalid(
            format!("{prefix}refunded"),
            h.refunded,
            format!("must be 0 ..= the line's paid amount {}", terms.paid_amount),
        ));
    }
    Ok(())
}

/// Assesses one line for a claim at `claimed_at` (see the module docs for
/// the rules). `window` is `None` while the window is not open.
pub fn assess_line(
    terms: &LineTerms,
    history: &LineHistory,
    window: Option<Window>,
    deduct_protected_units: bool,
    comparison: Comparison,
    claimed_at: Timestamp,
) -> Result<LineAssessment> {
    check_history(terms, history, "history.")?;
    let paid_unit = terms.paid_unit();
    let mut out = LineAssessment {
        paid_unit,
        comparison: comparison.price(),
        protected_quantity: 0,
        payout: Money::ZERO,
        platform_part: Money::ZERO,
        seller_part: Money::ZERO,
        reason: None,
    };
    let zero = |mut o: LineAssessment, r| {
        o.reason = Some(r);
        Ok(o)
    };
    if !window.is_some_and(|w| w.contains(claimed_at)) {
        return zero(out, ZeroPayoutReason::OutsideWindow);
    }
    let held = terms.quantity - history.units_returned;
    if held == 0 {
        return zero(out, ZeroPayoutReason::FullyReturned);
    }
    if history.refunded.is_positive() && history.refunded >= terms.paid_amount {
        return zero(out, ZeroPayoutReason::FullyRefunded);
    }
    let cmp = match comparison {
        Comparison::Price(p) => p,
        Comparison::Excluded => return zero(out, ZeroPayoutReason::ExcludedPromotion),
        Comparison::Unobserved => return zero(out, ZeroPayoutReason::PriceNotLower),
    };
    if cmp.is_negative() {
        return Err(PriceProtectionError::invalid(
            "observation.price",
            cmp,
            "must not be negative",
        ));
    }
    // exact: in 128 bits, no flooring of the paid unit price first
    let q = i128::from(terms.quantity);
    let short = i128::from(terms.paid_amount.minor_units()) - i128::from(cmp.minor_units()) * q;
    if short <= 0 {
        return zero(out, ZeroPayoutReason::PriceNotLower);
    }
    let protected = if deduct_protected_units {
        (held - history.protected_units).max(0)
    } else {
        held
    };
    out.protected_quantity = protected;
    // at most the paid amount (protected <= quantity): in range
    let entitlement = (i64::try_from(short * i128::from(protected) / q).ok())
        .and_then(|e| Money::new(e).ok())
        .ok_or_else(|| PriceProtectionError::overflow("payout"))?;
    let owed = if deduct_protected_units {
        entitlement
    } else {
        entitlement - history.already_paid // both >= 0: cannot overflow
    };
    let remaining = remaining_paid(terms, history);
    let payout = owed.min(remaining);
    if !payout.is_positive() {
        return zero(out, ZeroPayoutReason::AlreadyCompensated);
    }
    let (platform, seller) = split(payout, terms);
    out.payout = payout;
    out.platform_part = platform;
    out.seller_part = seller;
    Ok(out)
}

/// What remains paid on a line after every refund and the protection
/// already paid: `paid_amount − max(refunded, returned units' share) −
/// already_paid`, floored at 0. The returned units' share (floored) counts
/// a return whose money is not in `refunded`; money refunded without a
/// return (refund-only, partial, a cancellation) only `refunded` knows.
/// For a checked history every term is in `0 ..= paid_amount`: no overflow.
pub(crate) fn remaining_paid(terms: &LineTerms, history: &LineHistory) -> Money {
    (terms.paid_amount - given_back(terms, history) - history.already_paid).max(Money::ZERO)
}

/// The money a line's refunds gave back: `max(refunded, returned units'
/// share of the paid amount)` (a return and its refund are one refund,
/// counted once), in `0 ..= paid_amount` for a checked history.
fn given_back(terms: &LineTerms, history: &LineHistory) -> Money {
    let returned_share =
        money::mul_div_floor(terms.paid_amount, history.units_returned, terms.quantity);
    history.refunded.max(returned_share)
}

/// Splits `payout` into (platform, seller) parts in proportion to who funded
/// the line's discounts; the platform part is rounded down.
pub fn split(payout: Money, terms: &LineTerms) -> (Money, Money) {
    if !terms.discount_total.is_positive()
        || !terms.platform_discount.is_positive()
        || !payout.is_positive()
    {
        return (Money::ZERO, payout.max(Money::ZERO));
    }
    let plat = money::mul_div_floor(
        payout,
        terms
            .platform_discount
            .min(terms.discount_total)
            .minor_units(),
        terms.discount_total.minor_units(),
    );
    (plat, payout - plat)
}

impl LineHistory {
    /// Records a payout so the next claim pays only the increment.
    pub fn record_payout(
        &mut self,
        a: &LineAssessment,
        deduct_protected_units: bool,
    ) -> Result<()> {
        self.add_paid(a.payout, a.protected_quantity, deduct_protected_units)
    }

    /// Records the return of `units` and returns how much of the return's
    /// refund is withheld as protection already paid on them.
    ///
    /// Rule: returned units are taken from the protected units first. When
    /// every protected unit still held comes back, all remaining paid
    /// protection is withheld; otherwise a proportional share, rounded down:
    /// `floor(already_paid × protected_returned / protected_held)`. Then,
    /// as after any refund, protection that would leave the buyer holding
    /// more than the paid amount is withheld too ([`Self::record_refund`]).
    pub fn record_return(&mut self, terms: &LineTerms, units: i64) -> Result<Money> {
        check_history(terms, self, "history.")?;
        let held = terms.quantity - self.units_returned;
        if !(0..=held).contains(&units) {
            return Err(PriceProtectionError::invalid(
                "units_returned",
                units,
                format!("must be 0 ..= {held} (units still held)"),
            ));
        }
        Ok(self.withhold_return(terms, units))
    }

    /// [`Self::record_return`] without the checks, for a walk over facts
    /// checked when they were recorded: `units` is kept at most the units
    /// still held.
    pub(crate) fn withhold_return(&mut self, terms: &LineTerms, units: i64) -> Money {
        let held = (terms.quantity - self.units_returned).max(0);
        let units = units.clamp(0, held);
        let protected_held = self.protected_units.min(held);
        let back = units.min(protected_held);
        let withheld = if back == 0 {
            Money::ZERO
        } else if back == protected_held {
            self.already_paid
        } else {
            money::mul_div_floor(self.already_paid, back, protected_held)
        };
        self.already_paid -= withheld;
        self.protected_units = protected_held - back;
        self.units_returned += units;
        withheld + self.deduct_over_paid(terms)
    }

    /// Records `amount` of money refunded on the line (refund-only, a
    /// partial refund, a cancellation, or a return's money) and returns how
    /// much of it is withheld as protection already paid.
    ///
    /// Rule (published, JD: a later refund of the order deducts the
    /// price-protection payout first; how much, ours): after the refund the
    /// buyer may hold at most what they paid, so the protection that would
    /// take them past it — `max(refunded, returned units' share) +
    /// already_paid − paid_amount`, when positive — comes back out of the
    /// refund, at most the protection still paid. A refund that leaves room
    /// (a small partial refund) deducts nothing; a refund of the whole line
    /// deducts every payout. Money refunded is kept at most the paid amount.
    pub fn record_refund(&mut self, terms: &LineTerms, amount: Money) -> Result<Money> {
        check_history(terms, self, "history.")?;
        if amount.is_negative() {
            return Err(PriceProtectionError::invalid(
                "amount",
                amount,
                "must not be negative",
            ));
        }
        Ok(self.add_refunded(terms, amount))
    }

    /// [`Self::record_refund`] without the checks, for a walk over facts
    /// checked when they were recorded.
    pub(crate) fn add_refunded(&mut self, terms: &LineTerms, amount: Money) -> Money {
        let paid = terms.paid_amount;
        // past the money range is past the paid amount: kept at it
        self.refunded =
            (self.refunded.checked_add(amount.max(Money::ZERO))).map_or(paid, |r| r.min(paid));
        self.deduct_over_paid(terms)
    }

    /// Takes back the protection that leaves the buyer holding more than
    /// the line's paid amount (see [`Self::record_refund`]); returns it.
    pub(crate) fn deduct_over_paid(&mut self, terms: &LineTerms) -> Money {
        // every term in 0 ..= paid_amount, so each step stays within
        // ±paid_amount (adding the first two could pass the money range)
        let over = (given_back(terms, self) - terms.paid_amount) + self.already_paid;
        let taken = over.clamp(Money::ZERO, self.already_paid.max(Money::ZERO));
        self.already_paid -= taken;
        taken
    }
}

/// How much of a refund of `amount` is withheld as protection already
/// paid, without changing `history` (see [`LineHistory::record_refund`]).
pub fn refund_deduction(terms: &LineTerms, history: &LineHistory, amount: Money) -> Result<Money> {
    let mut h = *history;
    h.record_refund(terms, amount)
}

/// How much of a refund for `units` returned units is withheld as protection
/// already paid, without changing `history` (see [`LineHistory::record_return`]).
pub fn return_deduction(terms: &LineTerms, history: &LineHistory, units: i64) -> Result<Money> {
    let mut h = *history;
    h.record_return(terms, units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::m;
    use crate::time::ts;

    fn terms(q: i64, paid: Money) -> LineTerms {
        LineTerms {
            quantity: q,
            paid_amount: paid,
            discount_total: m(0),
            platform_discount: m(0),
        }
    }

    fn open() -> Option<Window> {
        Some(Window {
            start: ts(0),
            end: ts(100),
        })
    }

    #[test]
    fn reasons_in_order() {
        let t = terms(2, m(2000));
        let h = LineHistory::default();
        let p = Comparison::Price(m(800));
        let r = |t: &LineTerms, h: &LineHistory, w, c, at| {
            assess_line(t, h, w, false, c, at).unwrap().reason
        };
        assert_eq!(
            r(&t, &h, open(), p, ts(101)),
            Some(ZeroPayoutReason::OutsideWindow)
        );
        assert_eq!(
            r(&t, &h, None, p, ts(1)),
            Some(ZeroPayoutReason::OutsideWindow)
        );
        let gone = LineHistory {
            units_returned: 2,
            ..h
        };
        assert_eq!(
            r(&t, &gone, open(), p, ts(1)),
            Some(ZeroPayoutReason::FullyReturned)
        );
        assert_eq!(
            r(&t, &h, open(), Comparison::Excluded, ts(1)),
            Some(ZeroPayoutReason::ExcludedPromotion)
        );
        assert_eq!(
            r(&t, &h, open(), Comparison::Price(m(1000)), ts(1)),
            Some(ZeroPayoutReason::PriceNotLower)
        );
        let paid = LineHistory {
            already_paid: m(400),
            protected_units: 2,
            ..h
        };
        assert_eq!(
            r(&t, &paid, open(), p, ts(1)),
            Some(ZeroPayoutReason::AlreadyCompensated)
        );
        assert_eq!(r(&t, &h, open(), p, ts(1)), None);
    }

    /// Issue 14: money refunded without a return is deducted from what a
    /// payout may take: a 10,000 line with 3,000 refunded dropping to 0 pays
    /// 7,000, not 10,000; a line refunded in full pays nothing.
    #[test]
    fn refunded_money_caps_the_payout() {
        let t = terms(1, m(10_000));
        let drop_to_zero = |h: &LineHistory| {
            assess_line(&t, h, open(), false, Comparison::Price(m(0)), ts(1)).unwrap()
        };
        assert_eq!(drop_to_zero(&LineHistory::default()).payout, m(10_000));
        let partial = LineHistory {
            refunded: m(3_000),
            ..LineHistory::default()
        };
        assert_eq!(drop_to_zero(&partial).payout, m(7_000));
        let full = LineHistory {
            refunded: m(10_000),
            ..LineHistory::default()
        };
        let a = drop_to_zero(&full);
        assert_eq!(a.payout, m(0));
        assert_eq!(a.reason, Some(ZeroPayoutReason::FullyRefunded));
        // refunds and payouts together: nothing left, already compensated
        let together = LineHistory {
            refunded: m(6_000),
            already_paid: m(4_000),
            protected_units: 1,
            ..LineHistory::default()
        };
        let a = drop_to_zero(&together);
        assert_eq!(a.payout, m(0));
        assert_eq!(a.reason, Some(ZeroPayoutReason::AlreadyCompensated));
        // a later drop pays only up to what remains: 7,000 − 2,000 already paid
        let after = LineHistory {
            refunded: m(3_000),
            already_paid: m(2_000),
            protected_units: 1,
            ..LineHistory::default()
        };
        assert_eq!(drop_to_zero(&after).payout, m(5_000));
        // a small drop is not cut by a refund that leaves enough paid
        let small = assess_line(
            &t,
            &partial,
            open(),
            false,
            Comparison::Price(m(9_000)),
            ts(1),
        )
        .unwrap();
        assert_eq!(small.payout, m(1_000));
    }

    /// A return's money and its units are one refund, counted once: the
    /// larger of the money refunded and the returned units' share.
    #[test]
    fn a_return_and_its_refund_are_not_deducted_twice() {
        let t = terms(2, m(10_000));
        let drop_to_zero = |h: &LineHistory| {
            assess_line(&t, h, open(), false, Comparison::Price(m(0)), ts(1)).unwrap()
        };
        // one unit returned, its 5,000 refunded: the other unit's 5,000 is owed
        let returned = LineHistory {
            units_returned: 1,
            refunded: m(5_000),
            ..LineHistory::default()
        };
        assert_eq!(drop_to_zero(&returned).payout, m(5_000));
        // the return recorded without its money: the units' share still counts
        let units_only = LineHistory {
            units_returned: 1,
            ..LineHistory::default()
        };
        assert_eq!(drop_to_zero(&units_only).payout, m(5_000));
        // a return plus 1,500 refunded without a return on the kept unit
        let both = LineHistory {
            units_returned: 1,
            refunded: m(6_500),
            ..LineHistory::default()
        };
        assert_eq!(drop_to_zero(&both).payout, m(3_500));
    }

    /// The claim API's refund after a payout: a 10,000 line paid 4,000 of
    /// protection; refunding 8,000 would leave the buyer 12,000, so 2,000
    /// comes back out of the refund; a small refund takes nothing; a bad
    /// amount is refused and leaves the history as it was.
    #[test]
    fn a_recorded_refund_takes_back_protection_over_the_paid_amount() {
        let t = terms(1, m(10_000));
        let paid = LineHistory {
            already_paid: m(4_000),
            protected_units: 1,
            ..LineHistory::default()
        };
        assert_eq!(refund_deduction(&t, &paid, m(5_000)).unwrap(), m(0));
        assert_eq!(refund_deduction(&t, &paid, m(8_000)).unwrap(), m(2_000));
        // the whole line back: every payout returns, never more
        assert_eq!(refund_deduction(&t, &paid, m(10_000)).unwrap(), m(4_000));
        assert_eq!(refund_deduction(&t, &paid, Money::MAX).unwrap(), m(4_000));
        let mut h = paid;
        assert_eq!(h.record_refund(&t, m(5_000)).unwrap(), m(0));
        assert_eq!(h.record_refund(&t, m(3_000)).unwrap(), m(2_000));
        assert_eq!((h.refunded, h.already_paid), (m(8_000), m(2_000)));
        let before = h;
        let err = h.record_refund(&t, m(-1)).unwrap_err();
        assert!(err.to_string().contains("amount"), "{err}");
        assert_eq!(h, before);
        let err = refund_deduction(&t, &paid, m(-5)).unwrap_err();
        assert!(err.to_string().contains("must not be negative"), "{err}");
    }

    /// The largest amounts: a whole line refunded after protection of all
    /// of it was paid takes every payout back, and no step leaves the
    /// money range on the way (given back + paid would).
    #[test]
    fn the_largest_line_refunded_in_full_takes_its_protection_back() {
        let t = terms(1, Money::MAX);
        let mut h = LineHistory {
            already_paid: Money::MAX,
            protected_units: 1,
            ..LineHistory::default()
        };
        assert_eq!(h.record_refund(&t, Money::MAX).unwrap(), Money::MAX);
        assert_eq!((h.refunded, h.already_paid), (Money::MAX, Money::ZERO));
        let mut h = LineHistory {
            already_paid: Money::MAX,
            protected_units: 1,
            ..LineHistory::default()
        };
        assert_eq!(h.record_return(&t, 1).unwrap(), Money::MAX);
    }

    #[test]
    fn refunded_is_checked_against_the_paid_amount() {
        let t = terms(1, m(10_000));
        for bad in [-1, 10_001] {
            let h = LineHistory {
                refunded: m(bad),
                ..LineHistory::default()
            };
            let e = assess_line(&t, &h, open(), false, Comparison::Price(m(0)), ts(1)).unwrap_err();
            assert_eq!(
                e,
                PriceProtectionError::invalid(
                    "history.refunded",
                    bad,
                    "must be 0 ..= the line's paid amount 10000"
                )
            );
        }
    }

    #[test]
    fn comparison_counts_only_configured_kinds() {
        let counted = PromotionSet::of(&[PromotionKind::None, PromotionKind::Public]);
        let c = Comparison::lowest(
            [
                (m(900), PromotionKind::PaymentChannel),
                (m(950), PromotionKind::Public),
                (m(990), PromotionKind::None),
            ],
            counted,
        );
        assert_eq!(c, Comparison::Price(m(950)));
        let c = Comparison::lowest([(m(900), PromotionKind::MemberOnly)], counted);
        assert_eq!(c, Comparison::Excluded);
        assert_eq!(Comparison::lowest([], counted), Comparison::Unobserved);
    }

    #[test]
    fn return_withholds_protection_first() {
        let t = terms(4, m(4000));
        let mut h = LineHistory::default();
        let a = assess_line(&t, &h, open(), false, Comparison::Price(m(700)), ts(1)).unwrap();
        assert_eq!(a.payout, m(1200));
        h.record_payout(&a, false).unwrap();
        assert_eq!(return_deduction(&t, &h, 1).unwrap(), m(300));
        assert_eq!(h.record_return(&t, 1).unwrap(), m(300));
        assert_eq!(
            h,
            LineHistory {
                units_returned: 1,
                protected_units: 3,
                already_paid: m(900),
                refunded: m(0),
            }
        );
        assert_eq!(h.record_return(&t, 3).unwrap(), m(900));
        assert!(h.record_return(&t, 1).is_err());
    }

    #[test]
    fn split_rounds_platform_down() {
        let t = LineTerms {
            quantity: 1,
            paid_amount: m(700),
            discount_total: m(300),
            platform_discount: m(100),
        };
        assert_eq!(split(m(100), &t), (m(33), m(67)));
        assert_eq!(split(m(100), &terms(1, m(1))), (m(0), m(100)));
    }
}
