//! The event model: the facts a marketplace already records.
//!
//! Why a closed enum of plain structs: every fact that can move a score has a
//! name and a type here, so a malformed fact is caught at the door (with the
//! event id and the field) instead of surfacing later as a wrong number.
//! Events are read from JSON Lines, one object per line, tagged by `"type"`.
//!
//! Money is always integer minor units ([`Money`], fen / cents); time is
//! always UTC seconds since the Unix epoch ([`Timestamp`]).

use serde::{Deserialize, Serialize};

use crate::error::EventError;

pub use crate::money::Money;
pub use crate::time::{Timestamp, TimestampRangeError};

/// One fact about a shop, an order or a buyer session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A buyer paid an order.
    OrderPaid(OrderPaid),
    /// The risk system's verdict on an order, possibly after payment.
    RiskVerdict(RiskVerdict),
    /// The parcel was handed to a carrier.
    Shipped(Shipped),
    /// The buyer signed for the parcel.
    Delivered(Delivered),
    /// The tracking showed an anomaly (stalled, fake shipment, lost).
    TrackingAnomaly(TrackingAnomaly),
    /// A buyer review of an order, stars per dimension.
    Review(Review),
    /// The buyer asked for a refund, a return or an exchange.
    RefundRequested(RefundRequested),
    /// A refund was paid out (or an exchange completed).
    RefundCompleted(RefundCompleted),
    /// The buyer asked the platform to step in.
    PlatformIntervention(OrderNote),
    /// The platform ruled on a dispute.
    DisputeRuled(DisputeRuled),
    /// The buyer filed a complaint.
    Complaint(OrderNote),
    /// A card chargeback on the order.
    Chargeback(OrderNote),
    /// An A-to-z guarantee claim and its outcome.
    AtozClaim(AtozClaim),
    /// The seller cancelled the order before shipping it.
    SellerCancelled(OrderNote),
    /// A buyer chat session with the shop's customer service.
    Chat(ChatSession),
    /// The shop's profile: category, certifications, service offerings.
    ShopProfile(ShopProfile),
    /// A public price observation for a SKU (a price drop triggers price protection).
    PriceChange(PriceChange),
    /// The platform granted a seller's appeal: a review, a dispute ruling
    /// or a problem label of an order counts no more.
    AppealGranted(AppealGranted),
}

/// Who paid for a discount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Funder {
    /// The platform funded it (platform coupon, campaign subsidy).
    Platform,
    /// The shop funded it.
    Seller,
}

/// What kind of promotion produced a price.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionKind {
    /// The public list price, no promotion.
    None,
    /// A public promotion anyone can get (store-wide sale, campaign price).
    Public,
    /// A platform campaign price open to everyone.
    PlatformCampaign,
    /// A coupon handed to one buyer.
    PersonalCoupon,
    /// A payment-channel promotion (card or wallet discount).
    PaymentChannel,
    /// A price only members see.
    MemberOnly,
}

/// One line of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    /// Stock-keeping unit: same SKU = same item, spec, colour, package.
    pub sku: String,
    /// Units bought, at least 1.
    pub quantity: i64,
    /// List price of one unit, minor units.
    pub unit_price: Money,
    /// Line-level discount (minor units) already taken off this line.
    #[serde(default)]
    pub line_discount: Money,
}

/// An order-level discount, apportioned to lines in proportion to line amounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDiscount {
    /// Minor units.
    pub amount: Money,
    /// Who paid for it.
    pub funded_by: Funder,
    /// What kind of promotion it was.
    #[serde(default = "default_discount_kind")]
    pub kind: PromotionKind,
}

fn default_discount_kind() -> PromotionKind {
    PromotionKind::Public
}

/// The risk system's verdicts carried on an order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskFlags {
    /// A fake / brushing (刷单) order: excluded from every numerator and denominator.
    #[serde(default)]
    pub fake: bool,
}

