//! Problem-order detection (问题订单): which orders went wrong, and why.
//!
//! Why one classifier: the problem-order rate, its per-family counts, the
//! product negative-feedback indicator of the experience score and the
//! `problems` listing must agree on what a problem is. They all call
//! [`classify`]; no other code decides it. Every threshold and reason list
//! comes from [`ProblemConfig`](crate::config::ProblemConfig).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::event::{DisputeWinner, Money, RefundKind, Timestamp};
use crate::ids::{EventRef, Handle, Interner, RegionId};
use crate::order::{Appealed, OrderState};

/// What deciding problems needs besides the order: the configuration and
/// the delivery norm of each category, by handle (resolved once, when the
/// engine first meets the category).
#[derive(Clone, Copy, Debug)]
pub struct Rules<'a> {
    /// The configuration.
    pub cfg: &'a Config,
    /// Delivery norm in seconds of each category handle.
    pub delivery_norm_secs: &'a [i64],
    /// The engine's region names, for the exclusion windows.
    pub regions: &'a Interner<RegionId>,
    /// The exclusion windows in force: the configuration's, or none (to
    /// see which labels they excuse).
    pub exclusions: &'a [crate::config::ExclusionWindow],
}

impl<'a> Rules<'a> {
    /// The same rules with no exclusion window (appeals still count).
    pub fn without_exclusions(self) -> Self {
        Rules {
            exclusions: &[],
            ..self
        }
    }
}

impl Rules<'_> {
    fn delivery_norm_secs(&self, order: &OrderState) -> i64 {
        self.delivery_norm_secs
            .get(order.category.index())
            .copied()
            .unwrap_or_else(|| hours_to_secs(self.cfg.problems.default_delivery_norm_hours))
    }
}

/// What takes a problem label out of an order: an appeal granted to the
/// seller, or a configured exclusion window (a declared disruption).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Excuse {
    /// An `appeal_granted` of scope `label` naming the label.
    Appeal,
    /// The exclusion window at this position of `Config::exclusions`.
    Window(usize),
}

/// Whether the label `reason` of `order` is excused, and by what: the one
/// question every count, listing and explanation asks before giving a
/// label. An appeal answers first; else the first configured exclusion
/// window whose region is the order's and whose span holds the failure's
/// due moment ([`due_moment`]) and that lists the label.
pub fn excuse(order: &OrderState, rules: Rules<'_>, reason: Reason) -> Option<Excuse> {
    if order.appealed(Appealed::Label(reason)) {
        return Some(Excuse::Appeal);
    }
    let windows = rules.exclusions;
    if windows.is_empty() {
        return None;
    }
    let region = rules.regions.name(order.region?);
    let due = due_moment(order, rules, reason)?;
    (windows.iter().position(|w| w.covers(region, reason, due))).map(Excuse::Window)
}

/// The moment a logistics failure was due, which an exclusion window's
/// span is matched against: payment + `problems.pickup_within_hours` for a
/// missing pickup, the ship-by time for a late shipment, payment + the
/// category's delivery norm for slow delivery, the anomaly's time for a
/// tracking anomaly; `None` for every other label (never excused by a
/// window). Fixed by the order's payment (and its earliest anomaly), so
/// the answer does not move with the moment asked about.
pub fn due_moment(order: &OrderState, rules: Rules<'_>, reason: Reason) -> Option<Timestamp> {
    match reason {
        Reason::NoPickupInTime => Some(pickup_deadline(order.paid_at, rules.cfg)),
        Reason::LateShipment => Some(order.ship_by()),
        Reason::SlowDelivery => Some(order.paid_at.plus_secs(rules.delivery_norm_secs(order))),
        Reason::TrackingAnomaly => order.anomaly().filter(|a| !a.value).map(|a| a.at()),
        _ => None,
    }
}

/// Hours as seconds, saturating (a configured number of hours may be huge).
pub fn hours_to_secs(hours: i64) -> i64 {
    hours.saturating_mul(3600)
}

/// The three families of problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Product quality.
    Product,
    /// Logistics.
    Logistics,
    /// After-sales.
    AfterSales,
}

