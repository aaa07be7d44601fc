//! The live scoreboard: every shop's standing, kept between queries and
//! refreshed from what changed.
//!
//! Why: a platform rescores every shop at least daily and wants ranks live
//! during the day. [`Engine::scoreboard`] builds every [`crate::ShopScore`]
//! (names, indicators, add-on reasons) for two days on each call; a ranking
//! service needs a few numbers per shop. The board keeps, for the scoring
//! day and the day before, each shop's window integers (`Raw`), add-on
//! points and overall score, laid out category by category. On a refresh
//! it recomputes the windows of the shops the ledger marked as touched
//! (only those), then the figures of their categories (their pooled sums
//! updated by the touched shops alone; but a pooled mean moves every
//! peer's shrinkage, so a category is redone whole, from the kept
//! integers, in O(its shops)); moving to the next day keeps today's
//! figures as yesterday's. Every number comes from the functions the full
//! score uses (`score.rs`), so both agree to the bit: a property test
//! compares them after random batches, moves of `as_of` and refreshes.

use crate::ids::{ShopId, Table};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::changes::{Standing, StandingChange};
use crate::config::IndicatorConfig;
use crate::counters::{DaySums, ShiftReader, WindowSums};
use crate::engine::Engine;
use crate::event::Timestamp;
use crate::ledger::ShopState;
use crate::peers::{order_free_mean, CategoryTotals};
use crate::rates::{OpenOverdue, Overdue};
use crate::score::{
    base_score, block_figures, fake_order_penalty, indicator_figures, overall_score, round, round2,
    stars_and_grade, totals_of, Grade, Raw, ShopScore, MAX_INDICATORS,
};
use crate::time::{LocalDay, DAY};

/// One shop's place on the live scoreboard.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LiveStanding {
    /// Overall 0–5 score, two decimals (as [`crate::ShopScore::overall`]).
    pub overall: f64,
    /// Stars shown to buyers.
    pub stars: f64,
    /// Grade.
    pub grade: Grade,
    /// Change of `overall` since the day before.
    pub change: f64,
    /// 1-based rank: overall score descending, then shop id.
    pub rank: u32,
    /// Share of category peers with a strictly lower overall score.
    pub percentile: Option<f64>,
    /// Too few valid orders: the growth-stage default score.
    pub growth_stage: bool,
}

impl LiveStanding {
    /// What a ranking consumer compares.
    pub fn standing(&self) -> Standing {
        Standing {
            overall: self.overall,
            stars: self.stars,
            grade: self.grade,
            rank: self.rank,
        }
    }
}

/// One shop of the live scoreboard, as handed out.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LiveShop<'a> {
    /// Shop id.
    pub shop_id: &'a str,
    /// Category.
    pub category: &'a str,
    /// Its standing.
    #[serde(flatten)]
    pub standing: &'a LiveStanding,
}

/// The live scoreboard after a refresh: read-only, ranked.
#[derive(Clone, Copy, Debug)]
pub struct LiveScoreboard<'a> {
    engine: &'a Engine,
}

impl<'a> LiveScoreboard<'a> {
    /// The moment scored.
    pub fn as_of(&self) -> Timestamp {
        self.engine.board.as_of
    }

    /// The board's version: bumped by every refresh that changed a standing
    /// (pass it to [`Engine::scoreboard_changes`] later).
    pub fn version(&self) -> u64 {
        self.engine.board.version
    }

    /// Number of shops.
    pub fn len(&self) -> usize {
        self.engine.board.ranked.len()
    }

    /// True with no shop.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every shop, best first.
    pub fn ranked(&self) -> impl ExactSizeIterator<Item = LiveShop<'a>> + 'a {
        let engine = self.engine;
        engine
            .board
            .ranked
            .iter()
            .map(move |&s| engine.live_shop(s))
    }

    /// One shop's standing.
    pub fn get(&self, shop_id: &str) -> Option<LiveShop<'a>> {
        let s = self.engine.ledger().find(shop_id)?;
        Some(self.engine.live_shop(s))
    }
}

/// The shops whose standing changed since a version of the live scoreboard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreboardChanges {
    /// The moment scored.
    pub as_of: Timestamp,
    /// The version now: pass it as `since` next time.
    pub version: u64,
    /// The version asked about (0 when it was above the version now: see
    /// [`Engine::scoreboard_changes`]).
    pub since: u64,
    /// Shops whose overall score, stars, grade or rank changed after
    /// `since` (or that are new), in rank order. `before` is the standing
    /// just before the shop's latest change (the one at `since` when the
    /// consumer asks after every refresh).
    pub changes: Vec<StandingChange>,
}

/// A shop's row: its standing and when it last changed.
#[derive(Clone, Copy, Debug)]
struct Row {
    now: LiveStanding,
    before: Option<Standing>,
    changed_at: u64,
}

impl Row {
    /// A shop's row before its first standing.
    const EMPTY: Row = Row {
        now: LiveStanding {
            overall: f64::NAN,
            stars: 0.0,
            grade: Grade::Low,
            change: 0.0,
            rank: 0,
            percentile: None,
            growth_stage: false,
        },
        before: None,
        changed_at: 0,
    };
}

/// A shop's settled windows read through its [`crate::counters::DayShift`].
struct SettledShift<'a> {
    engine: &'a Engine,
    shop: ShopId,
    as_of: Timestamp,
}

impl ShiftReader for SettledShift<'_> {
    type Output = Raw;
    fn read<S: DaySums>(self, shift: &S) -> Raw {
        self.engine.settled_raw(self.shop, self.as_of, shift)
    }
}

/// A shop's overall score at one scoring moment: all that settling
/// standings reads of it, kept apart from its ~400 bytes of
/// [`ShopFigures`] so that settling reads 16 bytes a shop, in sequence.
#[derive(Clone, Copy, Debug, Default)]
struct Overall {
    score: f64,
    /// Too few valid orders (as [`Engine::growth_stage`] of the figures'
    /// `settled`), set with `score`.
    growth_stage: bool,
}

