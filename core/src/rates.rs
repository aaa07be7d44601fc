//! Problem-order rates without the whole score: per shop and per item (SKU).
//!
//! Why here and not in [`score`](crate::score): the seller standards, the
//! good-service list and item pages need the rate alone. The shop rate is
//! read from the same day counters the score reads (one window sum per shop);
//! the item rate walks only the shop's own orders, because counters are not
//! kept per SKU. Both decide "problem" through [`problem::classify`] and the
//! same overdue-pickup rule, so they agree with
//! [`ShopScore::problem_rate`](crate::ShopScore).

use crate::ids::ShopId;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::counters::{Counter, DaySums, AWAITING_NO_LABEL, AWAITING_NO_LOGISTICS_LABEL};
use crate::engine::Engine;
use crate::error::Error;
use crate::event::Timestamp;
use crate::ledger::ShopState;
use crate::order::OrderState;
use crate::problem::{self, Families, Family};
use crate::time::LocalDay;

/// Distinct problem orders over valid paid orders, with per-family counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProblemTally {
    /// Distinct problem orders (an order with several labels counts once).
    pub problem_orders: u64,
    /// Valid (non-fake) paid orders.
    pub valid_orders: u64,
    /// Orders with a product-family label.
    pub product: u64,
    /// Orders with a logistics-family label.
    pub logistics: u64,
    /// Orders with an after-sales-family label.
    pub after_sales: u64,
}

impl ProblemTally {
    /// `problem_orders / valid_orders`, 0 with no orders (for display only:
    /// comparisons use the integer counts).
    pub fn rate(&self) -> f64 {
        if self.valid_orders == 0 {
            0.0
        } else {
            self.problem_orders as f64 / self.valid_orders as f64
        }
    }

    /// Tmall's display: percent, two decimals, truncated.
    pub fn display(&self) -> String {
        problem::percent_truncated(self.problem_orders, self.valid_orders)
    }

    fn add_order(&mut self, families: Families) {
        self.valid_orders += 1;
        if !families.is_empty() {
            self.problem_orders += 1;
        }
        self.product += u64::from(families.contains(Family::Product));
        self.logistics += u64::from(families.contains(Family::Logistics));
        self.after_sales += u64::from(families.contains(Family::AfterSales));
    }

    /// Adds the orders time alone made problems beyond the settled
    /// counters (see [`Engine::overdue`]).
    pub(crate) fn add_overdue(&mut self, overdue: Overdue) {
        self.problem_orders = self.problem_orders.wrapping_add(overdue.problem);
        self.logistics = self.logistics.wrapping_add(overdue.logistics);
        self.after_sales = self.after_sales.wrapping_add(overdue.after_sales);
    }

    /// Every count plus `delta`'s, wrapping (a one-day shift, see
    /// [`crate::board`]).
    pub(crate) fn wrapping_add(&self, delta: &ProblemTally) -> ProblemTally {
        ProblemTally {
            problem_orders: self.problem_orders.wrapping_add(delta.problem_orders),
            valid_orders: self.valid_orders.wrapping_add(delta.valid_orders),
            product: self.product.wrapping_add(delta.product),
            logistics: self.logistics.wrapping_add(delta.logistics),
            after_sales: self.after_sales.wrapping_add(delta.after_sales),
        }
    }

    fn add(&mut self, o: &ProblemTally) {
        self.problem_orders += o.problem_orders;
        self.valid_orders += o.valid_orders;
        self.product += o.product;
        self.logistics += o.logistics;
        self.after_sales += o.after_sales;
    }
}

/// Orders of a window that time alone made problems by a moment, beyond
/// what its whole days of counters hold: those whose pickup deadline
/// passed on the deadline's own day, and those whose open cases passed
/// their deadlines (see [`problem::open_cases`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Overdue {
    /// Orders with no other label.
    pub problem: u64,
    /// Orders with no other logistics label.
    pub logistics: u64,
    /// Orders with no other after-sales label.
    pub after_sales: u64,
}

