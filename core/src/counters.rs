//! Per-shop, per-day counters and what each order contributes to them.
//!
//! Why: a score query must not rescan history. Each order contributes a
//! few increments to the counters of its shop on the day its indicator keys
//! on (payment day, review day, refund completion day). When an order's
//! state changes, the engine lists its increments before and after and
//! applies only the difference, so one event costs O(1) and a window is a
//! sum over at most its days.

use crate::order::OrderState;
use crate::problem::{self, Family, OpenDeadlines, Rules};
use crate::time::{Clock, LocalDay};

/// What a day's counters count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Counter {
    /// Valid (non-fake) paid orders, by payment day.
    ValidOrders,
    /// Fake orders, by payment day.
    FakeOrders,
    /// Orders picked up within the configured hours, by payment day.
    PickedUpInTime,
    /// Valid orders still due for pickup (not cancelled or refunded in full
    /// before it), by payment day: the pickup rate's denominator.
    PickupDue,
    /// Valid orders with no pickup known yet, by payment day.
    AwaitingPickup,
    /// Of those, orders with no other label (they turn into problem orders when late).
    AwaitingPickupNoLabel,
    /// Of those, orders with no other logistics label.
    AwaitingPickupNoLogisticsLabel,
    /// Delivered orders, by payment day.
    Delivered,
    /// Sum of payment-to-receipt minutes, by payment day.
    DeliveryMinutes,
    /// Delivered by the end of the next local day, by payment day.
    NextDayDelivered,
    /// Orders with a platform intervention, by payment day.
    PlatformHelp,
    /// Problem orders (time-independent labels), by payment day.
    ProblemOrders,
    /// Orders with a product-family label.
    ProblemProduct,
    /// Orders with a logistics-family label.
    ProblemLogistics,
    /// Orders with an after-sales-family label.
    ProblemAfterSales,
    /// Reviews counted (honest, within the per-buyer cap), by review day.
    ReviewsCounted,
    /// Of those, good reviews.
    GoodReviews,
    /// Chat sessions, by session day.
    Chats,
    /// Answered by a human in time.
    ChatsAnsweredInTime,
    /// Sessions with a satisfaction rating.
    ChatsRated,
    /// Satisfied sessions.
    ChatsSatisfied,
    /// Completed refunds with a known request, by completion day.
    RefundsCompleted,
    /// Sum of request-to-completion minutes.
    RefundMinutes,
}

/// Number of counters.
pub const COUNTERS: usize = Counter::RefundMinutes as usize + 1;

impl Counter {
    /// Every counter, in declaration order.
    pub const ALL: [Counter; COUNTERS] = {
        use Counter::*;
        [
            ValidOrders,
            FakeOrders,
            PickedUpInTime,
            PickupDue,
            AwaitingPickup,
            AwaitingPickupNoLabel,
            AwaitingPickupNoLogisticsLabel,
            Delivered,
            DeliveryMinutes,
            NextDayDelivered,
            PlatformHelp,
            ProblemOrders,
            ProblemProduct,
            ProblemLogistics,
            ProblemAfterSales,
            ReviewsCounted,
            GoodReviews,
            Chats,
            ChatsAnsweredInTime,
            ChatsRated,
            ChatsSatisfied,
            RefundsCompleted,
            RefundMinutes,
        ]
    };
}

/// One day's counters. `u32` per counter and day keeps a shop-day at 92
/// bytes; a day's sum of delivery minutes fits unless one shop delivers
/// over 800 000 orders in one day (the engine saturates, never wraps).
pub type DayCounters = [u32; COUNTERS];

/// Per-tag counters of one day: orders, delivered, on time, refund-only, problem.
pub type TagCounters = [u64; 5];

/// Per-certification chat counters of one day: sessions, in time, response secs, satisfied, rated.
pub type AgentCounters = [u64; 5];

/// A dense series of per-day values starting at `first`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaySeries<T> {
    first: LocalDay,
    items: Vec<T>,
}

