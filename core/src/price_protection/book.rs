//! The protection book: automatic mode (自动价差计算).
//!
//! Why a book: on a price drop for a SKU the engine must find every held
//! line of that SKU whose window contains the drop, pay each the increment
//! over what it was already paid, and remember the payout — at millions of
//! lines. The payout itself is the shared [`assess_line`] (and [`split`]):
//! automatic mode equals one claim at a time, line by line.
//!
//! Feeding contract: [`ProtectionBook::apply`] each event once; order-scoped
//! events after their `OrderPaid`; `ShopProfile` and `PriceChange` at any
//! time. Policies are looked up when a drop runs (latest `at` wins; equal
//! `at`: the greater event id wins), so arrival order does not matter.
//!
//! A payout is fixed when made: a drop at `t` sees each line as it stood
//! at `t` — refunds completed and units returned no later than `t` (a
//! refund at exactly `t` counts), and every protection payout already
//! made — so a batch run before a later refund reaches the book pays that
//! drop exactly what a batch run after it pays. A later refund deducts the
//! protection already paid first: a return withholds from its refund the
//! protection paid on the returned units by the drops before it, and any
//! refund takes back the protection that would leave the buyer holding
//! more than the line's paid amount ([`ProtectionBook::deductions`]).
//! Lines with a refund or a return keep these facts dated
//! ([`super::timeline`]); the other lines keep running totals only.
//!
//! Refunded money: no payout takes a line past what remains paid on it
//! after every refund completed by the drop (see [`assess_line`]), so each
//! line holds the money refunded on it, dated. A completed refund whose
//! request named a SKU of the order goes to that line (its first line of
//! that SKU); one whose SKU is
//! unknown (no request seen, the request named none, or a SKU the order
//! does not have) is shared over the order's lines in proportion to their
//! paid amounts, by largest remainder ([`super::apportion()`]): per line,
//! never across lines, so a line's payouts still depend on its own SKU's
//! drops only and batches grouped by SKU stay exact. A line's refunded
//! money is kept at most its paid amount.
//!
//! Layout: order ids, SKUs and shops are interned to dense typed handles
//! ([`OrderId`], [`SkuId`], [`ShopId`]; 4 bytes each), and the book's
//! tables are indexed by them alone (inside an engine, shops are the
//! engine's `ShopId`s: the book keeps no shop ids). Each SKU keeps its
//! lines in one array sorted by (order time, order, line), a line in one
//! 64-byte cache line: 24 bytes read for every candidate (order time, shop,
//! payment and receipt lags, quantity), 32 bytes of amounts and history
//! for lines inside the window, 8 bytes of ids. (Three parallel arrays
//! would scan fewer bytes in a SKU with many lines, but most SKUs hold one
//! or two, and three allocations per SKU cost more memory than the lines.)
//! A drop at `t` scans only lines
//! ordered in `[t − longest window − largest (payment|receipt − order) lag, t]`,
//! found by binary search, so its work follows the lines of its SKU near
//! `t`, not the whole book. Batches run grouped by SKU (then time, id):
//! per line that is the same sequence as global (time, id) order, and the
//! SKU's lines stay in cache.

use super::apportion::{apportion, line_terms, LineTerms};
use super::assess::{assess_line, Comparison, LineAssessment, LineHistory, PromotionSet};
use super::error::{PriceProtectionError, Result};
use super::funding::Funding;
use super::intern::Interner;
use super::timeline::{Fact, FactKind, Timeline};
use super::window::{check_days, Window};
use crate::event::{
    Delivered, Event, Money, OrderPaid, PriceChange, PromotionKind, ProtectionAnchor,
    RefundCompleted, RiskVerdict, ShopProfile, Timestamp,
};
use crate::hashing::FastMap;
use crate::ids::{self, Handle, OrderId, ShopId, SkuId, Table};
use crate::time::DAY;

/// One line's result for one price drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinePayout {
    /// The order ([`ProtectionBook::order_id`] gives its id).
    pub order: OrderId,
    /// Index of the line in the order.
    pub line: u32,
    /// The SKU ([`ProtectionBook::sku`] gives its name).
    pub sku: SkuId,
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
    pub order: OrderId,
    /// Index of the line in the order.
    pub line: u32,
    /// Units returned.
    pub units: i64,
    /// Minor units of the refund withheld as already-paid protection.
    pub withheld: Money,
}

/// Protection already paid that a later refund or return takes back
/// (published, JD: a later refund of the order deducts the price-protection
/// payout first; the amounts are [`LineHistory::record_return`]'s and
/// [`LineHistory::record_refund`]'s rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundDeduction {
    /// The order.
    pub order: OrderId,
    /// Index of the line in the order.
    pub line: u32,
    /// The line's SKU.
    pub sku: SkuId,
    /// When the refund completed.
    pub at: Timestamp,
    /// What came back: units returned, or money refunded on the line.
    pub cause: DeductionCause,
    /// Minor units of the refund withheld as protection already paid.
    pub deducted: Money,
}

/// A [`RefundDeduction`] with its names, in the form every face hands it
/// out (CLI JSON, C ABI JSON, Python): either `units_returned` (a return)
/// or `refunded` (money refunded on the line) is set.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeductionRecord {
    /// The order id.
    pub order_id: String,
    /// Index of the line in the order.
    pub line: u32,
    /// The line's SKU.
    pub sku: String,
    /// When the refund completed.
    pub at: Timestamp,
    /// Units returned, for a return.
    pub units_returned: Option<u32>,
    /// Money refunded on the line, for a refund.
    pub refunded: Option<Money>,
    /// Minor units of the refund withheld as protection already paid.
    pub deducted: Money,
}

/// The refund a [`RefundDeduction`] is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeductionCause {
    /// Units returned (the return's own money is a [`DeductionCause::Refunded`]
    /// of the same time when the book knows it).
    Returned(u32),
    /// Money refunded on the line (its share of a completed refund).
    Refunded(Money),
}

/// `recv_lag` of a line whose order is not received yet.
const NOT_RECEIVED: u32 = u32::MAX;

/// Scanned for every candidate line of a drop: 24 bytes.
#[derive(Clone, Copy, Debug)]
struct Hot {
    ordered_at: Timestamp,
    shop: ShopId,
    /// `paid_at − ordered_at`, seconds.
    paid_lag: u32,
    /// `received_at − ordered_at`, seconds, or [`NOT_RECEIVED`].
    recv_lag: u32,
    quantity: u32,
}

/// Touched only for lines whose window contains the drop: 32 bytes.
#[derive(Clone, Copy, Debug)]
struct Warm {
    paid_amount: Money,
    already_paid: Money,
    /// Money refunded on the line, `0 ..= paid_amount`.
    refunded: Money,
    returned: u32,
    protected: u32,
}

/// Which order line an entry is: 8 bytes, read for results and look-ups.
/// The top bit of `line_bits` says the line has a platform-funded discount
/// share (so the share map is only probed when there is one); the next one
/// that it has a dated history ([`SkuLines::timelines`]; never written to
/// a snapshot's line records, rebuilt from the timelines read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ids {
    order: OrderId,
    line_bits: u32,
}

const PLATFORM_BIT: u32 = 1 << 31;
const TIMELINE_BIT: u32 = 1 << 30;

impl Ids {
    fn new(order: OrderId, line: u32) -> Self {
        Ids {
            order,
            line_bits: line,
        }
    }

    fn line(self) -> u32 {
        self.line_bits & !(PLATFORM_BIT | TIMELINE_BIT)
    }

    fn has_platform_share(self) -> bool {
        self.line_bits & PLATFORM_BIT != 0
    }

    fn has_timeline(self) -> bool {
        self.line_bits & TIMELINE_BIT != 0
    }

    /// Order and line, without the flag: what sorting and look-ups use.
    fn key(self) -> (OrderId, u32) {
        (self.order, self.line())
    }
}

/// One line of a SKU: 64 bytes, one cache line.
#[derive(Clone, Copy, Debug)]
struct Line {
    hot: Hot,
    warm: Warm,
    ids: Ids,
}

/// The lines of one SKU, sorted by (order time, order, line), in one
/// array: most SKUs hold one or two lines, and three parallel arrays cost
/// three allocations (and their headers) per SKU — more than the lines.
#[derive(Clone, Debug, Default)]
struct SkuLines {
    lines: Vec<Line>,
    /// Platform shares and dated histories of its lines, when any has one:
    /// most SKUs have neither, and two empty maps cost 64 bytes per SKU.
    rare: Option<Box<SkuRare>>,
    sorted: bool,
}

/// What few lines of a SKU have, keyed by [`share_key`] (order, line).
#[derive(Clone, Debug, Default)]
struct SkuRare {
    /// (order, line) → (discount_total, platform_discount), only for lines
    /// with a platform-funded share.
    shares: FastMap<u64, (Money, Money)>,
    /// (order, line) → the line's dated refunds, returns and payouts, only
    /// for lines that had a refund or a return (module docs of
    /// [`super::timeline`]); their `warm` holds the timeline's totals now.
    timelines: FastMap<u64, Timeline>,
}

impl SkuLines {
    /// A SKU with no line yet (sorted, trivially).
    fn empty() -> Self {
        SkuLines {
            sorted: true,
            ..SkuLines::default()
        }
    }

    fn key(&self, i: usize) -> (Timestamp, (OrderId, u32)) {
        let l = &self.lines[i];
        (l.hot.ordered_at, l.ids.key())
    }

    fn sort(&mut self) {
        if self.sorted {
            return;
        }
        self.lines
            .sort_unstable_by_key(|l| (l.hot.ordered_at, l.ids.key()));
        self.sorted = true;
    }

    /// Room for one more line. Most SKUs hold a line or two, so the array
    /// goes 1, 2, 4, 6, 9, 13, … (std's growth starts at four lines, which
    /// left most of the book unused; growing by one line at a time
    /// reallocated on nearly every line of a busy SKU).
    fn reserve_one(&mut self) {
        let n = self.lines.len();
        if n == self.lines.capacity() {
            let more = if n < 4 { n.max(1) } else { n / 2 };
            self.lines.reserve_exact(more);
        }
    }

    /// The terms a walk needs: quantity and paid amount.
    fn walk_terms(&self, i: usize) -> LineTerms {
        LineTerms {
            quantity: self.lines[i].hot.quantity as i64,
            paid_amount: self.lines[i].warm.paid_amount,
            discount_total: Money::ZERO,
            platform_discount: Money::ZERO,
        }
    }

    /// The shares and histories, made when the first line needs one.
    fn rare_mut(&mut self) -> &mut SkuRare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// The platform share of the line keyed `key`, if it has one.
    fn share_at(&self, key: u64) -> Option<(Money, Money)> {
        self.rare.as_ref()?.shares.get(&key).copied()
    }

    /// The dated history of the line keyed `key`, if it has one.
    fn timeline_at(&self, key: u64) -> Option<&Timeline> {
        self.rare.as_ref()?.timelines.get(&key)
    }

    /// The timeline of line `i`, made when it has none: what its running
    /// totals hold is dated at the very start (it was recorded before any
    /// date was).
    fn timeline(&mut self, i: usize) -> &mut Timeline {
        let key = share_key(self.lines[i].ids);
        if !self.lines[i].ids.has_timeline() {
            self.lines[i].ids.line_bits |= TIMELINE_BIT;
            let w = &self.lines[i].warm;
            let seeded = Timeline::seeded(&LineHistory {
                units_returned: w.returned as i64,
                protected_units: w.protected as i64,
                already_paid: w.already_paid,
                refunded: w.refunded,
            });
            self.rare_mut().timelines.insert(key, seeded);
        }
        self.rare_mut().timelines.entry(key).or_default()
    }

    /// Writes line `i`'s running totals from its timeline (every fact).
    fn settle(&mut self, i: usize) {
        let terms = self.walk_terms(i);
        let Some(tl) = self.timeline_at(share_key(self.lines[i].ids)) else {
            return;
        };
        let h = tl.now(&terms);
        let w = &mut self.lines[i].warm;
        // Histories only move within 0 ..= quantity (<= u32::MAX).
        w.returned = h.units_returned as u32;
        w.protected = h.protected_units as u32;
        w.already_paid = h.already_paid;
        w.refunded = h.refunded;
    }

    /// Position of `(ordered_at, ids)`: binary search when sorted, else a scan.
    fn find(&self, ordered_at: Timestamp, ids: Ids) -> Option<usize> {
        if self.sorted {
            let i = partition(self.lines.len(), |i| self.key(i) < (ordered_at, ids.key()));
            (i < self.lines.len() && self.lines[i].ids.key() == ids.key()).then_some(i)
        } else {
            self.lines.iter().position(|l| l.ids.key() == ids.key())
        }
    }
}

/// A drop as the batch loop needs it, sorted by (SKU, time, id).
#[derive(Clone, Copy, Debug)]
struct DropKey {
    sku: SkuId,
    idx: u32,
    at: Timestamp,
    price: Money,
    promotion: PromotionKind,
}

