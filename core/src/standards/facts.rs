//! What the standards' metrics read of each order, taken once.
//!
//! Why: a standard is a dozen metric windows, and early warnings evaluate
//! three standards for every shop. Walking a shop's 128-byte rows (and
//! their rare facts) once per window was most of that work, each row a
//! cache miss since a shop's orders lie anywhere in the table. Here each
//! row is read once into a 16-byte [`OrderFacts`], and for a whole board
//! the rows are read in table order (sequential, on all cores) and each
//! shop's facts then gathered from that list.

use crate::engine::Engine;
use crate::event::{ClaimOutcome, DisputeWinner, Timestamp};
use crate::ids::{BuyerId, Handle, OrderId, ShopId, Table};
use crate::order::OrderState;
use crate::time::LocalDay;

use super::{MetricKind, Standard};

/// What every metric of every standard reads of one order as known at the
/// moment evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OrderFacts {
    paid_day: LocalDay,
    ordered_day: LocalDay,
    buyer: BuyerId,
    /// The lowest star rating of its honest review.
    lowest_stars: Option<u8>,
    flags: u16,
}

impl OrderFacts {
    /// A fake order: out of every numerator and denominator.
    const FAKE: u16 = 1;
    /// A problem order (decided only for orders paid in a window some
    /// problem-order rate reads).
    const PROBLEM: u16 = 1 << 1;
    const CLAIM_NOT_DENIED: u16 = 1 << 2;
    const CHARGEBACK: u16 = 1 << 3;
    const SHIPPED: u16 = 1 << 4;
    const SHIPPED_LATE: u16 = 1 << 5;
    const TRACKING_VALID: u16 = 1 << 6;
    const CANCELLED_BEFORE_SHIPPING: u16 = 1 << 7;
    /// A dispute ruled for the buyer or an A-to-z claim granted.
    const CLOSED_FOR_BUYER: u16 = 1 << 8;

    fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// The buyer who paid.
    pub(crate) fn buyer(&self) -> BuyerId {
        self.buyer
    }

    /// Counts at all (not fake).
    pub(crate) fn valid(&self) -> bool {
        !self.has(Self::FAKE)
    }

    /// The local day of the order.
    pub(crate) fn ordered_day(&self) -> LocalDay {
        self.ordered_day
    }

    /// The local day a metric windows this order by.
    pub(crate) fn day(&self, metric: MetricKind) -> LocalDay {
        if metric == MetricKind::ProblemOrderRate {
            self.paid_day
        } else {
            self.ordered_day
        }
    }

    /// `None`: not in the metric's denominator; `Some(true)`: in its
    /// numerator. For a valid order.
    pub(crate) fn judge(&self, std: &Standard, metric: MetricKind) -> Option<bool> {
        let cancelled = self.has(Self::CANCELLED_BEFORE_SHIPPING);
        let closed_for_buyer = self.has(Self::CLOSED_FOR_BUYER);
        let shipped = self.has(Self::SHIPPED);
        match metric {
            MetricKind::ProblemOrderRate => Some(self.has(Self::PROBLEM)),
            MetricKind::OrderDefectRate => {
                let negative = (self.lowest_stars)
                    .is_some_and(|s| i64::from(s) <= std.negative_feedback_max_stars);
                Some(negative || self.has(Self::CLAIM_NOT_DENIED) || self.has(Self::CHARGEBACK))
            }
            MetricKind::LateShipmentRate => shipped.then(|| self.has(Self::SHIPPED_LATE)),
            MetricKind::ValidTrackingRate => shipped.then(|| self.has(Self::TRACKING_VALID)),
            MetricKind::PreFulfilmentCancelRate => Some(cancelled),
            MetricKind::TransactionDefectRate => Some(cancelled || closed_for_buyer),
            MetricKind::CasesClosedWithoutSellerResolution => Some(closed_for_buyer),
        }
    }
}

