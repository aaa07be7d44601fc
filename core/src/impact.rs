//! Service → growth: does good service pay? Per shop, repurchase and net
//! GMV beside the problem-order rate; per category, the shops with the
//! lowest problem-order rates against those with the highest.
//!
//! Why: the platform's headline claim is that shops with a low problem-order
//! rate earn about twice the repurchase rate and net GMV of shops with a high
//! one. The engine already holds every order's buyer, paid amount and
//! refunds, so the claim can be checked on a platform's own events instead
//! of taken on trust. Money is summed in integer minor units; only the two
//! ratios are floating point.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::Engine;
use crate::error::Error;
use crate::event::{Money, Timestamp};
use crate::ids::Handle;
use crate::rates::ProblemTally;

/// How the report is cut. **\[ours\]**: none of it is published.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImpactOptions {
    /// Orders paid on the last this many local days (ending on `as_of`'s
    /// day, paid no later than `as_of`) are counted: 1 ..= 3,660.
    pub window_days: u32,
    /// The share of a category's shops (ranked by problem-order rate) in
    /// each compared group: the lowest rates and the highest. 0 < share ≤ 0.5.
    pub group_share: f64,
}

impl Default for ImpactOptions {
    fn default() -> Self {
        ImpactOptions {
            window_days: 90,
            group_share: 0.25,
        }
    }
}

/// One shop's growth beside its problem-order rate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShopGrowth {
    /// Shop id.
    pub shop_id: String,
    /// Category.
    pub category: String,
    /// Distinct buyers with a valid (not fake) paid order in the window.
    pub buyers: u64,
    /// Of those, buyers with two valid paid orders or more.
    pub repeat_buyers: u64,
    /// `repeat_buyers / buyers` (0 with no buyer).
    pub repurchase_rate: f64,
    /// Valid orders paid in the window.
    pub orders: u64,
    /// What they paid, minor units.
    pub paid: Money,
    /// Refunds on them completed by `as_of`, minor units.
    pub refunded: Money,
    /// `paid − refunded`.
    pub net_gmv: Money,
    /// The problem-order rate's counts (the score's problem window).
    pub problem: ProblemTally,
    /// The shop has enough valid orders to be ranked (the growth-stage minimum).
    pub ranked: bool,
}

/// A group of shops, pooled.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupGrowth {
    /// Shops in the group.
    pub shops: u64,
    /// Their buyers and repeat buyers.
    pub buyers: u64,
    /// Repeat buyers.
    pub repeat_buyers: u64,
    /// Pooled: repeat buyers / buyers.
    pub repurchase_rate: f64,
    /// Net GMV summed, minor units.
    pub net_gmv: Money,
    /// Net GMV per shop, minor units (rounded down).
    pub net_gmv_per_shop: Money,
    /// Pooled problem-order rate of the group.
    pub problem_rate: f64,
}

/// The lowest problem-order rates against the highest, in one category (or all).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Category (`*` for every category together).
    pub category: String,
    /// Ranked shops (enough valid orders).
    pub ranked_shops: u64,
    /// The shops with the lowest problem-order rates.
    pub low_problem: GroupGrowth,
    /// The shops with the highest.
    pub high_problem: GroupGrowth,
    /// Low group's repurchase rate over the high group's (`None` when the
    /// high group's is 0 or a group is empty).
    pub repurchase_ratio: Option<f64>,
    /// Low group's net GMV per shop over the high group's (`None` when not positive).
    pub net_gmv_ratio: Option<f64>,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImpactReport {
    /// The moment.
    pub as_of: Timestamp,
    /// Orders paid on the last this many local days.
    pub window_days: u32,
    /// Share of each category's ranked shops in each group.
    pub group_share: f64,
    /// Every shop, by shop id.
    pub shops: Vec<ShopGrowth>,
    /// Per category (by name), then `*` for every category together.
    pub comparisons: Vec<Comparison>,
}

