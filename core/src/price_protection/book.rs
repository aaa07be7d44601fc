//! The protection book: automatic mode (自动价差计算).
//!
//! Why a book: on a price drop for a SKU the engine must find every held
//! line of that SKU whose window contains the drop, pay each the increment
//! over what it was already paid, and remember the payout — at millions of
//! lines. The book interns ids, keeps a compact hot record per line, and
//! indexes lines per SKU sorted by order time, so a drop touches only the
//! lines of its SKU whose window can contain it. The payout itself is the
//! shared [`assess_line`]: automatic mode equals one claim at a time.
//!
//! Feeding contract: [`ProtectionBook::apply`] each event once; order-scoped
//! events after their `OrderPaid`; `ShopProfile` and `PriceChange` at any
//! time. Policies are looked up when a drop runs (latest `at` wins, equal
//! `at`: the greater event id wins), so arrival order does not matter.
//! Runs see the book as it is when they run (returns recorded so far).
//!
//! Index bound: a line's window starts at its anchor time, which is its
//! order time plus at most the largest (payment or receipt − order) lag the
//! book has seen; so for a drop at `t` only lines ordered in
//! `[t − longest window − largest lag, t]` are scanned, found by binary
//! search in the SKU's list.

use super::apportion::{line_terms, LineTerms};
use super::assess::{assess_line, Comparison, LineAssessment, LineHistory, PromotionSet};
use super::error::{PriceProtectionError, Result};
use super::intern::{FastMap, Interner};
use super::window::{anchor_time, check_days, Window, DAY_SECS};
use crate::event::{
    Delivered, Event, Money, OrderPaid, PriceChange, PriceProtectionPolicy, RefundCompleted,
    ShopProfile, Timestamp,
};

/// A handle to an order held by a [`ProtectionBook`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderHandle(u32);

/// A handle to a SKU known to a [`ProtectionBook`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SkuHandle(u32);

/// One line's result for one price drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinePayout {
    /// The order ([`ProtectionBook::order_id`] gives its id).
    pub order: OrderHandle,
    /// Index of the line in the order.
    pub line: u32,
    /// The SKU ([`ProtectionBook::sku`] gives its name).
    pub sku: SkuHandle,
    /// Units bought on the line.
    pub quantity: i64,
    /// The line's window.
    pub window: Window,
    /// Payout, split and zero-payout reason (never `OutsideWindow` here).
    pub assessment: LineAssessment,
}

/// The results of one price drop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropRun {
    /// The drop.
    pub drop: PriceChange,
    /// Every line of a shop with a policy whose window contains the drop,
    /// in scan order (order time, then arrival); zero payouts carry a reason.
    pub payouts: Vec<LinePayout>,
}

/// What [`ProtectionBook::apply`] did with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Not a price-protection fact; nothing changed.
    Ignored,
    /// Recorded.
    Recorded,
    /// A return was recorded; part of its refund is withheld as protection
    /// already paid on the returned units.
    Return(ReturnWithholding),
}

/// A return and the protection withheld from its refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReturnWithholding {
    /// The order.
    pub order: OrderHandle,
    /// Index of the line in the order.
    pub line: u32,
    /// Units returned.
    pub units: i64,
    /// Minor units of the refund withheld as already-paid protection.
    pub withheld: Money,
}

/// No receipt yet.
const NOT_RECEIVED: Timestamp = Timestamp::MIN;

#[derive(Clone, Debug)]
struct OrderRec {
    ordered_at: Timestamp,
    paid_at: Timestamp,
    received_at: Timestamp,
    shop: u32,
    first_line: u32,
    n_lines: u32,
}

/// Hot per-line state: 32 bytes.
#[derive(Clone, Copy, Debug)]
struct LineRec {
    order: u32,
    quantity: u32,
    returned: u32,
    protected: u32,
    paid_amount: Money,
    already_paid: Money,
}

#[derive(Clone, Debug)]
struct ShopPolicy {
    at: Timestamp,
    event_id: Box<str>,
    policy: Option<PriceProtectionPolicy>,
    counted: PromotionSet,
}