/// What one shop holds for one scoring moment (its overall score aside,
/// in an [`Overall`]).
#[derive(Clone, Copy, Debug, Default)]
struct ShopFigures {
    /// Its windows changed since its indicators were scored.
    fresh: bool,
    /// Its windows from whole days of counters (what moves to the next day
    /// by a difference, see [`Raw::shifted`]).
    settled: Raw,
    /// Orders time alone made problems beyond `settled` (see [`Engine::overdue`]).
    overdue: Overdue,
    /// The open-case part of `overdue`, kept for the next day.
    open: OpenOverdue,
    add_on: f64,
    /// Each indicator's score and whether it is assessed, against the
    /// category means the day's figures last used.
    indicators: [(f64, bool); MAX_INDICATORS],
}

impl ShopFigures {
    fn raw(&self) -> Raw {
        self.settled.with_overdue(self.overdue)
    }

    /// The block whose indicators are `span` (of `inds`): `(assessed
    /// weight sum, score)` from the kept indicator scores, as
    /// [`block_figures`] gives it.
    fn block(&self, inds: &[(usize, &IndicatorConfig)], span: Range<usize>) -> (f64, f64) {
        block_figures(
            inds[span.clone()]
                .iter()
                .zip(&self.indicators[span])
                .map(|((_, ind), &(score, assessed))| (ind.weight, score, assessed)),
        )
    }
}

/// `totals` with one shop's figures `before` replaced by `after`, in
/// O(indicators) instead of summing every shop of the category again.
/// Integer sums, so the result is exactly that sum; wrapping, because the
/// true result (a sum of real counts) is in range even where the steps
/// are not.
fn replace_in_totals(totals: &mut CategoryTotals, before: &Raw, after: &Raw) {
    let replace =
        |acc: &mut u64, old: u64, new: u64| *acc = acc.wrapping_sub(old).wrapping_add(new);
    for ((acc, old), new) in (totals.indicators.iter_mut())
        .zip(&before.parts)
        .zip(&after.parts)
    {
        replace(&mut acc.0, old.0, new.0);
        replace(&mut acc.1, old.1, new.1);
    }
    let (old, new) = (&before.problem, &after.problem);
    replace(
        &mut totals.problem_orders,
        old.problem_orders,
        new.problem_orders,
    );
    replace(
        &mut totals.problem_valid_orders,
        old.valid_orders,
        new.valid_orders,
    );
}

/// Each block's indicators as a span of `inds` (configured in block-major
/// order, so each block's are consecutive).
fn block_spans(inds: &[(usize, &IndicatorConfig)], n_blocks: usize) -> Vec<Range<usize>> {
    let mut spans = vec![0..0; n_blocks];
    for (i, &(b, _)) in inds.iter().enumerate() {
        if spans[b].is_empty() {
            spans[b] = i..i;
        }
        debug_assert_eq!(spans[b].end, i, "indicators in block-major order");
        spans[b].end = i + 1;
    }
    spans
}

/// Every shop's figures for one scoring moment, by board position.
#[derive(Clone, Debug, Default)]
struct DayFigures {
    as_of: Timestamp,
    shops: Vec<ShopFigures>,
    /// Each shop's overall score, by board position as `shops`.
    overall: Vec<Overall>,
    /// Per category: the means its shops' figures were scored against.
    means: Vec<Means>,
}

impl DayFigures {
    /// Room for every shop of `layout` at `as_of`. The caller writes every
    /// position again (and every shop's indicators are scored afresh), so
    /// what is already there is not zeroed first.
    fn reset(&mut self, layout: &Layout, as_of: Timestamp) {
        self.as_of = as_of;
        self.shops
            .resize(layout.order.len(), ShopFigures::default());
        self.overall.resize(layout.order.len(), Overall::default());
        self.means.resize(layout.categories.len(), Means::default());
    }
}

/// Shops laid out by category (then shop id), as categories are scored.
#[derive(Clone, Debug, Default)]
struct Layout {
    /// The shop at each position.
    order: Vec<ShopId>,
    /// Position of each shop.
    position: Table<ShopId, u32>,
    /// Each category's positions, and its name.
    categories: Vec<(Range<usize>, Arc<str>)>,
    /// Category (index into `categories`) of each shop.
    category_of: Table<ShopId, u32>,
    /// Every shop in shop-id order: the rank's tie-break.
    by_id: Vec<ShopId>,
    /// Each shop's id (handed out with its changes: read from here,
    /// not from the ledger's large per-shop states).
    ids: Table<ShopId, Arc<str>>,
}

/// The live scoreboard's state inside the engine.
#[derive(Clone, Debug, Default)]
pub(crate) struct Board {
    /// The ledger generation the layout was built at (`None`: never built).
    generation: Option<u64>,
    as_of: Timestamp,
    layout: Layout,
    today: DayFigures,
    yesterday: DayFigures,
    /// By position in the layout (moved with their shops when it is
    /// laid out again): settling writes them in order.
    rows: Vec<Row>,
    /// Shop indices, best first.
    ranked: Vec<ShopId>,
    /// Each position's percentile in its category (kept for categories
    /// where no overall score moved).
    percentile: Vec<Option<f64>>,
    version: u64,
}

impl Board {
    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        let l = &self.layout;
        (l.order.capacity() + l.position.capacity() + l.category_of.capacity()) * 4
            + l.by_id.capacity() * 4
            + l.ids.capacity() * std::mem::size_of::<Arc<str>>()
            + l.categories.capacity() * std::mem::size_of::<(Range<usize>, Arc<str>)>()
            + (self.today.shops.capacity() + self.yesterday.shops.capacity())
                * std::mem::size_of::<ShopFigures>()
            + self.rows.capacity() * std::mem::size_of::<Row>()
            + self.ranked.capacity() * 4
            + self.percentile.capacity() * 16
            + (self.today.means.iter().chain(&self.yesterday.means))
                .map(|m| m.blocks.capacity() * 8 + m.totals.indicators.capacity() * 16)
                .sum::<usize>()
            + (self.today.means.capacity() + self.yesterday.means.capacity())
                * std::mem::size_of::<Means>()
    }
}

