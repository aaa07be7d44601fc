//! Score history: one shop's daily score series, each day's point as it
//! was known on that day.
//!
//! Why: a seller charts where the score is heading (early warning), and a
//! past day must read as it was published then, not as later events
//! rewrote it. Each point is exactly [`Engine::score`] at its moment (a
//! test holds them equal). That call scores the shop's whole category
//! (pooled means, the mean block score for unassessed blocks, percentiles)
//! for two days, so a 90-day history by 90 calls would rescore the
//! category 180 times. Here each moment's category statistics
//! ([`crate::peers`]: totals, block means, the sorted overall scores and
//! problem rates) are computed once — in parallel over moments — and kept
//! in a per-engine cache keyed by (category, moment) that every event,
//! merge or bonus rule clears; a point then scores the one shop against
//! them, with the same functions the full score uses, so it agrees to the
//! bit. Repeated histories of any shop of the category only score the shop.

use crate::ids::{OrderId, ShopId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::engine::Engine;
use crate::error::Error;
use crate::event::{Timestamp, MAX_TIME, MIN_TIME};
use crate::peers::{order_free_mean, share_below, BlockScores, CategoryTotals};
use crate::score::{round2, totals_of, Grade, ShopScore};
use crate::time::civil_from_days;

/// Most days a history may ask for: a little over a year.
pub const MAX_HISTORY_DAYS: u32 = 400;

/// One block's score on one day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryBlock {
    /// Block name.
    pub name: Arc<str>,
    /// 0–5 score (the category's mean block score when not assessed).
    pub score: f64,
    /// True when at least one of its indicators was assessed.
    pub assessed: bool,
}

/// A shop's score at one moment, as known then: the figures of
/// [`ShopScore`] a seller charts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryPoint {
    /// The moment scored (UTC seconds): facts up to it count.
    pub as_of: Timestamp,
    /// Its local scoring day (days since 1970-01-01 in the marketplace's zone).
    pub day: i32,
    /// That local day as `YYYY-MM-DD`.
    pub date: String,
    /// Overall 0–5 score, two decimals.
    pub overall: f64,
    /// Stars shown to buyers.
    pub stars: f64,
    /// Grade.
    pub grade: Grade,
    /// Change of `overall` since the day before (as known the day before).
    pub change: f64,
    /// Too few valid orders: the growth-stage default score.
    pub growth_stage: bool,
    /// Share of category peers with a strictly lower overall score.
    pub percentile: Option<f64>,
    /// Block scores, in configured order.
    pub blocks: Vec<HistoryBlock>,
    /// Problem-order rate (problem / valid orders of its window), 0..=1.
    pub problem_rate: f64,
    /// Problem orders of the problem-rate window.
    pub problem_orders: u64,
    /// Valid orders of the problem-rate window.
    pub problem_valid_orders: u64,
    /// Valid paid orders of the growth-stage window.
    pub valid_orders: u64,
    /// Points deducted for fake orders.
    pub fake_order_penalty: f64,
}

impl HistoryPoint {
    /// The point of a full score taken at `as_of`.
    pub fn of(score: &ShopScore, as_of: Timestamp, day: i32) -> HistoryPoint {
        let (y, m, d) = civil_from_days(i64::from(day));
        HistoryPoint {
            as_of,
            day,
            date: format!("{y:04}-{m:02}-{d:02}"),
            overall: score.overall,
            stars: score.stars,
            grade: score.grade,
            change: score.change,
            growth_stage: score.growth_stage,
            percentile: score.percentile,
            blocks: (score.blocks.iter())
                .map(|b| HistoryBlock {
                    name: b.name.clone(),
                    score: b.score,
                    assessed: b.assessed,
                })
                .collect(),
            problem_rate: score.problem_rate.rate,
            problem_orders: score.problem_rate.problem_orders,
            problem_valid_orders: score.problem_rate.valid_orders,
            valid_orders: score.valid_orders,
            fake_order_penalty: score.fake_order_penalty,
        }
    }
}

/// A shop's daily score series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreHistory {
    /// Shop id.
    pub shop_id: String,
    /// Its category (as known now).
    pub category: String,
    /// The last moment of the series.
    pub as_of: Timestamp,
    /// Number of points.
    pub days: u32,
    /// Oldest first: point `i` is the score as known at
    /// `as_of - (days - 1 - i) × 86 400 s`.
    pub points: Vec<HistoryPoint>,
}

/// What scoring one shop of a category at one moment needs from its peers.
#[derive(Debug)]
struct MomentStats {
    totals: CategoryTotals,
    /// Per block: the category's mean assessed score (or the growth-stage default).
    block_means: Vec<f64>,
    /// Every shop's overall score, sorted.
    overall: Vec<f64>,
    /// Negated problem rates of shops with valid orders, sorted.
    negated_problem_rates: Vec<f64>,
}

