//! Seller standards (Amazon Account Health, eBay Seller Standards, Tmall-like
//! service tiers) as presets of one configurable model.
//!
//! Why one model: every published standard is "a few rates over a window,
//! each compared with a threshold, sometimes forgiven below an absolute count
//! of unique buyers, mapped to ordered tiers". Expressing them as data
//! ([`Standard`]) instead of code means an operator can tune a threshold or
//! add a tier without a rebuild, and the three presets are tested by one
//! evaluator. Comparisons are exact integer cross-multiplications
//! (`numerator × 10 000` against `basis_points × denominator`), so a rate
//! exactly on a threshold is decided by the published wording (`<`, `≤`,
//! `≥`), never by floating-point noise.
//!
//! A standard is evaluated by walking only the shop's own orders (and, for a
//! threshold relative to the category mean, its category's day counters).
//! Fake orders are out of every numerator and denominator. Facts are taken as
//! the engine knows them (like the score, facts stamped after `as_of` count).
//!
//! The shipped [`presets`] (**\[pub\]** = published, see `docs/rules.md`; **\[ours\]** = our choice):
//!
//! | preset | tier | metric | window | rule |
//! |---|---|---|---|---|
//! | `amazon` | `healthy` | order defect rate | 60 d | `< 1%` exclusive **\[pub\]** |
//! | | | late shipment rate | 30 d (of 10 and 30) **\[ours\]** | `< 4%` exclusive **\[pub\]** |
//! | | | pre-fulfilment cancel rate | 7 d | `< 2.5%` exclusive **\[pub\]** |
//! | | | valid tracking rate | 30 d | `≥ 95%` inclusive **\[pub\]** |
//! | | `at_risk` | everything else **\[ours\]** | | |
//! | `ebay` | `top_rated` | transaction defect rate | 90 d, 365 d under 400 orders | `≤ 0.5%` or `≤ 3` unique buyers **\[pub\]** |
//! | | | cases closed without seller resolution | same | `≤ 0.3%` or `≤ 2` **\[pub\]** |
//! | | | late shipment rate | same | `≤ 3%` or `≤ 5` **\[pub\]** |
//! | | `above_standard` | transaction defect rate | same | `≤ 2%` or `≤ 4` **\[pub\]** |
//! | | | cases closed without seller resolution | same | `≤ 0.3%` or `≤ 2` **\[ours\]** |
//! | | `below_standard` | everything else | | |
//! | `tmall` | `excellent` | problem-order rate | 30 d, ≥ 30 orders **\[ours\]** | `≤ 0.5 ×` category mean **\[ours\]** |
//! | | `good` | problem-order rate | same | `≤ 1 ×` category mean **\[ours\]** |
//! | | `needs_improvement` | everything else **\[ours\]** | | |

mod facts;
pub mod presets;

pub(crate) use facts::OrderFacts;

use crate::ids::ShopId;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::{ConfigError, Error};
use crate::event::Timestamp;
use crate::time::LocalDay;

/// What a metric counts. Every metric excludes fake orders from both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Distinct problem orders / valid paid orders, by payment day: the same
    /// definition as [`ShopScore::problem_rate`](crate::ShopScore).
    ProblemOrderRate,
    /// Amazon's order defect rate: orders with negative feedback (an honest
    /// review whose lowest star rating is at most
    /// [`Standard::negative_feedback_max_stars`]), an A-to-z claim not denied,
    /// or a chargeback; one defect per order; / orders, by order date.
    OrderDefectRate,
    /// Shipments confirmed after the promised ship-by time / shipped orders, by order date.
    LateShipmentRate,
    /// Orders the seller cancelled before shipping / orders, by order date.
    PreFulfilmentCancelRate,
    /// Shipments with a valid tracking number / shipped orders, by order date.
    ValidTrackingRate,
    /// eBay-like transaction defect rate **\[ours, after eBay's definition\]**:
    /// orders cancelled by the seller or closed without seller resolution / orders, by order date.
    TransactionDefectRate,
    /// Cases closed without seller resolution **\[ours\]**: a dispute ruled for
    /// the buyer or an A-to-z claim granted / orders, by order date.
    CasesClosedWithoutSellerResolution,
}