impl<T: Default + Clone> DaySeries<T> {
    /// The slot of a day, growing the series as needed.
    pub fn slot(&mut self, day: LocalDay) -> &mut T {
        if self.items.is_empty() {
            self.first = day;
        }
        if day < self.first {
            let grow = self.first.days_since(day) as usize;
            self.items
                .splice(0..0, std::iter::repeat_n(T::default(), grow));
            self.first = day;
        }
        let i = day.days_since(self.first) as usize;
        if i >= self.items.len() {
            // grow by a fortnight, not by doubling: a shop's series grows a
            // day at a time, and doubling left up to half of it unused
            if i >= self.items.capacity() {
                self.items.reserve_exact(i + 1 - self.items.len() + 14);
            }
            self.items.resize(i + 1, T::default());
        }
        &mut self.items[i]
    }
}

impl<T> DaySeries<T> {
    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<T>()
    }

    /// The day `day`, if it exists.
    #[inline]
    pub fn at(&self, day: LocalDay) -> Option<&T> {
        self.items
            .get(usize::try_from(day.days_since(self.first)).ok()?)
    }

    /// The days `from..=to` that exist.
    pub fn range(&self, from: LocalDay, to: LocalDay) -> &[T] {
        if self.items.is_empty() || to < from {
            return &[];
        }
        // a series spans at most the days of its events (2000..2100)
        let last = self.first.plus(self.items.len() as i32 - 1);
        let lo = from.max(self.first);
        let hi = to.min(last);
        if lo > hi {
            return &[];
        }
        &self.items[lo.days_since(self.first) as usize..=hi.days_since(self.first) as usize]
    }
}

/// Sums element-wise the arrays of days `from..=to`.
pub fn sum<const N: usize>(series: &DaySeries<[u64; N]>, from: LocalDay, to: LocalDay) -> [u64; N] {
    let mut acc = [0u64; N];
    for day in series.range(from, to) {
        for (a, v) in acc.iter_mut().zip(day) {
            *a += v;
        }
    }
    acc
}

/// Sums one counter over the days `from..=to`.
pub fn sum_counter(days: &ShopDays, from: LocalDay, to: LocalDay, c: Counter) -> u64 {
    days.sum(from, to, c)
}

/// One day's counters in one of the widths [`ShopDays`] keeps them in.
pub trait DayRow: Copy + Default {
    /// Counter `c`'s value.
    fn get(&self, c: usize) -> u64;
    /// Adds `n` to counter `c`; false (nothing changed) when the sum does
    /// not fit this width.
    fn try_add(&mut self, c: usize, n: u32) -> bool;
    /// Subtracts `n` from counter `c`, saturating at zero.
    fn sub(&mut self, c: usize, n: u32);
}

/// A width whose values all fit 16 bits: summed over days in 32 bits, in
/// the row's own layout (a plain loop the compiler vectorises).
trait SixteenBitRow: DayRow {
    /// Where counter `c`'s value lies in that layout.
    const AT: [usize; COUNTERS];
    /// Adds every value to `acc`, in the row's layout.
    fn add_to(&self, acc: &mut [u32; COUNTERS]);
}

/// Counter `c` at `c`.
const IDENTITY: [usize; COUNTERS] = {
    let mut at = [0; COUNTERS];
    let mut c = 0;
    while c < COUNTERS {
        at[c] = c;
        c += 1;
    }
    at
};

/// The counters that sum minutes: hundreds to thousands a day for one
/// order, so they get 16 bits where the others get 8.
const MINUTES: [usize; 2] = [
    Counter::DeliveryMinutes as usize,
    Counter::RefundMinutes as usize,
];

/// Where counter `c` lives in a [`SmallRow`]: its index in `counts`, or
/// `COUNTERS + i` for `minutes[i]`.
const SMALL_AT: [usize; COUNTERS] = {
    let mut at = [0; COUNTERS];
    let (mut c, mut next) = (0, 0);
    while c < COUNTERS {
        if c == MINUTES[0] {
            at[c] = COUNTERS;
        } else if c == MINUTES[1] {
            at[c] = COUNTERS + 1;
        } else {
            at[c] = next;
            next += 1;
        }
        c += 1;
    }
    at
};

/// A day of a small shop: 8 bits per count, 16 per sum of minutes (26
/// bytes, against 46 in 16 bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SmallRow {
    counts: [u8; COUNTERS - 2],
    minutes: [u16; 2],
}

