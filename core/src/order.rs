//! Compact per-order state, built by commutative updates.
//!
//! Why: events arrive out of order, repeat, and may be split between
//! engines. Each fact about an order lives in a [`Slot`] whose rule is part
//! of its type ([`Earliest`] or [`Latest`] by `(time, event id)`), and one
//! `offer` is used both to apply an event and to merge another engine's
//! state, so any permutation of the same events, and any merge of disjoint
//! sets, gives the same state. A slot's combine is idempotent: offering the
//! fact it already holds changes nothing, which is how a repeated event is
//! recognised without a set of every event id ever seen. Scores are derived
//! from this state, never from the raw event log.
//!
//! Size: ids are 4-byte handles ([`crate::ids`]), a fact's event is a
//! 4-byte [`EventRef`], and facts few orders have live behind one pointer
//! ([`RareFacts`], refund cases). `tests::hot_structs_stay_small` holds the
//! sizes.

use std::marker::PhantomData;

use crate::event::{
    AppealScope, ClaimOutcome, DisputeWinner, Money, RefundKind, RefundReason, Timestamp,
};
use crate::ids::{
    BuyerId, CapacityError, CategoryId, EventIds, EventRef, Handle, OrderId, RefundId, RegionId,
    ShopId, SkuId, TagId,
};
use crate::problem::Reason;
use crate::time::Moment;

/// A fact with the time and the event that established it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stamped<T> {
    at: Moment,
    /// The event that said so.
    pub event: EventRef,
    /// The fact.
    pub value: T,
}

impl<T> Stamped<T> {
    /// When it happened.
    #[inline]
    pub fn at(&self) -> Timestamp {
        self.at.get()
    }
}

/// Which of two competing facts a slot keeps.
pub trait Rule {
    /// True when the candidate `(at, id)` replaces the held one.
    fn replaces(candidate: (Timestamp, &str), held: (Timestamp, &str)) -> bool;
}

/// Keeps the earliest fact by `(time, event id)` (a shipment, a receipt).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Earliest;
/// Keeps the latest fact by `(time, event id)` (a review, a risk verdict).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latest;

impl Rule for Earliest {
    #[inline]
    fn replaces(candidate: (Timestamp, &str), held: (Timestamp, &str)) -> bool {
        candidate < held
    }
}

impl Rule for Latest {
    #[inline]
    fn replaces(candidate: (Timestamp, &str), held: (Timestamp, &str)) -> bool {
        candidate > held
    }
}

/// What offering a fact to a slot did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offer {
    /// The slot now holds it (it was empty).
    Taken,
    /// The slot now holds it, in place of the fact of this event.
    Replaced(EventRef),
    /// The slot keeps the fact it had (the offered one loses by its rule).
    Kept,
    /// The slot already holds this very event: a repeat.
    Same,
}

/// One order fact, combined by the rule `R`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slot<T, R> {
    held: Option<Stamped<T>>,
    _rule: PhantomData<R>,
}

impl<T, R> Default for Slot<T, R> {
    fn default() -> Self {
        Slot {
            held: None,
            _rule: PhantomData,
        }
    }
}

impl<T, R: Rule> Slot<T, R> {
    /// The fact held, if any.
    #[inline]
    pub fn get(&self) -> Option<&Stamped<T>> {
        self.held.as_ref()
    }

    /// Offers a fact from event `id` at `at`: the one combine used by
    /// ingestion and merge. The event id is stored only when the fact is taken.
    pub fn offer(
        &mut self,
        at: Timestamp,
        id: &str,
        value: T,
        events: &mut EventIds,
    ) -> Result<Offer, CapacityError> {
        let mut offer = Offer::Taken;
        if let Some(old) = &self.held {
            let held = (old.at.get(), events.name(old.event));
            if (at, id) == held {
                return Ok(Offer::Same);
            }
            if !R::replaces((at, id), held) {
                return Ok(Offer::Kept);
            }
            offer = Offer::Replaced(old.event);
        }
        let event = events.push(id)?;
        self.held = Some(Stamped {
            at: Moment::new(at),
            event,
            value,
        });
        Ok(offer)
    }

    /// The slot as it stood at `t`: the held fact if it happened at or
    /// before `t`, else empty. Exact for `Earliest` slots (a fact held
    /// later means none came earlier); for a `Latest` slot the order keeps
    /// what it replaced ([`RareFacts::superseded`]), which
    /// [`OrderState::known_at`] reads.
    pub fn known_at(&self, t: Timestamp) -> Self
    where
        T: Copy,
    {
        Slot {
            held: self.held.filter(|s| s.at() <= t),
            _rule: PhantomData,
        }
    }

    /// Holds `value` from `event` at `at` whatever the slot held: a
    /// hypothetical fact (see `what_if`), never used by ingestion or merge.
    pub(crate) fn suppose(&mut self, at: Timestamp, event: EventRef, value: T) {
        self.held = Some(Stamped {
            at: Moment::new(at),
            event,
            value,
        });
    }

    /// The held fact's value, mutably (for facts whose value also combines,
    /// such as the fake-shipment flag of an anomaly).
    pub(crate) fn value_mut(&mut self) -> Option<&mut T> {
        self.held.as_mut().map(|s| &mut s.value)
    }
}

/// Shipment facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shipment {
    pickup: Moment,
    /// The tracking number was valid.
    pub tracking_valid: bool,
}

impl Shipment {
    /// A shipment with the carrier's first pickup scan, if any.
    pub fn new(pickup_at: Option<Timestamp>, tracking_valid: bool) -> Self {
        Shipment {
            pickup: Moment::new_opt(pickup_at),
            tracking_valid,
        }
    }

    /// Carrier's first pickup scan.
    #[inline]
    pub fn pickup_at(&self) -> Option<Timestamp> {
        self.pickup.get_opt()
    }
}

/// A buyer review. Stars are validated to 1–5 before they get here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewFact {
    /// The reviewer.
    pub reviewer: BuyerId,
    /// Product stars 1–5.
    pub product: u8,
    /// Logistics stars.
    pub logistics: Option<u8>,
    /// Service stars.
    pub service: Option<u8>,
    /// Flagged suspicious.
    pub suspicious: bool,
}

/// A refund request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundRequest {
    /// Kind.
    pub kind: RefundKind,
    /// Reason.
    pub reason: RefundReason,
    /// Amount asked.
    pub amount: Money,
    /// SKU concerned.
    pub sku: Option<SkuId>,
    /// Units concerned.
    pub units: Option<i64>,
}

/// A completed refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundDone {
    /// Amount paid back.
    pub amount: Money,
    /// Units returned.
    pub units_returned: Option<i64>,
}

/// One refund case, keyed by refund id.
#[derive(Clone, Debug, PartialEq)]
pub struct RefundCase {
    /// The refund id.
    pub refund_id: RefundId,
    /// The request, once seen.
    pub requested: Slot<RefundRequest, Earliest>,
    /// The completion, once seen.
    pub completed: Slot<RefundDone, Earliest>,
    /// Both halves were handed to the price-protection book.
    pub in_book: bool,
}

