//! Compact per-order state, built by commutative updates.
//!
//! Why: events arrive out of order, repeat, and may be split between
//! engines. Each fact about an order lives in a slot that combines values
//! with an order-independent rule (earliest or latest by `(time, event id)`),
//! so any permutation of the same events, and any merge of disjoint sets,
//! gives the same state. Scores are derived from this state, never from the
//! raw event log.

use std::sync::Arc;

use crate::event::{
    ClaimOutcome, DisputeWinner, Money, OrderPaid, RefundKind, RefundReason, Timestamp,
};

/// A fact with the time and the event that established it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stamped<T> {
    /// When it happened.
    pub at: Timestamp,
    /// The event that said so.
    pub event: Arc<str>,
    /// The fact.
    pub value: T,
}

impl<T> Stamped<T> {
    fn key(&self) -> (Timestamp, &str) {
        (self.at, &self.event)
    }
}

/// Keeps the earliest fact by `(time, event id)`.
fn keep_earliest<T: Clone>(slot: &mut Option<Stamped<T>>, new: &Stamped<T>) {
    match slot {
        Some(old) if old.key() <= new.key() => {}
        _ => *slot = Some(new.clone()),
    }
}

/// Keeps the latest fact by `(time, event id)`.
fn keep_latest<T: Clone>(slot: &mut Option<Stamped<T>>, new: &Stamped<T>) {
    match slot {
        Some(old) if old.key() >= new.key() => {}
        _ => *slot = Some(new.clone()),
    }
}

/// Shipment facts.
#[derive(Clone, Debug, PartialEq)]
pub struct Shipment {
    /// Carrier's first pickup scan.
    pub pickup_at: Option<Timestamp>,
    /// The tracking number was valid.
    pub tracking_valid: bool,
}

/// A buyer review.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewFact {
    /// The reviewer.
    pub reviewer: Arc<str>,
    /// Product stars 1–5.
    pub product: i64,
    /// Logistics stars.
    pub logistics: Option<i64>,
    /// Service stars.
    pub service: Option<i64>,
    /// Flagged suspicious.
    pub suspicious: bool,
}

/// A refund request.
#[derive(Clone, Debug, PartialEq)]
pub struct RefundRequest {
    /// Kind.
    pub kind: RefundKind,
    /// Reason.
    pub reason: RefundReason,
    /// Amount asked.
    pub amount: Money,
    /// SKU concerned.
    pub sku: Option<Arc<str>>,
    /// Units concerned.
    pub units: Option<i64>,
}

/// A completed refund.
#[derive(Clone, Debug, PartialEq)]
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
    pub refund_id: Arc<str>,
    /// The request, once seen.
    pub requested: Option<Stamped<RefundRequest>>,
    /// The completion, once seen.
    pub completed: Option<Stamped<RefundDone>>,
    /// Both halves were handed to the price-protection book.
    pub in_book: bool,
}

/// Everything the engine keeps about one order.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderState {
    /// Order id.
    pub id: Arc<str>,
    /// Shop index in the engine.
    pub shop: u32,
    /// Buyer id.
    pub buyer: Arc<str>,
    /// Category of the order.
    pub category: Arc<str>,
    /// The `order_paid` event.
    pub paid_event: Arc<str>,
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
    /// Order tags.
    pub tags: Box<[Arc<str>]>,
    /// Distinct SKUs of the order's lines, sorted (for item-level rates).
    pub skus: Box<[Arc<str>]>,
    /// The latest risk verdict: true = fake. The payment's own flag counts as a verdict at `paid_at`.
    pub fake_verdict: Option<Stamped<bool>>,
    /// Earliest shipment.
    pub shipped: Option<Stamped<Shipment>>,
    /// Earliest signed receipt.
    pub delivered: Option<Stamped<()>>,
    /// Latest review.
    pub review: Option<Stamped<ReviewFact>>,
    /// Whether the review counts under the per-buyer monthly cap (derived by the engine).
    pub review_counted: bool,
    /// Refund cases, sorted by refund id.
    pub refunds: Vec<RefundCase>,
    /// Facts few orders have, boxed so that an ordinary order stays small.
    pub rare: Option<Box<RareFacts>>,
}