/// A policy as the drop loop needs it.
#[derive(Clone, Copy, Debug)]
struct ActivePolicy {
    window_secs: i64,
    anchor: ProtectionAnchor,
    deduct: bool,
    counted: PromotionSet,
}

#[derive(Clone, Debug)]
struct ShopPolicy {
    at: Timestamp,
    event_id: Box<str>,
    active: Option<ActivePolicy>,
}

#[derive(Clone, Copy, Debug)]
struct OrderRec {
    ordered_at: Timestamp,
    /// Index of its first line in `line_skus`.
    first: u32,
    /// Number of lines (below 2^30: bit 30 of a line index is the timeline
    /// flag), and in the top bit [`FAKE_BIT`].
    lines_and_fake: u32,
}

/// Top bit of [`OrderRec::lines_and_fake`]: the risk system holds the order
/// fake (brushing), so its lines get no protection. The payment's own flag,
/// then whatever the owning engine learns later ([`ProtectionBook::set_fake`]).
/// A bit, not a field: the order table stays at 16 bytes per order.
const FAKE_BIT: u32 = 1 << 31;

impl OrderRec {
    fn n_lines(&self) -> u32 {
        self.lines_and_fake & !FAKE_BIT
    }

    fn is_fake(&self) -> bool {
        self.lines_and_fake & FAKE_BIT != 0
    }

    fn set_fake(&mut self, fake: bool) {
        self.lines_and_fake = self.n_lines() | if fake { FAKE_BIT } else { 0 };
    }
}

/// The book automatic mode runs on. See the module docs for the contract.
///
/// ```
/// use truexp::price_protection::ProtectionBook;
///
/// let mut book = ProtectionBook::new();
/// for line in [
///     r#"{"type":"shop_profile","id":"s1","shop_id":"shop","at":1790000000,"category":"tv","price_protection":{"window_days":7}}"#,
///     r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"shop","buyer_id":"b","category":"tv","lines":[{"sku":"tv55","quantity":1,"unit_price":300000}],"paid_at":1790001000,"ship_by":1790002000}"#,
///     r#"{"type":"price_change","id":"p1","sku":"tv55","price":280000,"promotion":"public","at":1790005000}"#,
/// ] {
///     book.apply(&truexp::parse_event(line).unwrap()).unwrap();
/// }
/// let runs = book.run_all_drops().unwrap();
/// let p = &runs[0].payouts[0];
/// assert_eq!(book.order_id(p.order), "o1");
/// assert_eq!(p.assessment.payout.minor_units(), 20_000);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProtectionBook {
    /// Who pays a payout, by the kind of price that triggered it (from the
    /// engine's configuration; not part of the book's snapshot).
    funding: Funding,
    /// Order ids, shared with the owning engine: its order handles are
    /// positions here ([`crate::Engine`] keeps no table of its own).
    order_ids: Interner<OrderId>,
    /// SKUs, shared with the owning engine (its SKU handles are positions here).
    skus: Interner<SkuId>,
    shops: ShopNumbers,
    orders: Table<OrderId, OrderRec>,
    /// SKU of every order line, by `OrderRec::first + line`.
    line_skus: Vec<SkuId>,
    /// Each SKU's lines (grown lazily: a SKU only a refund or an engine
    /// named has none).
    by_sku: Table<SkuId, SkuLines>,
    /// Each shop's policy (grown lazily, as profiles arrive).
    policies: Table<ShopId, Option<ShopPolicy>>,
    longest_window: i64,
    largest_lag: i64,
    /// Receipts not yet written into the SKU lists: (order, lag).
    pending_receipts: Vec<(OrderId, u32)>,
    pending: Vec<PriceChange>,
    /// SKU of each queued drop, interned when applied.
    pending_skus: Vec<SkuId>,
    refund_skus: FastMap<Box<str>, SkuId>,
    /// The latest risk verdict of each order that received one: (time, event id).
    verdicts: FastMap<OrderId, (Timestamp, Box<str>)>,
}

/// Who numbers the shops that lines and policies are keyed by.
#[derive(Clone, Debug)]
enum ShopNumbers {
    /// A book on its own interns shop ids itself.
    Own(Interner<ShopId>),
    /// A book inside an engine keeps no shop ids: the engine's shop ledger
    /// numbers them ([`ShopId`]), hands each number in with the order or
    /// profile, and writes the names into its snapshots.
    Engine,
}

impl Default for ShopNumbers {
    fn default() -> Self {
        ShopNumbers::Own(Interner::default())
    }
}

impl ShopNumbers {
    /// The number of `shop_id` in a book on its own (interned when new).
    fn own(&mut self, shop_id: &str) -> Result<ShopId> {
        match self {
            ShopNumbers::Own(names) => names.intern(shop_id, "shops"),
            ShopNumbers::Engine => Err(in_engine()),
        }
    }

    fn approx_heap_bytes(&self) -> usize {
        match self {
            ShopNumbers::Own(names) => names.approx_heap_bytes(),
            ShopNumbers::Engine => 0,
        }
    }
}

/// Refusal of a call that needs the book's own shop ids, made on a book
/// inside an engine (which numbers the shops itself).
fn in_engine() -> PriceProtectionError {
    PriceProtectionError::invalid(
        "shop_id",
        "(a shop id)",
        "this book belongs to an engine, which numbers its shops: feed or merge the engine",
    )
}

/// A payment the book has checked and can take: what
/// [`ProtectionBook::check_new_order`] worked out of its lines.
pub(crate) struct CheckedOrder {
    terms: Vec<LineTerms>,
    ordered_at: Timestamp,
    paid_lag: u32,
    n_lines: u32,
}

fn too_many(what: &'static str) -> PriceProtectionError {
    PriceProtectionError::Capacity(what)
}

fn share_key(ids: Ids) -> u64 {
    ((ids.order.index() as u64) << 32) | ids.line() as u64
}

/// `later − ordered_at` as a lag in seconds below [`NOT_RECEIVED`].
fn lag(field: &str, later: Timestamp, ordered_at: Timestamp) -> Result<u32> {
    later
        .as_secs()
        .checked_sub(ordered_at.as_secs())
        .and_then(|d| u32::try_from(d).ok())
        .filter(|&d| d < NOT_RECEIVED)
        .ok_or_else(|| {
            PriceProtectionError::invalid(
                field,
                later,
                format!("must be 0 ..= 136 years after the order time {ordered_at}"),
            )
        })
}