/// A run of a shared list (an order's SKUs or tags): start and length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// Number of items.
    #[inline]
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// True when the list is empty.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// Append-only storage of short lists, each addressed by a [`Span`].
#[derive(Clone, Debug)]
pub struct Lists<T> {
    items: Vec<T>,
}

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Lists { items: Vec::new() }
    }
}

impl<T: Copy> Lists<T> {
    /// Stores a list.
    pub fn push(&mut self, list: &[T]) -> Result<Span, CapacityError> {
        if list.is_empty() {
            return Ok(Span::default());
        }
        let too_many = CapacityError {
            kind: "order lines and tags",
        };
        let start = u32::try_from(self.items.len()).map_err(|_| too_many)?;
        let len = u32::try_from(list.len()).map_err(|_| too_many)?;
        start.checked_add(len).ok_or(too_many)?;
        self.items.extend_from_slice(list);
        Ok(Span { start, len })
    }

    /// Replaces every item by `f` of it (lists keep their spans).
    pub(crate) fn map_items(&mut self, f: impl Fn(T) -> T) {
        for item in &mut self.items {
            *item = f(*item);
        }
    }

    /// The list at `span`.
    #[inline]
    pub fn get(&self, span: Span) -> &[T] {
        &self.items[span.start as usize..(span.start + span.len) as usize]
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<T>()
    }
}

/// Everything the engine keeps about one order.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderState {
    /// The shop (a handle into the engine's shop ledger).
    pub shop: ShopId,
    /// Buyer.
    pub buyer: BuyerId,
    /// Category of the order.
    pub category: CategoryId,
    /// The `order_paid` event.
    pub paid_event: EventRef,
    ordered: Moment,
    /// Payment time.
    pub paid_at: Timestamp,
    ship_by: Moment,
    deliver_by: Moment,
    /// Amount paid after all discounts.
    pub amount: Money,
    /// Order tags, in [`crate::engine`]'s tag lists.
    pub tags: Span,
    /// Distinct SKUs of the order's lines, sorted by name, in the engine's SKU lists.
    pub skus: Span,
    /// The latest risk verdict: true = fake. The payment's own flag counts as a verdict at `paid_at`.
    pub fake_verdict: Slot<bool, Latest>,
    /// Earliest shipment.
    pub shipped: Slot<Shipment, Earliest>,
    /// Earliest signed receipt.
    pub delivered: Slot<(), Earliest>,
    /// Latest review.
    pub review: Slot<ReviewFact, Latest>,
    /// Whether the review counts under the per-buyer monthly cap (derived by the engine).
    pub review_counted: bool,
    /// The payment's own risk flag (a verdict at `paid_at`, until a later one).
    pub paid_fake: bool,
    /// The delivery region the payment named (two bytes, in padding).
    pub region: Option<RegionId>,
    /// Refund cases and the facts few orders have, behind one pointer.
    pub rare: Option<Box<RareFacts>>,
}

/// The facts few orders carry: refunds, anomalies, escalations, cancellations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RareFacts {
    /// Refund cases, sorted by refund id handle.
    pub refunds: Vec<RefundCase>,
    /// Earliest tracking anomaly; `true` when any anomaly said fake shipment.
    pub anomaly: Slot<bool, Earliest>,
    /// Earliest request for platform intervention.
    pub intervention: Slot<(), Earliest>,
    /// Latest dispute ruling.
    pub dispute: Slot<DisputeWinner, Latest>,
    /// Earliest complaint.
    pub complaint: Slot<(), Earliest>,
    /// Earliest chargeback.
    pub chargeback: Slot<(), Earliest>,
    /// Latest A-to-z claim state.
    pub atoz: Slot<ClaimOutcome, Latest>,
    /// Earliest seller cancellation.
    pub seller_cancelled: Slot<(), Earliest>,
    /// Appeals granted to the seller, each the earliest grant of its kind,
    /// sorted by kind.
    pub appeals: Vec<(Appealed, Slot<(), Earliest>)>,
    /// Facts a `Latest` slot no longer holds (an edited review, a verdict,
    /// ruling or claim state given again later), sorted by (kind, time,
    /// event id): a moment before the replacement reads them
    /// ([`OrderState::known_at`]).
    pub superseded: Vec<Superseded>,
}

/// A fact of a kind kept as the latest of its kind, replaced by a later
/// one of the same order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Superseded {
    /// A risk verdict (true = fake).
    Verdict(Stamped<bool>),
    /// A review.
    Review(Stamped<ReviewFact>),
    /// A dispute ruling.
    Dispute(Stamped<DisputeWinner>),
    /// An A-to-z claim state.
    Atoz(Stamped<ClaimOutcome>),
}

impl Superseded {
    /// The kind's rank in the sort order (also its number on file).
    pub fn kind(&self) -> u8 {
        match self {
            Superseded::Verdict(_) => 0,
            Superseded::Review(_) => 1,
            Superseded::Dispute(_) => 2,
            Superseded::Atoz(_) => 3,
        }
    }

    /// When the fact happened.
    pub fn at(&self) -> Timestamp {
        match self {
            Superseded::Verdict(s) => s.at(),
            Superseded::Review(s) => s.at(),
            Superseded::Dispute(s) => s.at(),
            Superseded::Atoz(s) => s.at(),
        }
    }

    /// The event that said so.
    pub fn event(&self) -> EventRef {
        match self {
            Superseded::Verdict(s) => s.event,
            Superseded::Review(s) => s.event,
            Superseded::Dispute(s) => s.event,
            Superseded::Atoz(s) => s.event,
        }
    }

    /// The fact, as an event carries it (for merge and re-application).
    pub fn fact(&self) -> OrderFact {
        match self {
            Superseded::Verdict(s) => OrderFact::Verdict(s.value),
            Superseded::Review(s) => OrderFact::Review(s.value),
            Superseded::Dispute(s) => OrderFact::Dispute(s.value),
            Superseded::Atoz(s) => OrderFact::Atoz(s.value),
        }
    }
}

impl RareFacts {
    /// Where a superseded fact of `kind` at `at` from event `id` sorts, or
    /// `Err` when it is already kept (a repeat).
    fn superseded_slot(
        &self,
        kind: u8,
        at: Timestamp,
        id: &str,
        events: &EventIds,
    ) -> Result<usize, ()> {
        match self
            .superseded
            .binary_search_by(|x| (x.kind(), x.at(), events.name(x.event())).cmp(&(kind, at, id)))
        {
            Ok(_) => Err(()),
            Err(p) => Ok(p),
        }
    }
}

/// What an appeal granted to the seller takes out of an order's counted
/// facts (see `docs/rules.md`, Appeals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Appealed {
    /// The review counts nowhere (as a suspicious one).
    Review,
    /// The dispute ruling counts nowhere.
    Dispute,
    /// This problem label is not given.
    Label(Reason),
}

impl Appealed {
    /// What a grant of `scope` takes out; `None` for a label appeal that
    /// names no label.
    pub fn of(scope: AppealScope, reason: Option<Reason>) -> Option<Appealed> {
        match (scope, reason) {
            (AppealScope::Review, _) => Some(Appealed::Review),
            (AppealScope::Dispute, _) => Some(Appealed::Dispute),
            (AppealScope::Label, Some(r)) => Some(Appealed::Label(r)),
            (AppealScope::Label, None) => None,
        }
    }

