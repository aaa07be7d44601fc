//! The real experience score (真实体验分): indicators, blocks, add-ons.
//!
//! Why computed per category at query time: an indicator's score depends on
//! its peers (shrinkage toward the category mean, percentile among peers),
//! so a shop is never scored alone. The counters make each shop's window a
//! short sum, so scoring every shop of a category is cheap. Floating-point
//! sums always run in shop-id order, so the same events give the same bits.

use crate::ids::ShopId;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::bonus::{AgentChats, BonusInput, IndicatorSample, TagCount, POINTS_SCALE};
use crate::config::{Config, IndicatorConfig, Measure};
use crate::counters::{sum, Counter, DaySums, WindowList, WindowSums};
use crate::engine::Engine;
use crate::error::Error;
use crate::event::Timestamp;
use crate::known::LaterOrders;
use crate::ledger::ShopState;
use crate::peers::{BlockScores, CategoryTotals, PeerScores, PeerStats, Peers, Stage};
use crate::rates::ProblemTally;
use crate::time::LocalDay;

/// Grade of the overall score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// At or above `grades.high`.
    High,
    /// At or above `grades.medium`.
    Medium,
    /// Below.
    Low,
}

impl Grade {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Grade::High => "high",
            Grade::Medium => "medium",
            Grade::Low => "low",
        }
    }
}

/// One sub-indicator of one shop.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorScore {
    /// Measure name.
    pub name: &'static str,
    /// Block name.
    pub block: Arc<str>,
    /// Raw value (rate 0..=1 or hours); `None` with no sample.
    pub value: Option<f64>,
    /// Value after shrinkage toward the category mean.
    pub adjusted: Option<f64>,
    /// Category mean (pooled).
    pub category_mean: Option<f64>,
    /// Sample size (the denominator of the raw value).
    pub sample: u64,
    /// Integer numerator of the raw value: `value = numerator / sample`
    /// (for durations, a sum of minutes, so `value = numerator / sample / 60` hours).
    pub numerator: u64,
    /// 0–5 score.
    pub score: f64,
    /// Configured weight inside the block.
    pub weight: f64,
    /// Weight after dropping unassessed siblings (0 when unassessed).
    pub effective_weight: f64,
    /// Points it adds to the overall score: block weight × effective weight × score.
    pub contribution: f64,
    /// Share of assessed category peers with a strictly lower score, 0..=1.
    pub percentile: Option<f64>,
    /// False when the sample is below the minimum.
    pub assessed: bool,
    /// First and last local day of its window (days since 1970-01-01).
    pub window: (i32, i32),
}

/// One block of one shop.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockScore {
    /// Block name.
    pub name: Arc<str>,
    /// Block weight.
    pub weight: f64,
    /// 0–5 score (the category's mean block score when not assessed).
    pub score: f64,
    /// True when at least one indicator was assessed.
    pub assessed: bool,
}

/// Whether an add-on was granted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "detail")]
pub enum AddOnStatus {
    /// Granted in full.
    Granted,
    /// Cut by a cap.
    Capped,
    /// Dropped: the rule failed or answered out of range.
    Dropped(String),
    /// Not earned (sample too small).
    NotAssessed,
}

/// One add-on item (附加分).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AddOn {
    /// `next_day_delivery` or the plugin's name.
    pub name: String,
    /// Points granted.
    pub points: f64,
    /// Points asked for before caps.
    pub requested: f64,
    /// Why.
    pub reason: String,
    /// Plugin flags (0 for built-ins).
    pub flags: u32,
    /// Granted, capped or dropped.
    pub status: AddOnStatus,
}

/// The problem-order rate of a shop.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProblemRate {
    /// Distinct problem orders.
    pub problem_orders: u64,
    /// Valid paid orders.
    pub valid_orders: u64,
    /// Orders with a product-family label.
    pub product: u64,
    /// Orders with a logistics-family label.
    pub logistics: u64,
    /// Orders with an after-sales-family label.
    pub after_sales: u64,
    /// problem / valid, 0 when no orders.
    pub rate: f64,
    /// Tmall display: percent, two decimals, truncated (`19.43%`).
    pub display: String,
    /// Category mean rate (pooled).
    pub category_mean: f64,
    /// Share of category peers with a strictly higher (worse) rate, 0..=1.
    pub percentile: Option<f64>,
}

/// A shop's score at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShopScore {
    /// Shop id.
    pub shop_id: Arc<str>,
    /// Category.
    pub category: Arc<str>,
    /// Overall 0–5 score, two decimals.
    pub overall: f64,
    /// Stars shown to buyers, rounded to halves.
    pub stars: f64,
    /// Grade.
    pub grade: Grade,
    /// Change of `overall` since the previous day.
    pub change: f64,
    /// The shop has too few valid orders: it gets the growth-stage default.
    pub growth_stage: bool,
    /// Weighted base before add-ons and penalties (unrounded).
    pub base: f64,
    /// Blocks.
    pub blocks: Vec<BlockScore>,
    /// Indicators.
    pub indicators: Vec<IndicatorScore>,
    /// Add-on items.
    pub add_ons: Vec<AddOn>,
    /// Points deducted for fake orders.
    pub fake_order_penalty: f64,
    /// Fake orders in the penalty window.
    pub fake_orders: u64,
    /// Valid paid orders in the growth-stage window.
    pub valid_orders: u64,
    /// Share of category peers with a strictly lower overall score, 0..=1.
    pub percentile: Option<f64>,
    /// The problem-order rate.
    pub problem_rate: ProblemRate,
}

/// Every shop's score, ranked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scoreboard {
    /// The moment scored (UTC seconds).
    pub as_of: Timestamp,
    /// Local day of `as_of`.
    pub day: i32,
    /// Shops by overall score, best first; ties by shop id.
    pub shops: Vec<ShopScore>,
}