impl ProtectionBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty book inside an engine: shops are numbered by the engine's
    /// ledger and handed in ([`Self::add_engine_order`],
    /// [`Self::set_engine_policy`]).
    pub(crate) fn for_engine() -> Self {
        ProtectionBook {
            shops: ShopNumbers::Engine,
            ..Self::default()
        }
    }

    /// Sets who pays a payout, by the kind of price that triggered it
    /// (default: [`Funding::default`]).
    pub fn set_funding(&mut self, funding: Funding) {
        self.funding = funding;
    }

    /// Feeds one event. `OrderPaid`, `ShopProfile`, `Delivered`,
    /// `RefundRequested` (to learn the refund's SKU), `RefundCompleted`,
    /// `RiskVerdict` (fake orders get no protection) and `PriceChange`
    /// (queued for [`Self::run_all_drops`]) are used; others are ignored.
    ///
    /// A `RefundCompleted` with `units_returned` applies to the line whose
    /// SKU its `RefundRequested` named, else to the order's first line. Its
    /// `amount` is refunded money: on the line of that SKU, else shared
    /// over the order's lines by paid amount (module docs). A request must
    /// come before its completion to name the SKU here; the engine pairs
    /// the two whatever their order. On error nothing was changed.
    ///
    /// A book inside an engine (a clone of [`crate::Engine::price_protection`])
    /// keeps no shop ids: it refuses an `OrderPaid` or a `ShopProfile`
    /// (feed the engine instead).
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
            Event::RiskVerdict(v) => self.verdict(v).map(|_| Applied::Recorded),
            Event::PriceChange(p) => {
                check_drop(p)?;
                let sku = self.skus.intern(&p.sku, "skus")?;
                self.pending_skus.push(sku);
                self.pending.push(p.clone());
                Ok(Applied::Recorded)
            }
            _ => Ok(Applied::Ignored),
        }
    }

    /// A risk verdict: the latest by (time, event id) decides whether the
    /// order is fake; one before the payment is ignored, one at or after it
    /// replaces the payment's own flag. (An engine applies its own rule for
    /// the payment second and then calls [`Self::set_fake`].)
    fn verdict(&mut self, v: &RiskVerdict) -> Result<()> {
        let o = self.order(&v.order_id)?;
        self.verdict_on(o, v);
        Ok(())
    }

    fn verdict_on(&mut self, o: OrderId, v: &RiskVerdict) {
        let paid_at = self.locate(o, 0).map(|(sku, i)| {
            let h = &self.by_sku[sku].lines[i].hot;
            h.ordered_at.plus_secs(i64::from(h.paid_lag))
        });
        if paid_at.is_some_and(|p| v.at < p) {
            return;
        }
        let newer = self
            .verdicts
            .get(&o)
            .is_none_or(|(at, id)| (v.at, v.id.as_str()) > (*at, &**id));
        if newer {
            self.verdicts.insert(o, (v.at, v.id.as_str().into()));
            self.orders[o].set_fake(v.fake);
        }
    }

    /// [`Self::apply`] of an event of the order at `order` (a position the
    /// owning engine shares: its order handles and the book's are the same).
    pub(crate) fn apply_to_order(&mut self, order: OrderId, event: &Event) -> Result<()> {
        debug_assert!(
            order.index() >= self.orders.len()
                || event.order_id() == Some(self.order_ids.name(order))
        );
        if order.index() >= self.orders.len() {
            // the engine keeps the two tables in step; never index past them
            return Err(PriceProtectionError::UnknownOrder(
                event.order_id().unwrap_or_default().to_owned(),
            ));
        }
        match event {
            Event::Delivered(d) => self.deliver_on(order, d),
            Event::RiskVerdict(v) => {
                self.verdict_on(order, v);
                Ok(())
            }
            _ => self.apply(event).map(|_| ()),
        }
    }

    /// [`Self::set_fake`] of the order at `order`.
    pub(crate) fn set_fake_at(&mut self, order: OrderId, fake: bool) {
        if let Some(rec) = self.orders.get_mut(order) {
            rec.set_fake(fake);
        }
    }

    /// Records the risk system's current verdict on an order (the engine
    /// calls it whenever the latest verdict changes): lines of a fake order
    /// receive no protection from the next run on. Unknown orders are ignored.
    pub fn set_fake(&mut self, order_id: &str, fake: bool) {
        if let Ok(o) = self.order(order_id) {
            self.set_fake_at(o, fake);
        }
    }

    fn order(&self, order_id: &str) -> Result<OrderId> {
        self.order_ids
            .get(order_id)
            .filter(|&o| o.index() < self.orders.len())
            .ok_or_else(|| PriceProtectionError::UnknownOrder(order_id.to_owned()))
    }

    /// The order-id table, which the owning engine shares.
    pub(crate) fn order_ids(&self) -> &ids::Interner<OrderId> {
        self.order_ids.ids()
    }

    /// The SKUs of the order's lines, in line order (none for an order not held).
    pub(crate) fn line_sku_ids(&self, order: OrderId) -> impl Iterator<Item = SkuId> + '_ {
        let lines = (self.orders.get(order))
            .map_or(0..0, |r| r.first as usize..(r.first + r.n_lines()) as usize);
        self.line_skus[lines].iter().copied()
    }

    /// The SKU table, which the owning engine shares.
    pub(crate) fn sku_ids(&self) -> &ids::Interner<SkuId> {
        self.skus.ids()
    }

    /// The SKU table, for the owning engine to add a SKU only a refund names.
    pub(crate) fn sku_ids_mut(&mut self) -> &mut ids::Interner<SkuId> {
        self.skus.ids_mut()
    }

    fn add_order(&mut self, o: &OrderPaid) -> Result<()> {
        if self.order_ids.get(&o.order_id).is_some() {
            return Err(PriceProtectionError::DuplicateOrder(o.order_id.clone()));
        }
        self.add_new_order(o)
    }

    /// Adds an order the caller knows is not held (the owning engine has
    /// just looked it up in its own table).
    fn add_new_order(&mut self, o: &OrderPaid) -> Result<()> {
        let checked = self.check_new_order(o)?;
        let shop = self.shops.own(&o.shop_id)?;
        self.insert_order(o, checked, shop)
    }

    /// Adds an order of the owning engine's shop `shop` that
    /// [`Self::check_new_order`] accepted, and that the engine knows is not
    /// held. Only the id tables' room can refuse it (the engine checks
    /// that first).
    pub(crate) fn add_engine_order(
        &mut self,
        o: &OrderPaid,
        checked: CheckedOrder,
        shop: ShopId,
    ) -> Result<()> {
        debug_assert!(matches!(self.shops, ShopNumbers::Engine));
        self.insert_order(o, checked, shop)
    }

    /// What a payment's lines come to, or why the book refuses it (amounts,
    /// lags, counts); changes nothing.
    pub(crate) fn check_new_order(&self, o: &OrderPaid) -> Result<CheckedOrder> {
        debug_assert!(self.order_ids.get(&o.order_id).is_none());
        let terms = line_terms(&o.lines, &o.discounts)?;
        let ordered_at = o.ordered_at.unwrap_or(o.paid_at);
        if ordered_at > o.paid_at {
            return Err(PriceProtectionError::invalid(
                "ordered_at",
                ordered_at,
                format!("is after paid_at {}", o.paid_at),
            ));
        }
        let paid_lag = lag("paid_at", o.paid_at, ordered_at)?;
        let first = u32::try_from(self.line_skus.len()).map_err(|_| too_many("lines"))?;
        let n = u32::try_from(terms.len())
            .ok()
            .filter(|&n| n < TIMELINE_BIT)
            .ok_or_else(|| too_many("lines in one order"))?;
        first.checked_add(n).ok_or_else(|| too_many("lines"))?;
        if self.orders.len() >= u32::MAX as usize {
            return Err(too_many("orders"));
        }
        Ok(CheckedOrder {
            terms,
            ordered_at,
            paid_lag,
            n_lines: n,
        })
    }

    /// Takes a checked payment of shop number `shop`: only the interners
    /// can still refuse it (capacity), before anything is changed but them.
    fn insert_order(&mut self, o: &OrderPaid, checked: CheckedOrder, shop: ShopId) -> Result<()> {
        let CheckedOrder {
            terms,
            ordered_at,
            paid_lag,
            n_lines: n,
        } = checked;
        let first = u32::try_from(self.line_skus.len()).map_err(|_| too_many("lines"))?;
        let mut skus = Vec::with_capacity(o.lines.len());
        for l in &o.lines {
            skus.push(self.skus.intern(&l.sku, "skus")?);
        }
        let oid = self.order_ids.insert_absent(&o.order_id, "orders")?;
        for (i, (t, &sku)) in terms.iter().zip(&skus).enumerate() {
            let mut ids = Ids::new(oid, i as u32);
            if t.platform_discount.is_positive() {
                ids.line_bits |= PLATFORM_BIT;
            }
            let list = self.by_sku.grow_to(sku, SkuLines::empty);
            if (list.lines.last()).is_some_and(|l| l.hot.ordered_at > ordered_at) {
                list.sorted = false;
            }
            list.reserve_one();
            list.lines.push(Line {
                hot: Hot {
                    ordered_at,
                    shop,
                    paid_lag,
                    recv_lag: NOT_RECEIVED,
                    quantity: t.quantity as u32, // checked <= u32::MAX by line_terms
                },
                warm: Warm {
                    paid_amount: t.paid_amount,
                    already_paid: Money::ZERO,
                    refunded: Money::ZERO,
                    returned: 0,
                    protected: 0,
                },
                ids,
            });
            self.line_skus.push(sku);
            if t.platform_discount.is_positive() {
                (list.rare_mut().shares)
                    .insert(share_key(ids), (t.discount_total, t.platform_discount));
            }
        }
        self.largest_lag = self.largest_lag.max(paid_lag as i64);
        self.orders.push(OrderRec {
            ordered_at,
            first,
            // n < TIMELINE_BIT < FAKE_BIT, checked above
            lines_and_fake: n | if o.risk.fake { FAKE_BIT } else { 0 },
        });
        Ok(())
    }

    fn set_profile(&mut self, p: &ShopProfile) -> Result<()> {
        Self::check_profile(p)?;
        let shop = self.shops.own(&p.shop_id)?;
        self.set_policy(shop, p);
        Ok(())
    }

    /// Why the book refuses a shop profile (its price-protection window);
    /// changes nothing.
    pub(crate) fn check_profile(p: &ShopProfile) -> Result<()> {
        if let Some(pp) = &p.price_protection {
            check_days(pp.window_days)?;
        }
        Ok(())
    }

    /// Takes a profile of the owning engine's shop `shop` that
    /// [`Self::check_profile`] accepted: its policy, if newer than the one
    /// held (by `at`, then event id).
    pub(crate) fn set_engine_policy(&mut self, shop: ShopId, p: &ShopProfile) {
        debug_assert!(matches!(self.shops, ShopNumbers::Engine));
        self.set_policy(shop, p);
    }

    fn set_policy(&mut self, shop: ShopId, p: &ShopProfile) {
        let newer = match self.policies.grow_to(shop, || None) {
            None => true,
            Some(cur) => (p.at, p.id.as_str()) > (cur.at, &*cur.event_id),
        };
        if newer {
            let active = p.price_protection.as_ref().map(|pp| ActivePolicy {
                window_secs: pp.window_days * DAY,
                anchor: pp.anchor,
                deduct: pp.deduct_protected_units,
                counted: PromotionSet::of(&pp.counted_promotions),
            });
            if let Some(a) = &active {
                self.longest_window = self.longest_window.max(a.window_secs);
            }
            self.policies[shop] = Some(ShopPolicy {
                at: p.at,
                event_id: p.id.as_str().into(),
                active,
            });
        }
    }

    fn deliver(&mut self, d: &Delivered) -> Result<()> {
        let o = self.order(&d.order_id)?;
        self.deliver_on(o, d)
    }

    fn deliver_on(&mut self, o: OrderId, d: &Delivered) -> Result<()> {
        let recv_lag = lag("at", d.at, self.orders[o].ordered_at)?;
        self.largest_lag = self.largest_lag.max(recv_lag as i64);
        // Written into the SKU lists (sorted by then) before the next run.
        self.pending_receipts.push((o, recv_lag));
        Ok(())
    }

    /// Writes queued receipts into the lines (the earliest receipt wins).
    fn flush_receipts(&mut self) {
        let pending = std::mem::take(&mut self.pending_receipts);
        for (o, recv_lag) in pending {
            let rec = self.orders[o];
            for line in 0..rec.n_lines() {
                let sku = self.line_skus[(rec.first + line) as usize];
                let list = &mut self.by_sku[sku];
                list.sort();
                let ids = Ids::new(o, line);
                if let Some(i) = list.find(rec.ordered_at, ids) {
                    let h = &mut list.lines[i].hot;
                    h.recv_lag = h.recv_lag.min(recv_lag);
                }
            }
        }
    }

    /// (sku, position) of line `line` of order `o`.
    fn locate(&self, o: OrderId, line: u32) -> Option<(SkuId, usize)> {
        let rec = self.orders.get(o)?;
        if line >= rec.n_lines() {
            return None;
        }
        let sku = self.line_skus[(rec.first + line) as usize];
        let i = self.by_sku[sku].find(rec.ordered_at, Ids::new(o, line))?;
        Some((sku, i))
    }

    fn refund(&mut self, r: &RefundCompleted) -> Result<Applied> {
        let o = self.order(&r.order_id)?;
        let sku = self.refund_skus.get(r.refund_id.as_str()).copied();
        let shares = self.refund_shares(o, sku, r.amount)?;
        let applied = self.return_to_line(o, sku, r.units_returned, r.at)?;
        // validated: below, nothing can fail
        let rec = self.orders[o];
        for (line, &share) in (0..rec.n_lines()).zip(&shares) {
            if !share.is_positive() {
                continue;
            }
            if let Some((s, i)) = self.locate(o, line) {
                let list = &mut self.by_sku[s];
                list.timeline(i).insert(Fact {
                    at: r.at,
                    kind: FactKind::Refund(share),
                });
                list.settle(i);
            }
        }
        self.refund_skus.remove(r.refund_id.as_str());
        Ok(match applied {
            Applied::Ignored if r.amount.is_positive() => Applied::Recorded,
            a => a,
        })
    }

    /// How a refund of `amount` on order `o` falls on its lines, in line
    /// order: all on the order's first line of `sku` when it has one, else
    /// shared by paid amount (largest remainder). An order whose lines cost
    /// nothing takes none of it (nothing there to protect).
    fn refund_shares(&self, o: OrderId, sku: Option<SkuId>, amount: Money) -> Result<Vec<Money>> {
        if amount.is_negative() {
            return Err(PriceProtectionError::invalid(
                "amount",
                amount,
                "must not be negative",
            ));
        }
        let rec = self.orders[o];
        let n = rec.n_lines() as usize;
        let mut shares = vec![Money::ZERO; n];
        let on_sku = sku.and_then(|s| {
            (0..rec.n_lines()).find(|&l| self.line_skus[(rec.first + l) as usize] == s)
        });
        if let Some(line) = on_sku {
            shares[line as usize] = amount;
            return Ok(shares);
        }
        let mut paid = Vec::with_capacity(n);
        for line in 0..rec.n_lines() {
            let (s, i) = self.locate(o, line).ok_or_else(|| {
                PriceProtectionError::UnknownOrder(self.order_ids.name(o).to_owned())
            })?;
            paid.push(self.by_sku[s].lines[i].warm.paid_amount);
        }
        if paid.iter().all(|&p| p == Money::ZERO) {
            return Ok(shares);
        }
        apportion(amount, &paid)
    }

    /// Sets the money refunded on every line of the order at `order` from
    /// all of its completed refunds: `(SKU its request named, amount,
    /// completion time)` each, placed as [`Self::apply`] places one, and
    /// dated (a drop counts a refund completed no later than itself). The
    /// engine calls this whenever a refund half of the order changes, from
    /// the facts it holds, so the result does not depend on arrival order,
    /// on whether a request came before its completion, or on merges. On
    /// error nothing was changed.
    pub(crate) fn set_refunds_at(
        &mut self,
        order: OrderId,
        refunds: &[(Option<SkuId>, Money, Timestamp)],
    ) -> Result<()> {
        let rec = self.order_rec(order)?;
        let mut per_line = vec![Vec::new(); rec.n_lines() as usize];
        for &(sku, amount, at) in refunds {
            let shares = self.refund_shares(order, sku, amount)?;
            for (dated, s) in per_line.iter_mut().zip(shares) {
                if s.is_positive() {
                    dated.push((at, s));
                }
            }
        }
        // validated: below, nothing can fail
        self.redate_lines(order, per_line, |tl, dated, _| tl.set_refunds(dated));
        Ok(())
    }

    /// The record of `order`, or the error naming it by handle.
    fn order_rec(&self, order: OrderId) -> Result<OrderRec> {
        (self.orders.get(order).copied())
            .ok_or_else(|| PriceProtectionError::UnknownOrder(format!("#{}", order.index())))
    }

    /// Replaces one kind of dated fact on each line of `order` with
    /// `per_line` (by line) through `set(timeline, facts, quantity)`, and
    /// settles the line; a line with none that has no timeline yet is left
    /// alone (nothing to date).
    fn redate_lines<T>(
        &mut self,
        order: OrderId,
        per_line: Vec<Vec<(Timestamp, T)>>,
        set: impl Fn(&mut Timeline, Vec<(Timestamp, T)>, i64),
    ) {
        for (line, dated) in (0..).zip(per_line) {
            if let Some((s, i)) = self.locate(order, line) {
                if dated.is_empty() && !self.by_sku[s].lines[i].ids.has_timeline() {
                    continue;
                }
                let quantity = self.terms(s, i).quantity;
                let list = &mut self.by_sku[s];
                set(list.timeline(i), dated, quantity);
                list.settle(i);
            }
        }
    }

    /// Sets the units returned on each line of `order` to `returns`
    /// (the SKU the request named, units returned, completion time), in
    /// place of every return recorded before: the engine hands over all of
    /// an order's completed returns each time one of them changes, so any
    /// arrival order or merge gives the same lines. Each goes to the line
    /// of its SKU, else the first line, and counts at most the line's
    /// quantity; returns that together pass it are all kept, and the walk
    /// takes each, in time order, up to the units still held then.
    pub(crate) fn set_returns_at(
        &mut self,
        order: OrderId,
        returns: &[(Option<SkuId>, i64, Timestamp)],
    ) -> Result<()> {
        let rec = self.order_rec(order)?;
        let mut per_line = vec![Vec::new(); rec.n_lines() as usize];
        for &(sku, units, at) in returns {
            if units > 0 {
                per_line[self.return_line(order, sku) as usize].push((at, units));
            }
        }
        self.redate_lines(order, per_line, |tl, dated, quantity| {
            // quantity <= u32::MAX (a line's quantity is checked so)
            let clamp = |u: i64| u32::try_from(u.min(quantity)).unwrap_or(u32::MAX);
            tl.set_returns(dated.into_iter().map(|(at, u)| (at, clamp(u))));
        });
        Ok(())
    }

    /// The line of `order` a return naming `sku` goes to: the line of that
    /// SKU, else the first.
    fn return_line(&self, order: OrderId, sku: Option<SkuId>) -> u32 {
        let rec = self.orders[order];
        sku.and_then(|s| {
            (0..rec.n_lines()).find(|&l| self.line_skus[(rec.first + l) as usize] == s)
        })
        .unwrap_or(0)
    }

    /// Records units returned on a completed refund, given what its request
    /// named: the order and the SKU (for a book used on its own; an engine
    /// hands its book every return of an order at once), and
    /// when the refund completed (`at`: drops at or after it see the
    /// return). The line is the order's line of that SKU, else its first
    /// line. The withholding returned is the protection paid on the
    /// returned units by the payouts recorded so far for drops no later
    /// than `at`.
    pub fn record_return(
        &mut self,
        order_id: &str,
        sku: Option<&str>,
        units_returned: Option<i64>,
        at: Timestamp,
    ) -> Result<Applied> {
        let o = self.order(order_id)?;
        let sku = sku.and_then(|s| self.skus.get(s));
        self.return_to_line(o, sku, units_returned, at)
    }

    fn return_to_line(
        &mut self,
        o: OrderId,
        sku: Option<SkuId>,
        units_returned: Option<i64>,
        at: Timestamp,
    ) -> Result<Applied> {
        let units = match units_returned {
            Some(u) if u > 0 => u,
            _ => return Ok(Applied::Ignored),
        };
        let line = self.return_line(o, sku);
        let Some((sku, i)) = self.locate(o, line) else {
            return Err(PriceProtectionError::UnknownOrder(
                self.order_ids.name(o).to_owned(),
            ));
        };
        let terms = self.terms(sku, i);
        // One return is checked against the line's quantity. Returns that
        // together pass it are all kept: the walk takes each, in time
        // order, up to the units still held then. Checking against the
        // returns that arrived before this one would keep a different part
        // in another arrival order.
        if units > terms.quantity {
            return Err(PriceProtectionError::invalid(
                "units_returned",
                units,
                format!("must be 0 ..= the line's quantity {}", terms.quantity),
            ));
        }
        let list = &mut self.by_sku[sku];
        let tl = list.timeline(i);
        let at_pos = tl.insert(Fact {
            at,
            // units <= quantity <= u32::MAX, checked above
            kind: FactKind::Return(units as u32),
        });
        let withheld = tl.withheld_at(&terms, at_pos);
        list.settle(i);
        Ok(Applied::Return(ReturnWithholding {
            order: o,
            line,
            units,
            withheld,
        }))
    }

    fn terms(&self, sku: SkuId, i: usize) -> LineTerms {
        let list = &self.by_sku[sku];
        let (discount_total, platform_discount) = list
            .share_at(share_key(list.lines[i].ids))
            .unwrap_or_default();
        LineTerms {
            quantity: list.lines[i].hot.quantity as i64,
            paid_amount: list.lines[i].warm.paid_amount,
            discount_total,
            platform_discount,
        }
    }

    fn history(&self, sku: SkuId, i: usize) -> LineHistory {
        let w = &self.by_sku[sku].lines[i].warm;
        LineHistory {
            units_returned: w.returned as i64,
            protected_units: w.protected as i64,
            already_paid: w.already_paid,
            refunded: w.refunded,
        }
    }

    /// Checks that [`Self::merge`] would accept `other`, without changing
    /// anything: no order id in both books and room for the union in
    /// 32-bit handles. O(orders of `other`). Books inside engines (which
    /// number their shops) are refused: merge the engines.
    pub fn check_merge(&self, other: &ProtectionBook) -> Result<()> {
        self.check_merge_tables(other)?;
        match (&self.shops, &other.shops) {
            (ShopNumbers::Own(ours), ShopNumbers::Own(theirs)) if !ours.can_absorb(theirs) => {
                Err(too_many("shops"))
            }
            (ShopNumbers::Own(_), ShopNumbers::Own(_)) => Ok(()),
            // the engine's shop ledger numbers the shops of its book
            _ => Err(in_engine()),
        }
    }

    /// [`Self::check_merge`] but for the shops, which books inside engines
    /// leave to their engines.
    fn check_merge_tables(&self, other: &ProtectionBook) -> Result<()> {
        // Invariant of `add_order`: an order id is interned exactly when its
        // order is recorded, so new orders get the next handles in sequence.
        if self.order_ids.len() != self.orders.len() || other.order_ids.len() != other.orders.len()
        {
            return Err(PriceProtectionError::invalid(
                "orders",
                self.orders.len(),
                "order index out of step with the order ids",
            ));
        }
        for name in other.order_ids.names() {
            if self.order_ids.get(name).is_some() {
                return Err(PriceProtectionError::DuplicateOrder(name.to_string()));
            }
        }
        // At most u32::MAX orders and u32::MAX lines, as `add_order` allows.
        self.orders
            .len()
            .checked_add(other.orders.len())
            .filter(|&n| u32::try_from(n).is_ok())
            .ok_or_else(|| too_many("orders"))?;
        self.line_skus
            .len()
            .checked_add(other.line_skus.len())
            .filter(|&n| u32::try_from(n).is_ok())
            .ok_or_else(|| too_many("lines"))?;
        if !self.skus.can_absorb(&other.skus) {
            return Err(too_many("skus"));
        }
        Ok(())
    }

    /// Merges `other` into `self`, for sharded runs (of books on their own:
    /// books inside engines are merged with their engines, [`crate::Engine::merge`]).
    ///
    /// Contract: the two books were fed disjoint sets of events (no event id
    /// in both, each order's `OrderPaid` in at most one, an order's
    /// follow-ups only in the book holding its `OrderPaid`). Then afterwards
    /// `self` behaves exactly like one book fed the union of both sets:
    ///
    /// - the orders and lines of both (`other`'s get new handles after
    ///   `self`'s; SKU lists that received lines are re-sorted lazily),
    ///   with each line's history (returns, protected units, amounts
    ///   already paid, money refunded) — a line lives in one book, so its
    ///   history moves with it — and its receipt, written or still queued;
    /// - per shop, the policy with the latest `at` (equal `at`: the greater
    ///   event id), as [`Self::apply`] decides;
    /// - both queues of price drops (a run orders them by time, then id, so
    ///   the union runs as if applied to one book) and the SKUs of pending
    ///   refund requests;
    /// - every SKU and shop either book knows, and the scan bounds (longest
    ///   window, largest lag) of both.
    ///
    /// Drops already run stay run: a drop run in one book before the merge
    /// paid only that book's lines.
    ///
    /// An order id held by both books is refused with
    /// [`PriceProtectionError::DuplicateOrder`], and running out of 32-bit
    /// handles with [`PriceProtectionError::Capacity`]; on error `self` is
    /// unchanged (see [`Self::check_merge`]). A refund id pending in both
    /// books (two orders sharing one refund id) keeps `self`'s SKU.
    ///
    /// Cost: O(size of `other`), plus sorting, at the next run, the SKU lists
    /// that received lines out of time order.
    ///
    /// ```
    /// use truexp::price_protection::ProtectionBook;
    ///
    /// let feed = |lines: &[&str]| {
    ///     let mut book = ProtectionBook::new();
    ///     for l in lines {
    ///         book.apply(&truexp::parse_event(l).unwrap()).unwrap();
    ///     }
    ///     book
    /// };
    /// let mut a = feed(&[
    ///     r#"{"type":"shop_profile","id":"s1","shop_id":"shop","at":1790000000,"category":"tv","price_protection":{"window_days":7}}"#,
    ///     r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"shop","buyer_id":"b","category":"tv","lines":[{"sku":"tv55","quantity":1,"unit_price":300000}],"paid_at":1790001000,"ship_by":1790002000}"#,
    /// ]);
    /// let b = feed(&[
    ///     r#"{"type":"order_paid","id":"e2","order_id":"o2","shop_id":"shop","buyer_id":"b","category":"tv","lines":[{"sku":"tv55","quantity":2,"unit_price":290000}],"paid_at":1790002000,"ship_by":1790003000}"#,
    ///     r#"{"type":"price_change","id":"p1","sku":"tv55","price":280000,"promotion":"public","at":1790005000}"#,
    /// ]);
    /// a.merge(&b).unwrap();
    /// let runs = a.run_all_drops().unwrap();
    /// let paid: Vec<(&str, i64)> = runs[0]
    ///     .payouts
    ///     .iter()
    ///     .map(|p| (a.order_id(p.order), p.assessment.payout.minor_units()))
    ///     .collect();
    /// assert_eq!(paid, [("o1", 20_000), ("o2", 20_000)]);
    /// // The same order twice is refused.
    /// assert!(a.merge(&b).is_err());
    /// ```
    pub fn merge(&mut self, other: &ProtectionBook) -> Result<()> {
        self.check_merge(other)?;
        // Validated: below, nothing can fail (interning was checked to fit).
        let (ShopNumbers::Own(ours), ShopNumbers::Own(theirs)) = (&mut self.shops, &other.shops)
        else {
            return Err(in_engine()); // refused by check_merge
        };
        let shops = (theirs.names())
            .map(|n| ours.intern(n, "shops"))
            .collect::<Result<Table<ShopId, ShopId>>>()?;
        self.merge_numbered(other, &shops)
    }

    /// [`Self::check_merge`] for the books of two engines, whose shops
    /// their engines number.
    pub(crate) fn check_engine_merge(&self, other: &ProtectionBook) -> Result<()> {
        debug_assert!(matches!(self.shops, ShopNumbers::Engine));
        debug_assert!(matches!(other.shops, ShopNumbers::Engine));
        self.check_merge_tables(other)
    }

    /// [`Self::merge`] of another engine's book, whose shop `s` is this
    /// engine's `shops[s]`.
    pub(crate) fn merge_engine_book(
        &mut self,
        other: &ProtectionBook,
        shops: &Table<ShopId, ShopId>,
    ) -> Result<()> {
        self.check_engine_merge(other)?;
        self.merge_numbered(other, shops)
    }

    /// The merge once checked: `other`'s shop `s` is this book's `shops[s]`.
    fn merge_numbered(
        &mut self,
        other: &ProtectionBook,
        shops: &Table<ShopId, ShopId>,
    ) -> Result<()> {
        let skus = other
            .skus
            .names()
            .map(|n| self.skus.intern(n, "skus"))
            .collect::<Result<Table<SkuId, SkuId>>>()?;
        // Checked above: both fit in u32, and `other`'s order k becomes
        // `order_base + k` (ids are interned in handle order).
        let order_base = self.orders.len() as u32;
        let line_base = self.line_skus.len() as u32;
        let order = |o: OrderId| OrderId::from_index(o.index() as u32 + order_base);
        for name in other.order_ids.names() {
            self.order_ids.intern(name, "orders")?;
        }
        self.orders.reserve(other.orders.len());
        self.orders.extend(other.orders.iter().map(|r| OrderRec {
            first: r.first + line_base,
            ..*r
        }));
        self.line_skus.reserve(other.line_skus.len());
        self.line_skus
            .extend(other.line_skus.iter().map(|&s| skus[s]));

        for (s, from) in other.by_sku.enumerate() {
            if from.lines.is_empty() {
                continue;
            }
            let to = self.by_sku.grow_to(skus[s], SkuLines::empty);
            // Appended lines have greater order handles than every line
            // already here, so equal order times keep the sort key order.
            let in_order = match (to.lines.last(), from.lines.first()) {
                (Some(last), Some(first)) => last.hot.ordered_at <= first.hot.ordered_at,
                _ => true,
            };
            to.sorted = to.sorted && from.sorted && in_order;
            to.lines.extend(from.lines.iter().map(|l| Line {
                hot: Hot {
                    shop: shops[l.hot.shop],
                    ..l.hot
                },
                warm: l.warm,
                ids: Ids {
                    order: order(l.ids.order),
                    line_bits: l.ids.line_bits,
                },
            }));
            let rekey = |key: u64| {
                let order = (key >> 32) as u32 + order_base;
                ((order as u64) << 32) | (key & u32::MAX as u64)
            };
            if let Some(from) = from.rare.as_deref() {
                let to = to.rare_mut();
                (to.shares).extend(from.shares.iter().map(|(&key, &v)| (rekey(key), v)));
                to.timelines.extend(
                    from.timelines
                        .iter()
                        .map(|(&key, tl)| (rekey(key), tl.clone())),
                );
            }
        }
        self.pending_receipts.extend(
            other
                .pending_receipts
                .iter()
                .map(|&(o, lag)| (order(o), lag)),
        );
        // a book holds verdicts only for its own orders, and no order is in both
        self.verdicts
            .extend(other.verdicts.iter().map(|(&o, v)| (order(o), v.clone())));

        for (s, p) in other.policies.enumerate() {
            let Some(p) = p else { continue };
            let held = self.policies.grow_to(shops[s], || None);
            let newer = match held {
                None => true,
                Some(cur) => (p.at, &*p.event_id) > (cur.at, &*cur.event_id),
            };
            if newer {
                *held = Some(p.clone());
            }
        }
        self.longest_window = self.longest_window.max(other.longest_window);
        self.largest_lag = self.largest_lag.max(other.largest_lag);

        self.pending.extend_from_slice(&other.pending);
        self.pending_skus
            .extend(other.pending_skus.iter().map(|&s| skus[s]));
        for (refund, &s) in &other.refund_skus {
            self.refund_skus.entry(refund.clone()).or_insert(skus[s]);
        }
        Ok(())
    }

    /// Sorts every SKU list changed since the last run, trims spare
    /// capacity and writes pending receipts. Runs sort lazily themselves;
    /// call this after a bulk load to pay the cost up front.
    pub fn prepare_index(&mut self) {
        for list in &mut self.by_sku {
            list.sort();
            list.lines.shrink_to_fit();
        }
        self.flush_receipts();
    }

    /// Runs one price drop now: every line of the SKU whose window contains
    /// `drop.at` is assessed against `drop.price` as a claim at `drop.at`,
    /// and positive payouts are recorded (the next drop pays only the
    /// increment). Lines of shops without a policy are skipped. Results are
    /// in scan order (order time, order, line).
    pub fn run_price_drop(&mut self, drop: &PriceChange) -> Result<Vec<LinePayout>> {
        check_drop(drop)?;
        self.flush_receipts();
        let mut out = Vec::new();
        if let Some(sku) = self.skus.get(&drop.sku) {
            self.run_sku(sku, drop.at, drop.price, drop.promotion, &mut |p| {
                out.push(*p)
            })?;
        }
        Ok(out)
    }

    fn run_sku(
        &mut self,
        sku: SkuId,
        t: Timestamp,
        price: Money,
        promotion: PromotionKind,
        f: &mut impl FnMut(&LinePayout),
    ) -> Result<()> {
        let lo = t
            .minus_secs(self.longest_window)
            .minus_secs(self.largest_lag);
        let Self {
            by_sku,
            policies,
            orders,
            funding,
            ..
        } = self;
        let Some(list) = by_sku.get_mut(sku) else {
            return Ok(());
        };
        list.sort();
        let n = list.lines.len();
        // Short lists: a forward scan (prefetch-friendly); long ones: binary search.
        let (start, end) = if n <= 32 {
            let s = (list.lines.iter())
                .take_while(|l| l.hot.ordered_at < lo)
                .count();
            let e = s + list.lines[s..]
                .iter()
                .take_while(|l| l.hot.ordered_at <= t)
                .count();
            (s, e)
        } else {
            let s = partition(n, |i| list.lines[i].hot.ordered_at < lo);
            (
                s,
                s + partition(n - s, |i| list.lines[s + i].hot.ordered_at <= t),
            )
        };
        for i in start..end {
            let h = list.lines[i].hot;
            // Fake (brushing) orders are not orders: no protection, no line in the run.
            if orders[list.lines[i].ids.order].is_fake() {
                continue;
            }
            let Some(Some(ShopPolicy {
                active: Some(p), ..
            })) = policies.get(h.shop)
            else {
                continue;
            };
            let anchor = match p.anchor {
                ProtectionAnchor::Order => h.ordered_at,
                ProtectionAnchor::Payment => h.ordered_at.plus_secs(i64::from(h.paid_lag)),
                ProtectionAnchor::Receipt if h.recv_lag == NOT_RECEIVED => continue,
                ProtectionAnchor::Receipt => h.ordered_at.plus_secs(i64::from(h.recv_lag)),
            };
            if t < anchor {
                continue;
            }
            let window = Window {
                start: anchor,
                end: anchor.plus_secs(p.window_secs),
            };
            if !window.contains(t) {
                continue;
            }
            let ids = list.lines[i].ids;
            // The platform share only matters for a positive payout: looked up then.
            let mut terms = list.walk_terms(i);
            // The line as it stood at the drop: a line with a refund or a
            // return walks its dated history (refunds and returns no later
            // than `t`, every payout made); others have nothing to date.
            let timeline = if ids.has_timeline() {
                list.timeline_at(share_key(ids))
            } else {
                None
            };
            let mut history = match timeline {
                Some(tl) => tl.as_of(&terms, t),
                None => {
                    let w = &list.lines[i].warm;
                    LineHistory {
                        units_returned: w.returned as i64,
                        protected_units: w.protected as i64,
                        already_paid: w.already_paid,
                        refunded: w.refunded,
                    }
                }
            };
            let comparison = Comparison::lowest([(price, promotion)], p.counted);
            let mut a = assess_line(&terms, &history, Some(window), p.deduct, comparison, t)?;
            if a.payout.is_positive() {
                if ids.has_platform_share() {
                    if let Some((total, platform)) = list.share_at(share_key(ids)) {
                        terms.discount_total = total;
                        terms.platform_discount = platform;
                    }
                }
                (a.platform_part, a.seller_part) = funding.split(promotion, a.payout, &terms);
                if ids.has_timeline() {
                    list.timeline(i).insert(Fact {
                        at: t,
                        kind: FactKind::Payout {
                            amount: a.payout,
                            // <= quantity <= u32::MAX
                            units: a.protected_quantity as u32,
                            deduct: p.deduct,
                        },
                    });
                    list.settle(i);
                } else {
                    history.record_payout(&a, p.deduct)?;
                    let w = &mut list.lines[i].warm;
                    w.returned = history.units_returned as u32;
                    w.protected = history.protected_units as u32;
                    w.already_paid = history.already_paid;
                }
            }
            f(&LinePayout {
                order: ids.order,
                line: ids.line(),
                sku,
                quantity: terms.quantity,
                window,
                assessment: a,
            });
        }
        Ok(())
    }

    /// The batch loop. Drops are processed grouped by SKU, and within a
    /// SKU by time, then event id. A line only ever sees drops of its own
    /// SKU, so every line gets exactly the payouts it would get if all drops
    /// ran in (time, id) order — while each SKU's lines stay in cache.
    fn run_resolved(
        &mut self,
        drops: &[PriceChange],
        skus: &[Option<SkuId>],
        f: &mut impl FnMut(usize, &LinePayout),
    ) -> Result<()> {
        for d in drops {
            check_drop(d)?;
        }
        self.flush_receipts();
        // Everything the loop needs is in the key: no look-back into `drops`.
        let mut keys: Vec<DropKey> = skus
            .iter()
            .zip(drops)
            .enumerate()
            .filter_map(|(i, (s, d))| {
                s.map(|sku| DropKey {
                    sku,
                    idx: i as u32,
                    at: d.at,
                    price: d.price,
                    promotion: d.promotion,
                })
            })
            .collect();
        keys.sort_unstable_by(|a, b| {
            (a.sku, a.at)
                .cmp(&(b.sku, b.at))
                .then_with(|| drops[a.idx as usize].id.cmp(&drops[b.idx as usize].id))
                .then(a.idx.cmp(&b.idx))
        });
        for k in keys {
            let i = k.idx as usize;
            self.run_sku(k.sku, k.at, k.price, k.promotion, &mut |p| f(i, p))?;
        }
        Ok(())
    }

    fn resolve(&self, drops: &[PriceChange]) -> Result<Vec<Option<SkuId>>> {
        if drops.len() > u32::MAX as usize {
            return Err(too_many("drops in one batch"));
        }
        Ok(drops.iter().map(|d| self.skus.get(&d.sku)).collect())
    }

    /// Runs the given drops (not the queue) and hands every line result to
    /// `f` with the index of its drop in `drops`, without collecting them.
    ///
    /// Results arrive grouped by SKU, then by drop time and id; per line
    /// they are exactly those of running the drops in (time, id) order.
    /// On error (only overflow on absurd timestamps), results handed out
    /// before it stay recorded.
    pub fn run_drops_with(
        &mut self,
        drops: &[PriceChange],
        mut f: impl FnMut(usize, &LinePayout),
    ) -> Result<()> {
        let skus = self.resolve(drops)?;
        self.run_resolved(drops, &skus, &mut f)
    }

    /// Runs every queued `PriceChange` (see [`Self::run_drops_with`]) and
    /// empties the queue; returns how many drops ran. SKU names were
    /// resolved when the drops were applied.
    pub fn run_all_drops_with(
        &mut self,
        mut f: impl FnMut(&PriceChange, &LinePayout),
    ) -> Result<usize> {
        let drops = std::mem::take(&mut self.pending);
        let skus: Vec<Option<SkuId>> = std::mem::take(&mut self.pending_skus)
            .into_iter()
            .map(Some)
            .collect();
        self.run_resolved(&drops, &skus, &mut |i, p| f(&drops[i], p))?;
        Ok(drops.len())
    }

    /// Runs every queued `PriceChange` (those given to [`Self::apply`] since
    /// the last call) and empties the queue. Runs are returned in order of
    /// time, then event id.
    pub fn run_all_drops(&mut self) -> Result<Vec<DropRun>> {
        let drops = std::mem::take(&mut self.pending);
        let skus: Vec<Option<SkuId>> = std::mem::take(&mut self.pending_skus)
            .into_iter()
            .map(Some)
            .collect();
        self.collect_runs(drops, &skus)
    }

    /// Runs the given drops (not the queue); runs are returned in order of
    /// time, then event id.
    pub fn run_drops(&mut self, drops: &[PriceChange]) -> Result<Vec<DropRun>> {
        let skus = self.resolve(drops)?;
        self.collect_runs(drops.to_vec(), &skus)
    }

    fn collect_runs(
        &mut self,
        drops: Vec<PriceChange>,
        skus: &[Option<SkuId>],
    ) -> Result<Vec<DropRun>> {
        let mut per: Vec<Vec<LinePayout>> = vec![Vec::new(); drops.len()];
        self.run_resolved(&drops, skus, &mut |i, p| per[i].push(*p))?;
        let mut order: Vec<usize> = (0..drops.len()).collect();
        order.sort_by(|&a, &b| (drops[a].at, &drops[a].id, a).cmp(&(drops[b].at, &drops[b].id, b)));
        let mut drops: Vec<Option<PriceChange>> = drops.into_iter().map(Some).collect();
        Ok(order
            .into_iter()
            .filter_map(|i| {
                drops[i].take().map(|drop| DropRun {
                    drop,
                    payouts: std::mem::take(&mut per[i]),
                })
            })
            .collect())
    }

    /// Number of queued, not yet run, price drops.
    pub fn pending_drops(&self) -> usize {
        self.pending.len()
    }

    /// The id of an order.
    pub fn order_id(&self, order: OrderId) -> &str {
        self.order_ids.name(order)
    }

    /// The name of a SKU.
    pub fn sku(&self, sku: SkuId) -> &str {
        self.skus.name(sku)
    }

    /// The handle of an order id, when held.
    pub fn order_handle(&self, order_id: &str) -> Option<OrderId> {
        self.order(order_id).ok()
    }

    /// Terms and history of line `line` of `order`, when held.
    pub fn line_state(&self, order: OrderId, line: u32) -> Option<(LineTerms, LineHistory)> {
        let (sku, i) = self.locate(order, line)?;
        Some((self.terms(sku, i), self.history(sku, i)))
    }

    /// Every deduction of protection from a later refund or return, by
    /// (order, line, time): what the refunds of lines already paid
    /// protection must withhold. Walks the dated history of each line that
    /// has one (lines with no refund and no return have nothing to deduct).
    pub fn deductions(&self) -> Vec<RefundDeduction> {
        let mut out = Vec::new();
        for (sku, list) in self.by_sku.enumerate() {
            for (i, l) in list.lines.iter().enumerate() {
                if l.ids.has_timeline() {
                    self.line_deductions(sku, i, &mut out);
                }
            }
        }
        out.sort_by_key(|d| (d.order, d.line));
        out
    }

    /// [`Self::deductions`] with names, by (order id, line, time): the
    /// same list whatever order the events arrived in.
    pub fn deduction_records(&self) -> Vec<DeductionRecord> {
        let mut out: Vec<DeductionRecord> = (self.deductions().into_iter())
            .map(|d| DeductionRecord {
                order_id: self.order_id(d.order).to_owned(),
                line: d.line,
                sku: self.sku(d.sku).to_owned(),
                at: d.at,
                units_returned: match d.cause {
                    DeductionCause::Returned(u) => Some(u),
                    DeductionCause::Refunded(_) => None,
                },
                refunded: match d.cause {
                    DeductionCause::Refunded(m) => Some(m),
                    DeductionCause::Returned(_) => None,
                },
                deducted: d.deducted,
            })
            .collect();
        // stable: a line's deductions stay in walk order
        out.sort_by(|a, b| (&a.order_id, a.line).cmp(&(&b.order_id, b.line)));
        out
    }

    /// [`Self::deductions`] of one order's lines.
    pub fn order_deductions(&self, order: OrderId) -> Vec<RefundDeduction> {
        let mut out = Vec::new();
        let n = self.orders.get(order).map_or(0, |r| r.n_lines());
        for line in 0..n {
            if let Some((sku, i)) = self.locate(order, line) {
                self.line_deductions(sku, i, &mut out);
            }
        }
        out
    }

    fn line_deductions(&self, sku: SkuId, i: usize, out: &mut Vec<RefundDeduction>) {
        let list = &self.by_sku[sku];
        let ids = list.lines[i].ids;
        let Some(tl) = list.timeline_at(share_key(ids)) else {
            return;
        };
        for (fact, deducted) in tl.deductions(&list.walk_terms(i)) {
            let cause = match fact.kind {
                FactKind::Return(u) => DeductionCause::Returned(u),
                FactKind::Refund(m) => DeductionCause::Refunded(m),
                FactKind::Payout { .. } => continue, // never: deductions fall on refunds
            };
            out.push(RefundDeduction {
                order: ids.order,
                line: ids.line(),
                sku,
                at: fact.at,
                cause,
                deducted,
            });
        }
    }

    /// Number of orders held.
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// Number of lines held.
    pub fn line_count(&self) -> usize {
        self.line_skus.len()
    }

    /// Approximate heap bytes held (vector capacities, map buckets, interned
    /// strings); an estimate for capacity planning, not an allocator count.
    pub fn approx_heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let lists: usize = self
            .by_sku
            .iter()
            .map(|l| {
                l.lines.capacity() * size_of::<Line>()
                    + l.rare.as_deref().map_or(0, |r| {
                        size_of::<SkuRare>()
                            + r.shares.capacity() * (size_of::<(u64, (Money, Money))>() + 1)
                            + r.timelines.capacity() * (size_of::<(u64, Timeline)>() + 1)
                            + r.timelines
                                .values()
                                .map(Timeline::heap_bytes)
                                .sum::<usize>()
                    })
            })
            .sum();
        lists
            + self.by_sku.capacity() * size_of::<SkuLines>()
            + self.orders.capacity() * size_of::<OrderRec>()
            + self.line_skus.capacity() * size_of::<u32>()
            + self.order_ids.approx_heap_bytes()
            + self.skus.approx_heap_bytes()
            + self.shops.approx_heap_bytes()
            + self.verdicts.capacity() * (size_of::<(OrderId, (Timestamp, Box<str>))>() + 1)
    }

    /// Bytes per line a drop's scan reads for every candidate: the line's
    /// record (order time, shop, anchor lags and quantity first; amounts,
    /// history and ids in the same cache line).
    pub const SCANNED_BYTES_PER_LINE: usize = std::mem::size_of::<Line>();

    /// Bytes per line in total, excluding per-order records, interned
    /// strings and the platform-share map: the line's record + its SKU.
    pub const BYTES_PER_LINE: usize = std::mem::size_of::<Line>() + std::mem::size_of::<SkuId>();
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
    if p.price.is_negative() {
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
    use crate::money::m;
    use crate::time::ts;

    #[test]
    fn line_state_is_compact() {
        assert_eq!(std::mem::size_of::<Hot>(), 24);
        assert_eq!(ProtectionBook::SCANNED_BYTES_PER_LINE, 64);
        assert_eq!(ProtectionBook::BYTES_PER_LINE, 68);
        // one line array and one pointer: the maps few SKUs need are boxed
        assert_eq!(std::mem::size_of::<SkuLines>(), 40);
        assert_eq!(std::mem::size_of::<OrderRec>(), 16);
    }

    const PROFILE: &str = r#"{"type":"shop_profile","id":"s1","shop_id":"shop","at":1790000000,"category":"tv","price_protection":{"window_days":30}}"#;
    /// One 10,000 line of `a` and one 30,000 line of `b` (two units).
    const ORDER: &str = r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"shop","buyer_id":"b","category":"tv","lines":[{"sku":"a","quantity":1,"unit_price":10000},{"sku":"b","quantity":2,"unit_price":15000}],"paid_at":1790001000,"ship_by":1790002000}"#;
    const DROP_A: &str = r#"{"type":"price_change","id":"p1","sku":"a","price":0,"promotion":"public","at":1790005000}"#;
    const DROP_B: &str = r#"{"type":"price_change","id":"p2","sku":"b","price":0,"promotion":"public","at":1790005000}"#;

    fn refund(id: &str, amount: Money, sku: Option<&str>) -> [String; 2] {
        let sku = sku.map_or(String::new(), |s| format!(r#","sku":"{s}""#));
        [
            format!(
                r#"{{"type":"refund_requested","id":"q{id}","order_id":"o1","refund_id":"{id}","at":1790003000,"kind":"refund_only","reason":"other","amount":{amount}{sku}}}"#
            ),
            format!(
                r#"{{"type":"refund_completed","id":"c{id}","order_id":"o1","refund_id":"{id}","at":1790004000,"amount":{amount}}}"#
            ),
        ]
    }

    /// Feeds the lines and runs every drop: (SKU, payout) per line paid.
    fn payouts(lines: &[&str]) -> Vec<(String, Money)> {
        let mut book = ProtectionBook::new();
        for l in lines {
            book.apply(&crate::parse_event(l).unwrap()).unwrap();
        }
        let mut out = Vec::new();
        for run in book.run_all_drops().unwrap() {
            for p in run.payouts {
                out.push((book.sku(p.sku).to_owned(), p.assessment.payout));
            }
        }
        out
    }

    fn paid(pairs: &[(&str, Money)]) -> Vec<(String, Money)> {
        pairs.iter().map(|&(s, m)| (s.to_owned(), m)).collect()
    }

    /// Handles are public (`ids::Handle::from_index`), so one the book never
    /// handed out reads as nothing, never a panic.
    #[test]
    fn handles_the_book_never_handed_out_read_as_nothing() {
        let mut book = ProtectionBook::new();
        book.apply(&crate::parse_event(ORDER).unwrap()).unwrap();
        let o = book.order_handle("o1").expect("held");
        assert_eq!(book.order_id(o), "o1");
        assert!(book.line_state(o, 0).is_some());
        let (order, sku) = (OrderId::from_index(7), SkuId::from_index(7));
        assert_eq!((book.order_id(order), book.sku(sku)), ("", ""));
        assert!(book.line_state(order, 0).is_none() && book.line_state(o, 9).is_none());
        assert!(book.order_deductions(order).is_empty());
    }

    /// A book inside an engine keeps no shop ids: what would need them (a
    /// payment or profile fed to it directly, a merge other than its
    /// engine's) is refused with a clear error, the book unchanged.
    #[test]
    fn a_book_inside_an_engine_refuses_what_needs_its_own_shop_ids() {
        let mut book = ProtectionBook::for_engine();
        for line in [ORDER, PROFILE] {
            let err = book.apply(&crate::parse_event(line).unwrap()).unwrap_err();
            assert!(err.to_string().contains("belongs to an engine"), "{err}");
        }
        assert_eq!((book.order_count(), book.policies.len()), (0, 0));
        let own = ProtectionBook::new();
        assert!(book.merge(&own).is_err() && book.check_merge(&own).is_err());
        let mut own = own;
        assert!(own.merge(&book).is_err());
        // the engine hands its shop numbers in
        let Event::OrderPaid(p) = crate::parse_event(ORDER).unwrap() else {
            unreachable!()
        };
        let checked = book.check_new_order(&p).unwrap();
        book.add_engine_order(&p, checked, ShopId::from_index(3))
            .unwrap();
        let line = &book.by_sku[SkuId::from_index(0)].lines[0];
        assert_eq!(line.hot.shop, ShopId::from_index(3));
    }

    /// Issue 14: a 10,000 line with 3,000 refunded (refund-only, the
    /// request naming its SKU) dropping to 0 pays 7,000, not 10,000.
    #[test]
    fn money_refunded_on_a_line_is_never_paid_again() {
        let [q, c] = refund("r1", m(3_000), Some("a"));
        assert_eq!(
            payouts(&[PROFILE, ORDER, &q, &c, DROP_A]),
            paid(&[("a", m(7_000))])
        );
        // the drop before the refund in the stream: the same answer
        assert_eq!(
            payouts(&[PROFILE, ORDER, DROP_A, &q, &c]),
            paid(&[("a", m(7_000))])
        );
        // the other line is untouched
        assert_eq!(
            payouts(&[PROFILE, ORDER, &q, &c, DROP_B]),
            paid(&[("b", m(30_000))])
        );
    }

    /// A seller cancellation refunded in full (no SKU named): every line
    /// gets its whole paid amount back, so no drop pays anything.
    #[test]
    fn a_full_refund_pays_nothing() {
        let [q, c] = refund("r1", m(40_000), None);
        assert_eq!(
            payouts(&[PROFILE, ORDER, &q, &c, DROP_A, DROP_B]),
            paid(&[("a", m(0)), ("b", m(0))])
        );
    }

    /// A refund whose SKU is unknown is shared by paid amount: 4,000 over
    /// lines of 10,000 and 30,000 is 1,000 and 3,000.
    #[test]
    fn a_refund_without_a_sku_is_shared_by_paid_amount() {
        let [q, c] = refund("r1", m(4_000), None);
        assert_eq!(
            payouts(&[PROFILE, ORDER, &q, &c, DROP_A, DROP_B]),
            paid(&[("a", m(9_000)), ("b", m(27_000))])
        );
        // a completion with no request at all: the same
        assert_eq!(
            payouts(&[PROFILE, ORDER, &c, DROP_A, DROP_B]),
            paid(&[("a", m(9_000)), ("b", m(27_000))])
        );
        // a SKU the order does not have: the same
        let [q, c] = refund("r2", m(4_000), Some("zz"));
        assert_eq!(
            payouts(&[PROFILE, ORDER, &q, &c, DROP_A, DROP_B]),
            paid(&[("a", m(9_000)), ("b", m(27_000))])
        );
    }

    /// Refunds add up, and a line never holds more refunded than it paid.
    #[test]
    fn refunds_add_up_to_at_most_the_paid_amount() {
        let [q1, c1] = refund("r1", m(6_000), Some("a"));
        let [q2, c2] = refund("r2", m(6_000), Some("a"));
        let mut book = ProtectionBook::new();
        for l in [PROFILE, ORDER, &q1, &c1, &q2, &c2] {
            book.apply(&crate::parse_event(l).unwrap()).unwrap();
        }
        let o = book.order_handle("o1").unwrap();
        assert_eq!(book.line_state(o, 0).unwrap().1.refunded, m(10_000));
        assert_eq!(book.line_state(o, 1).unwrap().1.refunded, m(0));
        // the engine's recomputation from its facts sets, never adds
        let b = book.sku_ids().get("b");
        assert!(b.is_some());
        book.set_refunds_at(o, &[(b, m(500), ts(1)), (None, m(4_000), ts(1))])
            .unwrap();
        assert_eq!(book.line_state(o, 0).unwrap().1.refunded, m(1_000));
        assert_eq!(book.line_state(o, 1).unwrap().1.refunded, m(3_500));
        book.set_refunds_at(o, &[]).unwrap();
        assert_eq!(book.line_state(o, 1).unwrap().1.refunded, m(0));
    }

    fn refund_at(id: &str, amount: Money, sku: &str, units: i64, at: i64) -> [String; 2] {
        let units = if units > 0 {
            format!(r#","units_returned":{units}"#)
        } else {
            String::new()
        };
        [
            format!(
                r#"{{"type":"refund_requested","id":"q{id}","order_id":"o1","refund_id":"{id}","at":1790003000,"kind":"refund_only","reason":"other","amount":{amount},"sku":"{sku}"}}"#
            ),
            format!(
                r#"{{"type":"refund_completed","id":"c{id}","order_id":"o1","refund_id":"{id}","at":{at},"amount":{amount}{units}}}"#
            ),
        ]
    }

    fn drop_at(id: &str, sku: &str, price: Money, at: i64) -> String {
        format!(
            r#"{{"type":"price_change","id":"{id}","sku":"{sku}","price":{price},"promotion":"public","at":{at}}}"#
        )
    }

    /// Feeds `first`, runs every drop, feeds `then`, runs every drop again:
    /// (drop id, SKU, payout) per line, over both runs.
    fn two_batches(first: &[&str], then: &[&str]) -> Vec<(String, String, Money)> {
        let mut book = ProtectionBook::new();
        let mut out = Vec::new();
        for batch in [first, then] {
            for l in batch {
                book.apply(&crate::parse_event(l).unwrap()).unwrap();
            }
            for run in book.run_all_drops().unwrap() {
                for p in run.payouts {
                    let sku = book.sku(p.sku).to_owned();
                    out.push((run.drop.id.clone(), sku, p.assessment.payout));
                }
            }
        }
        out.sort();
        out
    }

    fn dropped(v: &[(&str, &str, Money)]) -> Vec<(String, String, Money)> {
        let mut v: Vec<_> = v
            .iter()
            .map(|&(d, s, m)| (d.to_owned(), s.to_owned(), m))
            .collect();
        v.sort();
        v
    }

    /// Issue 14, a payout is fixed when made: a drop before a refund pays
    /// the same whether the batch runs before the refund reaches the book
    /// or after; a drop after the refund is capped by it.
    ///
    /// Line `a`: 10,000. Drop to 6,000 at 5,000 pays 4,000 (the 3,000
    /// refunded at 6,000 is later). Drop to 0 at 7,000: owed 10,000 − 4,000
    /// = 6,000, capped at 10,000 − 3,000 − 4,000 = 3,000.
    #[test]
    fn a_drop_before_a_refund_pays_the_same_whenever_the_batch_runs() {
        let [q, c] = refund_at("r1", m(3_000), "a", 0, 1_790_006_000);
        let d1 = drop_at("d1", "a", m(6_000), 1_790_005_000);
        let d2 = drop_at("d2", "a", m(0), 1_790_007_000);
        let want = dropped(&[("d1", "a", m(4_000)), ("d2", "a", m(3_000))]);
        // everything known before the batch runs
        assert_eq!(two_batches(&[PROFILE, ORDER, &q, &c, &d1, &d2], &[]), want);
        // the first drop runs before the refund is known
        assert_eq!(two_batches(&[PROFILE, ORDER, &d1], &[&q, &c, &d2]), want);
        // the second drop too runs before the refund is known: it could not
        // see it (a payout is fixed when made), and is not undone
        assert_eq!(
            two_batches(&[PROFILE, ORDER, &d1, &d2], &[&q, &c]),
            dropped(&[("d1", "a", m(4_000)), ("d2", "a", m(6_000))])
        );
    }

    /// The tie rule: a refund completed at exactly the drop's time counts
    /// as before it (10,000 − 3,000 = 7,000); one second later it does not.
    #[test]
    fn a_refund_at_the_drop_time_counts_before_it() {
        let d = drop_at("d1", "a", m(0), 1_790_005_000);
        let [q, c] = refund_at("r1", m(3_000), "a", 0, 1_790_005_000);
        assert_eq!(
            two_batches(&[PROFILE, ORDER, &d, &q, &c], &[]),
            dropped(&[("d1", "a", m(7_000))])
        );
        let [q, c] = refund_at("r1", m(3_000), "a", 0, 1_790_005_001);
        assert_eq!(
            two_batches(&[PROFILE, ORDER, &d, &q, &c], &[]),
            dropped(&[("d1", "a", m(10_000))])
        );
    }

    /// A return after a drop withholds the protection that drop paid on
    /// the returned unit, whether the drop ran before the return reached
    /// the book or after. Line `b`: 2 units, 30,000. Drop to 10,000 at
    /// 5,000 pays 2 × 5,000 = 10,000. One unit returned at 6,000 (15,000
    /// refunded): 5,000 withheld, 5,000 stays paid on the kept unit. Drop
    /// to 0 at 7,000: owed 15,000 − 5,000 = 10,000; cap 30,000 − 15,000 −
    /// 5,000 = 10,000: pays 10,000.
    #[test]
    fn a_later_return_withholds_an_earlier_payout_whenever_it_ran() {
        let [q, c] = refund_at("r1", m(15_000), "b", 1, 1_790_006_000);
        let d1 = drop_at("d1", "b", m(10_000), 1_790_005_000);
        let d2 = drop_at("d2", "b", m(0), 1_790_007_000);
        let want = dropped(&[("d1", "b", m(10_000)), ("d2", "b", m(20_000 - 10_000))]);
        assert_eq!(two_batches(&[PROFILE, ORDER, &q, &c, &d1, &d2], &[]), want);
        assert_eq!(two_batches(&[PROFILE, ORDER, &d1], &[&q, &c, &d2]), want);

        // what the book holds afterwards, and what the return withheld
        let state = |lines: &[&str], run_first: bool| {
            let mut book = ProtectionBook::new();
            let mut withheld = None;
            for l in lines {
                if run_first && l.contains("refund_requested") {
                    book.run_all_drops().unwrap();
                }
                if let Applied::Return(w) = book.apply(&crate::parse_event(l).unwrap()).unwrap() {
                    withheld = Some(w.withheld);
                }
            }
            book.run_all_drops().unwrap();
            let o = book.order_handle("o1").unwrap();
            (book.line_state(o, 1).unwrap().1, withheld)
        };
        let (after, withheld) = state(&[PROFILE, ORDER, &d1, &q, &c], true);
        assert_eq!(withheld, Some(m(5_000)));
        let (before, withheld_unknown) = state(&[PROFILE, ORDER, &q, &c, &d1], false);
        // known when the return was applied: nothing paid yet
        assert_eq!(withheld_unknown, Some(Money::ZERO));
        assert_eq!(after, before);
        assert_eq!(
            after,
            LineHistory {
                units_returned: 1,
                protected_units: 1,
                already_paid: m(5_000),
                refunded: m(15_000),
            }
        );
    }

    /// A merge carries each line's dated history with it.
    #[test]
    fn a_merge_keeps_the_dates() {
        let [q, c] = refund_at("r1", m(3_000), "a", 0, 1_790_006_000);
        let d1 = drop_at("d1", "a", m(0), 1_790_005_000);
        let mut a = ProtectionBook::new();
        for l in [PROFILE, ORDER, q.as_str(), c.as_str()] {
            a.apply(&crate::parse_event(l).unwrap()).unwrap();
        }
        let mut merged = ProtectionBook::new();
        merged.merge(&a).unwrap();
        merged.apply(&crate::parse_event(&d1).unwrap()).unwrap();
        let runs = merged.run_all_drops().unwrap();
        assert_eq!(runs[0].payouts[0].assessment.payout, m(10_000));
    }

    #[test]
    fn partition_finds_bounds() {
        let v = [1, 3, 3, 5];
        assert_eq!(partition(4, |i| v[i] < 3), 1);
        assert_eq!(partition(4, |i| v[i] <= 3), 3);
        assert_eq!(partition(0, |_| true), 0);
    }
}

/// Snapshot encoding of the book: its three id tables, the order records,
/// the line SKUs, each SKU's lines as fixed-width records, policies, queued
/// receipts and drops, and the two maps sorted by key (so the bytes do not
/// depend on hash seeds). Every index is checked on read, so a run on a
/// loaded book cannot index out of range.
///
/// A line's refunded money is not written: inside an engine it is derived
/// from the engine's refund facts ([`ProtectionBook::set_refunds_at`]), and
/// the engine rebuilds it after reading, like its other derived state. A
/// read book holds 0 until then.
mod snapshot {
    use super::*;
    use crate::snapshot::{Dec, Enc, Result};

    impl ProtectionBook {
        /// Writes the book of an engine whose shop ledger numbers its shops
        /// `shops` (written in the place of a book's own shop ids, so the
        /// format is the same either way).
        pub(crate) fn write_snapshot(&self, e: &mut Enc, shops: &crate::ids::Interner<ShopId>) {
            self.order_ids.write_snapshot(e);
            self.skus.write_snapshot(e);
            match &self.shops {
                ShopNumbers::Own(names) => names.write_snapshot(e),
                ShopNumbers::Engine => shops.write_snapshot(e),
            }
            e.len(self.orders.len());
            for o in &self.orders {
                e.timestamp(o.ordered_at);
                e.u32(o.first);
                e.u32(o.lines_and_fake);
            }
            e.len(self.line_skus.len());
            for &s in &self.line_skus {
                e.u32(s.index() as u32);
            }
            e.len(self.by_sku.len());
            for list in &self.by_sku {
                e.bool(list.sorted);
                e.len(list.lines.len());
                for Line {
                    hot: h,
                    warm: w,
                    ids,
                } in &list.lines
                {
                    e.timestamp(h.ordered_at);
                    e.u32(h.shop.index() as u32);
                    e.u32(h.paid_lag);
                    e.u32(h.recv_lag);
                    e.u32(h.quantity);
                    e.money(w.paid_amount);
                    e.money(w.already_paid);
                    e.u32(w.returned);
                    e.u32(w.protected);
                    e.u32(ids.order.index() as u32);
                    // the timeline bit is rebuilt from the timelines read
                    e.u32(ids.line_bits & !TIMELINE_BIT);
                }
                let mut shares: Vec<_> = list.rare.iter().flat_map(|r| &r.shares).collect();
                shares.sort_unstable_by_key(|(k, _)| **k);
                e.len(shares.len());
                for (&k, &(total, platform)) in shares {
                    e.u64(k);
                    e.money(total);
                    e.money(platform);
                }
            }
            e.len(self.policies.len());
            for p in &self.policies {
                e.bool(p.is_some());
                let Some(p) = p else { continue };
                e.timestamp(p.at);
                e.str(&p.event_id);
                e.bool(p.active.is_some());
                if let Some(a) = &p.active {
                    e.i64(a.window_secs);
                    e.json(&a.anchor);
                    e.bool(a.deduct);
                    e.u8(a.counted.bits());
                }
            }
            e.i64(self.longest_window);
            e.i64(self.largest_lag);
            e.len(self.pending_receipts.len());
            for &(o, lag) in &self.pending_receipts {
                e.u32(o.index() as u32);
                e.u32(lag);
            }
            e.len(self.pending.len());
            for p in &self.pending {
                e.json(p);
            }
            e.len(self.pending_skus.len());
            for &s in &self.pending_skus {
                e.u32(s.index() as u32);
            }
            let mut refunds: Vec<_> = self.refund_skus.iter().collect();
            refunds.sort_unstable();
            e.len(refunds.len());
            for (r, &s) in refunds {
                e.str(r);
                e.u32(s.index() as u32);
            }
            let mut verdicts: Vec<_> = self.verdicts.iter().collect();
            verdicts.sort_unstable_by_key(|(o, _)| **o);
            e.len(verdicts.len());
            for (&o, (at, id)) in verdicts {
                e.u32(o.index() as u32);
                e.timestamp(*at);
                e.str(id);
            }
        }

        /// Reads what [`ProtectionBook::write_snapshot`] wrote, checking every index.
        pub(crate) fn read_snapshot(d: &mut Dec<'_>) -> Result<ProtectionBook> {
            let order_ids = Interner::<OrderId>::read_snapshot(d)?;
            let skus = Interner::<SkuId>::read_snapshot(d)?;
            let shops = Interner::<ShopId>::read_snapshot(d)?;
            let n = d.count(16)?;
            if n != order_ids.len() {
                return Err(d.invalid(format!(
                    "{n} order records for {} order ids",
                    order_ids.len()
                )));
            }
            let mut orders = Table::<OrderId, _>::with_capacity(n);
            for _ in 0..n {
                orders.push(OrderRec {
                    ordered_at: d.event_time()?,
                    first: d.u32()?,
                    lines_and_fake: d.u32()?,
                });
            }
            let line_skus: Vec<SkuId> = d.u32s()?.into_iter().map(SkuId::from_index).collect();
            for o in &orders {
                if o.first as u64 + o.n_lines() as u64 > line_skus.len() as u64 {
                    return Err(d.invalid("an order's lines run past the lines held"));
                }
            }
            let n_lists = d.count(17)?;
            if n_lists > skus.len() {
                return Err(d.invalid(format!("{n_lists} SKU lists for {} SKUs", skus.len())));
            }
            if let Some(&bad) = line_skus.iter().find(|&&s| s.index() >= n_lists) {
                return Err(d.invalid(format!(
                    "line SKU {} has no list (0..{n_lists})",
                    bad.index()
                )));
            }
            let mut by_sku = Table::<SkuId, _>::with_capacity(n_lists);
            for _ in 0..n_lists {
                let sorted = d.bool()?;
                let lines = d.count(56)?;
                let mut list = SkuLines {
                    lines: Vec::with_capacity(lines),
                    rare: None,
                    sorted,
                };
                for _ in 0..lines {
                    let hot = Hot {
                        ordered_at: d.event_time()?,
                        shop: ShopId::from_index(d.handle(shops.len(), "shop")?),
                        paid_lag: d.u32()?,
                        recv_lag: d.u32()?,
                        quantity: d.u32()?,
                    };
                    let warm = Warm {
                        paid_amount: d.non_negative_money()?,
                        already_paid: d.non_negative_money()?,
                        refunded: Money::ZERO,
                        returned: d.u32()?,
                        protected: d.u32()?,
                    };
                    let ids = Ids {
                        order: OrderId::from_index(d.handle(orders.len(), "order")?),
                        line_bits: d.u32()?,
                    };
                    if ids.has_timeline() {
                        return Err(d.invalid("a line record carries the timeline bit"));
                    }
                    if hot.quantity == 0
                        || warm.returned > hot.quantity
                        || warm.protected > hot.quantity
                        || warm.already_paid > warm.paid_amount
                    {
                        return Err(d.invalid("a line's history is outside its quantity or amount"));
                    }
                    list.lines.push(Line { hot, warm, ids });
                }
                if sorted && (1..lines).any(|i| list.key(i - 1) > list.key(i)) {
                    return Err(d.invalid("a SKU list marked sorted is not"));
                }
                let n_shares = d.count(24)?;
                let mut prev = None;
                for _ in 0..n_shares {
                    let k = d.u64()?;
                    if prev.is_some_and(|p| p >= k) {
                        return Err(d.invalid("platform shares not sorted"));
                    }
                    prev = Some(k);
                    // (all discounts, the platform-funded part of them)
                    let v = (d.non_negative_money()?, d.non_negative_money()?);
                    if v.1 > v.0 {
                        return Err(d.invalid("a platform share larger than the line's discounts"));
                    }
                    list.rare_mut().shares.insert(k, v);
                }
                by_sku.push(list);
            }
            let n_policies = d.count(1)?;
            if n_policies > shops.len() {
                return Err(d.invalid(format!("{n_policies} policies for {} shops", shops.len())));
            }
            let mut policies = Table::<ShopId, _>::with_capacity(n_policies);
            for _ in 0..n_policies {
                if !d.bool()? {
                    policies.push(None);
                    continue;
                }
                let at = d.event_time()?;
                let event_id = d.str()?.into();
                let active = if d.bool()? {
                    let window_secs = d.i64()?;
                    if window_secs % DAY != 0 || check_days(window_secs / DAY).is_err() {
                        return Err(d.invalid(format!("policy window of {window_secs} s")));
                    }
                    let anchor = d.json()?;
                    let deduct = d.bool()?;
                    let bits = d.u8()?;
                    let counted = PromotionSet::from_bits(bits)
                        .ok_or_else(|| d.invalid(format!("promotion set {bits:#x}")))?;
                    Some(ActivePolicy {
                        window_secs,
                        anchor,
                        deduct,
                        counted,
                    })
                } else {
                    None
                };
                policies.push(Some(ShopPolicy {
                    at,
                    event_id,
                    active,
                }));
            }
            let longest_window = d.i64()?;
            let largest_lag = d.i64()?;
            if !(0..=3650 * DAY).contains(&longest_window)
                || !(0..=i64::from(u32::MAX)).contains(&largest_lag)
            {
                return Err(d.invalid("scan bounds out of range"));
            }
            let n_receipts = d.count(8)?;
            let mut pending_receipts = Vec::with_capacity(n_receipts);
            for _ in 0..n_receipts {
                let o = OrderId::from_index(d.handle(orders.len(), "order")?);
                pending_receipts.push((o, d.u32()?));
            }
            let n_drops = d.count(8)?;
            let mut pending = Vec::with_capacity(n_drops);
            for _ in 0..n_drops {
                let p: PriceChange = d.json()?;
                Event::PriceChange(p.clone())
                    .validate()
                    .map_err(|e| d.invalid(format!("queued drop: {e}")))?;
                pending.push(p);
            }
            let pending_skus = d.u32s()?;
            if pending_skus.len() != pending.len()
                || pending_skus.iter().any(|&s| s as usize >= skus.len())
            {
                return Err(d.invalid("queued drops and their SKUs out of step"));
            }
            let pending_skus: Vec<SkuId> =
                pending_skus.into_iter().map(SkuId::from_index).collect();
            let n_refunds = d.count(12)?;
            let mut refund_skus = FastMap::default();
            let mut prev: Option<&str> = None;
            for _ in 0..n_refunds {
                let r = d.str()?;
                if prev.is_some_and(|p| p >= r) {
                    return Err(d.invalid("refund SKUs not sorted"));
                }
                prev = Some(r);
                refund_skus.insert(r.into(), SkuId::from_index(d.handle(skus.len(), "SKU")?));
            }
            let n_verdicts = d.count(20)?;
            let mut verdicts = FastMap::default();
            let mut prev = None;
            for _ in 0..n_verdicts {
                let o = OrderId::from_index(d.handle(orders.len(), "order")?);
                if prev.is_some_and(|p| p >= o) {
                    return Err(d.invalid("verdicts not sorted"));
                }
                prev = Some(o);
                verdicts.insert(o, (d.event_time()?, d.str()?.into()));
            }
            Ok(ProtectionBook {
                funding: Funding::default(),
                order_ids,
                skus,
                shops: ShopNumbers::Own(shops),
                orders,
                line_skus,
                by_sku,
                policies,
                longest_window,
                largest_lag,
                pending_receipts,
                pending,
                pending_skus,
                refund_skus,
                verdicts,
            })
        }

        /// Hands the numbering of a book just read over to its engine, whose
        /// shop ledger knows the shop `name` as `number(name)`: every line's
        /// and policy's shop is renumbered where the two differ (a file
        /// written before the book took the ledger's numbers, or a ledger
        /// that numbers shops only a chat named in between). A shop the
        /// ledger lacks is refused.
        pub(crate) fn number_shops_by(
            &mut self,
            number: impl Fn(&str) -> Option<ShopId>,
        ) -> std::result::Result<(), String> {
            let ShopNumbers::Own(names) = &self.shops else {
                return Ok(());
            };
            let mut to = Table::<ShopId, ShopId>::default();
            for name in names.names() {
                to.push(number(name).ok_or_else(|| {
                    format!(
                        "shop `{}` is in the book, not in the ledger",
                        name.escape_debug()
                    )
                })?);
            }
            if to.enumerate().any(|(ours, &theirs)| ours != theirs) {
                for list in &mut self.by_sku {
                    for line in &mut list.lines {
                        line.hot.shop = to[line.hot.shop];
                    }
                }
                let held = std::mem::take(&mut self.policies);
                for (s, p) in held.enumerate() {
                    if p.is_some() {
                        *self.policies.grow_to(to[s], || None) = p.clone();
                    }
                }
            }
            self.shops = ShopNumbers::Engine;
            Ok(())
        }

        /// Writes every line's dated history (section `book_timelines`):
        /// per SKU list, the timelines sorted by (order, line), each fact
        /// as time, kind (0 refund, 1 return, 2 payout), amount or units,
        /// and for a payout its units and deduct flag.
        pub(crate) fn write_timelines_snapshot(&self, e: &mut Enc) {
            e.len(self.by_sku.len());
            for list in &self.by_sku {
                let mut lines: Vec<_> = list.rare.iter().flat_map(|r| &r.timelines).collect();
                lines.sort_unstable_by_key(|(k, _)| **k);
                e.len(lines.len());
                for (&k, tl) in lines {
                    e.u64(k);
                    e.len(tl.facts().len());
                    for f in tl.facts() {
                        // the start of time as format 1.6 has always written it
                        match f.at {
                            Timestamp::MIN => e.i64(i64::MIN),
                            at => e.timestamp(at),
                        }
                        match f.kind {
                            FactKind::Refund(m) => {
                                e.u8(0);
                                e.money(m);
                            }
                            FactKind::Return(u) => {
                                e.u8(1);
                                e.i64(i64::from(u));
                            }
                            FactKind::Payout {
                                amount,
                                units,
                                deduct,
                            } => {
                                e.u8(2);
                                e.money(amount);
                                e.u32(units);
                                e.bool(deduct);
                            }
                        }
                    }
                }
            }
        }

        /// Reads what [`ProtectionBook::write_timelines_snapshot`] wrote
        /// into a book just read, checking every line key and amount, and
        /// sets each line's running totals from its timeline.
        pub(crate) fn read_timelines_snapshot(&mut self, d: &mut Dec<'_>) -> Result<()> {
            let n_lists = d.count(8)?;
            if n_lists != self.by_sku.len() {
                return Err(d.invalid(format!(
                    "{n_lists} timeline lists for {} SKU lists",
                    self.by_sku.len()
                )));
            }
            for s in self.by_sku.handles() {
                let n = d.count(16)?;
                let mut prev = None;
                let at: FastMap<u64, usize> = if n == 0 {
                    FastMap::default()
                } else {
                    let lines = &self.by_sku[s].lines;
                    (lines.iter().enumerate())
                        .map(|(i, l)| (share_key(l.ids), i))
                        .collect()
                };
                for _ in 0..n {
                    let k = d.u64()?;
                    if prev.is_some_and(|p| p >= k) {
                        return Err(d.invalid("timelines not sorted"));
                    }
                    prev = Some(k);
                    let list = &mut self.by_sku[s];
                    let Some(&i) = at.get(&k) else {
                        return Err(
                            d.invalid(format!("a timeline for line {k:#x}, not in its SKU list"))
                        );
                    };
                    let (q, paid) = (list.lines[i].hot.quantity, list.lines[i].warm.paid_amount);
                    let mut tl = Timeline::default();
                    for _ in 0..d.count(17)? {
                        // an event's time, or the very start for what a
                        // line held before its first dated fact
                        // (`Timeline::seeded`)
                        // (written as `i64::MIN` before `Timestamp` had a range)
                        let when = match d.i64()? {
                            i64::MIN => Timestamp::MIN,
                            secs => Timestamp::new(secs).map_err(|e| d.invalid(e.to_string()))?,
                        };
                        if when != Timestamp::MIN && !crate::event::is_event_time(when) {
                            return Err(
                                d.invalid(format!("time {when} outside the accepted times"))
                            );
                        }
                        let kind = match d.u8()? {
                            0 => FactKind::Refund(d.money()?),
                            1 => {
                                let u = d.i64()?;
                                let u = u32::try_from(u)
                                    .map_err(|_| d.invalid(format!("{u} units returned")))?;
                                FactKind::Return(u)
                            }
                            2 => FactKind::Payout {
                                amount: d.money()?,
                                units: d.u32()?,
                                deduct: d.bool()?,
                            },
                            k => return Err(d.invalid(format!("fact kind {k}"))),
                        };
                        let bad = match kind {
                            // a refund's whole amount may fall on one line:
                            // the walk keeps the line's total at its paid amount
                            FactKind::Refund(m) => m.is_negative(),
                            // returns may together pass the quantity (the
                            // walk takes each up to the units still held)
                            FactKind::Return(u) => u > q,
                            FactKind::Payout { amount, units, .. } => {
                                !(Money::ZERO..=paid).contains(&amount) || units > q
                            }
                        };
                        if bad {
                            return Err(
                                d.invalid("a dated fact outside its line's quantity or amount")
                            );
                        }
                        tl.insert(Fact { at: when, kind });
                    }
                    list.lines[i].ids.line_bits |= TIMELINE_BIT;
                    list.rare_mut().timelines.insert(k, tl);
                    list.settle(i);
                }
            }
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// A book of one order (two lines: `a` × 1 with a platform share of
        /// its discounts, `b` × 2), written after `damage` and read back.
        fn read_back(damage: impl FnOnce(&mut ProtectionBook)) -> Result<ProtectionBook> {
            let mut book = ProtectionBook::new();
            for l in [
                r#"{"type":"shop_profile","id":"s1","shop_id":"shop","at":1790000000,"category":"tv","price_protection":{"window_days":30}}"#,
                r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"shop","buyer_id":"b","category":"tv","lines":[{"sku":"a","quantity":1,"unit_price":10000},{"sku":"b","quantity":2,"unit_price":15000}],"discounts":[{"amount":4000,"funded_by":"platform"}],"paid_at":1790001000,"ship_by":1790002000}"#,
            ] {
                book.apply(&crate::parse_event(l).unwrap()).unwrap();
            }
            damage(&mut book);
            let mut e = Enc::default();
            book.write_snapshot(&mut e, &crate::ids::Interner::default());
            ProtectionBook::read_snapshot(&mut Dec::new(&e.buf, 0, "book"))
        }

        fn refusal(damage: impl FnOnce(&mut ProtectionBook)) -> String {
            read_back(damage).expect_err("refused").to_string()
        }

        /// States no event leads to are refused by name (a line of no
        /// units divided by zero, protection past a line's amount or a
        /// platform share past its discounts were walked as they came).
        #[test]
        fn impossible_line_states_are_refused() {
            assert!(read_back(|_| {}).is_ok());
            fn line(b: &mut ProtectionBook) -> &mut Line {
                &mut b.by_sku[SkuId::from_index(0)].lines[0]
            }
            let history = "a line's history is outside its quantity or amount";
            let err = refusal(|b| line(b).hot.quantity = 0);
            assert!(err.contains("`book`") && err.contains(history), "{err}");
            let err = refusal(|b| {
                let l = line(b);
                l.warm.already_paid = l.warm.paid_amount + Money::from(1);
            });
            assert!(err.contains(history), "{err}");
            let err = refusal(|b| {
                let shares = &mut b.by_sku[SkuId::from_index(0)].rare_mut().shares;
                let (_, v) = shares.iter_mut().next().expect("a platform share");
                *v = (v.1, v.0 + Money::from(1));
            });
            assert!(err.contains("a platform share larger than"), "{err}");
        }
    }
}