#[derive(Clone, Debug, Default)]
struct SkuLines {
    lines: Vec<u32>,
    sorted: bool,
}

/// The book automatic mode runs on. See the module docs for the contract.
///
/// ```
/// use truexp::price_protection::ProtectionBook;
///
/// let mut book = ProtectionBook::new();
/// for line in [
///     r#"{"type":"shop_profile","id":"s1","shop_id":"shop","at":0,"category":"tv","price_protection":{"window_days":7}}"#,
///     r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"shop","buyer_id":"b","category":"tv","lines":[{"sku":"tv55","quantity":1,"unit_price":300000}],"paid_at":1000,"ship_by":2000}"#,
///     r#"{"type":"price_change","id":"p1","sku":"tv55","price":280000,"promotion":"public","at":5000}"#,
/// ] {
///     book.apply(&truexp::parse_event(line).unwrap()).unwrap();
/// }
/// let runs = book.run_all_drops().unwrap();
/// let p = &runs[0].payouts[0];
/// assert_eq!(book.order_id(p.order), "o1");
/// assert_eq!(p.assessment.payout, 20_000);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProtectionBook {
    order_ids: Interner,
    skus: Interner,
    shops: Interner,
    orders: Vec<OrderRec>,
    lines: Vec<LineRec>,
    line_sku: Vec<u32>,
    /// line → (discount_total, platform_discount), only for lines with a platform share.
    platform_shares: FastMap<u32, (Money, Money)>,
    by_sku: Vec<SkuLines>,
    policies: Vec<Option<ShopPolicy>>,
    longest_window: i64,
    largest_lag: i64,
    pending: Vec<PriceChange>,
    refund_skus: FastMap<Box<str>, u32>,
}

fn too_many(what: &'static str) -> PriceProtectionError {
    PriceProtectionError::Capacity(what)
}