/// Piecewise-linear map from a raw value to a 0–5 score.
///
/// `points` are ascending in `x` (as [`Config`] checks). Values at or
/// below the first point score its `y`, at or above the last (or NaN) the
/// last's; between, the segment `points[i]..=points[i + 1]` with `value <=
/// x1` interpolates. The segment is found by counting the inner points
/// below `value` rather than by a search loop: a live scoreboard scores
/// every indicator of every shop of a category whenever its mean moves,
/// and the search's exit branch, different for every value, mispredicted
/// often enough to stall those chains of divisions; the count is the same
/// work every time and the result is the same bits.
pub fn breakpoint_score(points: &[[f64; 2]], value: f64) -> f64 {
    let first = points[0];
    let last = points[points.len() - 1];
    if points.len() < 2 {
        return first[1];
    }
    let inner = &points[1..points.len() - 1];
    let i = inner.iter().filter(|p| p[0] < value).count();
    let ([x0, y0], [x1, y1]) = (points[i], points[i + 1]);
    let between = y0 + (y1 - y0) * (value - x0) / (x1 - x0);
    if value <= first[0] {
        first[1]
    } else if value >= last[0] || value.is_nan() {
        last[1]
    } else {
        between
    }
}

/// Most indicators a configuration can hold: each measure at most once.
pub(crate) const MAX_INDICATORS: usize = Measure::ALL.len();

/// The numerator and denominator counters of a measure, and the scale of their ratio.
fn measure_counters(m: Measure) -> (Counter, Counter, f64) {
    use Counter as C;
    match m {
        Measure::ProductNegativeRate => (C::ProblemProduct, C::ValidOrders, 1.0),
        Measure::GoodReviewRate => (C::GoodReviews, C::ReviewsCounted, 1.0),
        Measure::Pickup48hRate => (C::PickedUpInTime, C::PickupDue, 1.0),
        Measure::DeliveryHours => (C::DeliveryMinutes, C::Delivered, 1.0 / 60.0),
        Measure::ChatResponse3minRate => (C::ChatsAnsweredInTime, C::Chats, 1.0),
        Measure::ChatSatisfaction => (C::ChatsSatisfied, C::ChatsRated, 1.0),
        Measure::RefundDurationHours => (C::RefundMinutes, C::RefundsCompleted, 1.0 / 60.0),
        Measure::PlatformHelpRate => (C::PlatformHelp, C::ValidOrders, 1.0),
        Measure::NextDayDeliveryShare => (C::NextDayDelivered, C::Delivered, 1.0),
    }
}

/// The scale of a measure's ratio (minutes summed, hours shown).
pub(crate) fn measure_scale(m: Measure) -> f64 {
    measure_counters(m).2
}

/// Numerator and denominator of a measure over local days `from..=to`.
fn measure_parts(m: Measure, sums: &impl DaySums, from: LocalDay, to: LocalDay) -> (u64, u64) {
    let (num, den, _) = measure_counters(m);
    (sums.sum(from, to, num), sums.sum(from, to, den))
}

fn ratio(num: u64, den: u64, scale: f64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64 * scale)
}

/// Window `[T-lag-(w-1), T-lag]` of an indicator at local day `t`.
fn window(t: LocalDay, window_days: u32, lag_days: u32) -> (LocalDay, LocalDay) {
    let end = t.minus(lag_days as i32);
    (end.window_start(window_days), end)
}

pub(crate) fn round2(x: f64) -> f64 {
    round(x * 100.0) / 100.0
}

/// `x.round()` to the bit (halves away from zero, the sign of a zero
/// kept; a NaN stays a NaN), without a call: on baseline x86-64 (no SSE4.1 `roundsd`)
/// `f64::round` is a library function, and settling a live scoreboard
/// rounds five times per shop on one thread.
#[inline]
pub(crate) fn round(x: f64) -> f64 {
    // from 2^52 on every f64 is an integer (NaN and infinities stay too)
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    // toward zero, exact below 2^52; the difference is exact as well
    let whole = (x as i64 as f64).copysign(x);
    let fraction = x - whole;
    if fraction >= 0.5 {
        whole + 1.0
    } else if fraction <= -0.5 {
        whole - 1.0
    } else {
        whole
    }
}

/// What one shop's windows hold, before peers are considered: integers only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Raw {
    pub shop: ShopId,
    /// The scoring moment (facts up to it count).
    pub as_of: Timestamp,
    /// Local scoring day.
    pub t: LocalDay,
    /// Per configured indicator (block-major order): numerator and denominator.
    pub parts: [(u64, u64); MAX_INDICATORS],
    pub next_day: (u64, u64),
    pub valid_orders: u64,
    pub fake_orders: u64,
    pub problem: ProblemTally,
}

impl Raw {
    /// With the orders time alone made problems beyond the settled counters added.
    pub(crate) fn with_overdue(mut self, overdue: crate::rates::Overdue) -> Raw {
        self.problem.add_overdue(overdue);
        self
    }

    /// A settled `Raw` one day later: `delta` is [`Engine::settled_raw`]
    /// of the next day read through [`crate::counters::DayShift`] (each
    /// window's day entering minus its day leaving, wrapping), so the sums
    /// come out exact.
    pub(crate) fn shifted(&self, delta: &Raw) -> Raw {
        let add = |a: (u64, u64), b: (u64, u64)| (a.0.wrapping_add(b.0), a.1.wrapping_add(b.1));
        let mut parts = self.parts;
        for (p, d) in parts.iter_mut().zip(&delta.parts) {
            *p = add(*p, *d);
        }
        Raw {
            shop: delta.shop,
            as_of: delta.as_of,
            t: delta.t,
            parts,
            next_day: add(self.next_day, delta.next_day),
            valid_orders: self.valid_orders.wrapping_add(delta.valid_orders),
            fake_orders: self.fake_orders.wrapping_add(delta.fake_orders),
            problem: self.problem.wrapping_add(&delta.problem),
        }
    }
}

/// One indicator of one shop: its figures from the window's integers and
/// the category's pooled mean. The one place they are computed: the full
/// score and the live scoreboard both call it, so they agree to the bit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct IndicatorFigures {
    pub value: Option<f64>,
    pub adjusted: Option<f64>,
    pub score: f64,
    pub assessed: bool,
}