/// The means a category's figures were scored against, kept per category
/// and day.
#[derive(Clone, Debug, Default)]
struct Means {
    /// Each indicator's pooled mean (what the kept indicator scores used).
    indicators: [Option<f64>; MAX_INDICATORS],
    /// Each block's mean score over the shops assessed on it, where some
    /// shop of the category was not assessed on it (else the growth-stage
    /// default score, unused).
    blocks: Vec<f64>,
    /// The integer sums the indicator means come from.
    totals: CategoryTotals,
}

/// What a category's fresh shops (windows changed since their indicators
/// were scored) still hold when it is scored again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fresh {
    /// Nothing of their last scoring: every block mean is worked out again.
    Rescored,
    /// The indicator scores of the last scoring: a block none of whose
    /// indicator means moved and whose figure no fresh shop changed keeps
    /// its mean.
    KeepLast,
}

/// One category's figures at one moment, around one shop of it: what a
/// question about that shop alone needs (a what-if), scored as the live
/// scoreboard scores the category, so its overall equals the scoreboard's
/// to the bit.
#[derive(Clone, Debug)]
pub(crate) struct CategoryFigures<'a> {
    /// Every shop of the category (any order): the live scoreboard's, or
    /// scored for the question.
    shops: Cow<'a, [ShopFigures]>,
    /// Their overall scores, in the same order.
    overall: Cow<'a, [Overall]>,
    /// The means (and integer sums) they were scored against.
    means: Means,
    /// The shop asked about: its position in `shops`.
    at: usize,
}

impl CategoryFigures<'_> {
    /// The shop's windows.
    pub(crate) fn raw(&self) -> Raw {
        self.shops[self.at].raw()
    }
}

/// Work on one category: its positions, its shops' figures and overall
/// scores, its kept means.
type CategoryJob<'a> =
    dyn Fn(Range<usize>, &mut [ShopFigures], &mut [Overall], &mut Means) + Sync + 'a;

/// Which days of the board a refresh must recompute.
enum Plan {
    /// Both days from scratch (first refresh, new layout, a jump of `as_of`).
    Everything,
    /// Same moment: the touched shops and their categories, on both days.
    Touched,
    /// One day later: yesterday is the old today (plus what was touched);
    /// today from scratch.
    NextDay,
}

