//! The good-service list (好服务榜单): per category, the shops that qualify,
//! ranked by experience score.
//!
//! Why built on the scoreboard: the list must agree with the scores shown
//! elsewhere and be reproducible from the events and `as_of` alone. The
//! eligibility test against the category mean uses the integer counts
//! behind the rates (no float comparison), and ties are broken by a total
//! order (score desc, problem rate asc, shop id asc).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::event::Timestamp;
use crate::score::ShopScore;

/// Who may enter the list. **\[ours\]**: none of it is published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GoodServiceConfig {
    /// Minimum valid paid orders (the score's growth-stage window).
    pub min_valid_orders: u64,
    /// At most this many shops listed per category; 0 = no limit.
    pub max_per_category: usize,
}

impl Default for GoodServiceConfig {
    fn default() -> Self {
        GoodServiceConfig {
            min_valid_orders: 30,
            max_per_category: 0,
        }
    }
}

/// One listed shop.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListedShop {
    /// 1-based rank inside the category.
    pub rank: usize,
    /// Shop id.
    pub shop_id: String,
    /// Experience score.
    pub overall: f64,
    /// Problem orders in the window.
    pub problem_orders: u64,
    /// Valid paid orders in the problem-order window.
    pub problem_window_orders: u64,
    /// Problem-order rate display (`2.31%`).
    pub problem_rate: String,
    /// Valid paid orders in the growth-stage window.
    pub valid_orders: u64,
}

/// Why a shop was left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Exclusion {
    /// Fewer valid orders than the minimum.
    TooFewOrders {
        /// Valid orders it has.
        valid_orders: u64,
        /// Minimum.
        min: u64,
    },
    /// Its problem-order rate is not below the category mean.
    ProblemRateNotBelowMean,
    /// It carries a fake-order penalty.
    FakeOrderPenalty,
    /// Cut by `max_per_category`.
    BeyondListLength,
}

/// One category's list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryList {
    /// Category.
    pub category: String,
    /// Pooled problem-order rate of the category (display).
    pub category_mean: String,
    /// Listed shops, best first.
    pub shops: Vec<ListedShop>,
    /// Shops left out, by shop id, with the first reason that applied.
    pub excluded: Vec<(String, Exclusion)>,
}

/// The good-service list at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GoodServiceList {
    /// The moment.
    pub as_of: Timestamp,
    /// One list per category, by category name.
    pub categories: Vec<CategoryList>,
}

/// Score desc, problem rate asc (exact), shop id asc.
fn order(a: &ShopScore, b: &ShopScore) -> Ordering {
    let (an, ad) = (
        u128::from(a.problem_rate.problem_orders),
        u128::from(a.problem_rate.valid_orders),
    );
    let (bn, bd) = (
        u128::from(b.problem_rate.problem_orders),
        u128::from(b.problem_rate.valid_orders),
    );
    b.overall
        .total_cmp(&a.overall)
        .then_with(|| (an * bd).cmp(&(bn * ad)))
        .then_with(|| a.shop_id.cmp(&b.shop_id))
}

impl Engine {
    /// The good-service list at `as_of`, for one category or all of them.
    /// A shop qualifies with at least `good_service.min_valid_orders` valid
    /// orders, a problem-order rate strictly below its category's pooled
    /// rate, and no fake-order penalty.
    ///
    /// ```
    /// # use truexp::Timestamp;
    /// let engine = truexp::Engine::default();
    /// let list = engine.good_service_list(Timestamp::constant(1_790_000_000), None);
    /// assert!(list.categories.is_empty());
    /// ```
    pub fn good_service_list(&self, as_of: Timestamp, category: Option<&str>) -> GoodServiceList {
        let cfg = &self.cfg().good_service;
        let board = self.scoreboard(as_of);
        let mut cats: BTreeMap<&str, Vec<&ShopScore>> = BTreeMap::new();
        for s in &board.shops {
            if category.is_none_or(|c| c == &*s.category) {
                cats.entry(&*s.category).or_default().push(s);
            }
        }
        let categories = cats
            .into_iter()
            .map(|(cat, shops)| {
                let (cn, cd) = category_problem_counts(&shops);
                let mut listed: Vec<&ShopScore> = Vec::new();
                let mut excluded = Vec::new();
                for s in shops {
                    match exclusion(cfg, s, (cn, cd)) {
                        Some(w) => excluded.push((s.shop_id.to_string(), w)),
                        None => listed.push(s),
                    }
                }
                listed.sort_by(|a, b| order(a, b));
                if cfg.max_per_category > 0 && listed.len() > cfg.max_per_category {
                    for s in listed.drain(cfg.max_per_category..) {
                        excluded.push((s.shop_id.to_string(), Exclusion::BeyondListLength));
                    }
                }
                excluded.sort_by(|a, b| a.0.cmp(&b.0));
                CategoryList {
                    category: cat.to_owned(),
                    category_mean: crate::problem::percent_truncated(cn, cd),
                    shops: listed
                        .into_iter()
                        .enumerate()
                        .map(|(i, s)| ListedShop {
                            rank: i + 1,
                            shop_id: s.shop_id.to_string(),
                            overall: s.overall,
                            problem_orders: s.problem_rate.problem_orders,
                            problem_window_orders: s.problem_rate.valid_orders,
                            problem_rate: s.problem_rate.display.clone(),
                            valid_orders: s.valid_orders,
                        })
                        .collect(),
                    excluded,
                }
            })
            .collect();
        GoodServiceList { as_of, categories }
    }
}

/// Why a shop of a category with pooled problem counts `counts` cannot be
/// listed (the length cut aside), or `None` when it qualifies.
pub(crate) fn exclusion(
    cfg: &GoodServiceConfig,
    s: &ShopScore,
    counts: (u64, u64),
) -> Option<Exclusion> {
    let p = &s.problem_rate;
    if s.valid_orders < cfg.min_valid_orders {
        Some(Exclusion::TooFewOrders {
            valid_orders: s.valid_orders,
            min: cfg.min_valid_orders,
        })
    } else if s.fake_order_penalty > 0.0 {
        Some(Exclusion::FakeOrderPenalty)
    } else if !below_category_mean(p.problem_orders, p.valid_orders, counts) {
        Some(Exclusion::ProblemRateNotBelowMean)
    } else {
        None
    }
}

/// A category's pooled problem orders and valid orders (problem-order window).
pub(crate) fn category_problem_counts<'a>(
    shops: impl IntoIterator<Item = &'a &'a ShopScore>,
) -> (u64, u64) {
    shops.into_iter().fold((0, 0), |(n, d), s| {
        (
            n.saturating_add(s.problem_rate.problem_orders),
            d.saturating_add(s.problem_rate.valid_orders),
        )
    })
}

/// The list's rate test: `problem / valid` strictly below the category's
/// pooled rate `cn / cd`, in integers (`p·cd < cn·v`); never with no orders.
pub(crate) fn below_category_mean(problem: u64, valid: u64, (cn, cd): (u64, u64)) -> bool {
    valid > 0 && u128::from(problem) * u128::from(cd) < u128::from(cn) * u128::from(valid)
}