pub(crate) fn indicator_figures(
    ind: &IndicatorConfig,
    (num, den): (u64, u64),
    mean: Option<f64>,
) -> IndicatorFigures {
    let scale = measure_scale(ind.measure);
    let value = ratio(num, den, scale);
    // n·v is the numerator in the measure's unit: one division, not the
    // ratio's and then the shrinkage's (a live scoreboard scores every
    // indicator of a category again whenever its mean moves)
    let adjusted = match (value, mean) {
        (Some(_), Some(m)) => {
            Some((num as f64 * scale + ind.prior_weight * m) / (den as f64 + ind.prior_weight))
        }
        (v, _) => v,
    };
    IndicatorFigures {
        value,
        adjusted,
        score: adjusted.map_or(0.0, |v| breakpoint_score(&ind.breakpoints, v)),
        assessed: den >= ind.min_sample && value.is_some(),
    }
}

/// A block's score from its indicators' `(weight, score, assessed)` in
/// configured order: the weights of the assessed ones, renormalised to sum
/// to 1. Returns the assessed weights' sum (0: the block is not assessed)
/// and the score.
pub(crate) fn block_figures<I>(indicators: I) -> (f64, f64)
where
    I: Iterator<Item = (f64, f64, bool)>,
{
    // one pass, one division per block (not one per indicator)
    let (wsum, weighted) = indicators
        .filter(|&(_, _, assessed)| assessed)
        .fold((0.0, 0.0), |(wsum, weighted), (w, s, _)| {
            (wsum + w, weighted + w * s)
        });
    let score = if wsum > 0.0 { weighted / wsum } else { 0.0 };
    (wsum, score)
}

/// The base score: the growth-stage default, or the blocks' `(weight,
/// score)` weighted sum.
pub(crate) fn base_score(
    cfg: &Config,
    growth_stage: bool,
    blocks: impl Iterator<Item = (f64, f64)>,
) -> f64 {
    if growth_stage {
        cfg.growth_stage.default_score
    } else {
        blocks.map(|(w, s)| w * s).sum()
    }
}

/// The next-day delivery add-on of a shop's window: points asked for, and
/// whether the sample was large enough to earn any.
fn next_day_points(cfg: &Config, (nd, delivered): (u64, u64)) -> (f64, bool) {
    let assessed = delivered >= cfg.add_ons.next_day_min_sample && delivered > 0;
    let points = if assessed {
        cfg.add_ons.next_day_delivery_points * nd as f64 / delivered as f64
    } else {
        0.0
    };
    (points, assessed)
}

/// Points granted to the next add-on in listing order, given what is left
/// of the total cap (and takes them from it).
fn within_total_cap(points: f64, room: &mut f64) -> f64 {
    let granted = if points > *room {
        room.max(0.0)
    } else {
        points
    };
    *room -= granted;
    granted
}

/// Points of every add-on together, in listing order.
fn add_on_total(points: impl Iterator<Item = f64>) -> f64 {
    points.fold(0.0, |acc, p| acc + p)
}

/// The fake-order penalty of a shop's window.
pub(crate) fn fake_order_penalty(cfg: &Config, fake_orders: u64) -> f64 {
    let fp = &cfg.fake_order_penalty;
    if fp.min_fake_orders > 0 && fake_orders >= fp.min_fake_orders {
        fp.points
    } else {
        0.0
    }
}

/// Overall score, two decimals, from the base, the add-on points and the penalty.
pub(crate) fn overall_score(base: f64, add: f64, penalty: f64) -> f64 {
    round2((base + add - penalty).clamp(0.0, 5.0))
}

/// Stars (halves) and grade of an overall score.
pub(crate) fn stars_and_grade(cfg: &Config, overall: f64) -> (f64, Grade) {
    let grade = if overall >= cfg.grades.high {
        Grade::High
    } else if overall >= cfg.grades.medium {
        Grade::Medium
    } else {
        Grade::Low
    };
    (round(overall * 2.0) / 2.0, grade)
}

/// Whether a scoreboard computes each shop's change since yesterday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Scored twice: at `as_of` and a day earlier, as known then.
    SinceYesterday,
    /// Scored once; `change` is 0.
    Omitted,
}

impl Engine {
    pub(crate) fn indicator_configs(&self) -> impl Iterator<Item = (usize, &IndicatorConfig)> {
        self.cfg()
            .blocks
            .iter()
            .enumerate()
            .flat_map(|(b, block)| block.indicators.iter().map(move |i| (b, i)))
    }

    /// Window sums ready for every window a shop's [`Raw`] at `as_of`
    /// reads: listed by computing one shop's `Raw` against a [`WindowList`].
    pub(crate) fn window_sums(&self, as_of: Timestamp) -> WindowSums {
        let Some((first, shop)) = self.ledger().shops.enumerate().next() else {
            return WindowSums::default();
        };
        let list = WindowList::default();
        self.raw_from(shop, first, as_of, &list);
        WindowSums::for_windows(list.into_windows())
    }

    /// The day rows a move of every window to `as_of` reads (see
    /// [`crate::counters::DayShift`]): each window's last day and the day
    /// before its first, once each, ascending.
    pub(crate) fn shift_days(&self, as_of: Timestamp) -> Vec<LocalDay> {
        let Some((first, shop)) = self.ledger().shops.enumerate().next() else {
            return Vec::new();
        };
        let list = WindowList::default();
        self.raw_from(shop, first, as_of, &list);
        let mut days: Vec<LocalDay> = (list.into_windows().into_iter())
            .flat_map(|(from, to)| [from.minus(1), to])
            .collect();
        days.sort_unstable();
        days.dedup();
        days
    }

    /// A shop's windows at `later.t`, read through `sums` (made by
    /// [`Engine::window_sums`] for the same moment, refilled here).
    /// Facts up to that moment count (see [`crate::known`]); `later` holds
    /// the shop's orders with a fact after it.
    fn raw(&self, shop_idx: ShopId, later: &LaterOrders, sums: &mut WindowSums) -> Raw {
        let shop = self.shop_known_given(shop_idx, later.t, later.of_shop(self, shop_idx));
        sums.fill(&shop.days);
        self.raw_from(&shop, shop_idx, later.t, sums)
    }

    /// The windows at `as_of` of `shop` (number `shop_idx`), from whatever
    /// answers its window sums.
    pub(crate) fn raw_from(
        &self,
        shop: &ShopState,
        shop_idx: ShopId,
        as_of: Timestamp,
        sums: &impl DaySums,
    ) -> Raw {
        let from = (self.clock().day(as_of)).window_start(self.cfg().problems.window_days);
        let overdue = self.overdue(shop, sums, from, as_of);
        self.settled_raw(shop_idx, as_of, sums)
            .with_overdue(overdue)
    }