impl SixteenBitRow for SmallRow {
    /// Counts first, then the two sums of minutes.
    const AT: [usize; COUNTERS] = {
        let mut at = [0; COUNTERS];
        let mut c = 0;
        while c < COUNTERS {
            at[c] = if SMALL_AT[c] < COUNTERS {
                SMALL_AT[c]
            } else {
                SMALL_AT[c] - 2
            };
            c += 1;
        }
        at
    };

    #[inline]
    fn add_to(&self, acc: &mut [u32; COUNTERS]) {
        let (counts, minutes) = acc.split_at_mut(COUNTERS - 2);
        for (a, &v) in counts.iter_mut().zip(&self.counts) {
            *a += u32::from(v);
        }
        for (a, &v) in minutes.iter_mut().zip(&self.minutes) {
            *a += u32::from(v);
        }
    }
}

impl DayRow for SmallRow {
    #[inline]
    fn get(&self, c: usize) -> u64 {
        match SMALL_AT[c] {
            i if i < COUNTERS => u64::from(self.counts[i]),
            i => u64::from(self.minutes[i - COUNTERS]),
        }
    }

    #[inline]
    fn try_add(&mut self, c: usize, n: u32) -> bool {
        fn add<T: TryFrom<u32> + Copy>(
            slot: &mut T,
            n: u32,
            checked: fn(T, T) -> Option<T>,
        ) -> bool {
            match T::try_from(n).ok().and_then(|n| checked(*slot, n)) {
                Some(v) => {
                    *slot = v;
                    true
                }
                None => false,
            }
        }
        match SMALL_AT[c] {
            i if i < COUNTERS => add(&mut self.counts[i], n, u8::checked_add),
            i => add(&mut self.minutes[i - COUNTERS], n, u16::checked_add),
        }
    }

    #[inline]
    fn sub(&mut self, c: usize, n: u32) {
        match SMALL_AT[c] {
            i if i < COUNTERS => {
                let slot = &mut self.counts[i];
                *slot = slot.saturating_sub(u8::try_from(n).unwrap_or(u8::MAX));
            }
            i => {
                let slot = &mut self.minutes[i - COUNTERS];
                *slot = slot.saturating_sub(u16::try_from(n).unwrap_or(u16::MAX));
            }
        }
    }
}

impl SixteenBitRow for [u16; COUNTERS] {
    const AT: [usize; COUNTERS] = IDENTITY;

    #[inline]
    fn add_to(&self, acc: &mut [u32; COUNTERS]) {
        for (a, &v) in acc.iter_mut().zip(self) {
            *a += u32::from(v);
        }
    }
}

impl DayRow for [u16; COUNTERS] {
    #[inline]
    fn get(&self, c: usize) -> u64 {
        u64::from(self[c])
    }

    #[inline]
    fn try_add(&mut self, c: usize, n: u32) -> bool {
        match u16::try_from(n).ok().and_then(|n| self[c].checked_add(n)) {
            Some(v) => {
                self[c] = v;
                true
            }
            None => false,
        }
    }

    #[inline]
    fn sub(&mut self, c: usize, n: u32) {
        self[c] = self[c].saturating_sub(u16::try_from(n).unwrap_or(u16::MAX));
    }
}

impl DayRow for DayCounters {
    #[inline]
    fn get(&self, c: usize) -> u64 {
        u64::from(self[c])
    }

    /// Always fits: the widest form saturates at `u32::MAX`, as the
    /// counters always did.
    #[inline]
    fn try_add(&mut self, c: usize, n: u32) -> bool {
        self[c] = self[c].saturating_add(n);
        true
    }

    #[inline]
    fn sub(&mut self, c: usize, n: u32) {
        self[c] = self[c].saturating_sub(n);
    }
}

/// A shop's day counters in the narrowest of three widths every value
/// fits: 8 bits per count and 16 per sum of minutes, then 16 bits for all,
/// then 32 — a series is widened whole the first time a value does not fit.
///
/// Why: a shop-day holds 23 counters, and most shops see a few orders a
/// day, so the small form (26 bytes a day, 46 in 16 bits, 92 in 32) makes
/// the largest per-shop table about half as large (at 5M orders over 50k
/// shops: ~250 → ~140 MB); a busy shop pays for the width it needs.
/// Values are identical in every form: the widest saturates at `u32::MAX`
/// as the counters always did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShopDays {
    /// Every count fits in 8 bits and every sum of minutes in 16.
    Small(DaySeries<SmallRow>),
    /// Every value fits in 16 bits.
    Narrow(DaySeries<[u16; COUNTERS]>),
    /// At least one value needed more.
    Wide(DaySeries<DayCounters>),
}