/// Most (category, moment) entries kept; past it the cache starts afresh.
const CACHE_ENTRIES: usize = 4096;

/// A category's statistics by moment, keyed by (category, moment).
type StatsByMoment = HashMap<(Arc<str>, Timestamp), Arc<MomentStats>>;

/// Category statistics by (category, moment), for histories. Cleared by
/// anything that changes the engine's state; a clone starts empty.
#[derive(Debug, Default)]
pub(crate) struct HistoryCache {
    stats: Mutex<StatsByMoment>,
}

impl Clone for HistoryCache {
    fn clone(&self) -> Self {
        HistoryCache::default()
    }
}

impl HistoryCache {
    /// Forgets everything (the engine's state changed).
    pub(crate) fn clear(&mut self) {
        let map = self.stats.get_mut().unwrap_or_else(|p| p.into_inner());
        if !map.is_empty() {
            *map = HashMap::new();
        }
    }

    fn get(&self, key: &(Arc<str>, Timestamp)) -> Option<Arc<MomentStats>> {
        let map = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).cloned()
    }

    fn put(&self, key: (Arc<str>, Timestamp), stats: Arc<MomentStats>) {
        let mut map = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CACHE_ENTRIES {
            map.clear();
        }
        map.insert(key, stats);
    }
}

impl Engine {
    /// A shop's score on each of `days` days ending at `as_of`, each as
    /// known then: point `i` (oldest first) equals
    /// [`Engine::score`]`(shop_id, as_of - (days - 1 - i) × 86 400)` in every
    /// figure it carries ([`HistoryPoint::of`]).
    ///
    /// `days` must be `1..=`[`MAX_HISTORY_DAYS`] and `as_of` within the
    /// event time range ([`MIN_TIME`]`..=`[`MAX_TIME`]).
    ///
    /// ```
    /// # use truexp::Timestamp;
    /// use truexp::Engine;
    /// let mut engine = Engine::default();
    /// engine.ingest_jsonl(r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":100}],"paid_at":1790000000,"ship_by":1790086400}"#.as_bytes());
    /// let h = engine.history("s1", Timestamp::constant(1_790_100_000), 3).unwrap();
    /// assert_eq!(h.points.len(), 3);
    /// assert_eq!(h.points[2].as_of, Timestamp::constant(1_790_100_000));
    /// assert_eq!(h.points[2].overall, engine.score("s1", Timestamp::constant(1_790_100_000)).unwrap().overall);
    /// ```
    pub fn history(
        &self,
        shop_id: &str,
        as_of: Timestamp,
        days: u32,
    ) -> Result<ScoreHistory, Error> {
        if !(1..=MAX_HISTORY_DAYS).contains(&days) {
            return Err(Error::OutOfRange {
                name: "days",
                message: format!("must be 1 ..= {MAX_HISTORY_DAYS}, got {days}"),
            });
        }
        if !(MIN_TIME..=MAX_TIME).contains(&as_of) {
            return Err(Error::OutOfRange {
                name: "as_of",
                message: format!("must be {MIN_TIME} ..= {MAX_TIME}, got {as_of}"),
            });
        }
        let idx = self
            .find_shop(shop_id)
            .ok_or_else(|| Error::UnknownShop(shop_id.to_owned()))?;
        let category = self.ledger().shops[idx].category_arc();
        // moments oldest first, with the day before the first (for its change)
        let moments: Vec<Timestamp> = (0..=i64::from(days))
            .rev()
            .map(|k| as_of.minus_days(k))
            .collect();
        let stats = self.moment_stats(&category, &moments);
        // the shop's orders by their last fact, latest first: each point's
        // orders with a later fact are a prefix (one walk of their facts)
        let mut by_last: Vec<(Timestamp, OrderId)> = (self.ledger().shops[idx].orders.iter())
            .map(|&o| (self.orders()[o].last_fact_at(), o))
            .collect();
        by_last.sort_unstable_by(|a, b| b.cmp(a));
        let mut points = Vec::with_capacity(days as usize);
        let mut before: Option<f64> = None;
        for (&t, stats) in moments.iter().zip(&stats) {
            let later = (by_last.iter())
                .take_while(|&&(last, _)| last > t)
                .map(|&(_, o)| o)
                .collect();
            let score = self.score_against(idx, t, later, stats);
            if let Some(prev) = before {
                let mut score = score;
                score.change = round2(score.overall - prev);
                before = Some(score.overall);
                points.push(HistoryPoint::of(&score, t, self.clock().day(t).get()));
            } else {
                before = Some(score.overall);
            }
        }
        Ok(ScoreHistory {
            shop_id: shop_id.to_owned(),
            category: category.to_string(),
            as_of,
            days,
            points,
        })
    }