/// A buyer paid an order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderPaid {
    /// Event id, unique per fact.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// Shop id.
    pub shop_id: String,
    /// Buyer id.
    pub buyer_id: String,
    /// Category of the order (leaf category of its items).
    pub category: String,
    /// The lines; at least one.
    pub lines: Vec<OrderLine>,
    /// Order-level discounts.
    #[serde(default)]
    pub discounts: Vec<OrderDiscount>,
    /// When the order was submitted; defaults to `paid_at`.
    #[serde(default)]
    pub ordered_at: Option<Timestamp>,
    /// When it was paid.
    pub paid_at: Timestamp,
    /// Promised ship-by time.
    pub ship_by: Timestamp,
    /// Promised delivery time, when the shop promised one (e.g. cold chain).
    #[serde(default)]
    pub deliver_by: Option<Timestamp>,
    /// The risk system's verdicts at payment time.
    #[serde(default)]
    pub risk: RiskFlags,
    /// Order tags (`dual_size`, `cold_chain`, `custom_made`, `appraisal_certificate`, ...).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The delivery region (a province code, say), matched against the
    /// configured exclusion windows; at most [`MAX_REGION_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl OrderPaid {
    /// What the buyer paid: every line's `unit_price × quantity −
    /// line_discount`, less the order discounts. `None` when a step leaves
    /// the money range or the result is negative (validation refuses both,
    /// and a line discount larger than its line, naming the field).
    pub fn amount(&self) -> Option<Money> {
        let mut total = Money::ZERO;
        for l in &self.lines {
            let line = l.unit_price.checked_mul(l.quantity)?;
            total = total.checked_add(line.checked_sub(l.line_discount)?)?;
        }
        for d in &self.discounts {
            total = total.checked_sub(d.amount)?;
        }
        (!total.is_negative()).then_some(total)
    }
}

/// A later verdict of the risk system on an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskVerdict {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// When the verdict was given.
    pub at: Timestamp,
    /// True when the order is fake (brushing).
    pub fake: bool,
}

/// The parcel was handed to a carrier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipped {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// When the seller marked it shipped.
    pub at: Timestamp,
    /// The carrier's first pickup scan, if any.
    #[serde(default)]
    pub pickup_at: Option<Timestamp>,
    /// The tracking number was valid (carrier recognised it).
    #[serde(default = "default_true")]
    pub tracking_valid: bool,
}

fn default_true() -> bool {
    true
}

/// The buyer signed for the parcel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// When it was signed for.
    pub at: Timestamp,
}

/// The tracking showed an anomaly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingAnomaly {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// When it was detected.
    pub at: Timestamp,
    /// True when the shipment was fake (no parcel behind the tracking number).
    #[serde(default)]
    pub fake_shipment: bool,
}

/// A buyer review of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// The reviewer (the buyer).
    pub reviewer: String,
    /// When it was written.
    pub at: Timestamp,
    /// Stars for the product / description match, 1–5.
    pub product_stars: i64,
    /// Stars for logistics, 1–5.
    #[serde(default)]
    pub logistics_stars: Option<i64>,
    /// Stars for service, 1–5.
    #[serde(default)]
    pub service_stars: Option<i64>,
    /// The review system found it suspicious: dropped from every score.
    #[serde(default)]
    pub suspicious: bool,
}

/// The kind of after-sales request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundKind {
    /// Refund without returning the goods (仅退款).
    RefundOnly,
    /// Return the goods and get the money back.
    ReturnAndRefund,
    /// Exchange for another unit.
    Exchange,
}

/// Why the buyer asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    /// Poor quality.
    Quality,
    /// Not as described.
    NotAsDescribed,
    /// Arrived damaged.
    Damaged,
    /// Defective.
    Defective,
    /// Expired.
    Expired,
    /// Counterfeit.
    Counterfeit,
    /// Wrong size.
    WrongSize,
    /// No reason (7-day no-reason return).
    NoReason,
    /// Never received.
    NotReceived,
    /// Arrived late.
    Late,
    /// Anything else.
    Other,
}

/// The buyer asked for a refund, a return or an exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequested {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// Refund id, shared by the request and its completion.
    pub refund_id: String,
    /// When it was requested.
    pub at: Timestamp,
    /// Refund-only, return-and-refund or exchange.
    pub kind: RefundKind,
    /// Why.
    pub reason: RefundReason,
    /// Amount asked for, minor units.
    pub amount: Money,
    /// The SKU concerned, when the request is for one line.
    #[serde(default)]
    pub sku: Option<String>,
    /// Units concerned.
    #[serde(default)]
    pub units: Option<i64>,
}

/// A refund was paid out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundCompleted {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// Refund id, shared with the request.
    pub refund_id: String,
    /// When the money went back.
    pub at: Timestamp,
    /// Amount refunded, minor units.
    pub amount: Money,
    /// Units returned with it (return-and-refund).
    #[serde(default)]
    pub units_returned: Option<i64>,
}