impl ProtectionBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one event. `OrderPaid`, `ShopProfile`, `Delivered`,
    /// `RefundRequested` (to learn the refund's SKU), `RefundCompleted` and
    /// `PriceChange` (queued for [`Self::run_all_drops`]) are used; others
    /// are ignored.
    ///
    /// A `RefundCompleted` with `units_returned` applies to the line whose
    /// SKU its `RefundRequested` named, else to the order's first line.
    /// On error nothing was changed.
    pub fn apply(&mut self, event: &Event) -> Result<Applied> {
        match event {
            Event::OrderPaid(o) => self.add_order(o).map(|_| Applied::Recorded),
            Event::ShopProfile(p) => self.set_profile(p).map(|_| Applied::Recorded),
            Event::Delivered(d) => self.deliver(d).map(|_| Applied::Recorded),
            Event::RefundRequested(r) => {
                self.order(&r.order_id)?;
                if let Some(sku) = r.sku.as_deref().and_then(|s| self.skus.get(s)) {
                    self.refund_skus.insert(r.refund_id.as_str().into(), sku);
                }
                Ok(Applied::Recorded)
            }
            Event::RefundCompleted(r) => self.refund(r),
            Event::PriceChange(p) => {
                check_drop(p)?;
                self.pending.push(p.clone());
                Ok(Applied::Recorded)
            }
            _ => Ok(Applied::Ignored),
        }
    }

    fn order(&self, order_id: &str) -> Result<u32> {
        self.order_ids
            .get(order_id)
            .filter(|&o| (o as usize) < self.orders.len())
            .ok_or_else(|| PriceProtectionError::UnknownOrder(order_id.to_owned()))
    }

    fn add_order(&mut self, o: &OrderPaid) -> Result<()> {
        if self.order_ids.get(&o.order_id).is_some() {
            return Err(PriceProtectionError::DuplicateOrder(o.order_id.clone()));
        }
        let terms = line_terms(&o.lines, &o.discounts)?;
        let ordered_at = o.ordered_at.unwrap_or(o.paid_at);
        if ordered_at > o.paid_at {
            return Err(PriceProtectionError::invalid(
                "ordered_at",
                ordered_at,
                format!("is after paid_at {}", o.paid_at),
            ));
        }
        let first = u32::try_from(self.lines.len()).map_err(|_| too_many("lines"))?;
        let n = u32::try_from(terms.len()).map_err(|_| too_many("lines"))?;
        first.checked_add(n).ok_or_else(|| too_many("lines"))?;
        // Validated: nothing below can fail except capacity of the interners.
        let oid = self.order_ids.intern(&o.order_id, "orders")?;
        debug_assert_eq!(oid as usize, self.orders.len());
        let shop = self.shops.intern(&o.shop_id, "shops")?;
        for (i, (l, t)) in o.lines.iter().zip(&terms).enumerate() {
            let sku = self.skus.intern(&l.sku, "skus")?;
            let line = first + i as u32;
            if sku as usize >= self.by_sku.len() {
                self.by_sku.push(SkuLines {
                    lines: Vec::new(),
                    sorted: true,
                });
            }
            let list = &mut self.by_sku[sku as usize];
            if let Some(&last) = list.lines.last() {
                let last_order = self.lines[last as usize].order;
                // A line of this same order (not pushed yet) has the same time.
                let last_at = self
                    .orders
                    .get(last_order as usize)
                    .map_or(ordered_at, |r| r.ordered_at);
                if last_at > ordered_at {
                    list.sorted = false;
                }
            }
            list.lines.push(line);
            self.lines.push(LineRec {
                order: oid,
                quantity: t.quantity as u32, // checked <= u32::MAX by line_terms
                returned: 0,
                protected: 0,
                paid_amount: t.paid_amount,
                already_paid: 0,
            });
            self.line_sku.push(sku);
            if t.platform_discount > 0 {
                self.platform_shares
                    .insert(line, (t.discount_total, t.platform_discount));
            }
        }
        self.largest_lag = self.largest_lag.max(o.paid_at - ordered_at);
        self.orders.push(OrderRec {
            ordered_at,
            paid_at: o.paid_at,
            received_at: NOT_RECEIVED,
            shop,
            first_line: first,
            n_lines: n,
        });
        Ok(())
    }

    fn set_profile(&mut self, p: &ShopProfile) -> Result<()> {
        if let Some(pp) = &p.price_protection {
            check_days(pp.window_days)?;
        }
        let shop = self.shops.intern(&p.shop_id, "shops")? as usize;
        if self.policies.len() <= shop {
            self.policies.resize(shop + 1, None);
        }
        let newer = match &self.policies[shop] {
            None => true,
            Some(cur) => (p.at, p.id.as_str()) > (cur.at, &*cur.event_id),
        };
        if newer {
            if let Some(pp) = &p.price_protection {
                self.longest_window = self.longest_window.max(pp.window_days * DAY_SECS);
            }
            self.policies[shop] = Some(ShopPolicy {
                at: p.at,
                event_id: p.id.as_str().into(),
                counted: p
                    .price_protection
                    .as_ref()
                    .map(|pp| PromotionSet::of(&pp.counted_promotions))
                    .unwrap_or_default(),
                policy: p.price_protection.clone(),
            });
        }
        Ok(())
    }

    fn deliver(&mut self, d: &Delivered) -> Result<()> {
        let o = self.order(&d.order_id)?;
        let rec = &mut self.orders[o as usize];
        if d.at < rec.ordered_at {
            return Err(PriceProtectionError::invalid(
                "at",
                d.at,
                format!("receipt is before the order time {}", rec.ordered_at),
            ));
        }
        if rec.received_at == NOT_RECEIVED || d.at < rec.received_at {
            rec.received_at = d.at;
        }
        self.largest_lag = self.largest_lag.max(d.at - rec.ordered_at);
        Ok(())
    }

    fn refund(&mut self, r: &RefundCompleted) -> Result<Applied> {
        let o = self.order(&r.order_id)?;
        let sku = self.refund_skus.get(r.refund_id.as_str()).copied();
        let units = match r.units_returned {
            Some(u) if u > 0 => u,
            _ => return Ok(Applied::Ignored),
        };
        let rec = &self.orders[o as usize];
        let first_line = rec.first_line;
        let range = rec.first_line..rec.first_line + rec.n_lines;
        let line = sku
            .and_then(|s| range.clone().find(|&l| self.line_sku[l as usize] == s))
            .unwrap_or(rec.first_line);
        let terms = self.terms(line);
        let mut history = self.history(line);
        let withheld = history.record_return(&terms, units)?;
        self.set_history(line, &history);
        self.refund_skus.remove(r.refund_id.as_str());
        Ok(Applied::Return(ReturnWithholding {
            order: OrderHandle(o),
            line: line - first_line,
            units,
            withheld,
        }))
    }

    fn terms(&self, line: u32) -> LineTerms {
        let l = &self.lines[line as usize];
        let (discount_total, platform_discount) =
            self.platform_shares.get(&line).copied().unwrap_or((0, 0));
        LineTerms {
            quantity: l.quantity as i64,
            paid_amount: l.paid_amount,
            discount_total,
            platform_discount,
        }
    }

    fn history(&self, line: u32) -> LineHistory {
        let l = &self.lines[line as usize];
        LineHistory {
            units_returned: l.returned as i64,
            protected_units: l.protected as i64,
            already_paid: l.already_paid,
        }
    }

    fn set_history(&mut self, line: u32, h: &LineHistory) {
        let l = &mut self.lines[line as usize];
        // Histories only move within 0 ..= quantity (<= u32::MAX).
        l.returned = h.units_returned as u32;
        l.protected = h.protected_units as u32;
        l.already_paid = h.already_paid;
    }

    /// Sorts every SKU list touched since the last run. Runs do this lazily
    /// for their SKU; call it after a bulk load to pay the cost up front.
    pub fn prepare_index(&mut self) {
        for sku in 0..self.by_sku.len() {
            self.ensure_sorted(sku as u32);
        }
    }

    fn ensure_sorted(&mut self, sku: u32) {
        let Self {
            by_sku,
            lines,
            orders,
            ..
        } = self;
        let list = &mut by_sku[sku as usize];
        if !list.sorted {
            list.lines.sort_unstable_by_key(|&l| {
                (orders[lines[l as usize].order as usize].ordered_at, l)
            });
            list.sorted = true;
        }
    }

    /// Runs one price drop now: every line of the SKU whose window contains
    /// `drop.at` is assessed against `drop.price` as a claim at `drop.at`,
    /// and positive payouts are recorded (the next drop pays only the
    /// increment). Lines of shops without a policy are skipped.
    pub fn run_price_drop(&mut self, drop: &PriceChange) -> Result<Vec<LinePayout>> {
        check_drop(drop)?;
        let mut out = Vec::new();
        self.run_into(drop, &mut out)?;
        Ok(out)
    }

    fn run_into(&mut self, drop: &PriceChange, out: &mut Vec<LinePayout>) -> Result<()> {
        let Some(sku) = self.skus.get(&drop.sku) else {
            return Ok(());
        };
        self.ensure_sorted(sku);
        let t = drop.at;
        let lo = t
            .saturating_sub(self.longest_window)
            .saturating_sub(self.largest_lag);
        let n = self.by_sku[sku as usize].lines.len();
        let key = |book: &Self, i: usize| {
            let l = book.by_sku[sku as usize].lines[i];
            book.orders[book.lines[l as usize].order as usize].ordered_at
        };
        let start = partition(n, |i| key(self, i) < lo);
        let end = partition(n, |i| key(self, i) <= t);
        for i in start..end {
            let line = self.by_sku[sku as usize].lines[i];
            let rec = &self.orders[self.lines[line as usize].order as usize];
            let Some(Some(sp)) = self.policies.get(rec.shop as usize) else {
                continue;
            };
            let Some(policy) = &sp.policy else { continue };
            let (anchor, days, deduct, counted) = (
                policy.anchor,
                policy.window_days,
                policy.deduct_protected_units,
                sp.counted,
            );
            let received = (rec.received_at != NOT_RECEIVED).then_some(rec.received_at);
            let Some(start_at) = anchor_time(anchor, rec.ordered_at, rec.paid_at, received) else {
                continue;
            };
            let window = Window::new(start_at, days)?;
            if !window.contains(t) {
                continue;
            }
            let comparison = Comparison::lowest([(drop.price, drop.promotion)], counted);
            let order = self.lines[line as usize].order;
            let first_line = rec.first_line;
            let terms = self.terms(line);
            let mut history = self.history(line);
            let a = assess_line(&terms, &history, Some(window), deduct, comparison, t)?;
            history.record_payout(&a, deduct)?;
            self.set_history(line, &history);
            out.push(LinePayout {
                order: OrderHandle(order),
                line: line - first_line,
                sku: SkuHandle(sku),
                quantity: terms.quantity,
                window,
                assessment: a,
            });
        }
        Ok(())
    }

    /// Runs every queued `PriceChange` (those given to [`Self::apply`] since
    /// the last call), in order of time, then event id.
    pub fn run_all_drops(&mut self) -> Result<Vec<DropRun>> {
        let drops = std::mem::take(&mut self.pending);
        self.run_drops(&drops)
    }

    /// Runs the given drops in order of time, then event id (not queued).
    pub fn run_drops(&mut self, drops: &[PriceChange]) -> Result<Vec<DropRun>> {
        let mut order: Vec<&PriceChange> = drops.iter().collect();
        order.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        let mut runs = Vec::with_capacity(order.len());
        for d in order {
            check_drop(d)?;
            let mut payouts = Vec::new();
            self.run_into(d, &mut payouts)?;
            runs.push(DropRun {
                drop: d.clone(),
                payouts,
            });
        }
        Ok(runs)
    }

    /// Number of queued, not yet run, price drops.
    pub fn pending_drops(&self) -> usize {
        self.pending.len()
    }

    /// The id of an order.
    pub fn order_id(&self, order: OrderHandle) -> &str {
        self.order_ids.name(order.0)
    }

    /// The name of a SKU.
    pub fn sku(&self, sku: SkuHandle) -> &str {
        self.skus.name(sku.0)
    }

    /// The handle of an order id, when held.
    pub fn order_handle(&self, order_id: &str) -> Option<OrderHandle> {
        self.order(order_id).ok().map(OrderHandle)
    }

    /// Terms and history of line `line` of `order`, when held.
    pub fn line_state(&self, order: OrderHandle, line: u32) -> Option<(LineTerms, LineHistory)> {
        let rec = self.orders.get(order.0 as usize)?;
        if line >= rec.n_lines {
            return None;
        }
        let l = rec.first_line + line;
        Some((self.terms(l), self.history(l)))
    }

    /// Number of orders held.
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// Number of lines held.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Bytes of hot state per line: the line record plus its SKU index entry
    /// (order records, interned strings and platform shares are extra).
    pub const HOT_BYTES_PER_LINE: usize =
        std::mem::size_of::<LineRec>() + std::mem::size_of::<u32>();
}

/// First index in `0..n` where `pred` is false (pred is monotone: true then false).
fn partition(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn check_drop(p: &PriceChange) -> Result<()> {
    if p.sku.is_empty() {
        return Err(PriceProtectionError::invalid(
            "sku",
            "\"\"",
            "must not be empty",
        ));
    }
    if p.price < 0 {
        return Err(PriceProtectionError::invalid(
            "price",
            p.price,
            "must not be negative",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_state_is_compact() {
        assert_eq!(std::mem::size_of::<LineRec>(), 32);
        assert_eq!(ProtectionBook::HOT_BYTES_PER_LINE, 36);
    }

    #[test]
    fn partition_finds_bounds() {
        let v = [1, 3, 3, 5];
        assert_eq!(partition(4, |i| v[i] < 3), 1);
        assert_eq!(partition(4, |i| v[i] <= 3), 3);
        assert_eq!(partition(0, |_| true), 0);
    }
}