impl Engine {
    /// Refreshes the live scoreboard at `as_of` and returns it.
    ///
    /// The first call (and any after a new shop, a profile, a merge or a
    /// new bonus rule) scores every shop; later calls at the same `as_of`
    /// recompute only the shops touched since and their categories, and a
    /// call one day later reuses today's figures as yesterday's. Standings
    /// equal [`Engine::scoreboard`]'s at the same `as_of`, to the bit.
    pub fn live_scoreboard(&mut self, as_of: Timestamp) -> LiveScoreboard<'_> {
        self.refresh_board(as_of);
        LiveScoreboard { engine: self }
    }

    /// Refreshes the live scoreboard at `as_of` and returns the shops whose
    /// standing (overall, stars, grade, rank) changed after version `since`
    /// (0: every shop), in rank order: what a search-ranking service
    /// consumes after each batch of events.
    ///
    /// Versions count per engine: they start again at 0 in a new engine and
    /// in one read from a snapshot. A `since` above the version now (one this
    /// engine never gave: the consumer outlived an engine) answers as 0,
    /// every shop, with `since` 0 in the answer; a consumer that outlives
    /// engines asks with 0 first after a restart.
    pub fn scoreboard_changes(&mut self, as_of: Timestamp, since: u64) -> ScoreboardChanges {
        self.refresh_board(as_of);
        let board = &self.board;
        let since = if since > board.version { 0 } else { since };
        let layout = &board.layout;
        let row = |s: ShopId| &board.rows[layout.position[s] as usize];
        // in rank order, the rows and shop ids lie anywhere: each run's are
        // read one run ahead, so that their cache misses overlap
        const RUN: usize = 32;
        // counted first, in position order (one pass over the rows as they
        // lie): the list is allocated once, not grown by copying
        let changed = (board.rows.iter()).filter(|r| r.changed_at > since).count();
        let mut changes = Vec::with_capacity(changed);
        let runs: Vec<&[ShopId]> = board.ranked.chunks(RUN).collect();
        for (k, run) in runs.iter().enumerate() {
            if let Some(next) = runs.get(k + 1) {
                let touched = next.iter().map(|&s| {
                    (row(s).changed_at as usize).wrapping_add(Arc::strong_count(&layout.ids[s]))
                });
                std::hint::black_box(touched.fold(0usize, usize::wrapping_add));
            }
            changes.extend(
                run.iter()
                    .filter(|&&s| row(s).changed_at > since)
                    .map(|&s| {
                        let row = row(s);
                        StandingChange {
                            shop_id: layout.ids[s].clone(),
                            category: layout.categories[layout.category_of[s] as usize].1.clone(),
                            now: row.now.standing(),
                            before: row.before,
                        }
                    }),
            );
        }
        ScoreboardChanges {
            as_of,
            version: board.version,
            since,
            changes,
        }
    }

    fn live_shop(&self, s: ShopId) -> LiveShop<'_> {
        let board = &self.board;
        LiveShop {
            shop_id: &self.ledger().shops[s].id,
            category: &board.layout.categories[board.layout.category_of[s] as usize].1,
            standing: &board.rows[board.layout.position[s] as usize].now,
        }
    }

    fn refresh_board(&mut self, as_of: Timestamp) {
        let mut board = std::mem::take(&mut self.board);
        let generation = self.ledger().touched.generation;
        let relaid = board.generation != Some(generation);
        let plan = if relaid {
            let old = std::mem::replace(&mut board.layout, self.board_layout());
            // each shop's row to its new position (a new shop's: empty)
            let rows = std::mem::take(&mut board.rows);
            board.rows = (board.layout.order.iter())
                .map(|&s| match old.position.get(s) {
                    Some(&p) => rows[p as usize],
                    None => Row::EMPTY,
                })
                .collect();
            board.generation = Some(generation);
            Plan::Everything
        } else if as_of == board.as_of {
            Plan::Touched
        } else if as_of == board.as_of.plus_secs(DAY)
            // days stop at the ends of time: there a day later may be the same day
            && self.clock().day(as_of).days_since(self.clock().day(board.as_of)) == 1
        {
            Plan::NextDay
        } else {
            Plan::Everything
        };
        let yesterday = as_of.minus_secs(DAY);
        match plan {
            Plan::Everything => {
                self.score_day_fully(&board.layout, &mut board.today, as_of);
                self.score_day_fully(&board.layout, &mut board.yesterday, yesterday);
            }
            Plan::Touched => {
                self.score_touched(&board.layout, &mut board.today);
                self.score_touched(&board.layout, &mut board.yesterday);
            }
            Plan::NextDay => {
                std::mem::swap(&mut board.today, &mut board.yesterday);
                self.score_touched(&board.layout, &mut board.yesterday);
                self.score_day_shifted(&board.layout, &board.yesterday, &mut board.today, as_of);
            }
        }
        self.board_caught_up();
        board.as_of = as_of;
        self.settle_standings(&mut board, relaid);
        self.board = board;
    }

    /// Shops by (category, shop id), as [`Engine::scoreboard`] groups them.
    fn board_layout(&self) -> Layout {
        let shops = &self.ledger().shops;
        let mut order: Vec<ShopId> = shops.handles().collect();
        order.sort_unstable_by(|&a, &b| {
            let (a, b) = (&shops[a], &shops[b]);
            (a.category(), &*a.id).cmp(&(b.category(), &*b.id))
        });
        let mut position = Table::from_vec(vec![0; shops.len()]);
        let mut category_of = Table::from_vec(vec![0; shops.len()]);
        let mut categories: Vec<(Range<usize>, Arc<str>)> = Vec::new();
        for (p, &s) in order.iter().enumerate() {
            position[s] = p as u32;
            let shop = &shops[s];
            match categories.last_mut() {
                Some((range, name)) if **name == *shop.category() => range.end = p + 1,
                _ => categories.push((p..p + 1, shop.category_arc())),
            }
            category_of[s] = (categories.len() - 1) as u32;
        }
        let mut by_id: Vec<ShopId> = shops.handles().collect();
        by_id.sort_unstable_by(|&a, &b| shops[a].id.cmp(&shops[b].id));
        Layout {
            order,
            position,
            categories,
            category_of,
            by_id,
            ids: Table::from_vec(shops.iter().map(|s| s.id.clone()).collect()),
        }
    }

    /// One shop's figures at `as_of` from its windows `settled` (its
    /// overall is set with its category), reusing the open-case part of
    /// `kept` figures where it still holds (the shop has gained no fact
    /// since they were taken).
    fn shop_figures(
        &self,
        shop: &ShopState,
        settled: Raw,
        as_of: Timestamp,
        sums: &impl DaySums,
    ) -> ShopFigures {
        let mut figures = ShopFigures {
            settled,
            ..ShopFigures::default()
        };
        self.complete_figures(&mut figures, shop, as_of, sums, None);
        figures
    }

    /// `figures`' overdue orders, add-on points and marks from its
    /// `settled` windows, in place (a shift writes each shop's ~420 bytes
    /// once instead of building and copying them): its indicator scores
    /// are left for its category to score again. `kept`: the open-case
    /// part of the shop's figures before, where it may still hold (the
    /// shop gained no fact since).
    fn complete_figures(
        &self,
        figures: &mut ShopFigures,
        shop: &ShopState,
        as_of: Timestamp,
        sums: &impl DaySums,
        kept: Option<OpenOverdue>,
    ) {
        let from = figures
            .settled
            .t
            .window_start(self.cfg().problems.window_days);
        let (overdue, open) = self.overdue_keeping(shop, sums, from, as_of, kept);
        figures.add_on = self.add_on_points(&figures.settled.with_overdue(overdue));
        figures.overdue = overdue;
        figures.open = open;
        figures.fresh = true;
    }

    /// One shop's figures at `as_of`, summing its windows.
    fn shop_figures_summed(
        &self,
        shop: ShopId,
        as_of: Timestamp,
        sums: &mut WindowSums,
    ) -> ShopFigures {
        let known = self.shop_known_at(shop, as_of);
        self.known_shop_figures(shop, &known, as_of, sums)
    }

    /// [`Engine::shop_figures_summed`] of shop `shop` as `known` at `as_of`.
    fn known_shop_figures(
        &self,
        shop: ShopId,
        known: &ShopState,
        as_of: Timestamp,
        sums: &mut WindowSums,
    ) -> ShopFigures {
        sums.fill(&known.days);
        let settled = self.settled_raw(shop, as_of, sums);
        self.shop_figures(known, settled, as_of, sums)
    }

    /// Every shop's figures at `as_of`, one day after `before`'s (which
    /// are current: touched shops redone): each window moves by its day
    /// entering and its day leaving, two counter days instead of the
    /// whole window — for shops with no fact after `before`'s moment,
    /// whose figures there were their counters as they are; the others
    /// (their figures there leave out later facts) are summed again.
    ///
    /// Most of this is waiting on memory (each shop's state, about ten
    /// scattered day rows, its open cases), so shops go in runs: a short
    /// loop first touches what the run will read, letting those cache
    /// misses overlap, then the run is computed.
    fn score_day_shifted(
        &self,
        layout: &Layout,
        before: &DayFigures,
        day: &mut DayFigures,
        as_of: Timestamp,
    ) {
        const RUN: usize = 16;
        day.reset(layout, as_of);
        let rows = self.shift_days(as_of);
        self.for_categories(layout, day, &|_| true, &|cat, shops, overall, means| {
            let mut sums = None;
            let order = &layout.order[cat.clone()];
            let old = &before.shops[cat];
            let runs = |k: usize| {
                let at = (k * RUN).min(order.len())..((k + 1) * RUN).min(order.len());
                (&order[at.clone()], &old[at])
            };
            for (k, run) in shops.chunks_mut(RUN).enumerate() {
                // the shops' states two runs ahead, their rows and
                // cases one run ahead: each touch finds what it needs
                // to find the next in cache
                std::hint::black_box(self.touch_states(runs(k + 2).0));
                let (next, next_old) = runs(k + 1);
                std::hint::black_box(self.touch_for_shift(next, next_old, &rows, as_of));
                let (here, olds) = runs(k);
                for ((&s, f), old) in here.iter().zip(run).zip(olds) {
                    let shop = &self.ledger().shops[s];
                    if shop.last_fact_at > before.as_of {
                        let sums = sums.get_or_insert_with(|| self.window_sums(as_of));
                        *f = self.shop_figures_summed(s, as_of, sums);
                        continue;
                    }
                    let delta = shop.days.shifted(SettledShift {
                        engine: self,
                        shop: s,
                        as_of,
                    });
                    f.settled = old.settled.shifted(&delta);
                    self.complete_figures(f, shop, as_of, &shop.days, Some(old.open));
                }
            }
            let totals = self.category_totals(shops);
            self.category_overall(shops, overall, means, &totals, Fresh::Rescored);
        });
    }

    /// Reads (and sums, for the caller to pass to `black_box`) the parts of
    /// `shops`' states that a shift reads first: when they were last
    /// touched, where their day rows lie, their open cases and awaiting
    /// pickups.
    fn touch_states(&self, shops: &[ShopId]) -> u64 {
        let mut sum = 0u64;
        for &s in shops {
            let shop = &self.ledger().shops[s];
            sum = sum
                .wrapping_add(shop.last_fact_at.as_secs() as u64)
                .wrapping_add(shop.days.touch_series())
                .wrapping_add(shop.open_cases.len() as u64)
                .wrapping_add(shop.awaiting.len() as u64);
        }
        sum
    }

    /// Reads (and sums, for the caller to pass to `black_box`) one value
    /// of each place a shift of `shops` to `as_of` will read: their states,
    /// their day rows `rows`, their open cases and awaiting pickups where
    /// those will be walked.
    fn touch_for_shift(
        &self,
        shops: &[ShopId],
        old: &[ShopFigures],
        rows: &[LocalDay],
        as_of: Timestamp,
    ) -> u64 {
        let mut sum = 0u64;
        for (&s, old) in shops.iter().zip(old) {
            let shop = &self.ledger().shops[s];
            sum = sum.wrapping_add(shop.last_fact_at.as_secs() as u64);
            for &d in rows {
                sum = sum.wrapping_add(shop.days.touch_row(d));
            }
            if !old.open.holds_at(as_of) {
                if let Some((&(paid_at, _), _)) = shop.open_cases.first_key_value() {
                    sum = sum.wrapping_add(paid_at.as_secs() as u64);
                }
            }
            if let Some((&(paid_at, _), _)) = shop.awaiting.first_key_value() {
                sum = sum.wrapping_add(paid_at.as_secs() as u64);
            }
        }
        sum
    }

    /// Every shop's figures at `as_of`, categories on every core.
    fn score_day_fully(&self, layout: &Layout, day: &mut DayFigures, as_of: Timestamp) {
        day.reset(layout, as_of);
        let later = self.later_orders(&layout.order, as_of);
        self.for_categories(layout, day, &|_| true, &|cat, shops, overall, means| {
            let mut sums = self.window_sums(as_of);
            for (&s, f) in layout.order[cat.clone()].iter().zip(shops.iter_mut()) {
                let known = self.shop_known_given(s, as_of, later.of_shop(self, s));
                *f = self.known_shop_figures(s, &known, as_of, &mut sums);
            }
            let totals = self.category_totals(shops);
            self.category_overall(shops, overall, means, &totals, Fresh::Rescored);
        });
    }

    /// The touched shops' figures at the day's moment, then their categories.
    fn score_touched(&self, layout: &Layout, day: &mut DayFigures) {
        let touched = &self.ledger().touched;
        if touched.shops.is_empty() {
            return;
        }
        let t = self.clock().day(day.as_of);
        let mut redo = vec![false; layout.categories.len()];
        let mut sums = self.window_sums(day.as_of);
        for &s in &touched.shops {
            // a change after the day's windows leaves them as they were
            if touched.earliest_day(s).is_none_or(|d| d > t) {
                continue;
            }
            let p = layout.position[s] as usize;
            let c = layout.category_of[s] as usize;
            let before = day.shops[p].raw();
            day.shops[p] = self.shop_figures_summed(s, day.as_of, &mut sums);
            // the category's sums: this shop's old figures out, its new in
            replace_in_totals(&mut day.means[c].totals, &before, &day.shops[p].raw());
            redo[c] = true;
        }
        self.for_categories(layout, day, &|c| redo[c], &|_, shops, overall, means| {
            // what summing every shop of the category again gives
            let totals = means.totals.clone();
            debug_assert_eq!(totals, self.category_totals(shops));
            self.category_overall(shops, overall, means, &totals, Fresh::Rescored);
        });
    }

    /// Runs `job` on each category `wanted` (its positions and figures),
    /// spread over the cores in runs of whole categories.
    fn for_categories(
        &self,
        layout: &Layout,
        day: &mut DayFigures,
        wanted: &(dyn Fn(usize) -> bool + Sync),
        job: &CategoryJob<'_>,
    ) {
        let work: usize = (layout.categories.iter().enumerate())
            .filter(|(c, _)| wanted(*c))
            .map(|(_, (r, _))| r.len())
            .sum();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        type Part<'a> = Vec<(
            Range<usize>,
            &'a mut [ShopFigures],
            &'a mut [Overall],
            &'a mut Means,
        )>;
        let mut parts: Vec<Part<'_>> = vec![Vec::new()];
        let per_thread = if threads == 1 || work < 2_000 {
            usize::MAX
        } else {
            work.div_ceil(threads)
        };
        let (mut rest, mut rest_overall) = (&mut day.shops[..], &mut day.overall[..]);
        let (mut at, mut filled) = (0, 0);
        let means = &mut day.means;
        for ((c, (range, _)), mean) in layout.categories.iter().enumerate().zip(means) {
            let (this, tail) = std::mem::take(&mut rest).split_at_mut(range.end - at);
            rest = tail;
            let (overall, tail) = std::mem::take(&mut rest_overall).split_at_mut(range.end - at);
            rest_overall = tail;
            at = range.end;
            if !wanted(c) {
                continue;
            }
            if filled >= per_thread {
                parts.push(Vec::new());
                filled = 0;
            }
            filled += range.len();
            parts
                .last_mut()
                .expect("one part")
                .push((range.clone(), this, overall, mean));
        }
        if parts.len() == 1 {
            for (range, shops, overall, mean) in parts.pop().expect("one part") {
                job(range, shops, overall, mean);
            }
            return;
        }
        std::thread::scope(|scope| {
            for part in parts {
                scope.spawn(move || {
                    for (range, shops, overall, mean) in part {
                        job(range, shops, overall, mean);
                    }
                });
            }
        });
    }

    /// One category's overall scores from its shops' kept figures: the
    /// three rounds of [`crate::peers`] without building a `ShopScore`. An
    /// indicator is scored again only for a shop whose windows changed, or
    /// for every shop when its category mean moved (`means`: the means the
    /// kept indicator scores used, updated here).
    fn category_overall(
        &self,
        shops: &mut [ShopFigures],
        overall: &mut [Overall],
        means: &mut Means,
        totals: &CategoryTotals,
        fresh: Fresh,
    ) {
        let cfg = self.cfg();
        let inds: Vec<_> = self.indicator_configs().collect();
        let spans = block_spans(&inds, cfg.blocks.len());
        let n_blocks = spans.len();
        let now = self.indicator_means(totals);
        let moved: Vec<bool> = (0..inds.len())
            .map(|i| now[i].map(f64::to_bits) != means.indicators[i].map(f64::to_bits))
            .collect();
        means.indicators = now;
        means.totals.clone_from(totals);
        // blocks whose mean may have moved
        let mut dirty: Vec<bool> = (spans.iter())
            .map(|span| fresh == Fresh::Rescored || span.clone().any(|i| moved[i]))
            .collect();
        // round 2: each shop's block scores (0 weight sum: not assessed)
        let mut blocks: Vec<(f64, f64)> = Vec::with_capacity(shops.len() * n_blocks);
        for f in shops.iter_mut() {
            let last = blocks.len();
            if f.fresh && fresh == Fresh::KeepLast {
                blocks.extend(spans.iter().map(|span| f.block(&inds, span.clone())));
            }
            // (overdue orders move the problem tally only, not the parts)
            for (i, &(_, ind)) in inds.iter().enumerate() {
                if f.fresh || moved[i] {
                    let fig = indicator_figures(ind, f.settled.parts[i], now[i]);
                    f.indicators[i] = (fig.score, fig.assessed);
                }
            }
            if blocks.len() > last {
                // a fresh shop's figures before and after
                for (b, span) in spans.iter().enumerate() {
                    let now = f.block(&inds, span.clone());
                    dirty[b] |= blocks[last + b] != now;
                    blocks[last + b] = now;
                }
            } else {
                blocks.extend(spans.iter().map(|span| f.block(&inds, span.clone())));
            }
            f.fresh = false;
        }
        // round 3: unassessed blocks take the category's mean block score
        let mut block_mean = vec![cfg.growth_stage.default_score; n_blocks];
        let mut assessed = Vec::new();
        for (b, mean) in block_mean.iter_mut().enumerate() {
            if !dirty[b] && means.blocks.len() == n_blocks {
                *mean = means.blocks[b]; // nothing it averages changed
                continue;
            }
            let column = blocks.iter().skip(b).step_by(n_blocks);
            if column.clone().all(|&(wsum, _)| wsum > 0.0) {
                continue; // no shop needs the mean
            }
            assessed.clear();
            assessed.extend(column.filter(|&&(wsum, _)| wsum > 0.0).map(|&(_, s)| s));
            if let Some(m) = order_free_mean(&assessed) {
                *mean = m;
            }
        }
        for (k, (f, o)) in shops.iter().zip(overall.iter_mut()).enumerate() {
            let growth = self.growth_stage(&f.settled);
            let own = &blocks[k * n_blocks..(k + 1) * n_blocks];
            let base = base_score(
                cfg,
                growth,
                cfg.blocks.iter().zip(own).zip(&block_mean).map(
                    |((block, &(wsum, score)), &mean)| {
                        (block.weight, if wsum > 0.0 { score } else { mean })
                    },
                ),
            );
            let penalty = fake_order_penalty(cfg, f.settled.fake_orders);
            *o = Overall {
                score: overall_score(base, f.add_on, penalty),
                growth_stage: growth,
            };
        }
        means.blocks = block_mean;
    }

    /// Round 1 over a category's kept figures.
    fn category_totals(&self, shops: &[ShopFigures]) -> CategoryTotals {
        totals_of(
            shops.iter().map(ShopFigures::raw),
            self.indicator_configs().count(),
        )
    }

    /// The figures of shop `shop`'s category at `as_of`: copied from the
    /// live scoreboard when it is current there (refreshed at `as_of`,
    /// nothing ingested since), else summed and scored for the category's
    /// shops alone.
    pub(crate) fn category_figures(&self, shop: ShopId, as_of: Timestamp) -> CategoryFigures<'_> {
        let board = &self.board;
        let laid_out = board.generation == Some(self.ledger().touched.generation);
        if laid_out && board.as_of == as_of && self.ledger().touched.shops.is_empty() {
            let c = board.layout.category_of[shop] as usize;
            let range = board.layout.categories[c].0.clone();
            return CategoryFigures {
                at: board.layout.position[shop] as usize - range.start,
                shops: Cow::Borrowed(&board.today.shops[range.clone()]),
                overall: Cow::Borrowed(&board.today.overall[range]),
                means: board.today.means[c].clone(),
            };
        }
        let peers: Vec<ShopId> = if laid_out {
            let c = board.layout.category_of[shop] as usize;
            board.layout.order[board.layout.categories[c].0.clone()].to_vec()
        } else {
            let category = self.ledger().shops[shop].category();
            self.ledger()
                .shops
                .handles()
                .filter(|&s| self.ledger().shops[s].category() == category)
                .collect()
        };
        let mut sums = self.window_sums(as_of);
        let mut shops: Vec<ShopFigures> = (peers.iter())
            .map(|&s| self.shop_figures_summed(s, as_of, &mut sums))
            .collect();
        let mut means = Means::default();
        let totals = self.category_totals(&shops);
        let mut overall = vec![Overall::default(); shops.len()];
        self.category_overall(
            &mut shops,
            &mut overall,
            &mut means,
            &totals,
            Fresh::Rescored,
        );
        CategoryFigures {
            overall: Cow::Owned(overall),
            at: peers
                .iter()
                .position(|&s| s == shop)
                .expect("among its peers"),
            shops: Cow::Owned(shops),
            means,
        }
    }

    /// `figures` with its shop's windows replaced by `raw` (which has its
    /// overdue orders in), the category scored again: only the indicators
    /// whose pooled mean moved are scored again for the other shops.
    pub(crate) fn category_with(
        &self,
        figures: &CategoryFigures<'_>,
        raw: Raw,
    ) -> CategoryFigures<'static> {
        let mut totals = figures.means.totals.clone();
        // exact: the shop's old figures are among the sums
        replace_in_totals(&mut totals, &figures.raw(), &raw);
        let mut shops = figures.shops.to_vec();
        let kept = &mut shops[figures.at];
        *kept = ShopFigures {
            add_on: self.add_on_points(&raw),
            settled: raw,
            overdue: Overdue::default(),
            open: OpenOverdue::default(),
            fresh: true,
            ..*kept // its indicator scores as they stood, for `Fresh::KeepLast`
        };
        let mut means = figures.means.clone();
        let mut overall = figures.overall.to_vec();
        self.category_overall(
            &mut shops,
            &mut overall,
            &mut means,
            &totals,
            Fresh::KeepLast,
        );
        debug_assert_eq!(totals, self.category_totals(&shops));
        CategoryFigures {
            shops: Cow::Owned(shops),
            overall: Cow::Owned(overall),
            means,
            at: figures.at,
        }
    }

    /// The full score of `figures`' shop in its category: the same
    /// [`ShopScore`] [`Engine::score`] gives but for the indicators' and
    /// the problem rate's percentiles and the day-over-day change, which
    /// are left out (a what-if reports neither).
    pub(crate) fn category_shop_score(&self, figures: &CategoryFigures<'_>) -> ShopScore {
        let inds: Vec<_> = self.indicator_configs().collect();
        let f = &figures.shops[figures.at];
        let raw = f.raw();
        let mut score = self.score_one(&raw, &inds, &figures.means.indicators);
        for (block, &mean) in score.blocks.iter_mut().zip(&figures.means.blocks) {
            if !block.assessed {
                block.score = mean;
            }
        }
        self.finish(&mut score, &raw);
        score.problem_rate.category_mean = figures.means.totals.problem_mean();
        let peers = figures.overall.len();
        let own = figures.overall[figures.at].score;
        let below = (figures.overall.iter()).filter(|p| p.score < own).count();
        score.percentile = (peers >= 2).then(|| below as f64 / (peers - 1) as f64);
        debug_assert_eq!(
            score.overall.to_bits(),
            own.to_bits(),
            "the full score and the category's figures agree"
        );
        score
    }

    /// Standings from both days' overall scores: change, percentile, rank;
    /// rows whose standing moved get the next version.
    fn settle_standings(&self, board: &mut Board, every_category: bool) {
        let Board {
            layout,
            today,
            yesterday,
            rows,
            ranked,
            percentile,
            version,
            ..
        } = board;
        let n = layout.order.len();
        debug_assert_eq!(rows.len(), n, "rows are laid out with the shops");
        percentile.resize(n, None);
        // two halves at a category boundary, one per thread
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let parallel = threads > 1 && n >= 2_000;
        let k = (layout.categories.iter())
            .position(|(range, _)| parallel && range.end > n / 2)
            .unwrap_or(layout.categories.len());
        let (first, second) = layout.categories.split_at(k);
        let at = second.first().map_or(n, |(range, _)| range.start);
        let mut cents = vec![0u16; n];
        {
            let (today, rows) = (&today.overall, &*rows);
            let (pa, pb) = percentile.split_at_mut(at);
            let (ca, cb) = cents.split_at_mut(at);
            in_two(
                parallel,
                || percentiles(first, 0, &today[..at], &rows[..at], pa, ca, every_category),
                || {
                    percentiles(
                        second,
                        at,
                        &today[at..],
                        &rows[at..],
                        pb,
                        cb,
                        every_category,
                    )
                },
            );
        }
        // rank: overall descending, then shop id (a stable counting sort
        // over the shops in id order)
        let mut count = [0usize; 502];
        for &c in &cents {
            count[500 - usize::from(c) + 1] += 1;
        }
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        ranked.clear();
        ranked.resize(n, ShopId::default());
        for &s in &layout.by_id {
            let slot = &mut count[500 - usize::from(cents[layout.position[s] as usize])];
            ranked[*slot] = s;
            *slot += 1;
        }
        let mut rank_at = vec![0u32; n];
        for (r, &s) in ranked.iter().enumerate() {
            rank_at[layout.position[s] as usize] = u32::try_from(r + 1).unwrap_or(u32::MAX);
        }
        // standings in position order (the figures are read in their own
        // order, rows too), in the same two halves
        let next = *version + 1;
        let settle = |range: Range<usize>, rows: &mut [Row]| {
            let days = (today.overall[range.clone()].iter()).zip(&yesterday.overall[range.clone()]);
            let standings = days.zip(&rank_at[range.clone()]).zip(&percentile[range]);
            let mut changed = false;
            for ((((today, yesterday), &rank), &percentile), row) in standings.zip(rows) {
                let (stars, grade) = stars_and_grade(self.cfg(), today.score);
                let now = LiveStanding {
                    overall: today.score,
                    stars,
                    grade,
                    change: round2(today.score - yesterday.score),
                    rank,
                    percentile,
                    growth_stage: today.growth_stage,
                };
                if row.now.standing() != now.standing() {
                    row.before = (row.changed_at > 0).then(|| row.now.standing());
                    row.changed_at = next;
                    changed = true;
                }
                row.now = now;
            }
            changed
        };
        let (ra, rb) = rows.split_at_mut(at);
        let (a, b) = in_two(parallel, || settle(0..at, ra), || settle(at..n, rb));
        if a || b {
            *version = next;
        }
    }
}