    /// The grant's scope and, for a label, its reason: the inverse of [`Appealed::of`].
    pub fn scope(self) -> (AppealScope, Option<Reason>) {
        match self {
            Appealed::Review => (AppealScope::Review, None),
            Appealed::Dispute => (AppealScope::Dispute, None),
            Appealed::Label(r) => (AppealScope::Label, Some(r)),
        }
    }
}

/// A fact about an existing order, as carried by one event (ids already interned).
#[derive(Clone, Copy, Debug)]
pub enum OrderFact {
    /// Risk verdict.
    Verdict(bool),
    /// Shipment.
    Shipped(Shipment),
    /// Receipt.
    Delivered,
    /// Tracking anomaly.
    Anomaly(bool),
    /// Review.
    Review(ReviewFact),
    /// Refund request.
    RefundRequested(RefundId, RefundRequest),
    /// Refund completion.
    RefundCompleted(RefundId, RefundDone),
    /// Platform intervention.
    Intervention,
    /// Dispute ruling.
    Dispute(DisputeWinner),
    /// Complaint.
    Complaint,
    /// Chargeback.
    Chargeback,
    /// A-to-z claim.
    Atoz(ClaimOutcome),
    /// Seller cancellation.
    SellerCancelled,
    /// An appeal granted to the seller.
    Appeal(Appealed),
}

/// The order's payment, as [`OrderState::new`] takes it.
#[derive(Clone, Copy, Debug)]
pub struct Payment {
    /// The shop.
    pub shop: ShopId,
    /// Buyer.
    pub buyer: BuyerId,
    /// Category.
    pub category: CategoryId,
    /// Submission time.
    pub ordered_at: Timestamp,
    /// Payment time.
    pub paid_at: Timestamp,
    /// Promised ship-by time.
    pub ship_by: Timestamp,
    /// Promised delivery time.
    pub deliver_by: Option<Timestamp>,
    /// Amount paid after all discounts.
    pub amount: Money,
    /// Tags.
    pub tags: Span,
    /// SKUs.
    pub skus: Span,
    /// The payment's own risk flag.
    pub fake: bool,
    /// The delivery region.
    pub region: Option<RegionId>,
}

static NO_RARE: RareFacts = RareFacts {
    refunds: Vec::new(),
    anomaly: Slot {
        held: None,
        _rule: PhantomData,
    },
    intervention: Slot {
        held: None,
        _rule: PhantomData,
    },
    dispute: Slot {
        held: None,
        _rule: PhantomData,
    },
    complaint: Slot {
        held: None,
        _rule: PhantomData,
    },
    chargeback: Slot {
        held: None,
        _rule: PhantomData,
    },
    atoz: Slot {
        held: None,
        _rule: PhantomData,
    },
    seller_cancelled: Slot {
        held: None,
        _rule: PhantomData,
    },
    appeals: Vec::new(),
    superseded: Vec::new(),
};

impl OrderState {
    /// A new order from its payment event `id`.
    pub fn new(p: Payment, id: &str, events: &mut EventIds) -> Result<Self, CapacityError> {
        let paid_event = events.push(id)?;
        Ok(OrderState {
            shop: p.shop,
            buyer: p.buyer,
            category: p.category,
            paid_event,
            ordered: Moment::new(p.ordered_at),
            paid_at: p.paid_at,
            ship_by: Moment::new(p.ship_by),
            deliver_by: Moment::new_opt(p.deliver_by),
            amount: p.amount,
            tags: p.tags,
            skus: p.skus,
            fake_verdict: Slot {
                held: Some(Stamped {
                    at: Moment::new(p.paid_at),
                    event: paid_event,
                    value: p.fake,
                }),
                _rule: PhantomData,
            },
            shipped: Slot::default(),
            delivered: Slot::default(),
            review: Slot::default(),
            review_counted: false,
            paid_fake: p.fake,
            region: p.region,
            rare: None,
        })
    }

    /// Submission time.
    #[inline]
    pub fn ordered_at(&self) -> Timestamp {
        self.ordered.get()
    }

    /// Promised ship-by time.
    #[inline]
    pub fn ship_by(&self) -> Timestamp {
        self.ship_by.get()
    }

    /// Promised delivery time.
    #[inline]
    pub fn deliver_by(&self) -> Option<Timestamp> {
        self.deliver_by.get_opt()
    }

    /// True when the latest risk verdict says the order is fake.
    #[inline]
    pub fn is_fake(&self) -> bool {
        self.fake_verdict.get().is_some_and(|v| v.value)
    }

    /// The review if it counts toward scores: not suspicious, order not fake.
    pub fn honest_review(&self) -> Option<&Stamped<ReviewFact>> {
        self.review
            .get()
            .filter(|r| !r.value.suspicious && !self.is_fake() && !self.appealed(Appealed::Review))
    }

    /// Offers one fact from event `id` at `at` with its commutative rule.
    pub fn apply(
        &mut self,
        at: Timestamp,
        id: &str,
        fact: OrderFact,
        events: &mut EventIds,
    ) -> Result<Offer, CapacityError> {
        match fact {
            OrderFact::Verdict(v) => {
                let old = self.fake_verdict.get().copied();
                let offer = self.fake_verdict.offer(at, id, v, events)?;
                self.keep_superseded(old, offer, (at, id, v), Superseded::Verdict, events)?;
                match offer {
                    // the payment's own flag gives way; the payment itself stays
                    Offer::Replaced(e) if e == self.paid_event => Ok(Offer::Taken),
                    offer => Ok(offer),
                }
            }
            OrderFact::Shipped(v) => self.shipped.offer(at, id, v, events),
            OrderFact::Delivered => self.delivered.offer(at, id, (), events),
            OrderFact::Anomaly(fake) => {
                let slot = &mut self.rare_mut().anomaly;
                let was_fake = slot.get().is_some_and(|a| a.value);
                let offer = slot.offer(at, id, fake, events)?;
                // any anomaly that said "fake shipment" makes the held one say so
                if let Some(v) = slot.value_mut() {
                    *v |= was_fake || fake;
                }
                Ok(offer)
            }
            OrderFact::Review(v) => {
                let old = self.review.get().copied();
                let offer = self.review.offer(at, id, v, events)?;
                self.keep_superseded(old, offer, (at, id, v), Superseded::Review, events)?;
                Ok(offer)
            }
            OrderFact::RefundRequested(refund, v) => {
                self.refund_case(refund).requested.offer(at, id, v, events)
            }
            OrderFact::RefundCompleted(refund, v) => {
                self.refund_case(refund).completed.offer(at, id, v, events)
            }
            OrderFact::Intervention => self.rare_mut().intervention.offer(at, id, (), events),
            OrderFact::Dispute(v) => {
                let old = self.rare().dispute.get().copied();
                let offer = self.rare_mut().dispute.offer(at, id, v, events)?;
                self.keep_superseded(old, offer, (at, id, v), Superseded::Dispute, events)?;
                Ok(offer)
            }
            OrderFact::Complaint => self.rare_mut().complaint.offer(at, id, (), events),
            OrderFact::Chargeback => self.rare_mut().chargeback.offer(at, id, (), events),
            OrderFact::Atoz(v) => {
                let old = self.rare().atoz.get().copied();
                let offer = self.rare_mut().atoz.offer(at, id, v, events)?;
                self.keep_superseded(old, offer, (at, id, v), Superseded::Atoz, events)?;
                Ok(offer)
            }
            OrderFact::SellerCancelled => {
                self.rare_mut().seller_cancelled.offer(at, id, (), events)
            }
            OrderFact::Appeal(what) => {
                let appeals = &mut self.rare_mut().appeals;
                let pos = match appeals.binary_search_by(|(k, _)| k.cmp(&what)) {
                    Ok(p) => p,
                    Err(p) => {
                        appeals.insert(p, (what, Slot::default()));
                        appeals.shrink_to_fit();
                        p
                    }
                };
                appeals[pos].1.offer(at, id, (), events)
            }
        }
    }