/// `$body` with `$s` bound to the series, whatever its width.
macro_rules! each_width {
    ($days:expr, $s:ident => $body:expr) => {
        match $days {
            ShopDays::Small($s) => $body,
            ShopDays::Narrow($s) => $body,
            ShopDays::Wide($s) => $body,
        }
    };
}

impl Default for ShopDays {
    fn default() -> Self {
        ShopDays::Small(DaySeries::default())
    }
}

/// The series `s` in a width every value of it fits.
fn rewidth<A: DayRow, B: DayRow>(s: &DaySeries<A>) -> DaySeries<B> {
    let row = |a: &A| {
        let mut b = B::default();
        for c in 0..COUNTERS {
            let fits = b.try_add(c, u32::try_from(a.get(c)).unwrap_or(u32::MAX));
            debug_assert!(fits, "a wider row holds every value");
        }
        b
    };
    DaySeries {
        first: s.first,
        items: s.items.iter().map(row).collect(),
    }
}

impl ShopDays {
    /// Adds `n` to one counter of one day (saturating at `u32::MAX`).
    pub fn add(&mut self, day: LocalDay, c: Counter, n: u32) {
        while !each_width!(self, s => s.slot(day).try_add(c as usize, n)) {
            self.widen();
        }
    }

    /// Subtracts `n` from one counter of one day (saturating at zero).
    pub fn sub(&mut self, day: LocalDay, c: Counter, n: u32) {
        each_width!(self, s => s.slot(day).sub(c as usize, n))
    }

    /// One counter of one day (0 outside the series).
    #[inline]
    pub fn day(&self, day: LocalDay, c: Counter) -> u64 {
        each_width!(self, s => s.at(day).map_or(0, |row| row.get(c as usize)))
    }

    /// `reader` run over this series' [`DayShift`], in the series' own
    /// width (one dispatch, not one per counter read).
    #[inline]
    pub fn shifted<T: ShiftReader>(&self, reader: T) -> T::Output {
        each_width!(self, s => reader.read(&DayShift(s)))
    }

    /// Reads (for the caller to pass to `black_box`) where the rows lie
    /// and how many there are, so that reading a row next misses only on
    /// the row.
    #[inline]
    pub fn touch_series(&self) -> u64 {
        each_width!(self, s => (s.first.get() as u64).wrapping_add(s.items.len() as u64))
    }

    /// Reads (for the caller to pass to `black_box`) the first, a middle
    /// and the last value of day `day`'s row, whatever its width: every
    /// cache line a row of up to 128 bytes spans, so that a later read of
    /// any of its counters finds it in cache.
    #[inline]
    pub fn touch_row(&self, day: LocalDay) -> u64 {
        const SPREAD: [Counter; 3] = [
            Counter::ValidOrders,
            Counter::ProblemOrders,
            Counter::RefundMinutes,
        ];
        each_width!(self, s => s.at(day).map_or(0, |row| {
            SPREAD.iter().map(|&c| row.get(c as usize)).sum()
        }))
    }

    /// Sums one counter over the days `from..=to`.
    pub fn sum(&self, from: LocalDay, to: LocalDay, c: Counter) -> u64 {
        each_width!(self, s => s.range(from, to).iter().map(|d| d.get(c as usize)).sum())
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        each_width!(self, s => s.heap_bytes())
    }

    /// Moves the series to the next width (the widest stays).
    fn widen(&mut self) {
        *self = match self {
            ShopDays::Small(s) => ShopDays::Narrow(rewidth(s)),
            ShopDays::Narrow(s) => ShopDays::Wide(rewidth(s)),
            ShopDays::Wide(_) => return,
        };
    }
}