/// Overall scores carry two decimals: as whole hundredths they sort by
/// counting, and compare exactly as the scores do.
fn hundredths(overall: f64) -> u16 {
    (round(overall * 100.0) as u16).min(500)
}

/// Each position's [`hundredths`] and, for the categories where an overall
/// moved since `rows`, each position's percentile (share of category peers
/// strictly below, as `peers::share_below`). `categories`' positions start
/// at `base`, the slices' at 0.
fn percentiles(
    categories: &[(Range<usize>, Arc<str>)],
    base: usize,
    overall: &[Overall],
    rows: &[Row],
    percentile: &mut [Option<f64>],
    cents: &mut [u16],
    every_category: bool,
) {
    for (range, _) in categories {
        let range = range.start - base..range.end - base;
        let mut moved = every_category;
        let scores = overall[range.clone()].iter().zip(&rows[range.clone()]);
        for (c, (o, row)) in cents[range.clone()].iter_mut().zip(scores) {
            *c = hundredths(o.score);
            moved |= o.score.to_bits() != row.now.overall.to_bits();
        }
        if !moved {
            continue;
        }
        let mut below = [0usize; 502];
        for &c in &cents[range.clone()] {
            below[usize::from(c) + 1] += 1;
        }
        for i in 1..below.len() {
            below[i] += below[i - 1];
        }
        let peers = range.len();
        for (p, &c) in percentile[range.clone()].iter_mut().zip(&cents[range]) {
            *p = (peers >= 2).then(|| below[usize::from(c)] as f64 / (peers - 1) as f64);
        }
    }
}