impl MetricKind {
    /// The snake_case name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            MetricKind::ProblemOrderRate => "problem_order_rate",
            MetricKind::OrderDefectRate => "order_defect_rate",
            MetricKind::LateShipmentRate => "late_shipment_rate",
            MetricKind::PreFulfilmentCancelRate => "pre_fulfilment_cancel_rate",
            MetricKind::ValidTrackingRate => "valid_tracking_rate",
            MetricKind::TransactionDefectRate => "transaction_defect_rate",
            MetricKind::CasesClosedWithoutSellerResolution => {
                "cases_closed_without_seller_resolution"
            }
        }
    }
}

/// A longer window used when the shop has too few orders in the normal one
/// (eBay: 3 months with at least 400 transactions, else 12 months).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FallbackWindow {
    /// Valid orders (by order date) the normal window must hold to be used.
    pub min_orders: u64,
    /// The window in days otherwise.
    pub window_days: u32,
}

/// One metric of a standard and the window it is measured over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    /// What it counts.
    pub metric: MetricKind,
    /// Window in local days ending on the day of `as_of`.
    pub window_days: u32,
    /// A longer window when the normal one holds too few orders.
    #[serde(default)]
    pub fallback: Option<FallbackWindow>,
    /// Below this denominator the standard is not assessed at all (the
    /// report's tier is `None`). 0 = always assessed.
    #[serde(default)]
    pub min_orders: u64,
}

/// How a rate is compared with its bound; follows the published wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// `rate ≤ bound` ("≤ 0.5%", "at most").
    AtMost,
    /// `rate < bound` ("< 1%").
    Below,
    /// `rate ≥ bound` ("≥ 95%").
    AtLeast,
    /// `rate > bound`.
    Above,
}

impl Comparison {
    fn holds(self, lhs: u128, rhs: u128) -> bool {
        match self {
            Comparison::AtMost => lhs <= rhs,
            Comparison::Below => lhs < rhs,
            Comparison::AtLeast => lhs >= rhs,
            Comparison::Above => lhs > rhs,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Comparison::AtMost => "≤",
            Comparison::Below => "<",
            Comparison::AtLeast => "≥",
            Comparison::Above => ">",
        }
    }
}

/// What a rate is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// A fixed rate in basis points (100 = 1%, 10 000 = 100%).
    BasisPoints(u32),
    /// A multiple of the category's pooled rate over the same window, in
    /// permille (1000 = the mean, 500 = half of it). Only for
    /// [`MetricKind::ProblemOrderRate`].
    CategoryMeanPermille(u32),
}

/// One condition of a tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The metric (must be defined in [`Standard::metrics`]).
    pub metric: MetricKind,
    /// How the rate compares with the bound.
    pub compare: Comparison,
    /// The bound.
    pub bound: Bound,
    /// eBay's count floor: the rule still holds when the orders counted
    /// against it come from at most this many unique buyers, whatever the
    /// rate ("≤ 0.5% and ≤ 3 from unique buyers": a shop fails only when it
    /// exceeds both). Only for `at_most` / `below` rules.
    #[serde(default)]
    pub max_unique_buyers: Option<u64>,
}

/// A tier and the rules a shop must meet for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Tier name.
    pub name: String,
    /// All must hold. The last tier must have none (it catches the rest).
    pub rules: Vec<Rule>,
}

/// A seller standard: metrics and ordered tiers, best first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// Name (`amazon`, `ebay`, `tmall`, ...).
    pub name: String,
    /// The metrics measured.
    pub metrics: Vec<MetricDef>,
    /// Tiers, best first; a shop gets the first whose rules all hold.
    pub tiers: Vec<Tier>,
    /// A review whose lowest star rating is at most this is negative
    /// feedback for [`MetricKind::OrderDefectRate`] (Amazon: 1–2 stars).
    #[serde(default = "two")]
    pub negative_feedback_max_stars: i64,
}

fn two() -> i64 {
    2
}

impl Standard {
    /// Reads a standard from JSON and validates it; errors name the key.
    ///
    /// ```
    /// let json = serde_json::to_string(&truexp::standards::presets::amazon()).unwrap();
    /// assert_eq!(truexp::standards::Standard::from_json(&json).unwrap().name, "amazon");
    /// let err = truexp::standards::Standard::from_json(&json.replace("\"window_days\":60", "\"window_days\":0")).unwrap_err();
    /// assert_eq!(err.key, "metrics[0].window_days");
    /// ```
    pub fn from_json(json: &str) -> Result<Standard, ConfigError> {
        let s: Standard =
            serde_json::from_str(json).map_err(|e| ConfigError::from_json_error(json, &e))?;
        s.validate()?;
        Ok(s)
    }