impl Overdue {
    fn add(&mut self, other: Overdue) {
        self.problem += other.problem;
        self.logistics += other.logistics;
        self.after_sales += other.after_sales;
    }
}

/// The part of [`Overdue`] a shop's open cases bring, and the moments it
/// holds for: the live scoreboard keeps it from one day to the next, so a
/// shop none of whose open-case deadlines passed in between skips its
/// open-case list (a tree walk per shop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenOverdue {
    counts: Overdue,
    /// Taken at this moment ...
    at: Timestamp,
    /// ... and the same at every later moment before this one, as long as
    /// the shop gains no fact (the caller's to know: it redoes a shop with
    /// a fact after `at`).
    until: Timestamp,
}

impl Default for OpenOverdue {
    /// Holds at no moment.
    fn default() -> Self {
        OpenOverdue {
            counts: Overdue::default(),
            at: Timestamp::MAX,
            until: Timestamp::MIN,
        }
    }
}

impl OpenOverdue {
    pub(crate) fn holds_at(&self, as_of: Timestamp) -> bool {
        (self.at..self.until).contains(&as_of)
    }
}

/// A shop's problem-order rate with its category's pooled rate beside it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShopProblemRate {
    /// Shop id.
    pub shop_id: String,
    /// The shop's category.
    pub category: String,
    /// The shop's counts.
    #[serde(flatten)]
    pub tally: ProblemTally,
    /// Rate, 0..=1.
    pub rate: f64,
    /// Tmall display (`19.43%`).
    pub display: String,
    /// Pooled counts of every shop of the category.
    pub category_tally: ProblemTally,
    /// Pooled category rate, 0..=1.
    pub category_mean: f64,
}

/// The problem-order rate of one item (SKU) of a shop.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemProblemRate {
    /// The SKU.
    pub sku: String,
    /// Distinct problem orders containing the SKU over valid paid orders containing it.
    #[serde(flatten)]
    pub tally: ProblemTally,
    /// Rate, 0..=1.
    pub rate: f64,
    /// Tmall display (`17.94%`).
    pub display: String,
    /// The pooled problem-order rate of the shop's category (same window).
    pub category_mean: f64,
}

impl Engine {
    /// Local days `(from, to)` of the problem-order window ending at `as_of`.
    pub(crate) fn problem_window(
        &self,
        as_of: Timestamp,
        window_days: u32,
    ) -> (LocalDay, LocalDay) {
        let t = self.clock().day(as_of);
        (t.window_start(window_days), t)
    }

    /// Problem counts of a shop over the local days `from..=day(as_of)` from
    /// its day counters. Orders still awaiting a pickup count from the second
    /// their deadline passes: whole payment days before the deadline's day
    /// come from the counters, the deadline's own day from the shop's short
    /// list of awaiting orders.
    pub(crate) fn counter_tally(
        &self,
        shop: &ShopState,
        sums: &impl DaySums,
        from: LocalDay,
        as_of: Timestamp,
    ) -> ProblemTally {
        let mut tally = self.settled_tally(sums, from, as_of);
        tally.add_overdue(self.overdue(shop, sums, from, as_of));
        tally
    }

    /// The counts [`Engine::counter_tally`] takes from whole days of
    /// counters: all but the orders that passed their pickup deadline
    /// earlier on the deadline's own day. Additions wrap: exact for real
    /// sums, and a window's one-day change read as a wrapping difference
    /// adds to the old tally to give the new one (see [`crate::board`]).
    pub(crate) fn settled_tally(
        &self,
        sums: &impl DaySums,
        from: LocalDay,
        as_of: Timestamp,
    ) -> ProblemTally {
        use Counter as C;
        let t = self.clock().day(as_of);
        let c = |k: C| sums.sum(from, t, k);
        let full = |k: C| sums.sum(from, self.pickup_cutoff_day(as_of).minus(1).min(t), k);
        ProblemTally {
            problem_orders: c(C::ProblemOrders).wrapping_add(full(C::AwaitingPickupNoLabel)),
            valid_orders: c(C::ValidOrders),
            product: c(C::ProblemProduct),
            logistics: c(C::ProblemLogistics).wrapping_add(full(C::AwaitingPickupNoLogisticsLabel)),
            after_sales: c(C::ProblemAfterSales),
        }
    }