/// A fact about an order with nothing but a time (intervention, complaint,
/// chargeback, seller cancellation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderNote {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// When it happened.
    pub at: Timestamp,
}

/// What a granted appeal takes out of an order's counted facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealScope {
    /// The order's review (as if suspicious: no rating, no review label).
    Review,
    /// The dispute ruling (no "dispute lost" label, no closed-for-buyer case).
    Dispute,
    /// One problem label, named by `reason`.
    Label,
}

/// The platform granted a seller's appeal on an order (申诉成功).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealGranted {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// When it was granted.
    pub at: Timestamp,
    /// What it takes out.
    pub scope: AppealScope,
    /// The label taken out (`scope` `label` only), e.g. `no_pickup_in_time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<crate::problem::Reason>,
}

/// Who won a dispute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeWinner {
    /// Ruled for the buyer.
    Buyer,
    /// Ruled for the seller.
    Seller,
}

/// The platform ruled on a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeRuled {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// When the ruling was made.
    pub at: Timestamp,
    /// Who won.
    pub for_party: DisputeWinner,
}

/// Outcome of an A-to-z guarantee claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcome {
    /// Still open.
    Open,
    /// Granted to the buyer.
    Granted,
    /// Denied.
    Denied,
}

/// An A-to-z guarantee claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtozClaim {
    /// Event id.
    pub id: String,
    /// Order id.
    pub order_id: String,
    /// When it was filed or last updated.
    pub at: Timestamp,
    /// Its outcome.
    pub outcome: ClaimOutcome,
}

/// A buyer chat session with the shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatSession {
    /// Event id.
    pub id: String,
    /// Shop id.
    pub shop_id: String,
    /// Buyer id.
    pub buyer_id: String,
    /// When the buyer's first message arrived.
    pub started_at: Timestamp,
    /// Seconds until the first human answer; absent when no human answered.
    #[serde(default)]
    pub first_response_secs: Option<i64>,
    /// Satisfaction rating 1–5, when the buyer gave one.
    #[serde(default)]
    pub satisfaction: Option<i64>,
    /// Certification of the agent who answered (`maternity_advisor`, `pet_doctor`, ...).
    #[serde(default)]
    pub agent_certification: Option<String>,
    /// Id of the agent who answered; absent when unknown (see [`crate::agents`]).
    #[serde(default)]
    pub agent_id: Option<String>,
}

/// A shop's price-protection window is counted from this moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectionAnchor {
    /// Order submission.
    Order,
    /// Payment.
    Payment,
    /// Signed receipt.
    Receipt,
}

/// A shop's price-protection (价保) policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceProtectionPolicy {
    /// Window length in days (7 / 15 / 30 / 90).
    pub window_days: i64,
    /// What the window is counted from.
    #[serde(default = "default_anchor")]
    pub anchor: ProtectionAnchor,
    /// Promotion kinds that may lower the comparison price; `none` and `public`
    /// and `platform_campaign` count by default.
    #[serde(default = "default_counted_promotions")]
    pub counted_promotions: Vec<PromotionKind>,
    /// Also deduct units already protected by earlier claims from the protected quantity.
    #[serde(default)]
    pub deduct_protected_units: bool,
}

fn default_anchor() -> ProtectionAnchor {
    ProtectionAnchor::Order
}

/// Promotion kinds that lower the comparison price unless a policy says otherwise.
pub fn default_counted_promotions() -> Vec<PromotionKind> {
    vec![
        PromotionKind::None,
        PromotionKind::Public,
        PromotionKind::PlatformCampaign,
    ]
}

/// The shop's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopProfile {
    /// Event id.
    pub id: String,
    /// Shop id.
    pub shop_id: String,
    /// When this profile took effect; the latest profile wins.
    pub at: Timestamp,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Main category; peers are the shops of the same category.
    pub category: String,
    /// Certifications held (`maternity_advisor`, `pet_doctor`, `jewelry_appraiser`, ...).
    #[serde(default)]
    pub certifications: Vec<String>,
    /// Service offerings (`dual_size_free_return`, `private_customisation`, ...).
    #[serde(default)]
    pub services: Vec<String>,
    /// The shop's price-protection policy, if it offers one.
    #[serde(default)]
    pub price_protection: Option<PriceProtectionPolicy>,
}