    /// Checks the standard; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.name.is_empty() {
            return Err(ConfigError::new("name", "must not be empty"));
        }
        if self.metrics.is_empty() {
            return Err(ConfigError::new("metrics", "at least one metric is needed"));
        }
        for (i, m) in self.metrics.iter().enumerate() {
            let days_ok = |d: u32| (1..=731).contains(&d);
            if !days_ok(m.window_days) {
                return Err(ConfigError::new(
                    format!("metrics[{i}].window_days"),
                    format!("must be 1..=731 days, got {}", m.window_days),
                ));
            }
            if let Some(f) = &m.fallback {
                if !days_ok(f.window_days) {
                    return Err(ConfigError::new(
                        format!("metrics[{i}].fallback.window_days"),
                        format!("must be 1..=731 days, got {}", f.window_days),
                    ));
                }
            }
            if self.metrics[..i].iter().any(|p| p.metric == m.metric) {
                return Err(ConfigError::new(
                    format!("metrics[{i}].metric"),
                    format!("`{}` is defined twice", m.metric.name()),
                ));
            }
        }
        if self.tiers.is_empty() {
            return Err(ConfigError::new("tiers", "at least one tier is needed"));
        }
        for (t, tier) in self.tiers.iter().enumerate() {
            if tier.name.is_empty() {
                return Err(ConfigError::new(
                    format!("tiers[{t}].name"),
                    "must not be empty",
                ));
            }
            for (r, rule) in tier.rules.iter().enumerate() {
                let key = |k: &str| format!("tiers[{t}].rules[{r}].{k}");
                if !self.metrics.iter().any(|m| m.metric == rule.metric) {
                    return Err(ConfigError::new(
                        key("metric"),
                        format!("`{}` is not in `metrics`", rule.metric.name()),
                    ));
                }
                match rule.bound {
                    Bound::BasisPoints(bp) if bp > 10_000 => {
                        return Err(ConfigError::new(
                            key("bound"),
                            format!("basis points must be 0..=10000, got {bp}"),
                        ))
                    }
                    Bound::CategoryMeanPermille(_)
                        if rule.metric != MetricKind::ProblemOrderRate =>
                    {
                        return Err(ConfigError::new(
                            key("bound"),
                            format!(
                                "category_mean_permille is only defined for problem_order_rate, not `{}`",
                                rule.metric.name()
                            ),
                        ))
                    }
                    _ => {}
                }
                if rule.max_unique_buyers.is_some()
                    && !matches!(rule.compare, Comparison::AtMost | Comparison::Below)
                {
                    return Err(ConfigError::new(
                        key("max_unique_buyers"),
                        "a unique-buyer floor only applies to at_most / below rules",
                    ));
                }
            }
        }
        let last = self.tiers.len() - 1;
        if !self.tiers[last].rules.is_empty() {
            return Err(ConfigError::new(
                format!("tiers[{last}].rules"),
                "the last tier must have no rules (it catches every other shop)",
            ));
        }
        if !(1..=5).contains(&self.negative_feedback_max_stars) {
            return Err(ConfigError::new(
                "negative_feedback_max_stars",
                format!("must be 1..=5, got {}", self.negative_feedback_max_stars),
            ));
        }
        Ok(())
    }
}

/// One metric of one shop.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricValue {
    /// The metric.
    pub metric: MetricKind,
    /// Window length used (the fallback's when it applied).
    pub window_days: u32,
    /// First and last local day of the window.
    pub window: (i32, i32),
    /// Orders counted in the numerator.
    pub numerator: u64,
    /// Orders in the denominator.
    pub denominator: u64,
    /// Distinct buyers of the numerator's orders.
    pub unique_buyers: u64,
    /// numerator / denominator, 0 with no orders (display only).
    pub rate: f64,
    /// Percent, two decimals, truncated.
    pub display: String,
    /// For the problem-order rate: the category's pooled `(problem, valid)` counts.
    pub category: Option<(u64, u64)>,
    /// False when the denominator is below the metric's `min_orders`.
    pub assessed: bool,
}