/// Why an order is a problem order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 1–2 star product review.
    BadProductReview,
    /// Refund or return for a quality reason.
    QualityRefund,
    /// Shipped after the promised time.
    LateShipment,
    /// No carrier pickup within the configured hours of payment.
    NoPickupInTime,
    /// Tracking anomaly.
    TrackingAnomaly,
    /// Fake shipment (tracking number without a parcel).
    FakeShipment,
    /// Delivery slower than the category norm.
    SlowDelivery,
    /// 1–2 star logistics review.
    BadLogisticsReview,
    /// The buyer asked the platform to intervene.
    PlatformIntervention,
    /// A dispute was ruled for the buyer.
    DisputeLost,
    /// A refund-only (仅退款) was granted.
    RefundOnlyGranted,
    /// A refund was handled slower than the threshold.
    SlowRefund,
    /// The buyer filed a complaint.
    Complaint,
}

impl Reason {
    /// Every label, in declaration order.
    pub const ALL: [Reason; 13] = {
        use Reason::*;
        [
            BadProductReview,
            QualityRefund,
            LateShipment,
            NoPickupInTime,
            TrackingAnomaly,
            FakeShipment,
            SlowDelivery,
            BadLogisticsReview,
            PlatformIntervention,
            DisputeLost,
            RefundOnlyGranted,
            SlowRefund,
            Complaint,
        ]
    };

    /// The snake_case name used in JSON.
    pub fn name(self) -> &'static str {
        use Reason::*;
        match self {
            BadProductReview => "bad_product_review",
            QualityRefund => "quality_refund",
            LateShipment => "late_shipment",
            NoPickupInTime => "no_pickup_in_time",
            TrackingAnomaly => "tracking_anomaly",
            FakeShipment => "fake_shipment",
            SlowDelivery => "slow_delivery",
            BadLogisticsReview => "bad_logistics_review",
            PlatformIntervention => "platform_intervention",
            DisputeLost => "dispute_lost",
            RefundOnlyGranted => "refund_only_granted",
            SlowRefund => "slow_refund",
            Complaint => "complaint",
        }
    }

    /// The family a reason belongs to.
    pub fn family(self) -> Family {
        use Reason::*;
        match self {
            BadProductReview | QualityRefund => Family::Product,
            LateShipment | NoPickupInTime | TrackingAnomaly | FakeShipment | SlowDelivery
            | BadLogisticsReview => Family::Logistics,
            PlatformIntervention | DisputeLost | RefundOnlyGranted | SlowRefund | Complaint => {
                Family::AfterSales
            }
        }
    }
}

/// One problem label with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Why.
    pub reason: Reason,
    /// Its family.
    pub family: Family,
    /// The event that shows it (for a missing pickup: the order's payment).
    pub event: Arc<str>,
    /// When the evidence happened.
    pub at: Timestamp,
}

/// Bit set of families, for counting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Families(u8);