    /// A shop's windows at `as_of` from whole days of counters only (see
    /// [`Engine::settled_tally`]); every field is one window sum, so the
    /// windows' one-day change read through [`crate::counters::DayShift`]
    /// adds to it exactly ([`Raw::shifted`]).
    pub(crate) fn settled_raw(
        &self,
        shop_idx: ShopId,
        as_of: Timestamp,
        sums: &impl DaySums,
    ) -> Raw {
        let t = self.clock().day(as_of);
        let cfg = self.cfg();
        let mut parts = [(0, 0); MAX_INDICATORS];
        for (slot, (_, ind)) in parts.iter_mut().zip(self.indicator_configs()) {
            let (from, to) = window(t, ind.window_days, ind.lag_days);
            *slot = measure_parts(ind.measure, sums, from, to);
        }
        let from = |days: u32| t.window_start(days);
        Raw {
            shop: shop_idx,
            as_of,
            t,
            parts,
            next_day: measure_parts(
                Measure::NextDayDeliveryShare,
                sums,
                from(cfg.add_ons.next_day_window_days),
                t,
            ),
            valid_orders: sums.sum(from(cfg.growth_stage.window_days), t, Counter::ValidOrders),
            fake_orders: sums.sum(
                from(cfg.fake_order_penalty.window_days),
                t,
                Counter::FakeOrders,
            ),
            problem: self.settled_tally(sums, from(cfg.problems.window_days), as_of),
        }
    }

    /// Scores every shop at `as_of`, ranked best first.
    pub fn scoreboard(&self, as_of: Timestamp) -> Scoreboard {
        self.scoreboard_with(as_of, Change::SinceYesterday)
    }

    /// [`Engine::scoreboard`], with or without the day-over-day change
    /// (which scores every category a second time, as known yesterday):
    /// early warnings read the standings only.
    pub(crate) fn scoreboard_with(&self, as_of: Timestamp, change: Change) -> Scoreboard {
        let all: Vec<ShopId> = self.ledger().shops.handles().collect();
        let mut shops = self.score_shops(&all, as_of, change);
        rank(&mut shops);
        Scoreboard {
            as_of,
            day: self.clock().day(as_of).get(),
            shops,
        }
    }

    /// Scores one shop at `as_of` (its category peers are scored alongside).
    pub fn score(&self, shop_id: &str, as_of: Timestamp) -> Result<ShopScore, Error> {
        let idx = self
            .find_shop(shop_id)
            .ok_or_else(|| Error::UnknownShop(shop_id.to_owned()))?;
        let scores = self.category_scores(idx, as_of, Change::SinceYesterday);
        Ok(scores
            .into_iter()
            .find(|s| &*s.shop_id == shop_id)
            .expect("the shop is among its peers"))
    }

    /// The scores of shop `idx`'s category at `as_of`, by shop id: the same
    /// as on the full scoreboard (categories are scored apart).
    pub(crate) fn category_scores(
        &self,
        idx: ShopId,
        as_of: Timestamp,
        change: Change,
    ) -> Vec<ShopScore> {
        let category = self.ledger().shops[idx].category();
        let peers: Vec<ShopId> = self
            .ledger()
            .shops
            .handles()
            .filter(|&s| self.ledger().shops[s].category() == category)
            .collect();
        self.score_shops(&peers, as_of, change)
    }

    /// Orders `shops` by (category, shop id) and cuts them into categories.
    pub(crate) fn category_groups(&self, shops: &[ShopId]) -> Vec<Vec<ShopId>> {
        let mut order: Vec<ShopId> = shops.to_vec();
        order.sort_unstable_by(|&a, &b| {
            let (a, b) = (&self.ledger().shops[a], &self.ledger().shops[b]);
            (a.category(), &*a.id).cmp(&(b.category(), &*b.id))
        });
        order
            .chunk_by(|&a, &b| {
                self.ledger().shops[a].category() == self.ledger().shops[b].category()
            })
            .map(<[ShopId]>::to_vec)
            .collect()
    }

    /// Scores `shops` (whole categories) at `as_of`, with the change since the day before.
    fn score_shops(&self, shops: &[ShopId], as_of: Timestamp, change: Change) -> Vec<ShopScore> {
        self.score_shops_keyed(shops, as_of, change).1
    }

    /// [`Engine::score_shops`], with each score's shop (the same order).
    pub(crate) fn score_shops_keyed(
        &self,
        shops: &[ShopId],
        as_of: Timestamp,
        change: Change,
    ) -> (Vec<ShopId>, Vec<ShopScore>) {
        // Categories are scored independently (peers never cross them), so
        // they run in parallel; each is computed the same way whatever thread
        // runs it, and results are put back in (category, shop id) order.
        let groups = self.category_groups(shops);
        (
            groups.concat(),
            self.score_groups(shops, &groups, as_of, change),
        )
    }