/// The outcome of one rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleCheck {
    /// The metric.
    pub metric: MetricKind,
    /// Whether it holds.
    pub met: bool,
    /// Why, in words (`0.62% ≤ 0.50%: no; 2 unique buyers ≤ 3: yes`).
    pub detail: String,
}

/// The outcome of one tier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierCheck {
    /// Tier name.
    pub tier: String,
    /// All rules hold.
    pub met: bool,
    /// Each rule.
    pub rules: Vec<RuleCheck>,
}

/// A shop's standing under a standard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StandardReport {
    /// The standard's name.
    pub standard: String,
    /// Shop id.
    pub shop_id: String,
    /// The moment evaluated.
    pub as_of: Timestamp,
    /// The first tier met; `None` when a metric is below its `min_orders`.
    pub tier: Option<String>,
    /// The metrics.
    pub metrics: Vec<MetricValue>,
    /// Every tier, each with its rules.
    pub tiers: Vec<TierCheck>,
}

/// Counts of one metric over one window.
#[derive(Default)]
struct Count {
    num: u64,
    den: u64,
    /// Distinct buyers of the numerator's orders.
    unique_buyers: u64,
}

/// Category problem tallies by category, then (first day, moment), summed
/// once. Two levels so that a lookup borrows the category's name instead of
/// allocating a key per shop and metric.
#[derive(Debug, Default)]
pub(crate) struct CategoryTallies(
    std::collections::HashMap<
        String,
        std::collections::HashMap<(LocalDay, Timestamp), crate::rates::ProblemTally>,
    >,
);

impl Engine {
    /// Evaluates a shop against a standard at `as_of`.
    ///
    /// ```
    /// # use truexp::Timestamp;
    /// use truexp::{standards::presets, Engine};
    /// let mut engine = Engine::default();
    /// engine.ingest_jsonl(r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":100}],"paid_at":1790000000,"ship_by":1790086400}
    /// {"type":"shipped","id":"e2","order_id":"o1","at":1790003600,"pickup_at":1790007200}"#.as_bytes());
    /// let report = engine.evaluate_standard("s1", &presets::amazon(), Timestamp::constant(1_790_100_000)).unwrap();
    /// assert_eq!(report.tier.as_deref(), Some("healthy"));
    /// ```
    pub fn evaluate_standard(
        &self,
        shop_id: &str,
        standard: &Standard,
        as_of: Timestamp,
    ) -> Result<StandardReport, Error> {
        self.evaluate_standard_with(shop_id, standard, as_of, &mut CategoryTallies::default())
    }

    /// [`Engine::evaluate_standard`] with the category problem tallies
    /// already summed at `as_of` (a pass over every shop of the category
    /// each): many shops evaluated at one moment share them.
    pub(crate) fn evaluate_standard_with(
        &self,
        shop_id: &str,
        standard: &Standard,
        as_of: Timestamp,
        tallies: &mut CategoryTallies,
    ) -> Result<StandardReport, Error> {
        standard.validate()?;
        let idx = self
            .find_shop(shop_id)
            .ok_or_else(|| Error::UnknownShop(shop_id.to_owned()))?;
        let facts = self.order_facts(idx, as_of, std::slice::from_ref(standard));
        let mut metrics = self.standard_metrics(idx, &facts, standard, as_of, tallies);
        for m in &mut metrics {
            m.display = crate::problem::percent_truncated(m.numerator, m.denominator);
        }
        let tiers: Vec<TierCheck> = standard
            .tiers
            .iter()
            .map(|tier| {
                let rules: Vec<RuleCheck> = tier
                    .rules
                    .iter()
                    .map(|rule| check(rule, metric_of(&metrics, rule)))
                    .collect();
                TierCheck {
                    tier: tier.name.clone(),
                    met: rules.iter().all(|r| r.met),
                    rules,
                }
            })
            .collect();
        let tier = held_tier(standard, &metrics).map(|t| t.name.clone());
        debug_assert_eq!(
            tier.as_deref(),
            metrics
                .iter()
                .all(|m| m.assessed)
                .then(|| tiers.iter().find(|t| t.met).map(|t| t.tier.as_str()))
                .flatten()
        );
        Ok(StandardReport {
            standard: standard.name.clone(),
            shop_id: shop_id.to_owned(),
            as_of,
            tier,
            metrics,
            tiers,
        })
    }