/// `a` and `b`, on two threads when `parallel`.
fn in_two<A: Send, B>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B,
) -> (A, B) {
    if !parallel {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        let a = a
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 48-hour pickup rate's position among the default configuration's
    /// indicators (product: 0, 1; logistics: pickup 2, delivery 3).
    const PICKUP: usize = 2;

    fn shop(pickup: (u64, u64)) -> ShopFigures {
        let mut settled = Raw {
            valid_orders: 1_000, // past the growth stage: blocks count
            ..Raw::default()
        };
        settled.parts[PICKUP] = pickup;
        ShopFigures {
            settled,
            fresh: true,
            ..ShopFigures::default()
        }
    }

    /// The category's overall scores (as bits) after `category_overall`.
    fn overalls(
        engine: &Engine,
        shops: &mut [ShopFigures],
        means: &mut Means,
        totals: &CategoryTotals,
        fresh: Fresh,
    ) -> Vec<u64> {
        let mut overall = vec![Overall::default(); shops.len()];
        engine.category_overall(shops, &mut overall, means, totals, fresh);
        overall.iter().map(|o| o.score.to_bits()).collect()
    }

    /// Under `Fresh::KeepLast` a block mean is kept only when nothing it
    /// averages changed. A shop whose pickup sample crosses the minimum at
    /// exactly the category's pooled ratio moves no indicator mean, but its
    /// logistics block goes from unassessed to assessed: the block mean
    /// must be worked out again, or a shop without a logistics block (which
    /// takes the mean) keeps a stale score.
    #[test]
    fn a_block_mean_follows_a_shop_crossing_its_minimum_sample() {
        let engine = Engine::default();
        let min = engine.cfg().blocks[1].indicators[0].min_sample;
        assert_eq!(
            engine.cfg().blocks[1].indicators[0].measure,
            crate::config::Measure::Pickup48hRate
        );
        // all in time; half; below the minimum at the pooled ratio 60/80;
        // nothing (its logistics block takes the category's mean)
        let mut shops = vec![shop((40, 40)), shop((20, 40)), shop((12, 16)), shop((0, 0))];
        assert!(16 < min && 76 >= min);
        let mut means = Means::default();
        let totals = engine.category_totals(&shops);
        let before = overalls(&engine, &mut shops, &mut means, &totals, Fresh::Rescored);

        // the third shop as supposed: 57 of 76, still the pooled 3/4
        shops[2].settled.parts[PICKUP] = (57, 76);
        shops[2].fresh = true;
        let totals = engine.category_totals(&shops);
        let pooled = engine.indicator_means(&totals)[PICKUP];
        assert_eq!(
            pooled.map(f64::to_bits),
            means.indicators[PICKUP].map(f64::to_bits)
        );
        let kept = overalls(
            &engine,
            &mut shops.clone(),
            &mut means.clone(),
            &totals,
            Fresh::KeepLast,
        );
        let fresh = overalls(
            &engine,
            &mut shops.clone(),
            &mut Means::default(),
            &totals,
            Fresh::Rescored,
        );
        assert_eq!(kept, fresh);
        // meaningful: the shop without a logistics block moved with the mean
        assert_ne!(before[3], fresh[3]);
    }
}