    /// After an offer to a `Latest` slot: the fact it no longer holds (or
    /// the older fact it refused) is kept among the superseded facts, once.
    /// The payment's own verdict is not kept (it is the fallback already).
    fn keep_superseded<T: Copy>(
        &mut self,
        old: Option<Stamped<T>>,
        offer: Offer,
        (at, id, value): (Timestamp, &str, T),
        wrap: fn(Stamped<T>) -> Superseded,
        events: &mut EventIds,
    ) -> Result<(), CapacityError> {
        let fact = match (offer, old) {
            (Offer::Replaced(e), Some(old)) if e != self.paid_event => old,
            (Offer::Kept, _) => {
                let kind = wrap(Stamped {
                    at: Moment::new(at),
                    event: self.paid_event,
                    value,
                })
                .kind();
                let Ok(pos) = self.rare().superseded_slot(kind, at, id, events) else {
                    return Ok(()); // a repeat of a fact already kept
                };
                let event = events.push(id)?;
                let fact = wrap(Stamped {
                    at: Moment::new(at),
                    event,
                    value,
                });
                self.rare_mut().superseded.insert(pos, fact);
                return Ok(());
            }
            _ => return Ok(()),
        };
        let fact = wrap(fact);
        let name = events.name(fact.event()).to_owned();
        if let Ok(pos) = self
            .rare()
            .superseded_slot(fact.kind(), fact.at(), &name, events)
        {
            self.rare_mut().superseded.insert(pos, fact);
        }
        Ok(())
    }

    /// The latest superseded fact picked by `pick` that happened by `t`.
    fn superseded_at<T: Copy>(
        &self,
        t: Timestamp,
        pick: impl Fn(&Superseded) -> Option<Stamped<T>>,
    ) -> Option<Stamped<T>> {
        // sorted by (kind, time, event id): the last one by `t` is the latest
        (self.rare().superseded.iter().rev())
            .filter_map(pick)
            .find(|s| s.at() <= t)
    }

    /// Calls `f` with every superseded fact (time, event, fact): merge and
    /// a replaced payment offer them again with the held facts.
    pub fn for_each_superseded(&self, mut f: impl FnMut(Timestamp, EventRef, OrderFact)) {
        for x in &self.rare().superseded {
            f(x.at(), x.event(), x.fact());
        }
    }

    pub(crate) fn rare_mut(&mut self) -> &mut RareFacts {
        self.rare.get_or_insert_with(Default::default)
    }

    /// The rare facts (empty when the order has none).
    #[inline]
    pub fn rare(&self) -> &RareFacts {
        self.rare.as_deref().unwrap_or(&NO_RARE)
    }

    /// Refund cases, sorted by refund id handle.
    #[inline]
    pub fn refunds(&self) -> &[RefundCase] {
        &self.rare().refunds
    }

    /// Earliest tracking anomaly; `true` when it was a fake shipment.
    pub fn anomaly(&self) -> Option<&Stamped<bool>> {
        self.rare().anomaly.get()
    }
    /// Earliest request for platform intervention.
    pub fn intervention(&self) -> Option<&Stamped<()>> {
        self.rare().intervention.get()
    }
    /// Latest dispute ruling.
    pub fn dispute(&self) -> Option<&Stamped<DisputeWinner>> {
        // a ruling appealed by the seller counts nowhere
        (!self.appealed(Appealed::Dispute))
            .then(|| self.rare().dispute.get())
            .flatten()
    }

    /// True when an appeal granted to the seller takes `what` out.
    #[inline]
    pub fn appealed(&self, what: Appealed) -> bool {
        self.appeal(what).is_some()
    }

    /// The grant of the appeal that takes `what` out, if any.
    pub fn appeal(&self, what: Appealed) -> Option<&Stamped<()>> {
        let appeals = &self.rare().appeals;
        (appeals.binary_search_by(|(k, _)| k.cmp(&what)).ok()).and_then(|p| appeals[p].1.get())
    }
    /// Earliest complaint.
    pub fn complaint(&self) -> Option<&Stamped<()>> {
        self.rare().complaint.get()
    }
    /// Earliest chargeback.
    pub fn chargeback(&self) -> Option<&Stamped<()>> {
        self.rare().chargeback.get()
    }
    /// Latest A-to-z claim state.
    pub fn atoz(&self) -> Option<&Stamped<ClaimOutcome>> {
        self.rare().atoz.get()
    }
    /// Earliest seller cancellation.
    pub fn seller_cancelled(&self) -> Option<&Stamped<()>> {
        self.rare().seller_cancelled.get()
    }

    pub(crate) fn refund_case(&mut self, id: RefundId) -> &mut RefundCase {
        let refunds = &mut self.rare_mut().refunds;
        let pos = match refunds.binary_search_by(|c| c.refund_id.cmp(&id)) {
            Ok(p) => p,
            Err(p) => {
                refunds.insert(
                    p,
                    RefundCase {
                        refund_id: id,
                        requested: Slot::default(),
                        completed: Slot::default(),
                        in_book: false,
                    },
                );
                // most orders have one refund case: hold exactly what is used
                refunds.shrink_to_fit();
                p
            }
        };
        &mut refunds[pos]
    }

