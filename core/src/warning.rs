//! Early warning: how far each shop stands from losing what it holds — its
//! grade, its place on the good-service list, its tier under each seller
//! standard — counted in orders, before it happens.
//!
//! Why counted in orders: a seller acts on "two more bad orders and you
//! drop", not on a rate. Each margin is decided by the very check that
//! grants the standing (the list's integer rate test, each standard's
//! rule check), asked again with more of the window's orders gone wrong,
//! so a margin can never disagree with the standing it protects.

use crate::ids::ShopId;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::Error;
use crate::event::Timestamp;
use crate::good_service::{below_category_mean, category_problem_counts, exclusion};
use crate::score::{Change, Grade, ShopScore};
use crate::standards::{
    held_tier, largest_holding, metric_of, rule_margin, CategoryTallies, OrderFacts, Standard,
};

/// One standing a shop holds and how many orders stand between it and the loss.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Margin {
    /// What is held: `good_service_list`, or `standard` (with its name and tier).
    pub kind: &'static str,
    /// The standard's name (standards only).
    pub standard: Option<String>,
    /// The tier held (standards only).
    pub tier: Option<String>,
    /// The metric the margin is counted on.
    pub metric: &'static str,
    /// The metric's numerator now.
    pub numerator: u64,
    /// The metric's denominator now.
    pub denominator: u64,
    /// More of the window's orders that can go wrong (become problem
    /// orders, defects, late shipments…) with the standing kept; 0: the
    /// next one loses it. `None`: no number of the window's orders would.
    pub margin: Option<u64>,
}

/// A shop's early warning at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    /// Shop id.
    pub shop_id: String,
    /// Its category.
    pub category: String,
    /// Experience score.
    pub overall: f64,
    /// Its grade.
    pub grade: Grade,
    /// Score points above the lowest score of its grade (`None` for the
    /// lowest grade: nothing to lose).
    pub points_above_grade_floor: Option<f64>,
    /// Every standing held, with its margin.
    pub margins: Vec<Margin>,
    /// True when a margin is at most [`WarningOptions::within_orders`] or
    /// the points above the grade floor are below
    /// [`WarningOptions::within_points`].
    pub at_risk: bool,
}

/// When a shop counts as at risk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WarningOptions {
    /// At risk with a margin of at most this many orders.
    pub within_orders: u64,
    /// At risk with fewer score points than this above the grade floor.
    pub within_points: f64,
}

impl Default for WarningOptions {
    fn default() -> Self {
        WarningOptions {
            within_orders: 2,
            within_points: 0.05,
        }
    }
}

impl Engine {
    /// One shop's early warning at `as_of`: its margins on the
    /// good-service list (when listed by rate) and under each of
    /// `standards` (the tier it holds).
    ///
    /// ```
    /// # use truexp::Timestamp;
    /// use truexp::{standards::presets, warning::WarningOptions, Engine};
    /// let mut engine = Engine::default();
    /// engine.ingest_jsonl(r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":100}],"paid_at":1790000000,"ship_by":1790086400}
    /// {"type":"shipped","id":"e2","order_id":"o1","at":1790003600,"pickup_at":1790007200,"tracking_valid":true}"#.as_bytes());
    /// let w = engine
    ///     .early_warning("s1", Timestamp::constant(1_790_100_000), &[presets::amazon()], &WarningOptions::default())
    ///     .unwrap();
    /// // one order: its first defect breaks Amazon's order defect rate (< 1%)
    /// let odr = w.margins.iter().find(|m| m.metric == "order_defect_rate").unwrap();
    /// assert_eq!(odr.margin, Some(0));
    /// assert!(w.at_risk);
    /// ```
    pub fn early_warning(
        &self,
        shop_id: &str,
        as_of: Timestamp,
        standards: &[Standard],
        opts: &WarningOptions,
    ) -> Result<Warning, Error> {
        let idx = self
            .find_shop(shop_id)
            .ok_or_else(|| Error::UnknownShop(shop_id.to_owned()))?;
        for s in standards {
            s.validate()?;
        }
        // its category alone: a warning reads its score and its peers'
        let peers = self.category_scores(idx, as_of, Change::Omitted);
        let shop = (peers.iter())
            .find(|s| &*s.shop_id == shop_id)
            .expect("the shop is among its peers");
        let counts = category_problem_counts(peers.iter().collect::<Vec<_>>().iter());
        let mut tallies = CategoryTallies::default();
        let facts = self.order_facts(idx, as_of, standards);
        let w = self.warning_of(
            as_of,
            (idx, shop),
            &facts,
            counts,
            standards,
            opts,
            &mut tallies,
            true,
        )?;
        Ok(w.expect("kept whether at risk or not"))
    }