/// Sums of day counters over local days `from..=to`: the one question a
/// score asks of a shop's counters, answered by the counters themselves or
/// by a [`WindowSums`] filled from them.
pub trait DaySums {
    /// One counter summed over the days `from..=to`.
    fn sum(&self, from: LocalDay, to: LocalDay, c: Counter) -> u64;
}

impl DaySums for ShopDays {
    fn sum(&self, from: LocalDay, to: LocalDay, c: Counter) -> u64 {
        ShopDays::sum(self, from, to, c)
    }
}

/// Every counter of one shop summed over a fixed set of windows, each sum
/// two lookups.
///
/// Why: scoring a shop reads about twenty windowed sums (each indicator's
/// numerator and denominator with its own lag, the problem-order, growth
/// and penalty windows). Summing each over its days walked the same rows
/// again and again. The windows' ends are known before any shop is read
/// (they depend on the configuration and `as_of` only), so one pass over a
/// shop's days keeps the running totals at just those ends, and every
/// window is a subtraction. Integer sums: the same numbers as summing day
/// by day.
#[derive(Clone, Debug, Default)]
pub struct WindowSums {
    /// Every window's first day and the day after its last, ascending.
    bounds: Vec<LocalDay>,
    /// For each day `bounds[0] + i`, its index in `bounds` (`u16::MAX`: not a bound).
    index: Vec<u16>,
    /// `at[k]`: each counter summed over the days `bounds[0]..bounds[k]`.
    at: Vec<[u64; COUNTERS]>,
}

impl WindowSums {
    /// Sums for the windows `(from, to)` (inclusive local days; empty ones ignored).
    pub fn for_windows(windows: impl IntoIterator<Item = (LocalDay, LocalDay)>) -> Self {
        let mut bounds: Vec<LocalDay> = windows
            .into_iter()
            .filter(|&(from, to)| from <= to)
            .flat_map(|(from, to)| [from, to.plus(1)])
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let span = (bounds.last()).map_or(0, |&b| b.days_since(bounds[0]) as usize + 1);
        let mut index = vec![u16::MAX; span];
        for (k, &b) in bounds.iter().enumerate() {
            index[b.days_since(bounds[0]) as usize] = u16::try_from(k).unwrap_or(u16::MAX);
        }
        WindowSums {
            bounds,
            index,
            at: Vec::new(),
        }
    }

    /// The index of `day` among the bounds.
    fn bound(&self, day: LocalDay) -> Option<usize> {
        let i = usize::try_from(day.days_since(*self.bounds.first()?)).ok()?;
        let k = *self.index.get(i)?;
        (k != u16::MAX).then_some(k as usize)
    }

    /// Fills the running totals of `days` (reusing the buffer).
    pub fn fill(&mut self, days: &ShopDays) {
        self.at.clear();
        self.at.push([0; COUNTERS]);
        match days {
            ShopDays::Small(series) => self.fill_sixteen(series),
            ShopDays::Narrow(series) => self.fill_sixteen(series),
            ShopDays::Wide(series) => {
                let mut acc = [0u64; COUNTERS];
                for pair in self.bounds.windows(2) {
                    for row in series.range(pair[0], pair[1].minus(1)) {
                        for (a, &v) in acc.iter_mut().zip(row) {
                            *a += u64::from(v);
                        }
                    }
                    self.at.push(acc);
                }
            }
        }
    }

    /// [`WindowSums::fill`] for a width of 16-bit values, summed in 32
    /// bits: the bounds span at most 3,722 days (10-year windows, 60-day
    /// lags), and 3,722 × 65,535 fits.
    fn fill_sixteen<R: SixteenBitRow>(&mut self, series: &DaySeries<R>) {
        let mut acc = [0u32; COUNTERS];
        for pair in self.bounds.windows(2) {
            for row in series.range(pair[0], pair[1].minus(1)) {
                row.add_to(&mut acc);
            }
            self.at.push(R::AT.map(|i| u64::from(acc[i])));
        }
    }
}

impl DaySums for WindowSums {
    /// A window not among those it was made for reads as empty (a debug
    /// build stops there: the caller forgot to list it).
    fn sum(&self, from: LocalDay, to: LocalDay, c: Counter) -> u64 {
        if to < from {
            return 0;
        }
        match (self.bound(from), self.bound(to.plus(1))) {
            (Some(lo), Some(hi)) => self.at[hi][c as usize] - self.at[lo][c as usize],
            _ => {
                debug_assert!(false, "window {from}..={to} was not listed");
                0
            }
        }
    }
}