    /// The order as it stood at `t`: only facts whose events had wholly
    /// happened by `t` (a shipment whose carrier scan came later is not yet
    /// known);
    /// `None` when it was paid after `t`. A risk verdict given after `t`
    /// falls back to the latest verdict before it, else the payment's own
    /// flag; other facts kept as the latest of their kind (a review, a
    /// dispute ruling, an A-to-z claim state) replaced after `t` read as
    /// the superseded fact that held at `t` ([`RareFacts::superseded`]).
    pub fn known_at(&self, t: Timestamp) -> Option<OrderState> {
        if self.paid_at > t {
            return None;
        }
        let mut o = self.clone();
        o.fake_verdict = match self.fake_verdict.get() {
            Some(v) if v.at() > t => Slot {
                held: Some(
                    self.superseded_at(t, |x| match x {
                        Superseded::Verdict(s) => Some(*s),
                        _ => None,
                    })
                    .unwrap_or(Stamped {
                        at: Moment::new(self.paid_at),
                        event: self.paid_event,
                        value: self.paid_fake,
                    }),
                ),
                _rule: PhantomData,
            },
            _ => self.fake_verdict,
        };
        // an event is known once everything it says has happened: a
        // shipment whose carrier scan came after `t` was not yet reported
        o.shipped.held = self
            .shipped
            .held
            .filter(|s| s.value.pickup_at().unwrap_or(s.at()).max(s.at()) <= t);
        o.delivered = self.delivered.known_at(t);
        o.review = self.review.known_at(t);
        if o.review.held.is_none() {
            o.review.held = self.superseded_at(t, |x| match x {
                Superseded::Review(s) => Some(*s),
                _ => None,
            });
        }
        if let Some(r) = o.rare.as_deref_mut() {
            r.anomaly = r.anomaly.known_at(t);
            r.intervention = r.intervention.known_at(t);
            r.dispute = r.dispute.known_at(t);
            if r.dispute.held.is_none() {
                r.dispute.held = self.superseded_at(t, |x| match x {
                    Superseded::Dispute(s) => Some(*s),
                    _ => None,
                });
            }
            r.complaint = r.complaint.known_at(t);
            r.chargeback = r.chargeback.known_at(t);
            r.atoz = r.atoz.known_at(t);
            if r.atoz.held.is_none() {
                r.atoz.held = self.superseded_at(t, |x| match x {
                    Superseded::Atoz(s) => Some(*s),
                    _ => None,
                });
            }
            r.seller_cancelled = r.seller_cancelled.known_at(t);
            for (_, grant) in &mut r.appeals {
                *grant = grant.known_at(t);
            }
            for case in &mut r.refunds {
                case.requested = case.requested.known_at(t);
                case.completed = case.completed.known_at(t);
            }
        }
        Some(o)
    }

    /// The latest moment any of the order's facts happened (its payment,
    /// every fact held, a carrier scan): after it, [`OrderState::known_at`]
    /// is the order itself.
    pub fn last_fact_at(&self) -> Timestamp {
        let mut last = self.paid_at;
        self.for_each_fact(|at, _, fact| {
            last = last.max(at);
            if let OrderFact::Shipped(s) = fact {
                last = last.max(s.pickup_at().unwrap_or(at));
            }
        });
        last
    }

    /// Calls `f(at, event, fact)` for every fact this order holds besides its
    /// payment (the facts a merge offers to another engine's copy).
    pub fn for_each_fact(&self, mut f: impl FnMut(Timestamp, EventRef, OrderFact)) {
        fn each<T: Copy, R: Rule>(
            slot: &Slot<T, R>,
            wrap: impl Fn(T) -> OrderFact,
            f: &mut impl FnMut(Timestamp, EventRef, OrderFact),
        ) {
            if let Some(s) = slot.get() {
                f(s.at(), s.event, wrap(s.value));
            }
        }
        each(&self.fake_verdict, OrderFact::Verdict, &mut f);
        each(&self.shipped, OrderFact::Shipped, &mut f);
        each(&self.delivered, |()| OrderFact::Delivered, &mut f);
        each(&self.review, OrderFact::Review, &mut f);
        let r = self.rare();
        each(&r.anomaly, OrderFact::Anomaly, &mut f);
        each(&r.intervention, |()| OrderFact::Intervention, &mut f);
        each(&r.dispute, OrderFact::Dispute, &mut f);
        each(&r.complaint, |()| OrderFact::Complaint, &mut f);
        each(&r.chargeback, |()| OrderFact::Chargeback, &mut f);
        each(&r.atoz, OrderFact::Atoz, &mut f);
        each(&r.seller_cancelled, |()| OrderFact::SellerCancelled, &mut f);
        for (what, grant) in &r.appeals {
            each(grant, |()| OrderFact::Appeal(*what), &mut f);
        }
        for case in &r.refunds {
            let id = case.refund_id;
            each(
                &case.requested,
                |v| OrderFact::RefundRequested(id, v),
                &mut f,
            );
            each(
                &case.completed,
                |v| OrderFact::RefundCompleted(id, v),
                &mut f,
            );
        }
    }

    /// Number of facts held (the payment and every filled slot).
    pub fn fact_count(&self) -> usize {
        let mut n = 1;
        self.for_each_fact(|_, _, _| n += 1);
        // the payment's own verdict is the payment, not a second fact
        if self
            .fake_verdict
            .get()
            .is_some_and(|v| v.event == self.paid_event)
        {
            n -= 1;
        }
        n
    }
}

/// The order table: rows in fixed-size chunks.
///
/// Why chunks: a `Vec` of millions of rows grows by doubling, and each
/// doubling copies every row while both the old and the new buffer are
/// resident (at 5M orders a transient 0.5 GB). Chunks of 2^16 rows never
/// move once written.
///
/// Beside each row the table keeps a moment no earlier than the row's last
/// fact ([`OrderState::last_fact_at`]), raised by every fact the engine
/// applies and never lowered (an earliest fact displacing a later one
/// leaves it high). Asking which of a shop's orders have a fact after a
/// moment — every score as known on a past day — then reads 8 bytes an
/// order instead of its 128-byte row and rare facts.
#[derive(Clone, Debug, Default)]
pub struct OrderTable {
    chunks: Vec<Chunk>,
    len: usize,
}

/// 2^16 rows and their fact bounds.
#[derive(Clone, Debug, Default)]
struct Chunk {
    rows: Vec<OrderState>,
    fact_bounds: Vec<Timestamp>,
}

const CHUNK_BITS: usize = 16;
const CHUNK: usize = 1 << CHUNK_BITS;

impl OrderTable {
    /// Number of rows.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the table holds no order.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a row; its handle is the old length.
    pub fn push(&mut self, row: OrderState) -> OrderId {
        let o = OrderId::from_index(self.len as u32);
        if self.len % CHUNK == 0 {
            self.chunks.push(Chunk {
                rows: Vec::with_capacity(CHUNK),
                fact_bounds: Vec::with_capacity(CHUNK),
            });
        }
        let chunk = self.chunks.last_mut().expect("a chunk with room exists");
        chunk.fact_bounds.push(row.last_fact_at());
        chunk.rows.push(row);
        self.len += 1;
        o
    }

    /// Replaces order `o`'s row (it was paid again); its fact bound stays at
    /// least what it was.
    pub fn replace(&mut self, o: OrderId, row: OrderState) {
        self.note_fact_at(o, row.last_fact_at());
        self[o] = row;
    }

    /// Order `o` took a fact that happened at `t` (for a shipment, its
    /// pickup when later).
    #[inline]
    pub fn note_fact_at(&mut self, o: OrderId, t: Timestamp) {
        let i = o.index();
        let bound = &mut self.chunks[i >> CHUNK_BITS].fact_bounds[i & (CHUNK - 1)];
        *bound = (*bound).max(t);
    }

    /// A moment no earlier than order `o`'s last fact: the row has no fact
    /// after `t` when this is `<= t`.
    #[inline]
    pub fn fact_bound(&self, o: OrderId) -> Timestamp {
        let i = o.index();
        self.chunks[i >> CHUNK_BITS].fact_bounds[i & (CHUNK - 1)]
    }