impl Engine {
    /// The service → growth report at `as_of` (see the module docs).
    pub fn impact(&self, as_of: Timestamp, opts: &ImpactOptions) -> Result<ImpactReport, Error> {
        if !(1..=3_660).contains(&opts.window_days) {
            return Err(Error::OutOfRange {
                name: "window_days",
                message: format!("must be 1 ..= 3660, got {}", opts.window_days),
            });
        }
        if !(opts.group_share > 0.0 && opts.group_share <= 0.5) {
            return Err(Error::OutOfRange {
                name: "group_share",
                message: format!("must be in (0, 0.5], got {}", opts.group_share),
            });
        }
        let t = self.clock().day(as_of);
        let from = t.window_start(opts.window_days);
        let (problem_from, _) = self.problem_window(as_of, self.cfg().problems.window_days);
        let mut shops: Vec<ShopGrowth> = self
            .ledger()
            .shops
            .enumerate()
            .map(|(i, shop)| {
                let mut per_buyer: BTreeMap<u32, u32> = BTreeMap::new();
                let (mut orders, mut paid, mut refunded) = (0u64, Money::ZERO, Money::ZERO);
                for (_, order) in self.orders_known_at(i, as_of) {
                    let day = self.clock().day(order.paid_at);
                    if order.is_fake() || order.paid_at > as_of || day < from {
                        continue;
                    }
                    orders += 1;
                    *per_buyer.entry(order.buyer.index() as u32).or_insert(0) += 1;
                    paid = paid.saturating_add(order.amount);
                    for case in order.refunds() {
                        if let Some(done) = case.completed.get().filter(|d| d.at() <= as_of) {
                            refunded = refunded.saturating_add(done.value.amount);
                        }
                    }
                }
                let buyers = per_buyer.len() as u64;
                let repeat_buyers = per_buyer.values().filter(|&&n| n >= 2).count() as u64;
                let problem = self.known_tally(i, problem_from, as_of);
                ShopGrowth {
                    shop_id: shop.id.to_string(),
                    category: shop.category().to_owned(),
                    buyers,
                    repeat_buyers,
                    repurchase_rate: share(repeat_buyers, buyers),
                    orders,
                    paid,
                    refunded,
                    net_gmv: paid.saturating_sub(refunded),
                    ranked: problem.valid_orders >= self.cfg().growth_stage.min_valid_orders
                        && problem.valid_orders > 0,
                    problem,
                }
            })
            .collect();
        shops.sort_by(|a, b| a.shop_id.cmp(&b.shop_id));
        let mut by_category: BTreeMap<&str, Vec<&ShopGrowth>> = BTreeMap::new();
        for s in shops.iter().filter(|s| s.ranked) {
            by_category.entry(&s.category).or_default().push(s);
        }
        let mut comparisons = Vec::new();
        let (mut all_low, mut all_high) = (Vec::new(), Vec::new());
        for (category, mut ranked) in by_category {
            ranked.sort_by(|a, b| by_problem_rate(a, b));
            let (low, high) = groups(&ranked, opts.group_share);
            all_low.extend_from_slice(low);
            all_high.extend_from_slice(high);
            comparisons.push(compare(category, ranked.len(), low, high));
        }
        let ranked = shops.iter().filter(|s| s.ranked).count();
        comparisons.push(compare("*", ranked, &all_low, &all_high));
        Ok(ImpactReport {
            as_of,
            window_days: opts.window_days,
            group_share: opts.group_share,
            shops,
            comparisons,
        })
    }
}

fn share(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// Problem-order rate ascending, compared exactly (cross-multiplied), then shop id.
fn by_problem_rate(a: &ShopGrowth, b: &ShopGrowth) -> Ordering {
    let (an, ad) = (
        a.problem.problem_orders as u128,
        a.problem.valid_orders as u128,
    );
    let (bn, bd) = (
        b.problem.problem_orders as u128,
        b.problem.valid_orders as u128,
    );
    (an * bd)
        .cmp(&(bn * ad))
        .then_with(|| a.shop_id.cmp(&b.shop_id))
}

/// The first and last `share` of `ranked` (at least one shop each when
/// there are two or more; none with fewer).
fn groups<'a, 'b>(
    ranked: &'b [&'a ShopGrowth],
    share: f64,
) -> (&'b [&'a ShopGrowth], &'b [&'a ShopGrowth]) {
    let n = ranked.len();
    if n < 2 {
        return (&[], &[]);
    }
    let k = ((n as f64 * share).floor() as usize).clamp(1, n / 2);
    (&ranked[..k], &ranked[n - k..])
}

fn pool(group: &[&ShopGrowth]) -> GroupGrowth {
    let mut g = GroupGrowth {
        shops: group.len() as u64,
        ..GroupGrowth::default()
    };
    let (mut problems, mut valid) = (0u64, 0u64);
    for s in group {
        g.buyers += s.buyers;
        g.repeat_buyers += s.repeat_buyers;
        g.net_gmv = g.net_gmv.saturating_add(s.net_gmv);
        problems += s.problem.problem_orders;
        valid += s.problem.valid_orders;
    }
    g.repurchase_rate = share(g.repeat_buyers, g.buyers);
    // 0 shops: none
    g.net_gmv_per_shop = (g.net_gmv)
        .div_floor(i64::try_from(g.shops).unwrap_or(i64::MAX))
        .unwrap_or_default();
    g.problem_rate = share(problems, valid);
    g
}

fn compare(category: &str, ranked: usize, low: &[&ShopGrowth], high: &[&ShopGrowth]) -> Comparison {
    let (low, high) = (pool(low), pool(high));
    let ratio = |a: f64, b: f64| (b > 0.0 && low.shops > 0).then(|| a / b);
    Comparison {
        category: category.to_owned(),
        ranked_shops: ranked as u64,
        repurchase_ratio: ratio(low.repurchase_rate, high.repurchase_rate),
        // a ratio of two amounts, not an amount
        net_gmv_ratio: ratio(
            low.net_gmv_per_shop.minor_units() as f64,
            high.net_gmv_per_shop.minor_units() as f64,
        ),
        low_problem: low,
        high_problem: high,
    }
}