/// How each window of a shop's counters changes when it moves one day
/// later: the day entering minus the day leaving, as a wrapping difference
/// (added to the old sum, wrapping, it gives the new sum exactly). Reads
/// two days per window instead of the whole window. Made by
/// [`ShopDays::shifted`], for the series' own width.
#[derive(Clone, Copy, Debug)]
pub struct DayShift<'a, R>(&'a DaySeries<R>);

impl<R: DayRow> DaySums for DayShift<'_, R> {
    /// `from..=to` is the window after the move.
    #[inline]
    fn sum(&self, from: LocalDay, to: LocalDay, c: Counter) -> u64 {
        if to < from {
            return 0;
        }
        let day = |d: LocalDay| self.0.at(d).map_or(0, |row| row.get(c as usize));
        day(to).wrapping_sub(day(from.minus(1)))
    }
}

/// A computation over a shop's [`DayShift`], whatever its width (see
/// [`ShopDays::shifted`]).
pub trait ShiftReader {
    /// What it gives.
    type Output;
    /// Runs it over `shift`.
    fn read<S: DaySums>(self, shift: &S) -> Self::Output;
}

/// The windows a computation reads, listed by running it once against
/// this instead of real counters (every sum reads as 0).
#[derive(Debug, Default)]
pub struct WindowList(std::cell::RefCell<Vec<(LocalDay, LocalDay)>>);

impl WindowList {
    /// The windows read so far.
    pub fn into_windows(self) -> Vec<(LocalDay, LocalDay)> {
        self.0.into_inner()
    }
}

impl DaySums for WindowList {
    fn sum(&self, from: LocalDay, to: LocalDay, _: Counter) -> u64 {
        self.0.borrow_mut().push((from, to));
        0
    }
}

/// Flag of an awaiting-pickup entry: the order has no other label.
pub const AWAITING_NO_LABEL: u8 = 1;
/// Flag of an awaiting-pickup entry: the order has no other logistics label.
pub const AWAITING_NO_LOGISTICS_LABEL: u8 = 2;

/// One increment of an order: where it goes, on which local day, by how much.
pub type Increment = (Target, LocalDay, u64);

/// Where one increment goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A shop counter.
    Shop(Counter),
    /// The shop's list of orders awaiting a pickup, keyed by payment time,
    /// with `AWAITING_*` flags: it places the pickup deadline to the second.
    Awaiting(u8),
    /// A tag counter: index of the tag in the order's tag list, and the column.
    Tag(usize, usize),
    /// The shop's list of orders with open cases, keyed by payment time,
    /// with the moments they count as problems (see [`OpenDeadlines`]).
    Open(OpenDeadlines),
}