    /// The rows whose fact bound lies after `t` (in index order): a
    /// superset of those with a fact after `t`, read 8 bytes a row in sequence.
    pub fn bounded_after(&self, t: Timestamp) -> impl Iterator<Item = OrderId> + '_ {
        (self.chunks.iter().enumerate()).flat_map(move |(c, chunk)| {
            (chunk.fact_bounds.iter().enumerate())
                .filter(move |&(_, &bound)| bound > t)
                .map(move |(i, _)| OrderId::from_index(((c << CHUNK_BITS) + i) as u32))
        })
    }

    /// Every row, in index order.
    pub fn iter(&self) -> impl Iterator<Item = &OrderState> + '_ {
        self.chunks.iter().flat_map(|c| &c.rows)
    }

    /// Every handle, ascending.
    pub fn handles(&self) -> impl DoubleEndedIterator<Item = OrderId> + ExactSizeIterator + use<> {
        (0..self.len as u32).map(OrderId::from_index)
    }

    /// Replaces the SKU every refund request names by `f` of it.
    pub(crate) fn map_refund_skus(&mut self, f: impl Fn(SkuId) -> SkuId) {
        let rows = self.chunks.iter_mut().flat_map(|c| &mut c.rows);
        let rare = rows.filter_map(|o| o.rare.as_mut());
        for case in rare.flat_map(|r| r.refunds.iter_mut()) {
            if let Some(req) = case.requested.value_mut() {
                req.sku = req.sku.map(&f);
            }
        }
    }

    /// Heap bytes held (rows and their rare facts).
    pub fn heap_bytes(&self) -> usize {
        let rows = self.chunks.len()
            * CHUNK
            * (std::mem::size_of::<OrderState>() + std::mem::size_of::<Timestamp>());
        let rare: usize = self
            .iter()
            .filter_map(|o| o.rare.as_ref())
            .map(|r| {
                std::mem::size_of::<RareFacts>()
                    + r.refunds.capacity() * std::mem::size_of::<RefundCase>()
            })
            .sum();
        rows + rare
    }
}

impl std::ops::Index<OrderId> for OrderTable {
    type Output = OrderState;
    #[inline]
    fn index(&self, o: OrderId) -> &OrderState {
        let i = o.index();
        &self.chunks[i >> CHUNK_BITS].rows[i & (CHUNK - 1)]
    }
}

impl std::ops::IndexMut<OrderId> for OrderTable {
    #[inline]
    fn index_mut(&mut self, o: OrderId) -> &mut OrderState {
        let i = o.index();
        &mut self.chunks[i >> CHUNK_BITS].rows[i & (CHUNK - 1)]
    }
}

/// The ids an order's tags and SKUs are kept as.
pub type TagList = Lists<TagId>;
/// The SKU lists of every order.
pub type SkuList = Lists<SkuId>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ts;

    #[test]
    fn hot_structs_stay_small() {
        // the per-order state is the engine's largest table: keep it in check
        assert_eq!(std::mem::size_of::<OrderState>(), 128);
        assert_eq!(std::mem::size_of::<Stamped<()>>(), 8);
        assert_eq!(std::mem::size_of::<Slot<(), Earliest>>(), 8);
        assert_eq!(std::mem::size_of::<Slot<Shipment, Earliest>>(), 16);
        assert_eq!(std::mem::size_of::<Slot<ReviewFact, Latest>>(), 20);
    }

    #[test]
    fn slots_keep_their_rule_and_spot_repeats() {
        const T: i64 = 1_790_000_000;
        let mut ev = EventIds::default();
        let mut first: Slot<(), Earliest> = Slot::default();
        assert_eq!(
            first.offer(ts(T + 10), "b", (), &mut ev).unwrap(),
            Offer::Taken
        );
        assert_eq!(
            first.offer(ts(T + 10), "b", (), &mut ev).unwrap(),
            Offer::Same
        );
        assert_eq!(
            first.offer(ts(T + 10), "c", (), &mut ev).unwrap(),
            Offer::Kept
        );
        assert!(matches!(
            first.offer(ts(T + 10), "a", (), &mut ev).unwrap(),
            Offer::Replaced(_)
        ));
        assert!(matches!(
            first.offer(ts(T + 9), "z", (), &mut ev).unwrap(),
            Offer::Replaced(_)
        ));
        assert_eq!(ev.name(first.get().unwrap().event), "z");
        let mut last: Slot<u8, Latest> = Slot::default();
        last.offer(ts(T + 5), "x", 1, &mut ev).unwrap();
        assert_eq!(last.offer(ts(T + 4), "y", 2, &mut ev).unwrap(), Offer::Kept);
        assert!(
            matches!(last.offer(ts(T + 5), "y", 3, &mut ev).unwrap(), Offer::Replaced(e) if ev.name(e) == "x")
        );
        assert_eq!(last.get().unwrap().value, 3);
    }
}

/// Snapshot encoding of the order table and the SKU/tag lists: one
/// fixed-order record per row (moments as raw `u32`, handles as `u32`,
/// money as `i64`), facts few orders have behind a presence flag. Whether a
/// review counts under the cap is derived, so it is not written: the engine
/// recomputes it on read.
pub(crate) mod snapshot {
    use super::*;
    use crate::ids::Handle;
    use crate::snapshot::{Dec, Enc, Result};

    /// How many of each kind of id a snapshot holds: what handles are checked against.
    pub(crate) struct Bounds {
        pub shops: usize,
        pub buyers: usize,
        pub categories: usize,
        pub skus: usize,
        pub refunds: usize,
        pub sku_items: usize,
        pub tag_items: usize,
    }

    /// A moment that must be set.
    fn moment_set(d: &mut Dec<'_>) -> Result<Moment> {
        let m = d.moment()?;
        if m.get_opt().is_none() {
            return Err(d.invalid("a fact without its time"));
        }
        Ok(m)
    }

    /// Writes a slot: presence, then time, event and value.
    pub(crate) fn write_slot<T: Clone, R>(
        e: &mut Enc,
        slot: &Slot<T, R>,
        value: impl Fn(&mut Enc, T),
    ) {
        match &slot.held {
            None => e.u8(0),
            Some(s) => {
                e.u8(1);
                e.u32(s.at.raw());
                e.u32(s.event.raw());
                value(e, s.value.clone());
            }
        }
    }