impl Families {
    /// Adds a family.
    pub fn insert(&mut self, f: Family) {
        self.0 |= 1 << (f as u8);
    }
    /// True when the family is present.
    pub fn contains(self, f: Family) -> bool {
        self.0 & (1 << (f as u8)) != 0
    }
    /// True when no family is present.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Whether the carrier picked the order up within the configured hours.
/// `None` while no pickup is known: the order becomes late only with time.
pub fn picked_up_in_time(order: &OrderState, cfg: &Config) -> Option<bool> {
    let limit = pickup_deadline(order.paid_at, cfg);
    let pickup = order.shipped.get().and_then(|s| s.value.pickup_at())?;
    Some(pickup <= limit)
}

/// True when no pickup is known and the pickup deadline (payment + the
/// configured hours) lies strictly before `as_of`: the one label that appears
/// with time alone. Fake orders, orders no longer due for pickup (see
/// [`pickup_due`]) and excused pickups ([`excuse`]) are never overdue.
pub fn pickup_overdue(order: &OrderState, rules: Rules<'_>, as_of: Timestamp) -> bool {
    let cfg = rules.cfg;
    !order.is_fake()
        && excuse(order, rules, Reason::NoPickupInTime).is_none()
        && picked_up_in_time(order, cfg).is_none()
        && pickup_due(order, cfg)
        && as_of > pickup_deadline(order.paid_at, cfg)
}

/// Whether the order is still due for a carrier pickup, i.e. counts in the
/// 48-hour pickup rate and can be labelled "no pickup in time".
///
/// Tmall's pickup rate counts only orders still due for pickup: an order the
/// seller cancelled, or whose paid amount was refunded in full, *before the
/// carrier picked it up and no later than the pickup deadline* was never a
/// missed pickup. A withdrawal after the deadline does not erase a pickup
/// already missed (our choice: otherwise cancelling late would hide it).
/// "Refunded in full": completed refunds up to that moment add up to at least
/// the order's paid amount (a partial refund leaves goods to ship).
pub fn pickup_due(order: &OrderState, cfg: &Config) -> bool {
    let deadline = pickup_deadline(order.paid_at, cfg);
    let cutoff = match order.shipped.get().and_then(|s| s.value.pickup_at()) {
        Some(pickup) => deadline.min(pickup.minus_secs(1)),
        None => deadline,
    };
    !withdrawn_by(order, cutoff)
}

/// True when the order was withdrawn at or before `cutoff`: the seller
/// cancelled it, or completed refunds up to then add up to at least its
/// paid amount (a partial refund leaves goods to ship and deliver).
fn withdrawn_by(order: &OrderState, cutoff: Timestamp) -> bool {
    if order.seller_cancelled().is_some_and(|c| c.at() <= cutoff) {
        return true;
    }
    let mut refunds = 0usize;
    let mut refunded = Money::ZERO;
    for done in order.refunds().iter().filter_map(|c| c.completed.get()) {
        if done.at() <= cutoff {
            refunds += 1;
            refunded = refunded.saturating_add(done.value.amount);
        }
    }
    refunds > 0 && refunded >= order.amount
}

/// Calls `sink(reason, evidence, deadline)` for each case an order leaves
/// open that becomes a problem with time alone, once `deadline` lies
/// strictly before the moment asked about (stalling must not pay):
///
/// - not shipped, and not withdrawn by its ship-by time: a late shipment
///   from the ship-by time on (evidence: the payment);
/// - shipped but never received, and not withdrawn by payment + the
///   category's delivery norm: slow delivery from then on (evidence: the
///   shipment);
/// - a refund requested and not completed: a slow refund from request +
///   `problems.slow_refund_hours` on (evidence: the earliest such request).
///
/// Each reason at most once, with its earliest deadline. The labels agree
/// with the time-independent ones once the case closes late (shipped after
/// ship-by, received after the norm, refunded after the threshold), so a
/// count never falls when a late case finally closes. Fake orders and
/// configurations with `problems.count_open_cases` off have none. The
/// missing pickup, the other label time alone brings, is
/// [`pickup_overdue`].
pub fn open_cases(
    order: &OrderState,
    rules: Rules<'_>,
    names: Option<&dyn Fn(EventRef) -> Arc<str>>,
    mut sink: impl FnMut(Reason, EventRef, Timestamp),
) {
    let p = &rules.cfg.problems;
    if !p.count_open_cases || order.is_fake() {
        return;
    }
    let mut sink = |reason, event, deadline| {
        if excuse(order, rules, reason).is_none() {
            sink(reason, event, deadline)
        }
    };
    match order.shipped.get() {
        None => {
            if !withdrawn_by(order, order.ship_by()) {
                sink(Reason::LateShipment, order.paid_event, order.ship_by());
            }
        }
        Some(s) if order.delivered.get().is_none() => {
            let deadline = order.paid_at.plus_secs(rules.delivery_norm_secs(order));
            if !withdrawn_by(order, deadline) {
                sink(Reason::SlowDelivery, s.event, deadline);
            }
        }
        Some(_) => {}
    }
    let slow_refund_secs = hours_to_secs(p.slow_refund_hours);
    let mut open_request = None;
    for case in order
        .refunds()
        .iter()
        .filter(|c| c.completed.get().is_none())
    {
        if let Some(r) = case.requested.get() {
            keep_earliest(&mut open_request, (r.event, r.at()), names);
        }
    }
    if let Some((event, at)) = open_request {
        sink(Reason::SlowRefund, event, at.plus_secs(slow_refund_secs));
    }
}

/// The moments an order's open cases (see [`open_cases`]) make it count
/// as a problem, per what they add: the order itself (when it has no
/// time-independent label), a logistics label (when it has none) and an
/// after-sales label (when it has none); `Timestamp::MAX` for never. And
/// which of those an awaiting pickup already covers from its own deadline
/// on (`AWAITING_*` flags of [`crate::counters`]): counted there, not twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenDeadlines {
    /// The order becomes a problem order (it has no other label).
    pub problem: Timestamp,
    /// The order gains a logistics label (it has no other).
    pub logistics: Timestamp,
    /// The order gains an after-sales label (it has no other).
    pub after_sales: Timestamp,
    /// `AWAITING_*` flags of the order's awaiting-pickup entry (0: none).
    pub pickup_covers: u8,
}

impl OpenDeadlines {
    /// Below every other (a range bound).
    pub const LOWEST: Self = OpenDeadlines {
        problem: Timestamp::MIN,
        logistics: Timestamp::MIN,
        after_sales: Timestamp::MIN,
        pickup_covers: 0,
    };