    /// Every shop at risk at `as_of` (see [`Warning::at_risk`]), by shop id.
    pub fn at_risk(
        &self,
        as_of: Timestamp,
        standards: &[Standard],
        opts: &WarningOptions,
    ) -> Result<Vec<Warning>, Error> {
        for s in standards {
            s.validate()?;
        }
        // each score with its shop's handle (no look-up by name), unranked:
        // the answer is sorted by shop id
        let all: Vec<ShopId> = self.ledger().shops.handles().collect();
        let (ids, scores) = self.score_shops_keyed(&all, as_of, Change::Omitted);
        let mut by_category: BTreeMap<&str, Vec<&ShopScore>> = BTreeMap::new();
        for s in &scores {
            by_category.entry(&s.category).or_default().push(s);
        }
        let counts: BTreeMap<&str, (u64, u64)> = (by_category.iter())
            .map(|(&c, shops)| (c, category_problem_counts(shops)))
            .collect();
        // every order's facts, read in one pass over the table
        let facts = self.facts_of_shops(as_of, standards);
        // shops split over the cores; each part sums a category's problem
        // tally once (not once per shop); the answer is sorted, so it does
        // not depend on the split
        let warn = |ids: &[ShopId], shops: &[ShopScore]| -> Result<Vec<Warning>, Error> {
            let mut tallies = CategoryTallies::default();
            let mut out = Vec::new();
            for (&idx, shop) in ids.iter().zip(shops) {
                let category = counts[&*shop.category];
                let facts = facts.of_shop(self, idx);
                let w = self.warning_of(
                    as_of,
                    (idx, shop),
                    &facts,
                    category,
                    standards,
                    opts,
                    &mut tallies,
                    false,
                )?;
                out.extend(w);
            }
            Ok(out)
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut out = if threads == 1 || scores.len() < 2_000 {
            warn(&ids, &scores)?
        } else {
            let chunk = scores.len().div_ceil(threads);
            let parts: Vec<Result<Vec<Warning>, Error>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (ids.chunks(chunk).zip(scores.chunks(chunk)))
                    .map(|(ids, part)| scope.spawn(move || warn(ids, part)))
                    .collect();
                (handles.into_iter())
                    .map(|h| h.join().expect("warnings do not panic"))
                    .collect()
            });
            let mut out = Vec::new();
            for part in parts {
                out.extend(part?);
            }
            out
        };
        out.sort_by(|a, b| a.shop_id.cmp(&b.shop_id));
        Ok(out)
    }

    /// `(idx, shop)`: the shop's index and score; `facts`: its orders'
    /// facts for `standards` at `as_of`; `counts`: its category's pooled
    /// problem counts. `None` when the shop is not at risk, unless `keep_all`.
    #[allow(clippy::too_many_arguments)]
    fn warning_of(
        &self,
        as_of: Timestamp,
        (idx, shop): (ShopId, &ShopScore),
        facts: &[OrderFacts],
        counts: (u64, u64),
        standards: &[Standard],
        opts: &WarningOptions,
        tallies: &mut CategoryTallies,
        keep_all: bool,
    ) -> Result<Option<Warning>, Error> {
        // the standings first without their names: most shops of a large
        // board are not at risk, and only the warnings returned need them
        let mut held = Vec::new();
        for standard in standards {
            let metrics = self.standard_metrics(idx, facts, standard, as_of, tallies);
            let Some(tier) = held_tier(standard, &metrics) else {
                continue;
            };
            for rule in &tier.rules {
                let m = metric_of(&metrics, rule);
                let margin = rule_margin(rule, m);
                held.push((standard, tier, rule, m.numerator, m.denominator, margin));
            }
        }
        let list = self.list_margin(shop, counts);
        let g = &self.config().grades;
        let points_above_grade_floor = match shop.grade {
            Grade::High => Some(shop.overall - g.high),
            Grade::Medium => Some(shop.overall - g.medium),
            Grade::Low => None,
        };
        let close = |margin: Option<u64>| margin.is_some_and(|k| k <= opts.within_orders);
        let at_risk = list.as_ref().is_some_and(|m| close(m.margin))
            || held.iter().any(|h| close(h.5))
            || points_above_grade_floor.is_some_and(|p| p < opts.within_points);
        if !at_risk && !keep_all {
            return Ok(None);
        }
        let margins = (list.into_iter())
            .chain(held.into_iter().map(
                |(standard, tier, rule, numerator, denominator, margin)| Margin {
                    kind: "standard",
                    standard: Some(standard.name.clone()),
                    tier: Some(tier.name.clone()),
                    metric: rule.metric.name(),
                    numerator,
                    denominator,
                    margin,
                },
            ))
            .collect();
        Ok(Some(Warning {
            shop_id: shop.shop_id.to_string(),
            category: shop.category.to_string(),
            overall: shop.overall,
            grade: shop.grade,
            points_above_grade_floor,
            margins,
            at_risk,
        }))
    }

    /// The good-service list: more problem orders the shop can take while
    /// it still qualifies (its rate stays below its category's pooled rate,
    /// which rises with them). `None` when it does not qualify now.
    fn list_margin(&self, shop: &ShopScore, (cn, cd): (u64, u64)) -> Option<Margin> {
        let cfg = &self.config().good_service;
        if exclusion(cfg, shop, (cn, cd)).is_some() {
            return None;
        }
        let p = &shop.problem_rate;
        let cap = p.valid_orders.saturating_sub(p.problem_orders);
        let holds =
            |k: u64| below_category_mean(p.problem_orders + k, p.valid_orders, (cn + k, cd));
        Some(Margin {
            kind: "good_service_list",
            standard: None,
            tier: None,
            metric: "problem_order_rate",
            numerator: p.problem_orders,
            denominator: p.valid_orders,
            margin: largest_holding(cap, holds),
        })
    }
}