    /// Scores `groups` (`shops` by category, see [`Engine::category_groups`]),
    /// in their order.
    fn score_groups(
        &self,
        shops: &[ShopId],
        groups: &[Vec<ShopId>],
        as_of: Timestamp,
        change: Change,
    ) -> Vec<ShopScore> {
        let today = self.later_orders(shops, as_of);
        let yesterday = match change {
            Change::SinceYesterday => {
                Some(self.later_orders(shops, as_of.minus_secs(crate::time::DAY)))
            }
            Change::Omitted => None,
        };
        let (today, yesterday) = (&today, yesterday.as_ref());
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(groups.len())
            .max(1);
        if threads == 1 || shops.len() < 2_000 {
            return groups
                .iter()
                .flat_map(|g| self.score_group(g, today, yesterday))
                .collect();
        }
        // contiguous runs of groups with about the same number of shops each
        let per_thread = shops.len().div_ceil(threads);
        let mut runs: Vec<Vec<&[ShopId]>> = vec![Vec::new()];
        let mut filled = 0;
        for g in groups {
            if filled >= per_thread {
                runs.push(Vec::new());
                filled = 0;
            }
            filled += g.len();
            runs.last_mut().expect("one run at least").push(g);
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = runs
                .iter()
                .map(|run| {
                    scope.spawn(move || {
                        run.iter()
                            .flat_map(|g| self.score_group(g, today, yesterday))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("scoring does not panic"))
                .collect()
        })
    }

    /// Scores one category's shops (sorted by id) at `as_of`, with the change
    /// since the day before (unless omitted: `change` stays 0): the three rounds of [`crate::peers`] over the
    /// category itself.
    fn score_group(
        &self,
        group: &[ShopId],
        today: &LaterOrders,
        yesterday: Option<&LaterOrders>,
    ) -> Vec<ShopScore> {
        let mut today = self.score_day(group, today, true);
        let Some(yesterday) = yesterday else {
            return today;
        };
        let yesterday = self.score_day(group, yesterday, false);
        for (s, prev) in today.iter_mut().zip(&yesterday) {
            debug_assert_eq!(s.shop_id, prev.shop_id);
            s.change = round2(s.overall - prev.overall);
        }
        today
    }

    /// Scores one category's shops, given in id order, on `as_of`'s local day.
    fn score_day(
        &self,
        group: &[ShopId],
        later: &LaterOrders,
        with_percentiles: bool,
    ) -> Vec<ShopScore> {
        self.score_raws(&self.raws(group, later), with_percentiles)
    }

    /// Scores one category's shops from their windows (in shop id order):
    /// the three rounds of [`crate::peers`] over them.
    pub(crate) fn score_raws(&self, raws: &[Raw], with_percentiles: bool) -> Vec<ShopScore> {
        let totals = totals_of(raws.iter().copied(), self.indicator_configs().count());
        let mut shops = self.indicator_scores(raws, &totals);
        let blocks = BlockScores::of(&shops, self.cfg().blocks.len());
        self.finish_all(&mut shops, raws, &totals, &blocks);
        if with_percentiles {
            PeerScores::of(&shops).apply(&mut shops);
        }
        shops
    }

    /// The windows of `group`'s shops at `later.t` (`later` found for
    /// them, or for more shops).
    pub(crate) fn raws(&self, group: &[ShopId], later: &LaterOrders) -> Vec<Raw> {
        let mut sums = self.window_sums(later.t);
        group
            .iter()
            .map(|&s| self.raw(s, later, &mut sums))
            .collect()
    }

    /// Round `stage` of this engine's part of every category's statistics at
    /// `as_of`, given the earlier rounds combined over every part
    /// (`combined` may be empty for [`Stage::Totals`]).
    ///
    /// A distributed job splits the shops (each shop with all of its events)
    /// among engines, runs each round on every engine, merges the answers
    /// with [`crate::peers::merge_peers`], and finally calls
    /// [`Engine::scores_with_peers`]: the scores are exactly those of one
    /// engine holding every event. Call it for `as_of` and for
    /// `as_of - DAY` (the day-over-day change needs both).
    pub fn peer_stats(
        &self,
        as_of: Timestamp,
        stage: Stage,
        combined: &Peers,
    ) -> Result<Peers, Error> {
        let all: Vec<ShopId> = self.ledger().shops.handles().collect();
        let later = self.later_orders(&all, as_of);
        let mut out = Peers::new();
        for group in self.category_groups(&all) {
            let category = self.ledger().shops[group[0]].category();
            let raws = self.raws(&group, &later);
            let mut part = PeerStats::default();
            match stage {
                Stage::Totals => {
                    part.totals = totals_of(raws.iter().copied(), self.indicator_configs().count())
                }
                Stage::Blocks => {
                    let totals = &self
                        .stats_for(combined, category, Stage::Totals, group.len())?
                        .totals;
                    let shops = self.indicator_scores(&raws, totals);
                    part.blocks = BlockScores::of(&shops, self.cfg().blocks.len());
                }
                Stage::Percentiles => {
                    let known = self.stats_for(combined, category, Stage::Blocks, group.len())?;
                    let mut shops = self.indicator_scores(&raws, &known.totals);
                    self.finish_all(&mut shops, &raws, &known.totals, &known.blocks);
                    part.scores = PeerScores::of(&shops);
                }
            }
            out.insert(category.to_owned(), part);
        }
        Ok(out)
    }

    /// Scores every shop of this engine at `as_of` given every category's
    /// statistics combined over all parts, for `as_of` (all three rounds) and
    /// for the day before (totals and block scores). Ranked among this
    /// engine's shops; the rank over every part orders by overall score,
    /// best first, then by shop id. See [`Engine::peer_stats`].
    pub fn scores_with_peers(
        &self,
        as_of: Timestamp,
        today: &Peers,
        yesterday: &Peers,
    ) -> Result<Scoreboard, Error> {
        let all: Vec<ShopId> = self.ledger().shops.handles().collect();
        let later_today = self.later_orders(&all, as_of);
        let later_yesterday = self.later_orders(&all, as_of.minus_days(1));
        let mut out = Vec::with_capacity(all.len());
        for group in self.category_groups(&all) {
            let category = self.ledger().shops[group[0]].category();
            let now = self.stats_for(today, category, Stage::Percentiles, group.len())?;
            let before = self.stats_for(yesterday, category, Stage::Blocks, group.len())?;
            let raws = self.raws(&group, &later_today);
            let mut shops = self.indicator_scores(&raws, &now.totals);
            self.finish_all(&mut shops, &raws, &now.totals, &now.blocks);
            now.scores.apply(&mut shops);
            let raws = self.raws(&group, &later_yesterday);
            let mut prev = self.indicator_scores(&raws, &before.totals);
            self.finish_all(&mut prev, &raws, &before.totals, &before.blocks);
            for (s, p) in shops.iter_mut().zip(&prev) {
                s.change = round2(s.overall - p.overall);
            }
            out.extend(shops);
        }
        rank(&mut out);
        Ok(Scoreboard {
            as_of,
            day: self.clock().day(as_of).get(),
            shops: out,
        })
    }

    /// A category's combined statistics holding every round up to `need`,
    /// or an error naming the first round missing (a round skipped would
    /// otherwise score silently against empty statistics). `shops_here`:
    /// this engine's shops of the category, all of which the percentile
    /// values must include.
    fn stats_for<'a>(
        &self,
        peers: &'a Peers,
        category: &str,
        need: Stage,
        shops_here: usize,
    ) -> Result<&'a PeerStats, Error> {
        let missing = |missing| Error::MissingPeerStats {
            category: category.to_owned(),
            missing,
        };
        let stats = peers.get(category).ok_or_else(|| missing("totals"))?;
        if stats.totals.indicators.len() != self.indicator_configs().count() {
            return Err(missing("totals"));
        }
        if need != Stage::Totals && stats.blocks.assessed.len() != self.cfg().blocks.len() {
            return Err(missing("block scores"));
        }
        if need == Stage::Percentiles && stats.scores.overall.len() < shops_here {
            return Err(missing("percentile values"));
        }
        Ok(stats)
    }