    /// Orders are overdue for pickup when paid before this moment.
    fn pickup_cutoff(&self, as_of: Timestamp) -> Timestamp {
        // saturating: a query at the start of time has no overdue order
        as_of.minus_secs(crate::problem::hours_to_secs(
            self.cfg().problems.pickup_within_hours,
        ))
    }

    fn pickup_cutoff_day(&self, as_of: Timestamp) -> LocalDay {
        self.clock().day(self.pickup_cutoff(as_of))
    }

    /// The orders of the window `from..=day(as_of)` that time alone made
    /// problems by `as_of` beyond its settled counters: those still
    /// awaiting a pickup whose deadline passed on the deadline's own day,
    /// before `as_of` (to the second, from the shop's awaiting list, not
    /// walked when that day's counters hold no awaiting order), and those
    /// whose open cases passed their deadlines (from the shop's short list
    /// of orders with open cases; an order an overdue pickup already
    /// counts is not counted again).
    pub(crate) fn overdue(
        &self,
        shop: &ShopState,
        sums: &impl DaySums,
        from: LocalDay,
        as_of: Timestamp,
    ) -> Overdue {
        self.overdue_keeping(shop, sums, from, as_of, None).0
    }

    /// [`Engine::overdue`], and its open-case part for the next call:
    /// `kept` (that part from an earlier call on the same shop, which has
    /// gained no fact since) is reused where it still holds.
    pub(crate) fn overdue_keeping(
        &self,
        shop: &ShopState,
        sums: &impl DaySums,
        from: LocalDay,
        as_of: Timestamp,
        kept: Option<OpenOverdue>,
    ) -> (Overdue, OpenOverdue) {
        use Counter as C;
        let t = self.clock().day(as_of);
        let cutoff = self.pickup_cutoff(as_of);
        let cutoff_day = self.clock().day(cutoff);
        let that_day = |k: C| sums.sum(cutoff_day, cutoff_day, k);
        let mut overdue = Overdue::default();
        if (from..=t).contains(&cutoff_day)
            && that_day(C::AwaitingPickupNoLabel) + that_day(C::AwaitingPickupNoLogisticsLabel) > 0
        {
            let start = self.clock().day_start(cutoff_day);
            for (flags, n) in shop.awaiting_between(start, cutoff) {
                overdue.problem += u64::from(flags & AWAITING_NO_LABEL != 0) * u64::from(n);
                overdue.logistics +=
                    u64::from(flags & AWAITING_NO_LOGISTICS_LABEL != 0) * u64::from(n);
            }
        }
        let open = match kept {
            Some(kept) if kept.holds_at(as_of) => kept,
            _ => self.open_case_overdue(shop, from, as_of, cutoff),
        };
        overdue.add(open.counts);
        (overdue, open)
    }