    /// The metrics of a validated `standard` for shop `idx`, from its
    /// orders' facts as known at `as_of` ([`Engine::order_facts`] with this
    /// standard among those asked for), without display text: the part of
    /// an evaluation early warnings need for every shop.
    pub(crate) fn standard_metrics(
        &self,
        idx: ShopId,
        facts: &[OrderFacts],
        standard: &Standard,
        as_of: Timestamp,
        tallies: &mut CategoryTallies,
    ) -> Vec<MetricValue> {
        let shop = &self.ledger().shops[idx];
        let t = self.clock().day(as_of);
        standard
            .metrics
            .iter()
            .map(|def| {
                let mut days = def.window_days;
                if let Some(f) = &def.fallback {
                    let orders = count(facts, standard, def.metric, t, days).den;
                    let valid = if def.metric == MetricKind::ProblemOrderRate {
                        orders
                    } else {
                        let from = t.window_start(days);
                        (facts.iter())
                            .filter(|o| o.valid() && (from..=t).contains(&o.ordered_day()))
                            .count() as u64
                    };
                    if valid < f.min_orders {
                        days = f.window_days;
                    }
                }
                let c = count(facts, standard, def.metric, t, days);
                let window = (t.window_start(days), t);
                let category = (def.metric == MetricKind::ProblemOrderRate).then(|| {
                    let name = shop.category();
                    let by_window = match tallies.0.get_mut(name) {
                        Some(m) => m,
                        None => tallies.0.entry(name.to_owned()).or_default(),
                    };
                    let c = (by_window.entry((window.0, as_of)))
                        .or_insert_with(|| self.category_tally(name, window.0, as_of));
                    (c.problem_orders, c.valid_orders)
                });
                MetricValue {
                    metric: def.metric,
                    window_days: days,
                    window: (window.0.get(), window.1.get()),
                    numerator: c.num,
                    denominator: c.den,
                    unique_buyers: c.unique_buyers,
                    rate: if c.den == 0 {
                        0.0
                    } else {
                        c.num as f64 / c.den as f64
                    },
                    display: String::new(),
                    category,
                    assessed: c.den >= def.min_orders,
                }
            })
            .collect()
    }
}

/// One metric over the `days` ending on local day `t`.
fn count(
    facts: &[OrderFacts],
    std: &Standard,
    metric: MetricKind,
    t: LocalDay,
    days: u32,
) -> Count {
    let from = t.window_start(days);
    let mut c = Count::default();
    let mut buyers = Vec::new();
    for o in facts {
        if !o.valid() || !(from..=t).contains(&o.day(metric)) {
            continue;
        }
        let Some(bad) = o.judge(std, metric) else {
            continue;
        };
        c.den += 1;
        if bad {
            c.num += 1;
            buyers.push(o.buyer());
        }
    }
    buyers.sort_unstable();
    buyers.dedup();
    c.unique_buyers = buyers.len() as u64;
    c
}

/// How many more of the window's orders can go against `rule` while it
/// still holds, decided by the same check as the rule itself: for
/// `at_most` / `below` rules, orders of the window turning bad (each from
/// a new buyer, the worst case for a unique-buyer floor; a category-mean
/// bound's pooled count rises with them); for `at_least` / `above` rules,
/// good orders of the window turning bad. `None` when the rule does not
/// hold now, or would still hold with every order of the window against it.
pub fn rule_margin(rule: &Rule, m: &MetricValue) -> Option<u64> {
    let bad_counts = matches!(rule.compare, Comparison::AtMost | Comparison::Below);
    let (cap, moved) = if bad_counts {
        (m.denominator.saturating_sub(m.numerator), 1i64)
    } else {
        (m.numerator, -1)
    };
    let against = |k: u64| {
        let shift = |n: u64| {
            if moved > 0 {
                n.saturating_add(k)
            } else {
                n.saturating_sub(k)
            }
        };
        MetricValue {
            numerator: shift(m.numerator),
            unique_buyers: if bad_counts {
                m.unique_buyers.saturating_add(k)
            } else {
                m.unique_buyers
            },
            category: m.category.map(|(cn, cd)| (shift(cn), cd)),
            ..m.clone()
        }
    };
    largest_holding(cap, |k| rule_met(rule, &against(k)))
}