/// A public price observation for a SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChange {
    /// Event id.
    pub id: String,
    /// The SKU.
    pub sku: String,
    /// The price one unit now sells for, minor units.
    pub price: Money,
    /// What produced it.
    #[serde(default = "default_price_kind")]
    pub promotion: PromotionKind,
    /// When it was observed.
    pub at: Timestamp,
}

fn default_price_kind() -> PromotionKind {
    PromotionKind::None
}

impl Event {
    /// The event id.
    pub fn id(&self) -> &str {
        match self {
            Event::OrderPaid(e) => &e.id,
            Event::RiskVerdict(e) => &e.id,
            Event::Shipped(e) => &e.id,
            Event::Delivered(e) => &e.id,
            Event::TrackingAnomaly(e) => &e.id,
            Event::Review(e) => &e.id,
            Event::RefundRequested(e) => &e.id,
            Event::RefundCompleted(e) => &e.id,
            Event::PlatformIntervention(e)
            | Event::Complaint(e)
            | Event::Chargeback(e)
            | Event::SellerCancelled(e) => &e.id,
            Event::DisputeRuled(e) => &e.id,
            Event::AtozClaim(e) => &e.id,
            Event::Chat(e) => &e.id,
            Event::ShopProfile(e) => &e.id,
            Event::PriceChange(e) => &e.id,
            Event::AppealGranted(e) => &e.id,
        }
    }