/// What reading an order's facts needs to know once: the moment, its day,
/// and the first day any problem-order rate of the standards reads (over
/// every window, fallbacks too; `None` when none has one).
#[derive(Clone, Copy)]
struct Reading {
    as_of: Timestamp,
    t: LocalDay,
    problem_from: Option<LocalDay>,
}

/// The facts of every order as known at one moment, by order index
/// ([`Engine::facts_of_shops`]).
pub(crate) struct FactsOfShops {
    reading: Reading,
    /// By order index; empty when each shop's are read when asked for.
    /// An order of a shop with a fact after the moment is a blank here.
    by_order: Vec<OrderFacts>,
}

impl FactsOfShops {
    /// Shop `s`'s facts: gathered from the pass (a 16-byte read per order,
    /// the reads independent, so their misses overlap), or read from its
    /// orders as known at the moment.
    pub(crate) fn of_shop(&self, engine: &Engine, s: ShopId) -> Vec<OrderFacts> {
        let shop = &engine.ledger().shops[s];
        if shop.last_fact_at <= self.reading.as_of && !self.by_order.is_empty() {
            (shop.orders.iter())
                .map(|&o| self.by_order[o.index()])
                .collect()
        } else {
            engine.read_facts(s, self.reading)
        }
    }
}

impl Engine {
    /// What `standards`' metrics read of each order of shop `idx`, as known
    /// at `as_of`: each row read once for all of them.
    pub(crate) fn order_facts(
        &self,
        idx: ShopId,
        as_of: Timestamp,
        standards: &[Standard],
    ) -> Vec<OrderFacts> {
        self.read_facts(idx, self.reading(as_of, standards))
    }