/// Calls `sink(target, day, amount)` for every increment this order
/// contributes. The engine lists them before and after a fact changes the
/// order and applies the difference (and takes them all out or puts them
/// all in when an order is replaced or recounted).
pub fn contributions(
    order: &OrderState,
    rules: Rules<'_>,
    clock: &Clock,
    mut sink: impl FnMut(Target, LocalDay, u64),
) {
    let cfg = rules.cfg;
    let pay_day = clock.day(order.paid_at);
    if order.is_fake() {
        sink(Target::Shop(Counter::FakeOrders), pay_day, 1);
        return;
    }
    macro_rules! shop {
        ($c:expr, $day:expr, $n:expr $(,)?) => {
            sink(Target::Shop($c), $day, $n)
        };
    }
    shop!(Counter::ValidOrders, pay_day, 1);

    let families = problem::families(order, rules);
    if !families.is_empty() {
        shop!(Counter::ProblemOrders, pay_day, 1);
    }
    for (f, c) in [
        (Family::Product, Counter::ProblemProduct),
        (Family::Logistics, Counter::ProblemLogistics),
        (Family::AfterSales, Counter::ProblemAfterSales),
    ] {
        if families.contains(f) {
            shop!(c, pay_day, 1);
        }
    }
    let pickup_due = problem::pickup_due(order, cfg);
    if pickup_due {
        shop!(Counter::PickupDue, pay_day, 1);
    }
    let mut awaiting = 0;
    match problem::picked_up_in_time(order, cfg).filter(|_| pickup_due) {
        Some(true) => shop!(Counter::PickedUpInTime, pay_day, 1),
        Some(false) => {}
        None if !pickup_due => {}
        None if problem::excuse(order, rules, problem::Reason::NoPickupInTime).is_some() => {
            // an appeal or an exclusion window took the missing pickup out:
            // it never becomes a label
            shop!(Counter::AwaitingPickup, pay_day, 1);
        }
        None => {
            shop!(Counter::AwaitingPickup, pay_day, 1);
            if families.is_empty() {
                shop!(Counter::AwaitingPickupNoLabel, pay_day, 1);
                awaiting |= AWAITING_NO_LABEL;
            }
            if !families.contains(Family::Logistics) {
                shop!(Counter::AwaitingPickupNoLogisticsLabel, pay_day, 1);
                awaiting |= AWAITING_NO_LOGISTICS_LABEL;
            }
            if awaiting != 0 {
                sink(Target::Awaiting(awaiting), pay_day, 1);
            }
        }
    }
    if let Some(open) = OpenDeadlines::of(order, rules, families, awaiting) {
        sink(Target::Open(open), pay_day, 1);
    }
    let mut on_time = false;
    if let Some(d) = order.delivered.get() {
        let minutes = d.at().secs_since(order.paid_at).max(0) as u64 / 60;
        shop!(Counter::Delivered, pay_day, 1);
        shop!(Counter::DeliveryMinutes, pay_day, minutes);
        if clock.day(d.at()) <= pay_day.plus(1) {
            shop!(Counter::NextDayDelivered, pay_day, 1);
        }
        on_time = order.deliver_by().is_none_or(|by| d.at() <= by);
    }
    if order.intervention().is_some() {
        shop!(Counter::PlatformHelp, pay_day, 1);
    }
    if let Some(r) = order.honest_review() {
        if order.review_counted {
            let day = clock.day(r.at());
            shop!(Counter::ReviewsCounted, day, 1);
            if i64::from(r.value.product) >= cfg.good_review_min_stars {
                shop!(Counter::GoodReviews, day, 1);
            }
        }
    }
    for case in order.refunds() {
        if let (Some(req), Some(done)) = (case.requested.get(), case.completed.get()) {
            let day = clock.day(done.at());
            shop!(Counter::RefundsCompleted, day, 1);
            shop!(
                Counter::RefundMinutes,
                day,
                done.at().secs_since(req.at()).max(0) as u64 / 60,
            );
        }
    }
    let refund_only = order.refunds().iter().any(|c| {
        c.requested
            .get()
            .is_some_and(|r| r.value.kind == crate::event::RefundKind::RefundOnly)
    });
    for t in 0..order.tags.len() {
        sink(Target::Tag(t, 0), pay_day, 1);
        if order.delivered.get().is_some() {
            sink(Target::Tag(t, 1), pay_day, 1);
        }
        if on_time {
            sink(Target::Tag(t, 2), pay_day, 1);
        }
        if refund_only {
            sink(Target::Tag(t, 3), pay_day, 1);
        }
        if !families.is_empty() {
            sink(Target::Tag(t, 4), pay_day, 1);
        }
    }
}

#[cfg(test)]
mod shop_days_tests {
    use super::*;

    /// Local day `n`.
    fn d(n: i32) -> LocalDay {
        LocalDay::new(n).expect("a day in range")
    }