    /// The order this event is about, when it is about an order.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            Event::OrderPaid(e) => Some(&e.order_id),
            Event::RiskVerdict(e) => Some(&e.order_id),
            Event::Shipped(e) => Some(&e.order_id),
            Event::Delivered(e) => Some(&e.order_id),
            Event::TrackingAnomaly(e) => Some(&e.order_id),
            Event::Review(e) => Some(&e.order_id),
            Event::RefundRequested(e) => Some(&e.order_id),
            Event::RefundCompleted(e) => Some(&e.order_id),
            Event::PlatformIntervention(e)
            | Event::Complaint(e)
            | Event::Chargeback(e)
            | Event::SellerCancelled(e) => Some(&e.order_id),
            Event::DisputeRuled(e) => Some(&e.order_id),
            Event::AtozClaim(e) => Some(&e.order_id),
            Event::AppealGranted(e) => Some(&e.order_id),
            Event::Chat(_) | Event::ShopProfile(_) | Event::PriceChange(_) => None,
        }
    }

    /// The `"type"` tag of this event, as written in JSON.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Event::OrderPaid(_) => "order_paid",
            Event::RiskVerdict(_) => "risk_verdict",
            Event::Shipped(_) => "shipped",
            Event::Delivered(_) => "delivered",
            Event::TrackingAnomaly(_) => "tracking_anomaly",
            Event::Review(_) => "review",
            Event::RefundRequested(_) => "refund_requested",
            Event::RefundCompleted(_) => "refund_completed",
            Event::PlatformIntervention(_) => "platform_intervention",
            Event::DisputeRuled(_) => "dispute_ruled",
            Event::Complaint(_) => "complaint",
            Event::Chargeback(_) => "chargeback",
            Event::AtozClaim(_) => "atoz_claim",
            Event::SellerCancelled(_) => "seller_cancelled",
            Event::Chat(_) => "chat",
            Event::ShopProfile(_) => "shop_profile",
            Event::PriceChange(_) => "price_change",
            Event::AppealGranted(_) => "appeal_granted",
        }
    }

    /// Checks every value a parser cannot: stars in 1–5, positive quantities,
    /// non-negative money, sums within the money range. The error names the
    /// event id and the field.
    pub fn validate(&self) -> Result<(), EventError> {
        let id = self.id();
        if id.len() > MAX_ID_BYTES {
            // the error names a prefix, never echoes a huge id whole
            let mut cut = 64;
            while !id.is_char_boundary(cut) {
                cut -= 1;
            }
            return Err(EventError {
                event_id: Some(format!("{}…", &id[..cut])),
                field: "id".into(),
                message: format!("an id of {} bytes; at most {MAX_ID_BYTES}", id.len()),
            });
        }
        if let Some(c) = control_char(id) {
            // the error shows the id escaped, never a raw NUL or escape code
            return Err(EventError {
                event_id: Some(id.escape_debug().to_string()),
                field: "id".into(),
                message: control_message(c),
            });
        }
        let bad = |field: &str, msg: String| Err(EventError::invalid(id, field, msg));
        if id.is_empty() {
            return bad("id", "must not be empty".into());
        }
        match self {
            Event::OrderPaid(o) => {
                non_empty(id, "order_id", &o.order_id)?;
                non_empty(id, "shop_id", &o.shop_id)?;
                non_empty(id, "buyer_id", &o.buyer_id)?;
                non_empty(id, "category", &o.category)?;
                for (i, t) in o.tags.iter().enumerate() {
                    non_empty(id, format_args!("tags[{i}]"), t)?;
                }
                if let Some(r) = &o.region {
                    non_empty(id, "region", r)?;
                    if r.len() > MAX_REGION_BYTES {
                        return bad(
                            "region",
                            format!("a region of {} bytes; at most {MAX_REGION_BYTES}", r.len()),
                        );
                    }
                }
                if o.lines.is_empty() {
                    return bad("lines", "an order needs at least one line".into());
                }
                let mut total = Money::ZERO;
                for (i, l) in o.lines.iter().enumerate() {
                    let f = |name: &str| format!("lines[{i}].{name}");
                    non_empty(id, format_args!("lines[{i}].sku"), &l.sku)?;
                    if l.quantity <= 0 {
                        return bad(
                            &f("quantity"),
                            format!("must be at least 1, got {}", l.quantity),
                        );
                    }
                    if l.unit_price.is_negative() {
                        return bad(
                            &f("unit_price"),
                            format!("must not be negative, got {}", l.unit_price),
                        );
                    }
                    if l.line_discount.is_negative() {
                        return bad(
                            &f("line_discount"),
                            format!("must not be negative, got {}", l.line_discount),
                        );
                    }
                    let gross = l.unit_price.checked_mul(l.quantity).ok_or_else(|| {
                        EventError::invalid(
                            id,
                            &f("unit_price"),
                            format!(
                                "{} x {} is outside the money range",
                                l.unit_price, l.quantity
                            ),
                        )
                    })?;
                    if l.line_discount > gross {
                        return bad(
                            &f("line_discount"),
                            format!("{} is larger than the line amount {gross}", l.line_discount),
                        );
                    }
                    // the discount is not larger: in range
                    total = total.checked_add(gross - l.line_discount).ok_or_else(|| {
                        EventError::invalid(
                            id,
                            &f("unit_price"),
                            "the order total is outside the money range".into(),
                        )
                    })?;
                }
                let mut discounts = Money::ZERO;
                for (i, d) in o.discounts.iter().enumerate() {
                    if d.amount.is_negative() {
                        return bad(
                            &format!("discounts[{i}].amount"),
                            format!("must not be negative, got {}", d.amount),
                        );
                    }
                    discounts = discounts.checked_add(d.amount).ok_or_else(|| {
                        EventError::invalid(
                            id,
                            &format!("discounts[{i}].amount"),
                            "the discounts' sum is outside the money range".into(),
                        )
                    })?;
                }
                if discounts > total {
                    return bad(
                        "discounts",
                        format!("order discounts {discounts} exceed the order amount {total}"),
                    );
                }
                if o.ship_by < o.paid_at {
                    return bad(
                        "ship_by",
                        format!("{} is before paid_at {}", o.ship_by, o.paid_at),
                    );
                }
                if let Some(t) = o.ordered_at {
                    if t > o.paid_at {
                        return bad("ordered_at", format!("{t} is after paid_at {}", o.paid_at));
                    }
                }
            }
            Event::Review(r) => {
                non_empty(id, "order_id", &r.order_id)?;
                printable(id, "reviewer", &r.reviewer)?;
                stars(id, "product_stars", Some(r.product_stars))?;
                stars(id, "logistics_stars", r.logistics_stars)?;
                stars(id, "service_stars", r.service_stars)?;
            }
            Event::RefundRequested(r) => {
                non_empty(id, "refund_id", &r.refund_id)?;
                if r.amount.is_negative() {
                    return bad("amount", format!("must not be negative, got {}", r.amount));
                }
                if let Some(u) = r.units {
                    if u < 0 {
                        return bad("units", format!("must not be negative, got {u}"));
                    }
                }
            }
            Event::AppealGranted(a) => match (a.scope, a.reason) {
                (AppealScope::Label, None) => {
                    return bad("reason", "an appeal of a label names its reason".into());
                }
                (AppealScope::Review | AppealScope::Dispute, Some(_)) => {
                    return bad(
                        "reason",
                        "only an appeal of a label (scope `label`) names a reason".into(),
                    );
                }
                _ => {}
            },
            Event::RefundCompleted(r) => {
                non_empty(id, "refund_id", &r.refund_id)?;
                if r.amount.is_negative() {
                    return bad("amount", format!("must not be negative, got {}", r.amount));
                }
                if let Some(u) = r.units_returned {
                    if u < 0 {
                        return bad("units_returned", format!("must not be negative, got {u}"));
                    }
                }
            }
            Event::Chat(c) => {
                non_empty(id, "shop_id", &c.shop_id)?;
                if let Some(s) = c.first_response_secs {
                    if s < 0 {
                        return bad(
                            "first_response_secs",
                            format!("must not be negative, got {s}"),
                        );
                    }
                }
                stars(id, "satisfaction", c.satisfaction)?;
            }
            Event::ShopProfile(p) => {
                non_empty(id, "shop_id", &p.shop_id)?;
                non_empty(id, "category", &p.category)?;
                if let Some(pp) = &p.price_protection {
                    if pp.window_days <= 0 || pp.window_days > 3650 {
                        return bad(
                            "price_protection.window_days",
                            format!("must be 1..=3650, got {}", pp.window_days),
                        );
                    }
                }
            }
            Event::PriceChange(p) => {
                non_empty(id, "sku", &p.sku)?;
                if p.price.is_negative() {
                    return bad("price", format!("must not be negative, got {}", p.price));
                }
            }
            _ => {}
        }
        if let Some(order) = self.order_id() {
            non_empty(id, "order_id", order)?;
        }
        self.for_each_time(&mut |field, t| plausible_time(id, field, t))
    }

    /// The latest timestamp the event carries (promises such as `ship_by` excluded).
    pub fn latest_time(&self) -> Timestamp {
        match self {
            Event::OrderPaid(o) => o.paid_at,
            Event::Shipped(s) => s.pickup_at.map_or(s.at, |p| p.max(s.at)),
            _ => {
                let mut latest = Timestamp::MIN;
                let _ = self.for_each_time(&mut |_, t| {
                    latest = latest.max(t);
                    Ok(())
                });
                latest
            }
        }
    }

    /// Calls `f` with the name and value of every timestamp the event carries.
    fn for_each_time(
        &self,
        f: &mut dyn FnMut(&str, Timestamp) -> Result<(), EventError>,
    ) -> Result<(), EventError> {
        match self {
            Event::OrderPaid(o) => {
                f("paid_at", o.paid_at)?;
                f("ship_by", o.ship_by)?;
                if let Some(t) = o.ordered_at {
                    f("ordered_at", t)?;
                }
                if let Some(t) = o.deliver_by {
                    f("deliver_by", t)?;
                }
                Ok(())
            }
            Event::Shipped(s) => {
                f("at", s.at)?;
                match s.pickup_at {
                    Some(t) => f("pickup_at", t),
                    None => Ok(()),
                }
            }
            Event::RiskVerdict(e) => f("at", e.at),
            Event::Delivered(e) => f("at", e.at),
            Event::TrackingAnomaly(e) => f("at", e.at),
            Event::Review(e) => f("at", e.at),
            Event::RefundRequested(e) => f("at", e.at),
            Event::RefundCompleted(e) => f("at", e.at),
            Event::PlatformIntervention(e)
            | Event::Complaint(e)
            | Event::Chargeback(e)
            | Event::SellerCancelled(e) => f("at", e.at),
            Event::DisputeRuled(e) => f("at", e.at),
            Event::AtozClaim(e) => f("at", e.at),
            Event::Chat(e) => f("started_at", e.started_at),
            Event::ShopProfile(e) => f("at", e.at),
            Event::PriceChange(e) => f("at", e.at),
            Event::AppealGranted(e) => f("at", e.at),
        }
    }
}