    /// Shop `idx` (whose orders with a fact after `t` are `later`) scored
    /// at `t` against its category's statistics then:
    /// the steps of the full score (round 2, then round 3 with the kept
    /// block means), percentiles from the kept sorted values. `change` is 0.
    fn score_against(
        &self,
        idx: ShopId,
        t: Timestamp,
        later: Vec<OrderId>,
        stats: &MomentStats,
    ) -> ShopScore {
        let mut sums = self.window_sums(t);
        let shop = self.shop_known_given(idx, t, later);
        sums.fill(&shop.days);
        let raw = self.raw_from(&shop, idx, t, &sums);
        let mut s = self
            .indicator_scores(std::slice::from_ref(&raw), &stats.totals)
            .pop()
            .expect("one shop scored");
        for (b, &mean) in stats.block_means.iter().enumerate() {
            if !s.blocks[b].assessed {
                s.blocks[b].score = mean;
            }
        }
        self.finish(&mut s, &raw);
        s.problem_rate.category_mean = stats.totals.problem_mean();
        s.percentile = share_below(&stats.overall, s.overall);
        if s.problem_rate.valid_orders > 0 {
            s.problem_rate.percentile =
                share_below(&stats.negated_problem_rates, -s.problem_rate.rate);
        }
        s
    }