/// The facts few orders carry: anomalies, escalations, cancellations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RareFacts {
    /// Earliest tracking anomaly; `true` when it was a fake shipment.
    pub anomaly: Option<Stamped<bool>>,
    /// Earliest request for platform intervention.
    pub intervention: Option<Stamped<()>>,
    /// Latest dispute ruling.
    pub dispute: Option<Stamped<DisputeWinner>>,
    /// Earliest complaint.
    pub complaint: Option<Stamped<()>>,
    /// Earliest chargeback.
    pub chargeback: Option<Stamped<()>>,
    /// Latest A-to-z claim state.
    pub atoz: Option<Stamped<ClaimOutcome>>,
    /// Earliest seller cancellation.
    pub seller_cancelled: Option<Stamped<()>>,
}

/// A fact about an existing order, as carried by one event.
#[derive(Clone, Debug)]
pub enum OrderFact {
    /// Risk verdict.
    Verdict(Stamped<bool>),
    /// Shipment.
    Shipped(Stamped<Shipment>),
    /// Receipt.
    Delivered(Stamped<()>),
    /// Tracking anomaly.
    Anomaly(Stamped<bool>),
    /// Review.
    Review(Stamped<ReviewFact>),
    /// Refund request.
    RefundRequested(Arc<str>, Stamped<RefundRequest>),
    /// Refund completion.
    RefundCompleted(Arc<str>, Stamped<RefundDone>),
    /// Platform intervention.
    Intervention(Stamped<()>),
    /// Dispute ruling.
    Dispute(Stamped<DisputeWinner>),
    /// Complaint.
    Complaint(Stamped<()>),
    /// Chargeback.
    Chargeback(Stamped<()>),
    /// A-to-z claim.
    Atoz(Stamped<ClaimOutcome>),
    /// Seller cancellation.
    SellerCancelled(Stamped<()>),
}

impl OrderState {
    /// A new order from its payment event. `amount` is the validated paid total.
    pub fn from_paid(e: &OrderPaid, shop: u32, intern: &mut impl FnMut(&str) -> Arc<str>) -> Self {
        let paid_event = intern(&e.id);
        let gross: Money = e
            .lines
            .iter()
            .map(|l| l.unit_price * l.quantity - l.line_discount)
            .sum();
        let discounts: Money = e.discounts.iter().map(|d| d.amount).sum();
        OrderState {
            id: intern(&e.order_id),
            shop,
            buyer: intern(&e.buyer_id),
            category: intern(&e.category),
            fake_verdict: Some(Stamped {
                at: e.paid_at,
                event: paid_event.clone(),
                value: e.risk.fake,
            }),
            paid_event,
            ordered_at: e.ordered_at.unwrap_or(e.paid_at),
            paid_at: e.paid_at,
            ship_by: e.ship_by,
            deliver_by: e.deliver_by,
            amount: gross - discounts,
            tags: e.tags.iter().map(|t| intern(t)).collect(),
            skus: {
                let mut skus: Vec<Arc<str>> = e.lines.iter().map(|l| intern(&l.sku)).collect();
                skus.sort_unstable();
                skus.dedup();
                skus.into_boxed_slice()
            },
            shipped: None,
            delivered: None,
            review: None,
            review_counted: false,
            refunds: Vec::new(),
            rare: None,
        }
    }

    /// True when the latest risk verdict says the order is fake.
    pub fn is_fake(&self) -> bool {
        self.fake_verdict.as_ref().is_some_and(|v| v.value)
    }

    /// The review if it counts toward scores: not suspicious, order not fake.
    pub fn honest_review(&self) -> Option<&Stamped<ReviewFact>> {
        self.review
            .as_ref()
            .filter(|r| !r.value.suspicious && !self.is_fake())
    }