/// Earliest timestamp accepted: 2000-01-01T00:00:00Z.
pub const MIN_TIME: Timestamp = Timestamp::constant(946_684_800);
/// Latest timestamp accepted: 2100-01-01T00:00:00Z.
pub const MAX_TIME: Timestamp = Timestamp::constant(4_102_444_800);

/// Whether `t` is within the times events may carry
/// ([`MIN_TIME`]`..`[`MAX_TIME`]): the one place that range is checked;
/// validation, snapshot reading, claims and [`crate::time::Moment`] ask it.
#[inline]
pub fn is_event_time(t: Timestamp) -> bool {
    (MIN_TIME..MAX_TIME).contains(&t)
}

fn plausible_time(id: &str, field: &str, t: Timestamp) -> Result<(), EventError> {
    if is_event_time(t) {
        Ok(())
    } else {
        Err(EventError::invalid(
            id,
            field,
            format!("timestamp {t} is outside 2000-01-01..2100-01-01 (UTC seconds expected)"),
        ))
    }
}

/// The longest id (event, order, shop, buyer, SKU, refund, category) accepted, in bytes.
pub const MAX_ID_BYTES: usize = 1024;

/// The longest delivery region (`order_paid.region`) accepted, in bytes.
pub const MAX_REGION_BYTES: usize = 64;