    /// The deadlines of an order whose time-independent labels are
    /// `families`, or `None` when its open cases add nothing.
    pub fn of(
        order: &OrderState,
        rules: Rules<'_>,
        families: Families,
        pickup_covers: u8,
    ) -> Option<Self> {
        let mut d = OpenDeadlines {
            problem: Timestamp::MAX,
            logistics: Timestamp::MAX,
            after_sales: Timestamp::MAX,
            pickup_covers,
        };
        open_cases(order, rules, None, |reason, _, deadline| {
            let family = reason.family();
            if families.is_empty() {
                d.problem = d.problem.min(deadline);
            }
            if !families.contains(family) {
                match family {
                    Family::Logistics => d.logistics = d.logistics.min(deadline),
                    Family::AfterSales => d.after_sales = d.after_sales.min(deadline),
                    Family::Product => {}
                }
            }
        });
        let adds = d.problem != Timestamp::MAX
            || d.logistics != Timestamp::MAX
            || d.after_sales != Timestamp::MAX;
        adds.then_some(d)
    }
}

/// The moment a pickup is due: payment + `pickup_within_hours`.
pub fn pickup_deadline(paid_at: Timestamp, cfg: &Config) -> Timestamp {
    paid_at.plus_secs(hours_to_secs(cfg.problems.pickup_within_hours))
}

/// The families of an order's labels as of `as_of`, with those time alone
/// brings (an overdue pickup, open cases past their deadline).
pub fn families_at(order: &OrderState, rules: Rules<'_>, as_of: Timestamp) -> Families {
    let mut f = families(order, rules);
    overdue_labels(order, rules, as_of, None, |reason, _, _| {
        f.insert(reason.family())
    });
    f
}

/// Calls `sink(reason, evidence, deadline)` for each label time alone has
/// brought the order by `as_of`: an overdue pickup (evidence: the payment)
/// and every open case past its deadline (see [`open_cases`]). With
/// `names`, evidence several open cases could give is the earliest by
/// (time, event id), whatever the arrival order.
pub fn overdue_labels(
    order: &OrderState,
    rules: Rules<'_>,
    as_of: Timestamp,
    names: Option<&dyn Fn(EventRef) -> Arc<str>>,
    mut sink: impl FnMut(Reason, EventRef, Timestamp),
) {
    if pickup_overdue(order, rules, as_of) {
        sink(
            Reason::NoPickupInTime,
            order.paid_event,
            pickup_deadline(order.paid_at, rules.cfg),
        );
    }
    open_cases(order, rules, names, |reason, event, deadline| {
        if deadline < as_of {
            sink(reason, event, deadline)
        }
    });
}

/// Calls `sink` once per problem label of an order that holds no matter when
/// it is asked. Fake orders have no labels: they are not orders at all.
///
/// The labels time alone brings (no pickup yet and the deadline passed;
/// open cases past their deadline) are not reported here; see
/// [`overdue_labels`].
///
/// `event_id` names the evidence (the engine's event ids).
pub fn classify(
    order: &OrderState,
    rules: Rules<'_>,
    event_id: impl Fn(EventRef) -> Arc<str>,
    mut sink: impl FnMut(Label),
) {
    classify_refs(order, rules, Some(&|e| event_id(e)), |reason, event, at| {
        sink(Label {
            reason,
            family: reason.family(),
            event: event_id(event),
            at,
        })
    })
}

/// The evidence kept for a label several refund cases could give: the
/// earliest by (time, event id), so that it does not depend on arrival order.
/// Without names (counting) the earliest by time: a tie's evidence is not
/// read, but the time is (an open refund's deadline counts from it).
fn keep_earliest(
    kept: &mut Option<(EventRef, Timestamp)>,
    found: (EventRef, Timestamp),
    names: Option<&dyn Fn(EventRef) -> Arc<str>>,
) {
    match (*kept, names) {
        (None, _) => *kept = Some(found),
        (Some((e, at)), Some(name)) if (found.1, name(found.0)) < (at, name(e)) => {
            *kept = Some(found)
        }
        (Some((_, at)), None) if found.1 < at => *kept = Some(found),
        _ => {}
    }
}