    /// Applies one fact with its commutative rule.
    pub fn apply(&mut self, fact: &OrderFact) {
        match fact {
            OrderFact::Verdict(v) => keep_latest(&mut self.fake_verdict, v),
            OrderFact::Shipped(v) => keep_earliest(&mut self.shipped, v),
            OrderFact::Delivered(v) => keep_earliest(&mut self.delivered, v),
            OrderFact::Anomaly(v) => {
                let slot = &mut self.rare_mut().anomaly;
                let fake = v.value || slot.as_ref().is_some_and(|a| a.value);
                keep_earliest(slot, v);
                if let Some(a) = slot {
                    a.value = fake;
                }
            }
            OrderFact::Review(v) => keep_latest(&mut self.review, v),
            OrderFact::RefundRequested(id, v) => {
                keep_earliest(&mut self.refund_case(id).requested, v)
            }
            OrderFact::RefundCompleted(id, v) => {
                keep_earliest(&mut self.refund_case(id).completed, v)
            }
            OrderFact::Intervention(v) => keep_earliest(&mut self.rare_mut().intervention, v),
            OrderFact::Dispute(v) => keep_latest(&mut self.rare_mut().dispute, v),
            OrderFact::Complaint(v) => keep_earliest(&mut self.rare_mut().complaint, v),
            OrderFact::Chargeback(v) => keep_earliest(&mut self.rare_mut().chargeback, v),
            OrderFact::Atoz(v) => keep_latest(&mut self.rare_mut().atoz, v),
            OrderFact::SellerCancelled(v) => {
                keep_earliest(&mut self.rare_mut().seller_cancelled, v)
            }
        }
    }

    fn rare_mut(&mut self) -> &mut RareFacts {
        self.rare.get_or_insert_with(Default::default)
    }

    /// Earliest tracking anomaly; `true` when it was a fake shipment.
    pub fn anomaly(&self) -> Option<&Stamped<bool>> {
        self.rare.as_ref().and_then(|r| r.anomaly.as_ref())
    }
    /// Earliest request for platform intervention.
    pub fn intervention(&self) -> Option<&Stamped<()>> {
        self.rare.as_ref().and_then(|r| r.intervention.as_ref())
    }
    /// Latest dispute ruling.
    pub fn dispute(&self) -> Option<&Stamped<DisputeWinner>> {
        self.rare.as_ref().and_then(|r| r.dispute.as_ref())
    }
    /// Earliest complaint.
    pub fn complaint(&self) -> Option<&Stamped<()>> {
        self.rare.as_ref().and_then(|r| r.complaint.as_ref())
    }
    /// Earliest chargeback.
    pub fn chargeback(&self) -> Option<&Stamped<()>> {
        self.rare.as_ref().and_then(|r| r.chargeback.as_ref())
    }
    /// Latest A-to-z claim state.
    pub fn atoz(&self) -> Option<&Stamped<ClaimOutcome>> {
        self.rare.as_ref().and_then(|r| r.atoz.as_ref())
    }
    /// Earliest seller cancellation.
    pub fn seller_cancelled(&self) -> Option<&Stamped<()>> {
        self.rare.as_ref().and_then(|r| r.seller_cancelled.as_ref())
    }

    fn refund_case(&mut self, id: &Arc<str>) -> &mut RefundCase {
        let pos = match self
            .refunds
            .binary_search_by(|c| c.refund_id.as_ref().cmp(id.as_ref()))
        {
            Ok(p) => p,
            Err(p) => {
                self.refunds.insert(
                    p,
                    RefundCase {
                        refund_id: id.clone(),
                        requested: None,
                        completed: None,
                        in_book: false,
                    },
                );
                p
            }
        };
        &mut self.refunds[pos]
    }

    /// Every fact this order holds, for merging it into another engine's copy.
    pub fn facts(&self) -> Vec<OrderFact> {
        let mut out = Vec::new();
        if let Some(v) = &self.fake_verdict {
            out.push(OrderFact::Verdict(v.clone()));
        }
        let mut push = |slot: Option<OrderFact>| out.extend(slot);
        push(self.shipped.clone().map(OrderFact::Shipped));
        push(self.delivered.clone().map(OrderFact::Delivered));
        push(self.review.clone().map(OrderFact::Review));
        if let Some(r) = &self.rare {
            push(r.anomaly.clone().map(OrderFact::Anomaly));
            push(r.intervention.clone().map(OrderFact::Intervention));
            push(r.dispute.clone().map(OrderFact::Dispute));
            push(r.complaint.clone().map(OrderFact::Complaint));
            push(r.chargeback.clone().map(OrderFact::Chargeback));
            push(r.atoz.clone().map(OrderFact::Atoz));
            push(r.seller_cancelled.clone().map(OrderFact::SellerCancelled));
        }
        for case in &self.refunds {
            if let Some(r) = &case.requested {
                out.push(OrderFact::RefundRequested(
                    case.refund_id.clone(),
                    r.clone(),
                ));
            }
            if let Some(c) = &case.completed {
                out.push(OrderFact::RefundCompleted(
                    case.refund_id.clone(),
                    c.clone(),
                ));
            }
        }
        out
    }
}