/// Why an id with a control character is refused: a C caller would see it
/// cut at a NUL, a terminal would run an escape code.
fn control_message(c: char) -> String {
    format!(
        "contains the control character {:?}; ids are printable text",
        c
    )
}

/// An id field that may be empty: at most [`MAX_ID_BYTES`], no control characters.
fn printable(id: &str, field: &str, value: &str) -> Result<(), EventError> {
    if value.is_empty() {
        Ok(())
    } else {
        non_empty(id, field, value)
    }
}

/// An event [`Event::validate`] accepted. [`crate::Engine::ingest_validated`]
/// applies it without checking it again, so events can be validated on other
/// threads (where they are built) and applied on one.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidEvent(Event);

impl ValidEvent {
    /// Validates `event`.
    pub fn new(event: Event) -> Result<Self, EventError> {
        event.validate()?;
        Ok(ValidEvent(event))
    }

    /// The event.
    pub fn event(&self) -> &Event {
        &self.0
    }

    /// The event, given back.
    pub fn into_event(self) -> Event {
        self.0
    }
}

/// An id field: not empty, at most [`MAX_ID_BYTES`], no control characters.
/// `field` is formatted only for an error (indexed names cost nothing when valid).
fn non_empty(id: &str, field: impl std::fmt::Display, value: &str) -> Result<(), EventError> {
    if value.is_empty() {
        Err(EventError::invalid(
            id,
            &field.to_string(),
            "must not be empty".into(),
        ))
    } else if let Some(c) = control_char(value) {
        Err(EventError::invalid(
            id,
            &field.to_string(),
            control_message(c),
        ))
    } else if value.len() > MAX_ID_BYTES {
        Err(EventError::invalid(
            id,
            &field.to_string(),
            format!("an id of {} bytes; at most {MAX_ID_BYTES}", value.len()),
        ))
    } else {
        Ok(())
    }
}

/// The first control character of `s` (C0, DEL or C1). Ids are nearly
/// always printable ASCII, checked a byte at a time; only text with other
/// bytes is decoded.
fn control_char(s: &str) -> Option<char> {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    s.chars().find(|c| c.is_control())
}

fn stars(id: &str, field: &str, value: Option<i64>) -> Result<(), EventError> {
    match value {
        Some(s) if !(1..=5).contains(&s) => Err(EventError::invalid(
            id,
            field,
            format!("stars must be 1 to 5, got {s}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod id_limit_tests {
    use super::*;
    use crate::time::ts;

    #[test]
    fn ids_are_refused_one_byte_past_the_limit_without_echoing_them() {
        let ok = "e".repeat(MAX_ID_BYTES);
        let long = "e".repeat(MAX_ID_BYTES + 1);
        let delivered = |id: &str, order: &str| {
            Event::Delivered(Delivered {
                id: id.into(),
                order_id: order.into(),
                at: ts(1_790_000_000),
            })
        };
        assert!(delivered(&ok, &ok).validate().is_ok());
        let err = delivered(&long, "o1").validate().unwrap_err();
        assert_eq!(err.field, "id");
        assert!(err.event_id.unwrap().len() < 100);
        // issue 15: a NUL cut the id short in C, an escape code ran in a terminal
        for bad in ["s\u{0}A", "s\u{1b}[31m", "a\nb"] {
            let err = delivered("d1", bad).validate().unwrap_err();
            assert_eq!(err.field, "order_id");
            assert!(err.message.contains("control character"), "{err}");
            let err = delivered(bad, "o1").validate().unwrap_err();
            assert_eq!(err.field, "id");
            assert!(!err.event_id.unwrap().chars().any(char::is_control));
        }
        let err = delivered("d1", &long).validate().unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.event_id.as_deref()),
            ("order_id", Some("d1"))
        );
    }
}