    /// The category's statistics at each of `moments`: from the cache, the
    /// missing ones computed (in parallel) and kept.
    fn moment_stats(&self, category: &Arc<str>, moments: &[Timestamp]) -> Vec<Arc<MomentStats>> {
        let mut out: Vec<Option<Arc<MomentStats>>> = moments
            .iter()
            .map(|&t| self.history.get(&(category.clone(), t)))
            .collect();
        let missing: Vec<usize> = (0..moments.len()).filter(|&i| out[i].is_none()).collect();
        if !missing.is_empty() {
            let group: Vec<ShopId> = self
                .ledger()
                .shops
                .handles()
                .filter(|&s| self.ledger().shops[s].category() == &**category)
                .collect();
            let threads = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(missing.len());
            let computed: Vec<(usize, MomentStats)> = if threads <= 1 || group.len() < 64 {
                (missing.iter())
                    .map(|&i| (i, self.category_stats_at(&group, moments[i])))
                    .collect()
            } else {
                let chunk = missing.len().div_ceil(threads);
                std::thread::scope(|scope| {
                    let handles: Vec<_> = missing
                        .chunks(chunk)
                        .map(|part| {
                            let group = &group;
                            scope.spawn(move || {
                                (part.iter())
                                    .map(|&i| (i, self.category_stats_at(group, moments[i])))
                                    .collect::<Vec<_>>()
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .flat_map(|h| h.join().expect("scoring does not panic"))
                        .collect()
                })
            };
            for (i, stats) in computed {
                let stats = Arc::new(stats);
                self.history
                    .put((category.clone(), moments[i]), stats.clone());
                out[i] = Some(stats);
            }
        }
        out.into_iter()
            .map(|s| s.expect("every moment filled"))
            .collect()
    }

    /// The three rounds of [`crate::peers`] over one category at `t`, as the
    /// full score runs them.
    fn category_stats_at(&self, group: &[ShopId], t: Timestamp) -> MomentStats {
        let raws = self.raws(group, &self.later_orders(group, t));
        let totals = totals_of(raws.iter().copied(), self.indicator_configs().count());
        let mut shops = self.indicator_scores(&raws, &totals);
        let blocks = BlockScores::of(&shops, self.cfg().blocks.len());
        self.finish_all(&mut shops, &raws, &totals, &blocks);
        let block_means = (0..self.cfg().blocks.len())
            .map(|b| {
                order_free_mean(&blocks.assessed[b])
                    .unwrap_or(self.cfg().growth_stage.default_score)
            })
            .collect();
        let mut overall: Vec<f64> = shops.iter().map(|s| s.overall).collect();
        overall.sort_by(f64::total_cmp);
        let mut negated_problem_rates: Vec<f64> = (shops.iter())
            .filter(|s| s.problem_rate.valid_orders > 0)
            .map(|s| -s.problem_rate.rate)
            .collect();
        negated_problem_rates.sort_by(f64::total_cmp);
        MomentStats {
            totals,
            block_means,
            overall,
            negated_problem_rates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{ts, DAY};

    /// A small generated marketplace: a few categories, orders over 40
    /// days with reviews, shipping and refunds arriving later (so the past
    /// reads differently from the present).
    fn engine() -> (Engine, Timestamp) {
        let mut rng = crate::seeded::SeededRng::new(11);
        let start: Timestamp = ts(1_790_000_000);
        let mut lines = Vec::new();
        let mut n = 0;
        for o in 0..1500 {
            let shop = rng.below(12);
            let cat = ["pet", "home", "apparel"][(shop % 3) as usize];
            let paid = start.plus_secs(rng.range(0, 40 * DAY));
            n += 1;
            lines.push(format!(r#"{{"type":"order_paid","id":"e{n}","order_id":"o{o}","shop_id":"s{shop}","buyer_id":"b{}","category":"{cat}","lines":[{{"sku":"k1","quantity":1,"unit_price":1990}}],"paid_at":{paid},"ship_by":{}}}"#, rng.below(300), paid.plus_days(2)));
            if rng.chance(0.9) {
                n += 1;
                let at = paid.plus_secs(rng.range(3600, 3 * DAY));
                lines.push(format!(r#"{{"type":"shipped","id":"e{n}","order_id":"o{o}","at":{at},"pickup_at":{},"tracking_valid":true}}"#, at.plus_secs(3600)));
                if rng.chance(0.8) {
                    n += 1;
                    lines.push(format!(
                        r#"{{"type":"delivered","id":"e{n}","order_id":"o{o}","at":{}}}"#,
                        at.plus_secs(rng.range(DAY / 2, 4 * DAY))
                    ));
                }
            }
            if rng.chance(0.5) {
                n += 1;
                lines.push(format!(r#"{{"type":"review","id":"e{n}","order_id":"o{o}","reviewer":"b{}","at":{},"product_stars":{}}}"#, rng.below(300), paid.plus_secs(rng.range(DAY, 9 * DAY)), 1 + rng.below(5)));
            }
        }
        let mut e = Engine::default();
        let report = e.ingest_jsonl(lines.join("\n").as_bytes());
        assert_eq!(report.accepted, n, "{:?}", report.rejected.first());
        (e, start.plus_days(45))
    }

    #[test]
    fn every_point_is_the_score_as_known_then() {
        let (e, as_of) = engine();
        for shop in ["s0", "s1", "s5", "s10"] {
            let h = e.history(shop, as_of, 30).unwrap();
            assert_eq!(h.points.len(), 30);
            for (i, p) in h.points.iter().enumerate() {
                let t = as_of.minus_days(29 - i as i64);
                assert_eq!(p.as_of, t);
                let full = e.score(shop, t).unwrap();
                assert_eq!(
                    *p,
                    HistoryPoint::of(&full, t, e.clock().day(t).get()),
                    "{shop} {i}"
                );
            }
            // a second call reads the cache: the same points
            assert_eq!(e.history(shop, as_of, 30).unwrap(), h);
            // a shorter series is the tail of a longer one
            let short = e.history(shop, as_of.minus_days(3), 5).unwrap();
            assert_eq!(short.points[..], h.points[22..27]);
        }
        // the series moves (the data are not flat)
        let h = e.history("s0", as_of, 30).unwrap();
        assert!(h.points.iter().any(|p| p.overall != h.points[0].overall));
    }

    #[test]
    fn new_events_clear_the_cache() {
        let (mut e, as_of) = engine();
        let before = e.history("s1", as_of, 10).unwrap();
        let t = as_of.minus_days(5);
        for k in 0..30 {
            e.ingest_json(&format!(r#"{{"type":"order_paid","id":"x{k}","order_id":"x{k}","shop_id":"s4","buyer_id":"bx","category":"home","lines":[{{"sku":"k1","quantity":1,"unit_price":1990}}],"paid_at":{t},"ship_by":{}}}"#, t.plus_days(1))).unwrap();
        }
        let after = e.history("s1", as_of, 10).unwrap();
        for (i, p) in after.points.iter().enumerate() {
            let full = e.score("s1", p.as_of).unwrap();
            assert_eq!(
                *p,
                HistoryPoint::of(&full, p.as_of, e.clock().day(p.as_of).get()),
                "{i}"
            );
        }
        assert_ne!(
            before, after,
            "s4's late orders move its category's figures"
        );
    }

    #[test]
    fn limits() {
        let (e, as_of) = engine();
        for days in [0, MAX_HISTORY_DAYS + 1] {
            assert!(matches!(
                e.history("s1", as_of, days),
                Err(Error::OutOfRange { name: "days", .. })
            ));
        }
        assert!(matches!(
            e.history("s1", Timestamp::MIN, 1),
            Err(Error::OutOfRange { name: "as_of", .. })
        ));
        assert!(matches!(
            e.history("nope", as_of, 1),
            Err(Error::UnknownShop(_))
        ));
        assert_eq!(e.history("s1", as_of, 1).unwrap().points.len(), 1);
    }
}