    /// Reads what [`write_slot`] wrote; the event handle is checked.
    pub(crate) fn read_slot<T, R>(
        d: &mut Dec<'_>,
        events: &EventIds,
        value: impl Fn(&mut Dec<'_>) -> Result<T>,
    ) -> Result<Slot<T, R>> {
        let held = if d.bool()? {
            let at = moment_set(d)?;
            let raw = d.u32()?;
            let event = events
                .checked_ref(raw)
                .ok_or_else(|| d.invalid(format!("event handle {raw} out of range")))?;
            Some(Stamped {
                at,
                event,
                value: value(d)?,
            })
        } else {
            None
        };
        Ok(Slot {
            held,
            _rule: PhantomData,
        })
    }

    fn unit(_: &mut Dec<'_>) -> Result<()> {
        Ok(())
    }

    fn write_span(e: &mut Enc, s: Span) {
        e.u32(s.start);
        e.u32(s.len);
    }

    fn read_span(d: &mut Dec<'_>, items: usize) -> Result<Span> {
        let (start, len) = (d.u32()?, d.u32()?);
        if start as usize + len as usize > items {
            return Err(d.invalid(format!(
                "list span {start}+{len} past the {items} items held"
            )));
        }
        Ok(Span { start, len })
    }

    /// Money or units: never negative in held state (validation refuses it).
    pub(crate) fn non_negative(d: &mut Dec<'_>) -> Result<i64> {
        let v = d.i64()?;
        if v < 0 {
            return Err(d.invalid(format!("negative amount or count {v}")));
        }
        Ok(v)
    }

    pub(crate) fn opt_non_negative(d: &mut Dec<'_>) -> Result<Option<i64>> {
        Ok(if d.bool()? {
            Some(non_negative(d)?)
        } else {
            None
        })
    }

    fn stars(d: &mut Dec<'_>) -> Result<u8> {
        let s = d.u8()?;
        if (1..=5).contains(&s) {
            Ok(s)
        } else {
            Err(d.invalid(format!("review stars {s} outside 1..=5")))
        }
    }

    fn opt_stars(d: &mut Dec<'_>) -> Result<Option<u8>> {
        Ok(if d.bool()? { Some(stars(d)?) } else { None })
    }

    fn write_opt_u8(e: &mut Enc, v: Option<u8>) {
        e.bool(v.is_some());
        if let Some(v) = v {
            e.u8(v);
        }
    }

    fn opt_handle(d: &mut Dec<'_>, len: usize, what: &str) -> Result<Option<u32>> {
        Ok(if d.bool()? {
            Some(d.handle(len, what)?)
        } else {
            None
        })
    }

    impl<T: Handle> Lists<T> {
        /// Writes the items (handles) as a `u32` column.
        pub(crate) fn write_snapshot(&self, e: &mut Enc) {
            let raw: Vec<u32> = self.items.iter().map(|h| h.index() as u32).collect();
            e.u32s(&raw);
        }

        /// Reads the items, each checked below `ids`.
        pub(crate) fn read_snapshot(d: &mut Dec<'_>, ids: usize) -> Result<Self> {
            let raw = d.u32s()?;
            if let Some(&bad) = raw.iter().find(|&&h| h as usize >= ids) {
                return Err(d.invalid(format!("{} handle {bad} out of range (0..{ids})", T::KIND)));
            }
            Ok(Lists {
                items: raw.into_iter().map(T::from_index).collect(),
            })
        }

        /// Number of items.
        pub(crate) fn items_len(&self) -> usize {
            self.items.len()
        }
    }

    fn write_review(e: &mut Enc, r: ReviewFact) {
        e.u32(r.reviewer.index() as u32);
        e.u8(r.product);
        write_opt_u8(e, r.logistics);
        write_opt_u8(e, r.service);
        e.bool(r.suspicious);
    }

    fn read_review(d: &mut Dec<'_>, b: &Bounds) -> Result<ReviewFact> {
        Ok(ReviewFact {
            reviewer: BuyerId::from_index(d.handle(b.buyers, "reviewer")?),
            product: stars(d)?,
            logistics: opt_stars(d)?,
            service: opt_stars(d)?,
            suspicious: d.bool()?,
        })
    }

    /// An appeal's kind on file: 0 review, 1 dispute, 2 a label (its reason follows).
    fn write_appealed(e: &mut Enc, what: Appealed) {
        match what {
            Appealed::Review => e.u8(0),
            Appealed::Dispute => e.u8(1),
            Appealed::Label(r) => {
                e.u8(2);
                e.json(&r);
            }
        }
    }

    fn read_appealed(d: &mut Dec<'_>) -> Result<Appealed> {
        Ok(match d.u8()? {
            0 => Appealed::Review,
            1 => Appealed::Dispute,
            2 => Appealed::Label(d.json()?),
            k => return Err(d.invalid(format!("appeal kind {k} unknown"))),
        })
    }

    impl OrderTable {
        /// Writes the appeals granted (section `order_appeals`, minor
        /// version 2): the orders holding any, each with its grants.
        pub(crate) fn write_appeals_snapshot(&self, e: &mut Enc) {
            let with: Vec<(usize, &OrderState)> = (self.iter().enumerate())
                .filter(|(_, o)| !o.rare().appeals.is_empty())
                .collect();
            e.len(with.len());
            for (i, o) in with {
                e.u32(i as u32);
                e.len(o.rare().appeals.len());
                for (what, grant) in &o.rare().appeals {
                    write_appealed(e, *what);
                    write_slot(e, grant, |_, ()| {});
                }
            }
        }

        /// Reads what [`OrderTable::write_appeals_snapshot`] wrote into
        /// the rows already read; kinds must be sorted and distinct.
        pub(crate) fn read_appeals_snapshot(
            &mut self,
            d: &mut Dec<'_>,
            events: &EventIds,
        ) -> Result<()> {
            let n = d.count(5)?;
            for _ in 0..n {
                let o = OrderId::from_index(d.handle(self.len(), "order")?);
                let k = d.count(2)?;
                let mut appeals: Vec<(Appealed, Slot<(), Earliest>)> = Vec::with_capacity(k);
                for _ in 0..k {
                    let what = read_appealed(d)?;
                    if appeals.last().is_some_and(|(prev, _)| *prev >= what) {
                        return Err(d.invalid("appeals not sorted by kind"));
                    }
                    appeals.push((what, read_slot(d, events, unit)?));
                }
                self[o].rare_mut().appeals = appeals;
            }
            Ok(())
        }

        /// Writes the superseded facts (section `order_superseded`, minor
        /// version 5): the orders holding any, each with its facts in
        /// their kept order, as slots of one fact.
        pub(crate) fn write_superseded_snapshot(&self, e: &mut Enc) {
            fn one<T: Copy>(e: &mut Enc, s: Stamped<T>, value: impl Fn(&mut Enc, T)) {
                let slot: Slot<T, Latest> = Slot {
                    held: Some(s),
                    _rule: PhantomData,
                };
                write_slot(e, &slot, value);
            }
            let with: Vec<(usize, &OrderState)> = (self.iter().enumerate())
                .filter(|(_, o)| !o.rare().superseded.is_empty())
                .collect();
            e.len(with.len());
            for (i, o) in with {
                e.u32(i as u32);
                e.len(o.rare().superseded.len());
                for x in &o.rare().superseded {
                    e.u8(x.kind());
                    match *x {
                        Superseded::Verdict(s) => one(e, s, |e, v| e.bool(v)),
                        Superseded::Review(s) => one(e, s, write_review),
                        Superseded::Dispute(s) => one(e, s, |e, v| e.json(&v)),
                        Superseded::Atoz(s) => one(e, s, |e, v| e.json(&v)),
                    }
                }
            }
        }

        /// Reads what [`OrderTable::write_superseded_snapshot`] wrote into
        /// the rows already read; the facts must be in their kept order.
        pub(crate) fn read_superseded_snapshot(
            &mut self,
            d: &mut Dec<'_>,
            b: &Bounds,
            events: &EventIds,
        ) -> Result<()> {
            fn one<T>(
                d: &mut Dec<'_>,
                events: &EventIds,
                value: impl Fn(&mut Dec<'_>) -> Result<T>,
            ) -> Result<Stamped<T>> {
                let slot: Slot<T, Latest> = read_slot(d, events, value)?;
                slot.held
                    .ok_or_else(|| d.invalid("a superseded fact is missing"))
            }
            let n = d.count(5)?;
            for _ in 0..n {
                let o = OrderId::from_index(d.handle(self.len(), "order")?);
                let k = d.count(10)?;
                let mut kept: Vec<Superseded> = Vec::with_capacity(k);
                for _ in 0..k {
                    let x = match d.u8()? {
                        0 => Superseded::Verdict(one(d, events, |d| d.bool())?),
                        1 => Superseded::Review(one(d, events, |d| read_review(d, b))?),
                        2 => Superseded::Dispute(one(d, events, |d| d.json())?),
                        3 => Superseded::Atoz(one(d, events, |d| d.json())?),
                        k => return Err(d.invalid(format!("superseded fact kind {k} unknown"))),
                    };
                    let key = |x: &Superseded| (x.kind(), x.at(), events.name(x.event()));
                    if kept.last().is_some_and(|prev| key(prev) >= key(&x)) {
                        return Err(
                            d.invalid("superseded facts not sorted by kind, time and event")
                        );
                    }
                    kept.push(x);
                }
                self[o].rare_mut().superseded = kept;
            }
            Ok(())
        }

        /// Writes every row in index order.
        pub(crate) fn write_snapshot(&self, e: &mut Enc) {
            e.len(self.len);
            for o in self.iter() {
                e.u32(o.shop.index() as u32);
                e.u32(o.buyer.index() as u32);
                e.u32(o.category.index() as u32);
                e.u32(o.paid_event.raw());
                e.u32(o.ordered.raw());
                e.timestamp(o.paid_at);
                e.u32(o.ship_by.raw());
                e.u32(o.deliver_by.raw());
                e.money(o.amount);
                write_span(e, o.tags);
                write_span(e, o.skus);
                e.bool(o.paid_fake);
                write_slot(e, &o.fake_verdict, |e, v| e.bool(v));
                write_slot(e, &o.shipped, |e, s| {
                    e.u32(s.pickup.raw());
                    e.bool(s.tracking_valid);
                });
                write_slot(e, &o.delivered, |_, ()| {});
                write_slot(e, &o.review, write_review);
                match &o.rare {
                    None => e.u8(0),
                    Some(r) => {
                        e.u8(1);
                        write_rare(e, r);
                    }
                }
            }
        }

        /// Reads the rows, checking every handle against `b` and `events`.
        pub(crate) fn read_snapshot(
            d: &mut Dec<'_>,
            b: &Bounds,
            events: &EventIds,
        ) -> Result<Self> {
            // a row takes at least 70 bytes
            let n = d.count(70)?;
            let mut table = OrderTable::default();
            for _ in 0..n {
                let shop = ShopId::from_index(d.handle(b.shops, "shop")?);
                let buyer = BuyerId::from_index(d.handle(b.buyers, "buyer")?);
                let category = CategoryId::from_index(d.handle(b.categories, "category")?);
                let raw = d.u32()?;
                let paid_event = events
                    .checked_ref(raw)
                    .ok_or_else(|| d.invalid(format!("event handle {raw} out of range")))?;
                let ordered = moment_set(d)?;
                let paid_at = d.event_time()?;
                let ship_by = moment_set(d)?;
                let deliver_by = d.moment()?;
                let amount = d.non_negative_money()?;
                let tags = read_span(d, b.tag_items)?;
                let skus = read_span(d, b.sku_items)?;
                let paid_fake = d.bool()?;
                let fake_verdict = read_slot(d, events, |d| d.bool())?;
                let shipped = read_slot(d, events, |d| {
                    Ok(Shipment {
                        pickup: d.moment()?,
                        tracking_valid: d.bool()?,
                    })
                })?;
                let delivered = read_slot(d, events, unit)?;
                let review = read_slot(d, events, |d| read_review(d, b))?;
                let rare = if d.bool()? {
                    Some(Box::new(read_rare(d, b, events)?))
                } else {
                    None
                };
                table.push(OrderState {
                    shop,
                    buyer,
                    category,
                    paid_event,
                    ordered,
                    paid_at,
                    ship_by,
                    deliver_by,
                    amount,
                    tags,
                    skus,
                    fake_verdict,
                    shipped,
                    delivered,
                    review,
                    review_counted: false,
                    paid_fake,
                    region: None,
                    rare,
                });
            }
            Ok(table)
        }
    }

    fn write_rare(e: &mut Enc, r: &RareFacts) {
        e.len(r.refunds.len());
        for c in &r.refunds {
            e.u32(c.refund_id.index() as u32);
            write_slot(e, &c.requested, |e, q| {
                e.json(&q.kind);
                e.json(&q.reason);
                e.money(q.amount);
                e.bool(q.sku.is_some());
                if let Some(s) = q.sku {
                    e.u32(s.index() as u32);
                }
                e.opt_i64(q.units);
            });
            write_slot(e, &c.completed, |e, q| {
                e.money(q.amount);
                e.opt_i64(q.units_returned);
            });
            e.bool(c.in_book);
        }
        write_slot(e, &r.anomaly, |e, v| e.bool(v));
        write_slot(e, &r.intervention, |_, ()| {});
        write_slot(e, &r.dispute, |e, v| e.json(&v));
        write_slot(e, &r.complaint, |_, ()| {});
        write_slot(e, &r.chargeback, |_, ()| {});
        write_slot(e, &r.atoz, |e, v| e.json(&v));
        write_slot(e, &r.seller_cancelled, |_, ()| {});
    }

    fn read_rare(d: &mut Dec<'_>, b: &Bounds, events: &EventIds) -> Result<RareFacts> {
        let n = d.count(7)?;
        let mut refunds: Vec<RefundCase> = Vec::with_capacity(n);
        for _ in 0..n {
            let refund_id = RefundId::from_index(d.handle(b.refunds, "refund")?);
            if refunds.last().is_some_and(|c| c.refund_id >= refund_id) {
                return Err(d.invalid("an order's refund cases are not sorted by refund id"));
            }
            let requested = read_slot(d, events, |d| {
                Ok(RefundRequest {
                    kind: d.json()?,
                    reason: d.json()?,
                    amount: d.non_negative_money()?,
                    sku: opt_handle(d, b.skus, "SKU")?.map(SkuId::from_index),
                    units: opt_non_negative(d)?,
                })
            })?;
            let completed = read_slot(d, events, |d| {
                Ok(RefundDone {
                    amount: d.non_negative_money()?,
                    units_returned: opt_non_negative(d)?,
                })
            })?;
            refunds.push(RefundCase {
                refund_id,
                requested,
                completed,
                in_book: d.bool()?,
            });
        }
        Ok(RareFacts {
            refunds,
            anomaly: read_slot(d, events, |d| d.bool())?,
            intervention: read_slot(d, events, unit)?,
            dispute: read_slot(d, events, |d| d.json())?,
            complaint: read_slot(d, events, unit)?,
            chargeback: read_slot(d, events, unit)?,
            atoz: read_slot(d, events, |d| d.json())?,
            seller_cancelled: read_slot(d, events, unit)?,
            appeals: Vec::new(),
            superseded: Vec::new(),
        })
    }
}