/// [`classify`] without building labels: the hot path of counting calls
/// this twice per event and needs only the reasons (`names` is `None`).
fn classify_refs(
    order: &OrderState,
    rules: Rules<'_>,
    names: Option<&dyn Fn(EventRef) -> Arc<str>>,
    mut label: impl FnMut(Reason, EventRef, Timestamp),
) {
    if order.is_fake() {
        return;
    }
    // a label excused (an appeal granted to the seller, an exclusion
    // window) is not given
    let mut label = |reason, event, at| {
        if excuse(order, rules, reason).is_none() {
            label(reason, event, at)
        }
    };
    let cfg = rules.cfg;
    let p = &cfg.problems;
    // A rating labels the order only if it counts under the per-buyer monthly
    // cap (`max_reviews_per_buyer_month`), as in the good-review rate: a 4th
    // rating of one buyer in a month moves no number at all.
    if let Some(r) = order.review.get().filter(|r| {
        !r.value.suspicious && order.review_counted && !order.appealed(Appealed::Review)
    }) {
        if i64::from(r.value.product) <= p.bad_review_max_stars {
            label(Reason::BadProductReview, r.event, r.at());
        }
        if r.value
            .logistics
            .is_some_and(|s| i64::from(s) <= p.bad_review_max_stars)
        {
            label(Reason::BadLogisticsReview, r.event, r.at());
        }
    }
    let mut quality_refund = None;
    let mut refund_only = None;
    let mut slow_refund = None;
    let slow_refund_secs = hours_to_secs(p.slow_refund_hours);
    for case in order.refunds() {
        if let Some(req) = case.requested.get() {
            if p.quality_reasons.contains(&req.value.reason) {
                keep_earliest(&mut quality_refund, (req.event, req.at()), names);
            }
            if let Some(done) = case.completed.get() {
                // a refund-only before the order shipped is a buyer
                // cancelling, not an after-sales problem (unless configured)
                let after_shipping = order.shipped.get().is_some_and(|s| s.at() <= done.at());
                if req.value.kind == RefundKind::RefundOnly
                    && (after_shipping || p.refund_only_before_shipping_is_problem)
                {
                    keep_earliest(&mut refund_only, (done.event, done.at()), names);
                }
                if done.at().secs_since(req.at()) > slow_refund_secs {
                    keep_earliest(&mut slow_refund, (done.event, done.at()), names);
                }
            }
        }
    }
    if let Some((e, at)) = quality_refund {
        label(Reason::QualityRefund, e, at);
    }
    if let Some(s) = order.shipped.get() {
        if s.at() > order.ship_by() {
            label(Reason::LateShipment, s.event, s.at());
        }
    }
    if picked_up_in_time(order, cfg) == Some(false) && pickup_due(order, cfg) {
        let s = order
            .shipped
            .get()
            .expect("a known pickup implies a shipment");
        label(
            Reason::NoPickupInTime,
            s.event,
            s.value.pickup_at().unwrap_or(s.at()),
        );
    }
    if let Some(a) = order.anomaly() {
        let reason = if a.value {
            Reason::FakeShipment
        } else {
            Reason::TrackingAnomaly
        };
        label(reason, a.event, a.at());
    }
    if let Some(d) = order.delivered.get() {
        if d.at().secs_since(order.paid_at) > rules.delivery_norm_secs(order) {
            label(Reason::SlowDelivery, d.event, d.at());
        }
    }
    if let Some(i) = order.intervention() {
        label(Reason::PlatformIntervention, i.event, i.at());
    }
    if let Some(d) = order.dispute().filter(|d| d.value == DisputeWinner::Buyer) {
        label(Reason::DisputeLost, d.event, d.at());
    }
    if let Some((e, at)) = refund_only {
        label(Reason::RefundOnlyGranted, e, at);
    }
    if let Some((e, at)) = slow_refund {
        label(Reason::SlowRefund, e, at);
    }
    if let Some(c) = order.complaint() {
        label(Reason::Complaint, c.event, c.at());
    }
}

/// The families of an order's time-independent labels.
pub fn families(order: &OrderState, rules: Rules<'_>) -> Families {
    let mut f = Families::default();
    classify_refs(order, rules, None, |reason, _, _| f.insert(reason.family()));
    f
}

/// A rate shown the way Tmall shows it: percent with two decimals, truncated.
///
/// ```
/// assert_eq!(truexp::problem::percent_truncated(96, 494), "19.43%");
/// assert_eq!(truexp::problem::percent_truncated(42, 234), "17.94%");
/// ```
pub fn percent_truncated(numerator: u64, denominator: u64) -> String {
    if denominator == 0 {
        return "0.00%".to_owned();
    }
    // basis points of a percent, truncated: floor(n * 10000 / d)
    let hundredths = (u128::from(numerator) * 10_000) / u128::from(denominator);
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}