    /// Round 2 for each shop: indicator and assessed block scores against
    /// the category's pooled means.
    pub(crate) fn indicator_scores(&self, raws: &[Raw], totals: &CategoryTotals) -> Vec<ShopScore> {
        let inds: Vec<(usize, &IndicatorConfig)> = self.indicator_configs().collect();
        let means = self.indicator_means(totals);
        raws.iter()
            .map(|raw| self.score_one(raw, &inds, &means))
            .collect()
    }

    /// The category's pooled mean of each configured indicator.
    pub(crate) fn indicator_means(&self, totals: &CategoryTotals) -> [Option<f64>; MAX_INDICATORS] {
        let mut means = [None; MAX_INDICATORS];
        for (i, (m, (_, ind))) in means.iter_mut().zip(self.indicator_configs()).enumerate() {
            *m = totals.indicator_mean(i, measure_scale(ind.measure));
        }
        means
    }

    /// Round 3 for each shop: unassessed blocks take the category's mean
    /// block score, then base, add-ons, penalty, overall, stars and grade.
    pub(crate) fn finish_all(
        &self,
        shops: &mut [ShopScore],
        raws: &[Raw],
        totals: &CategoryTotals,
        blocks: &BlockScores,
    ) {
        let cfg = self.cfg();
        for b in 0..cfg.blocks.len() {
            let mean = blocks.mean(b).unwrap_or(cfg.growth_stage.default_score);
            for s in shops.iter_mut().filter(|s| !s.blocks[b].assessed) {
                s.blocks[b].score = mean;
            }
        }
        let problem_mean = totals.problem_mean();
        for (s, raw) in shops.iter_mut().zip(raws) {
            self.finish(s, raw);
            s.problem_rate.category_mean = problem_mean;
        }
    }

    pub(crate) fn score_one(
        &self,
        raw: &Raw,
        inds: &[(usize, &IndicatorConfig)],
        means: &[Option<f64>],
    ) -> ShopScore {
        let cfg = self.cfg();
        let shop = &self.ledger().shops[raw.shop];
        let mut indicators = Vec::with_capacity(inds.len());
        for (i, &(b, ind)) in inds.iter().enumerate() {
            let f = indicator_figures(ind, raw.parts[i], means[i]);
            indicators.push(IndicatorScore {
                name: ind.measure.name(),
                block: self.block_names()[b].clone(),
                value: f.value,
                adjusted: f.adjusted,
                category_mean: means[i],
                sample: raw.parts[i].1,
                numerator: raw.parts[i].0,
                score: f.score,
                weight: ind.weight,
                effective_weight: 0.0,
                contribution: 0.0,
                percentile: None,
                assessed: f.assessed,
                window: {
                    let (from, to) = window(raw.t, ind.window_days, ind.lag_days);
                    (from.get(), to.get())
                },
            });
        }
        let mut blocks = Vec::with_capacity(cfg.blocks.len());
        for (b, block) in cfg.blocks.iter().enumerate() {
            let members = || {
                inds.iter()
                    .zip(&indicators)
                    .filter(move |((bb, _), _)| *bb == b)
                    .map(|(_, s)| (s.weight, s.score, s.assessed))
            };
            let (wsum, score) = block_figures(members());
            for ((bb, _), s) in inds.iter().zip(indicators.iter_mut()) {
                if *bb == b && s.assessed && wsum > 0.0 {
                    s.effective_weight = s.weight / wsum;
                    s.contribution = block.weight * s.effective_weight * s.score;
                }
            }
            blocks.push(BlockScore {
                name: self.block_names()[b].clone(),
                weight: block.weight,
                score,
                assessed: wsum > 0.0,
            });
        }
        let p = raw.problem;
        let rate = ratio(p.problem_orders, p.valid_orders, 1.0).unwrap_or(0.0);
        ShopScore {
            shop_id: shop.id.clone(),
            category: shop.category_arc(),
            overall: 0.0,
            stars: 0.0,
            grade: Grade::Low,
            change: 0.0,
            growth_stage: raw.valid_orders < cfg.growth_stage.min_valid_orders,
            base: 0.0,
            blocks,
            indicators,
            add_ons: Vec::new(),
            fake_order_penalty: 0.0,
            fake_orders: raw.fake_orders,
            valid_orders: raw.valid_orders,
            percentile: None,
            problem_rate: ProblemRate {
                problem_orders: p.problem_orders,
                valid_orders: p.valid_orders,
                product: p.product,
                logistics: p.logistics,
                after_sales: p.after_sales,
                rate,
                display: p.display(),
                category_mean: 0.0,
                percentile: None,
            },
        }
    }

    /// Base, add-ons, penalty, rounding, stars and grade.
    pub(crate) fn finish(&self, s: &mut ShopScore, raw: &Raw) {
        let cfg = self.cfg();
        s.base = base_score(
            cfg,
            s.growth_stage,
            s.blocks.iter().map(|b| (b.weight, b.score)),
        );
        s.add_ons = self.add_ons(raw, &s.category);
        s.fake_order_penalty = fake_order_penalty(cfg, raw.fake_orders);
        let add = add_on_total(s.add_ons.iter().map(|a| a.points));
        s.overall = overall_score(s.base, add, s.fake_order_penalty);
        (s.stars, s.grade) = stars_and_grade(cfg, s.overall);
    }

    /// Whether a shop's window puts it in the growth stage.
    pub(crate) fn growth_stage(&self, raw: &Raw) -> bool {
        raw.valid_orders < self.cfg().growth_stage.min_valid_orders
    }