    /// The facts of the orders of every shop, as known at `as_of`: when the
    /// shops with no fact after `as_of` (all of them at the present) hold
    /// more than half of the orders, read in table order (a sequential
    /// pass, in parts on all cores) into a list by order index; otherwise
    /// each shop's are read when asked for.
    pub(crate) fn facts_of_shops(&self, as_of: Timestamp, standards: &[Standard]) -> FactsOfShops {
        let reading = self.reading(as_of, standards);
        // apart from the shops' states: the pass reads 50 KB, not 18 MB
        let in_place: Table<ShopId, bool> = (self.ledger().shops.iter())
            .map(|s| s.last_fact_at <= as_of)
            .collect();
        let held: usize = (self.ledger().shops.iter().zip(&in_place))
            .filter(|(_, &in_place)| in_place)
            .map(|(shop, _)| shop.orders.len())
            .sum();
        if held <= self.orders().len() / 2 {
            return FactsOfShops {
                reading,
                by_order: Vec::new(),
            };
        }
        let blank = OrderFacts {
            paid_day: LocalDay::default(),
            ordered_day: LocalDay::default(),
            buyer: BuyerId::from_index(0),
            lowest_stars: None,
            flags: OrderFacts::FAKE,
        };
        let mut by_order = vec![blank; self.orders().len()];
        let read = |first: usize, part: &mut [OrderFacts]| {
            for (i, out) in part.iter_mut().enumerate() {
                let o = &self.orders()[OrderId::from_index((first + i) as u32)];
                if in_place[o.shop] {
                    *out = self.facts_of(o, reading);
                }
            }
        };
        // a part per core, each of at least 2^16 orders (a thread costs more
        // than reading fewer)
        let threads = (std::thread::available_parallelism().map_or(1, |n| n.get()))
            .min(self.orders().len() >> 16)
            .max(1);
        let part = by_order.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for (k, chunk) in by_order.chunks_mut(part).enumerate() {
                scope.spawn(move || read(k * part, chunk));
            }
        });
        FactsOfShops { reading, by_order }
    }

    fn reading(&self, as_of: Timestamp, standards: &[Standard]) -> Reading {
        let t = self.clock().day(as_of);
        let problem_from = (standards.iter().flat_map(|s| &s.metrics))
            .filter(|m| m.metric == MetricKind::ProblemOrderRate)
            .flat_map(|m| {
                std::iter::once(m.window_days).chain(m.fallback.as_ref().map(|f| f.window_days))
            })
            .map(|days| t.window_start(days))
            .min();
        Reading {
            as_of,
            t,
            problem_from,
        }
    }

    fn read_facts(&self, idx: ShopId, reading: Reading) -> Vec<OrderFacts> {
        (self.orders_known_at(idx, reading.as_of))
            .map(|(_, o)| self.facts_of(&o, reading))
            .collect()
    }

    fn facts_of(&self, o: &OrderState, r: Reading) -> OrderFacts {
        let paid_day = self.clock().day(o.paid_at);
        let shipped = o.shipped.get();
        let cancelled_before_shipping = o
            .seller_cancelled()
            .is_some_and(|c| shipped.is_none_or(|s| c.at() <= s.at()));
        let closed_for_buyer = o.dispute().is_some_and(|d| d.value == DisputeWinner::Buyer)
            || o.atoz().is_some_and(|a| a.value == ClaimOutcome::Granted);
        let problem = r
            .problem_from
            .is_some_and(|from| (from..=r.t).contains(&paid_day))
            && !self.families_at(o, r.as_of).is_empty();
        let flags = [
            (o.is_fake(), OrderFacts::FAKE),
            (problem, OrderFacts::PROBLEM),
            (
                o.atoz().is_some_and(|a| a.value != ClaimOutcome::Denied),
                OrderFacts::CLAIM_NOT_DENIED,
            ),
            (o.chargeback().is_some(), OrderFacts::CHARGEBACK),
            (shipped.is_some(), OrderFacts::SHIPPED),
            (
                shipped.is_some_and(|s| s.at() > o.ship_by()),
                OrderFacts::SHIPPED_LATE,
            ),
            (
                shipped.is_some_and(|s| s.value.tracking_valid),
                OrderFacts::TRACKING_VALID,
            ),
            (
                cancelled_before_shipping,
                OrderFacts::CANCELLED_BEFORE_SHIPPING,
            ),
            (closed_for_buyer, OrderFacts::CLOSED_FOR_BUYER),
        ]
        .into_iter()
        .fold(0, |acc, (set, flag)| if set { acc | flag } else { acc });
        let lowest_stars = o.honest_review().map(|r| {
            let v = &r.value;
            [Some(v.product), v.logistics, v.service]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(v.product)
        });
        OrderFacts {
            paid_day,
            ordered_day: self.clock().day(o.ordered_at()),
            buyer: o.buyer,
            lowest_stars,
            flags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standards::presets;

    #[test]
    fn order_facts_are_16_bytes() {
        assert_eq!(std::mem::size_of::<OrderFacts>(), 16);
    }

    /// The pass over the table gives every shop the facts its own orders
    /// give, at the present (where the pass runs) and before (where shops
    /// with later facts are read as they stood).
    #[test]
    fn the_pass_gives_each_shop_its_own_orders_facts() {
        let (e, start) = crate::known::tests::engine();
        let latest = e.latest_event_time().unwrap();
        let standards = [presets::amazon(), presets::ebay(), presets::tmall()];
        let mut flags = 0;
        let early = start.plus_days(10);
        for t in [latest, latest.minus_days(1), early] {
            let pass = e.facts_of_shops(t, &standards);
            if t == latest || t == early {
                // at the present the pass runs; early on every shop has later facts
                assert_eq!(pass.by_order.is_empty(), t == early, "at {t}");
            }
            for s in e.ledger().shops.handles() {
                let own = e.order_facts(s, t, &standards);
                assert_eq!(pass.of_shop(&e, s), own, "shop {s:?} at {t}");
                flags |= own.iter().fold(0, |acc, f| acc | f.flags);
            }
        }
        // the data sets the flags it can (no fakes, cancellations or cases)
        for flag in [
            OrderFacts::PROBLEM,
            OrderFacts::SHIPPED,
            OrderFacts::SHIPPED_LATE,
            OrderFacts::TRACKING_VALID,
        ] {
            assert_ne!(flags & flag, 0, "flag {flag:#x} never set");
        }
    }
}