/// The largest `k` in `0..=cap` for which `holds(k)`, for a condition that
/// holds up to some `k` and not beyond (binary search); `None` when it
/// does not hold at 0 or still holds at `cap`.
pub(crate) fn largest_holding(cap: u64, holds: impl Fn(u64) -> bool) -> Option<u64> {
    if !holds(0) || holds(cap) {
        return None;
    }
    let (mut lo, mut hi) = (0, cap); // holds(lo), !holds(hi)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// Decides one rule with integer arithmetic.
/// The metric a rule reads (validated: every rule names a defined metric).
pub(crate) fn metric_of<'m>(metrics: &'m [MetricValue], rule: &Rule) -> &'m MetricValue {
    metrics
        .iter()
        .find(|m| m.metric == rule.metric)
        .expect("validated: rules name defined metrics")
}

/// Whether `m` meets `rule`: the rate against the bound, or (for a rule
/// with a unique-buyer floor) few enough distinct buyers; no orders meet
/// every rule. [`check`] explains the same verdict in words.
pub(crate) fn rule_met(rule: &Rule, m: &MetricValue) -> bool {
    if m.denominator == 0 {
        return true;
    }
    rate_meets_bound(rule, m)
        || rule
            .max_unique_buyers
            .is_some_and(|max| m.unique_buyers <= max)
}

/// The rate part of [`rule_met`], exact in integers.
fn rate_meets_bound(rule: &Rule, m: &MetricValue) -> bool {
    let (n, d) = (u128::from(m.numerator), u128::from(m.denominator));
    match rule.bound {
        // n/d ⋛ bp/10000  ⇔  n·10000 ⋛ bp·d
        Bound::BasisPoints(bp) => rule.compare.holds(n * 10_000, u128::from(bp) * d),
        Bound::CategoryMeanPermille(k) => {
            let (cn, cd) = m.category.unwrap_or((0, 0));
            let (cn, cd) = (u128::from(cn), u128::from(cd));
            // n/d ⋛ (k/1000)·(cn/cd)  ⇔  n·1000·cd ⋛ k·cn·d
            rule.compare.holds(n * 1000 * cd, u128::from(k) * cn * d)
        }
    }
}

/// The tier a shop holds given its metrics: none while a metric lacks the
/// orders to be assessed, else the first tier whose rules all hold.
pub(crate) fn held_tier<'s>(standard: &'s Standard, metrics: &[MetricValue]) -> Option<&'s Tier> {
    if !metrics.iter().all(|m| m.assessed) {
        return None;
    }
    (standard.tiers.iter()).find(|t| t.rules.iter().all(|r| rule_met(r, metric_of(metrics, r))))
}

fn check(rule: &Rule, m: &MetricValue) -> RuleCheck {
    let met_rate = rate_meets_bound(rule, m);
    let bound_text = match rule.bound {
        Bound::BasisPoints(bp) => format!("{}.{:02}%", bp / 100, bp % 100),
        Bound::CategoryMeanPermille(k) => {
            let (cn, cd) = m.category.unwrap_or((0, 0));
            format!(
                "{}.{:03}× category mean {}",
                k / 1000,
                k % 1000,
                crate::problem::percent_truncated(cn, cd)
            )
        }
    };
    let mut detail = format!("{} {} {}", m.display, rule.compare.symbol(), bound_text);
    let mut met = met_rate;
    if m.denominator == 0 {
        met = true;
        detail.push_str(": no orders, nothing to judge");
    } else if !met_rate {
        if let Some(max) = rule.max_unique_buyers {
            met = m.unique_buyers <= max;
            detail.push_str(&format!(
                ": no; {} unique buyers ≤ {max}: {}",
                m.unique_buyers,
                if met { "yes" } else { "no" }
            ));
        } else {
            detail.push_str(": no");
        }
    } else {
        detail.push_str(": yes");
    }
    debug_assert_eq!(met, rule_met(rule, m));
    RuleCheck {
        metric: rule.metric,
        met,
        detail,
    }
}