    /// A shop's add-on items, capped in listing order. A growth-stage shop
    /// gets the default score, without add-ons (the fake-order penalty
    /// still applies).
    fn add_ons(&self, raw: &Raw, category: &Arc<str>) -> Vec<AddOn> {
        let cfg = self.cfg();
        if self.growth_stage(raw) {
            return Vec::new();
        }
        let (nd, delivered) = raw.next_day;
        let (points, assessed) = next_day_points(cfg, raw.next_day);
        let mut add_ons = vec![AddOn {
            name: "next_day_delivery".into(),
            points,
            requested: points,
            reason: if assessed {
                format!("{nd} of {delivered} orders delivered by the next day")
            } else {
                format!(
                    "{delivered} delivered orders, fewer than the {} needed",
                    cfg.add_ons.next_day_min_sample
                )
            },
            flags: 0,
            status: if assessed {
                AddOnStatus::Granted
            } else {
                AddOnStatus::NotAssessed
            },
        }];
        if !self.bonus_rules().is_empty() {
            let input = self.bonus_input(raw, category);
            for rule in self.bonus_rules() {
                if !rule.applies_to(category) {
                    continue;
                }
                add_ons.push(plugin_add_on(
                    rule.name(),
                    rule.bonus(&input),
                    cfg.plugin_cap(rule.name()),
                ));
            }
        }
        let mut room = cfg.add_ons.total_cap;
        for a in &mut add_ons {
            let granted = within_total_cap(a.points, &mut room);
            if granted != a.points && a.status == AddOnStatus::Granted {
                a.status = AddOnStatus::Capped;
            }
            a.points = granted;
        }
        add_ons
    }

    /// The add-on points a shop's window earns: what [`Engine::add_ons`]
    /// grants, without building the items when no bonus rule is loaded.
    pub(crate) fn add_on_points(&self, raw: &Raw) -> f64 {
        if !self.bonus_rules().is_empty() {
            let category = self.ledger().shops[raw.shop].category_arc();
            return add_on_total(self.add_ons(raw, &category).iter().map(|a| a.points));
        }
        if self.growth_stage(raw) {
            return add_on_total(std::iter::empty());
        }
        let mut room = self.cfg().add_ons.total_cap;
        let granted = within_total_cap(next_day_points(self.cfg(), raw.next_day).0, &mut room);
        add_on_total(std::iter::once(granted))
    }

    /// What a bonus rule sees of a shop: its window's integers and raw
    /// values (not the category-adjusted ones), its profile, tags and agents.
    fn bonus_input(&self, raw: &Raw, category: &Arc<str>) -> BonusInput {
        let shop = self.shop_known_at(raw.shop, raw.as_of);
        let days = self.cfg().add_ons.next_day_window_days;
        let (from, to) = (raw.t.window_start(days), raw.t);
        let profile = shop.profile.get().map(|p| &p.value);
        BonusInput {
            shop_id: shop.id.to_string(),
            category: category.to_string(),
            certifications: profile
                .map(|p| p.certifications.clone())
                .unwrap_or_default(),
            services: profile.map(|p| p.services.clone()).unwrap_or_default(),
            price_protection_days: profile
                .and_then(|p| p.price_protection.as_ref())
                .map(|pp| pp.window_days),
            platform_price_protection_days: self.cfg().platform_price_protection_days,
            valid_orders: raw.valid_orders,
            chat_sessions: shop.days.sum(from, to, Counter::Chats),
            indicators: self
                .indicator_configs()
                .zip(&raw.parts)
                .map(|((_, ind), &(num, den))| {
                    let value = ratio(num, den, measure_scale(ind.measure));
                    IndicatorSample {
                        name: ind.measure.name().to_owned(),
                        value: value.unwrap_or(0.0),
                        sample: den,
                        assessed: den >= ind.min_sample && value.is_some(),
                    }
                })
                .collect(),
            tags: shop
                .tags
                .iter()
                .map(|(tag, series)| {
                    let c = sum(series, from, to);
                    TagCount {
                        tag: self.catalog().tags.name(*tag).to_owned(),
                        orders: c[0],
                        delivered: c[1],
                        delivered_on_time: c[2],
                        refund_only: c[3],
                        problem_orders: c[4],
                    }
                })
                .filter(|t| t.orders > 0)
                .collect::<Vec<_>>()
                .sorted_by_name(|t| &t.tag),
            agent_chats: shop
                .agents
                .iter()
                .map(|(cert, series)| {
                    let c = sum(series, from, to);
                    AgentChats {
                        certification: self.catalog().certs.name(*cert).to_owned(),
                        sessions: c[0],
                        answered_within_3min: c[1],
                        total_response_secs: c[2],
                        satisfied: c[3],
                        rated: c[4],
                    }
                })
                .filter(|a| a.sessions > 0)
                .collect::<Vec<_>>()
                .sorted_by_name(|a| &a.certification),
        }
    }
}

/// Turns a bonus rule's untrusted answer into a capped add-on.
fn plugin_add_on(name: &str, answer: Result<crate::bonus::Bonus, String>, cap: f64) -> AddOn {
    match answer {
        Err(e) => AddOn {
            name: name.to_owned(),
            points: 0.0,
            requested: 0.0,
            reason: String::new(),
            flags: 0,
            status: AddOnStatus::Dropped(e),
        },
        Ok(b) if b.points < 0 || b.points > 5 * POINTS_SCALE => AddOn {
            name: name.to_owned(),
            points: 0.0,
            requested: b.points as f64 / POINTS_SCALE as f64,
            reason: b.reason,
            flags: b.flags,
            status: AddOnStatus::Dropped(format!(
                "points {} out of range 0..={}",
                b.points,
                5 * POINTS_SCALE
            )),
        },
        Ok(b) => {
            let requested = b.points as f64 / POINTS_SCALE as f64;
            let (points, status) = if requested > cap {
                (cap, AddOnStatus::Capped)
            } else {
                (requested, AddOnStatus::Granted)
            };
            AddOn {
                name: name.to_owned(),
                points,
                requested,
                reason: b.reason,
                flags: b.flags,
                status,
            }
        }
    }
}