    /// The orders of the window `from..=day(as_of)` whose open cases passed
    /// their deadlines by `as_of` (an order an overdue pickup already counts,
    /// paid before `cutoff`, is not counted again), and until when that
    /// holds: the first moment a deadline passes, a pickup starts counting
    /// or the window's start passes a case.
    fn open_case_overdue(
        &self,
        shop: &ShopState,
        from: LocalDay,
        as_of: Timestamp,
        cutoff: Timestamp,
    ) -> OpenOverdue {
        let t = self.clock().day(as_of);
        let (start, end) = (
            self.clock().day_start(from),
            self.clock().day_start(t.plus(1)),
        );
        let pickup_secs = as_of.secs_since(cutoff);
        let mut counts = Overdue::default();
        let mut until = Timestamp::MAX;
        // a condition `deadline < as_of` turns at the second after the deadline
        let mut turns_after = |deadline: Timestamp| {
            if deadline >= as_of {
                until = until.min(deadline.plus_secs(1));
            }
        };
        let mut earliest_paid = None;
        for (paid_at, open, n) in shop.open_cases_between(start, end) {
            earliest_paid.get_or_insert(paid_at);
            let n = u64::from(n);
            let pickup_counts = |flag: u8| open.pickup_covers & flag != 0 && paid_at < cutoff;
            if open.problem < as_of && !pickup_counts(AWAITING_NO_LABEL) {
                counts.problem += n;
            }
            if open.logistics < as_of && !pickup_counts(AWAITING_NO_LOGISTICS_LABEL) {
                counts.logistics += n;
            }
            if open.after_sales < as_of {
                counts.after_sales += n;
            }
            turns_after(open.problem);
            turns_after(open.logistics);
            turns_after(open.after_sales);
            if open.pickup_covers != 0 {
                // the cutoff passes `paid_at` once `as_of` passes this
                turns_after(paid_at.plus_secs(pickup_secs));
            }
        }
        if let Some(paid_at) = earliest_paid {
            // the window starts after the earliest case from this day on
            let window = t.days_since(from) + 1;
            let leaves = self.clock().day(paid_at).plus(window);
            until = until.min(self.clock().day_start(leaves));
        }
        OpenOverdue {
            counts,
            at: as_of,
            until,
        }
    }

    /// The problem families of one order as of `as_of` (empty for fake orders).
    pub(crate) fn families_at(&self, o: &OrderState, as_of: Timestamp) -> Families {
        if o.is_fake() {
            return Families::default();
        }
        problem::families_at(o, self.rules(), as_of)
    }

    /// The problem-order rate of every shop over the configured window ending
    /// at `as_of`, sorted by shop id, each with its category's pooled rate.
    /// Reads counters only: one window sum per shop.
    ///
    /// ```
    /// # use truexp::Timestamp;
    /// let mut engine = truexp::Engine::default();
    /// engine.ingest_jsonl(r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":100}],"paid_at":1790000000,"ship_by":1790086400}
    /// {"type":"complaint","id":"e2","order_id":"o1","at":1790001000}"#.as_bytes());
    /// let rates = engine.problem_rates(Timestamp::constant(1_790_010_000));
    /// assert_eq!((rates[0].tally.problem_orders, rates[0].tally.valid_orders), (1, 1));
    /// assert_eq!(rates[0].display, "100.00%");
    /// ```
    pub fn problem_rates(&self, as_of: Timestamp) -> Vec<ShopProblemRate> {
        let (from, _) = self.problem_window(as_of, self.cfg().problems.window_days);
        let mut by_category: BTreeMap<&str, ProblemTally> = BTreeMap::new();
        let mut out: Vec<(&ShopState, ProblemTally)> = self
            .ledger()
            .shops
            .handles()
            .map(|i| {
                let s = &self.ledger().shops[i];
                let tally = self.known_tally(i, from, as_of);
                by_category.entry(s.category()).or_default().add(&tally);
                (s, tally)
            })
            .collect();
        out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        out.into_iter()
            .map(|(s, tally)| {
                let cat = by_category[s.category()];
                ShopProblemRate {
                    shop_id: s.id.to_string(),
                    category: s.category().to_owned(),
                    tally,
                    rate: tally.rate(),
                    display: tally.display(),
                    category_tally: cat,
                    category_mean: cat.rate(),
                }
            })
            .collect()
    }

    /// The pooled problem counts of every shop of `category` over `from..=day(as_of)`.
    pub(crate) fn category_tally(
        &self,
        category: &str,
        from: LocalDay,
        as_of: Timestamp,
    ) -> ProblemTally {
        let mut acc = ProblemTally::default();
        for i in self.ledger().shops.handles() {
            if self.ledger().shops[i].category() == category {
                acc.add(&self.known_tally(i, from, as_of));
            }
        }
        acc
    }