    #[test]
    fn narrow_counters_widen_on_overflow_and_keep_every_value() {
        let mut days = ShopDays::default();
        days.add(d(10), Counter::ValidOrders, 3);
        days.add(d(12), Counter::DeliveryMinutes, 60_000);
        days.add(d(12), Counter::RefundMinutes, 65_535);
        assert!(matches!(days, ShopDays::Small(_)));
        days.add(d(11), Counter::ValidOrders, 250);
        days.add(d(11), Counter::ValidOrders, 5);
        assert!(matches!(days, ShopDays::Small(_)));
        days.add(d(11), Counter::ValidOrders, 1); // 256 > u8::MAX
        assert!(matches!(days, ShopDays::Narrow(_)));
        assert_eq!(days.sum(d(0), d(20), Counter::ValidOrders), 259);
        assert_eq!(days.day(d(12), Counter::RefundMinutes), 65_535);
        assert_eq!(days.day(d(12), Counter::DeliveryMinutes), 60_000);
        days.add(d(12), Counter::DeliveryMinutes, 6_000); // 66,000 > u16::MAX
        assert!(matches!(days, ShopDays::Wide(_)));
        assert_eq!(days.sum(d(0), d(20), Counter::DeliveryMinutes), 66_000);
        assert_eq!(days.sum(d(10), d(10), Counter::ValidOrders), 3);
        days.sub(d(12), Counter::DeliveryMinutes, 66_000);
        assert_eq!(days.sum(d(0), d(20), Counter::DeliveryMinutes), 0);
        days.add(d(9), Counter::ValidOrders, u32::MAX);
        days.add(d(9), Counter::ValidOrders, 5);
        assert_eq!(
            days.sum(d(9), d(9), Counter::ValidOrders),
            u64::from(u32::MAX)
        );
        let mut big = ShopDays::default();
        big.add(d(1), Counter::Chats, 70_000);
        assert_eq!(big.sum(d(1), d(1), Counter::Chats), 70_000);
        assert!(matches!(big, ShopDays::Wide(_)));
        // a small row holds every counter in its own place
        let mut small = SmallRow::default();
        for c in 0..COUNTERS {
            assert!(small.try_add(c, c as u32 + 1));
        }
        assert!((0..COUNTERS).all(|c| small.get(c) == c as u64 + 1));
        assert!(!small.try_add(0, 255));
        assert!(small.try_add(Counter::DeliveryMinutes as usize, 1_000));
        small.sub(1, 100);
        assert_eq!(small.get(1), 0);
        assert_eq!(std::mem::size_of::<SmallRow>(), 26);
    }

    #[test]
    fn every_counter_once_in_order() {
        for (i, c) in Counter::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
    }

    #[test]
    fn window_sums_equal_day_by_day_sums() {
        for width in 0..3 {
            let mut days = ShopDays::default();
            for (day, n) in [(5, 1), (7, 3), (8, 2), (12, 9)] {
                days.add(d(day), Counter::ValidOrders, n);
                days.add(d(day), Counter::Chats, n * 2);
                days.add(d(day), Counter::DeliveryMinutes, n * 3_000);
                days.add(d(day + 1), Counter::RefundMinutes, n * 500);
                days.add(d(day), Counter::ChatsSatisfied, n);
            }
            if width >= 1 {
                days.add(d(6), Counter::Chats, 1_000);
            }
            if width == 2 {
                days.add(d(6), Counter::DeliveryMinutes, 100_000);
            }
            let expected = match width {
                0 => matches!(days, ShopDays::Small(_)),
                1 => matches!(days, ShopDays::Narrow(_)),
                _ => matches!(days, ShopDays::Wide(_)),
            };
            assert!(expected, "width {width}");
            for &(a, b) in &[(5, 5), (6, 12), (-2, 3), (9, 30), (13, 14)] {
                for c in Counter::ALL {
                    struct Window(LocalDay, LocalDay, Counter);
                    impl ShiftReader for Window {
                        type Output = u64;
                        fn read<S: DaySums>(self, shift: &S) -> u64 {
                            shift.sum(self.0, self.1, self.2)
                        }
                    }
                    let moved = days
                        .sum(d(a - 1), d(b - 1), c)
                        .wrapping_add(days.shifted(Window(d(a), d(b), c)));
                    assert_eq!(moved, days.sum(d(a), d(b), c), "{a}..={b}");
                }
            }
            let windows: Vec<(LocalDay, LocalDay)> = (-3..20)
                .flat_map(|a| (a - 1..22).map(move |b| (d(a), d(b))))
                .collect();
            let mut w = WindowSums::for_windows(windows.iter().copied());
            w.fill(&days);
            for &(a, b) in &windows {
                for c in Counter::ALL {
                    assert_eq!(
                        DaySums::sum(&w, a, b, c),
                        days.sum(a, b, c),
                        "{a:?}..={b:?}"
                    );
                }
            }
        }
    }
}