/// Round 1 over one part of a category: its shops' integer sums.
pub(crate) fn totals_of(
    raws: impl IntoIterator<Item = Raw>,
    n_indicators: usize,
) -> CategoryTotals {
    let mut t = CategoryTotals {
        indicators: vec![(0, 0); n_indicators],
        ..CategoryTotals::default()
    };
    for r in raws {
        for (acc, p) in t.indicators.iter_mut().zip(&r.parts) {
            acc.0 += p.0;
            acc.1 += p.1;
        }
        t.problem_orders += r.problem.problem_orders;
        t.problem_valid_orders += r.problem.valid_orders;
    }
    t
}

/// Best first; ties by shop id.
pub(crate) fn rank(shops: &mut [ShopScore]) {
    // sort 32-byte keys, not the scores (hundreds of bytes each), then move
    // each score once: `order[k]` is the position of the score ranked `k`
    let mut keys: Vec<(f64, &str, u32)> = (shops.iter().enumerate())
        .map(|(i, s)| (s.overall, &*s.shop_id, i as u32))
        .collect();
    // shop ids are distinct: no two keys are equal
    keys.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let order: Vec<u32> = keys.into_iter().map(|(_, _, i)| i).collect();
    let mut placed = vec![false; shops.len()];
    for start in 0..shops.len() {
        // follow the cycle through `start`: each swap puts one score in place
        let mut k = start;
        while !placed[k] {
            placed[k] = true;
            let from = order[k] as usize;
            if from == start {
                break;
            }
            shops.swap(k, from);
            k = from;
        }
    }
}

/// Sorting a list by a name it carries (tags and certifications are kept by
/// handle; what a bonus rule sees is in name order).
trait SortedByName<T> {
    fn sorted_by_name(self, name: impl Fn(&T) -> &String) -> Vec<T>;
}

impl<T> SortedByName<T> for Vec<T> {
    fn sorted_by_name(mut self, name: impl Fn(&T) -> &String) -> Vec<T> {
        self.sort_by(|a, b| name(a).cmp(name(b)));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `round` gives `f64::round`'s bits: at and around every half, for
    /// zeros of both signs, huge values, infinities, and a sweep of values
    /// at every magnitude (a NaN stays a NaN).
    #[test]
    fn round_is_the_library_round_to_the_bit() {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            -4_503_599_627_370_497.0,
            1e300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for k in -600..600 {
            let half = k as f64 + 0.5;
            values.extend([half, half.next_up(), half.next_down(), k as f64 / 100.0]);
        }
        let mut bits = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            values.push(f64::from_bits(bits));
        }
        for x in values {
            if x.is_nan() {
                assert!(round(x).is_nan()); // (its payload is not kept)
            } else {
                assert_eq!(round(x).to_bits(), x.round().to_bits(), "{x:e}");
            }
        }
    }

    #[test]
    fn breakpoints_interpolate_and_clamp() {
        let bp = [[0.0, 5.0], [0.1, 3.0], [0.2, 0.0]];
        assert_eq!(breakpoint_score(&bp, -1.0), 5.0);
        assert!((breakpoint_score(&bp, 0.05) - 4.0).abs() < 1e-12);
        assert!((breakpoint_score(&bp, 0.15) - 1.5).abs() < 1e-12);
        assert_eq!(breakpoint_score(&bp, 9.0), 0.0);
    }

    /// The segment found by counting is the one the first point at or
    /// above the value closes, as a search from the left finds it: the
    /// same bits at the points themselves, between them, outside, for NaN
    /// and for lists of one to five points.
    #[test]
    fn breakpoints_count_to_the_segment_a_search_finds() {
        fn searched(points: &[[f64; 2]], value: f64) -> f64 {
            let (first, last) = (points[0], points[points.len() - 1]);
            if value <= first[0] {
                return first[1];
            }
            if value >= last[0] {
                return last[1];
            }
            for w in points.windows(2) {
                let ([x0, y0], [x1, y1]) = (w[0], w[1]);
                if value <= x1 {
                    return y0 + (y1 - y0) * (value - x0) / (x1 - x0);
                }
            }
            last[1]
        }
        let all: [[f64; 2]; 5] = [[0.5, 5.0], [0.8, 4.5], [0.9, 3.0], [0.95, 1.0], [1.0, 0.0]];
        for n in 1..=all.len() {
            let points = &all[..n];
            let mut values = vec![f64::NAN, f64::NEG_INFINITY, f64::INFINITY, -0.0];
            values.extend(
                points
                    .iter()
                    .flat_map(|p| [p[0], p[0].next_down(), p[0].next_up()]),
            );
            values.extend((0..=300).map(|k| k as f64 / 200.0));
            for v in values {
                assert_eq!(
                    breakpoint_score(points, v).to_bits(),
                    searched(points, v).to_bits(),
                    "{n} points, value {v}"
                );
            }
        }
    }

    #[test]
    fn windows_end_at_their_lag() {
        let d = |n| LocalDay::new(n).expect("a day in range");
        assert_eq!(window(d(100), 30, 0), (d(71), d(100)));
        assert_eq!(window(d(100), 30, 10), (d(61), d(90)));
    }

    #[test]
    fn untrusted_plugin_answers_are_dropped_or_capped() {
        use crate::bonus::Bonus;
        let ok = |points| {
            Ok(Bonus {
                points,
                flags: 0,
                reason: "r".into(),
            })
        };
        let a = plugin_add_on("p", ok(500), 0.1);
        assert_eq!((a.points, &a.status), (0.05, &AddOnStatus::Granted));
        let a = plugin_add_on("p", ok(20_000), 0.1);
        assert_eq!(
            (a.points, a.requested, &a.status),
            (0.1, 2.0, &AddOnStatus::Capped)
        );
        let a = plugin_add_on("p", ok(-1), 0.1);
        assert!(matches!(a.status, AddOnStatus::Dropped(_)) && a.points == 0.0);
        let a = plugin_add_on("p", ok(5 * POINTS_SCALE + 1), 0.1);
        assert!(matches!(a.status, AddOnStatus::Dropped(_)) && a.points == 0.0);
        let a = plugin_add_on("p", Err("boom".into()), 0.1);
        assert_eq!(a.status, AddOnStatus::Dropped("boom".into()));
    }
}