    /// Problem counts of shop `i` over `from..=day(as_of)` from its
    /// counters as known at `as_of`.
    pub(crate) fn known_tally(&self, i: ShopId, from: LocalDay, as_of: Timestamp) -> ProblemTally {
        let shop = self.shop_known_at(i, as_of);
        self.counter_tally(&shop, &shop.days, from, as_of)
    }

    /// Item-level (per SKU) problem-order rates of a shop over the configured
    /// window ending at `as_of`: distinct problem orders containing the SKU /
    /// valid paid orders containing it, by payment day. Walks the shop's own
    /// orders. Sorted by SKU.
    ///
    /// ```
    /// # use truexp::Timestamp;
    /// let mut engine = truexp::Engine::default();
    /// engine.ingest_jsonl(r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":100},{"sku":"k2","quantity":1,"unit_price":100}],"paid_at":1790000000,"ship_by":1790086400}
    /// {"type":"order_paid","id":"e2","order_id":"o2","shop_id":"s1","buyer_id":"b2","category":"pet","lines":[{"sku":"k2","quantity":1,"unit_price":100}],"paid_at":1790000000,"ship_by":1790086400}
    /// {"type":"complaint","id":"e3","order_id":"o1","at":1790001000}"#.as_bytes());
    /// let items = engine.item_problem_rates("s1", Timestamp::constant(1_790_010_000)).unwrap();
    /// assert_eq!(items[0].sku, "k1");
    /// assert_eq!(items[0].display, "100.00%");
    /// assert_eq!(items[1].display, "50.00%");
    /// ```
    pub fn item_problem_rates(
        &self,
        shop_id: &str,
        as_of: Timestamp,
    ) -> Result<Vec<ItemProblemRate>, Error> {
        let idx = self
            .find_shop(shop_id)
            .ok_or_else(|| Error::UnknownShop(shop_id.to_owned()))?;
        let shop = &self.ledger().shops[idx];
        let (from, t) = self.problem_window(as_of, self.cfg().problems.window_days);
        let mut items: BTreeMap<&str, ProblemTally> = BTreeMap::new();
        for (_, o) in self.orders_known_at(idx, as_of) {
            if o.is_fake() || !(from..=t).contains(&self.clock().day(o.paid_at)) {
                continue;
            }
            let families = self.families_at(&o, as_of);
            for &sku in self.lists().skus.get(o.skus) {
                items
                    .entry(self.sku_name(sku))
                    .or_default()
                    .add_order(families);
            }
        }
        let mean = self.category_tally(shop.category(), from, as_of).rate();
        Ok(items
            .into_iter()
            .map(|(sku, tally)| ItemProblemRate {
                sku: sku.to_owned(),
                tally,
                rate: tally.rate(),
                display: tally.display(),
                category_mean: mean,
            })
            .collect())
    }

    /// The problem counts of a shop over `from..=day(as_of)` by walking its orders
    /// (the slow path; it must agree with the counters).
    pub(crate) fn walked_tally(
        &self,
        shop: ShopId,
        from: LocalDay,
        as_of: Timestamp,
    ) -> ProblemTally {
        let t = self.clock().day(as_of);
        let mut acc = ProblemTally::default();
        for (_, o) in self.orders_known_at(shop, as_of) {
            if !o.is_fake() && (from..=t).contains(&self.clock().day(o.paid_at)) {
                acc.add_order(self.families_at(&o, as_of));
            }
        }
        acc
    }

    /// The problem-order rate of every shop recomputed by walking every order
    /// through [`problem::classify`] instead of reading counters. Slow; it
    /// exists as a cross-check and as the benchmark's baseline.
    pub fn problem_rates_by_walking(&self, as_of: Timestamp) -> Vec<(String, ProblemTally)> {
        let (from, _) = self.problem_window(as_of, self.cfg().problems.window_days);
        let mut out: Vec<(String, ProblemTally)> = (self.ledger().shops.enumerate())
            .map(|(i, s)| (s.id.to_string(), self.walked_tally(i, from, as_of)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}
