//! What scoring a shop needs from its category peers, as mergeable values.
//!
//! Why: a shop's score depends on its category (shrinkage toward pooled
//! means, the mean block score given to unassessed blocks, percentiles among
//! peers), and nothing else outside the shop. Made explicit, that dependency
//! splits scoring into three rounds whose category-wide results merge
//! exactly, in any order and across any split of the shops:
//!
//! 1. [`CategoryTotals`]: integer sums of every indicator's numerator and
//!    denominator and of problem orders (merge = add);
//! 2. [`BlockScores`]: the assessed block scores of the category's shops,
//!    given the totals (merge = union of multisets);
//! 3. [`PeerScores`]: the overall, indicator and problem-rate values
//!    percentiles rank against, given the first two (merge = union).
//!
//! The one-process scoreboard runs the same three rounds over each category
//! (see `score.rs`); a distributed job runs each round on every partition,
//! merges the answers by category, and hands them back (see
//! [`crate::Engine::peer_stats`]). Floating-point values are only ever summed
//! or ranked after sorting by value, so the result does not depend on which
//! partition held which shop.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::score::ShopScore;

/// The three rounds of category statistics, in the order they are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Round 1: integer totals.
    Totals,
    /// Round 2: assessed block scores (needs the totals).
    Blocks,
    /// Round 3: the values percentiles rank against (needs totals and blocks).
    Percentiles,
}

/// Round 1: pooled integer sums over the category's shops.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryTotals {
    /// Per configured indicator (block-major order): numerator and
    /// denominator summed over the category's shops.
    pub indicators: Vec<(u64, u64)>,
    /// Problem orders summed over the category's shops.
    pub problem_orders: u64,
    /// Valid orders of the problem-rate window summed over the category's shops.
    pub problem_valid_orders: u64,
}

impl CategoryTotals {
    /// Adds another part of the same category.
    pub fn merge(&mut self, other: &CategoryTotals) {
        if self.indicators.len() < other.indicators.len() {
            self.indicators.resize(other.indicators.len(), (0, 0));
        }
        for (a, b) in self.indicators.iter_mut().zip(&other.indicators) {
            a.0 += b.0;
            a.1 += b.1;
        }
        self.problem_orders += other.problem_orders;
        self.problem_valid_orders += other.problem_valid_orders;
    }

    /// Pooled mean of indicator `i`, scaled (`None` with no sample).
    pub fn indicator_mean(&self, i: usize, scale: f64) -> Option<f64> {
        let (n, d) = self.indicators.get(i).copied().unwrap_or((0, 0));
        (d > 0).then(|| n as f64 / d as f64 * scale)
    }

    /// Pooled problem-order rate (0 with no orders).
    pub fn problem_mean(&self) -> f64 {
        if self.problem_valid_orders == 0 {
            0.0
        } else {
            self.problem_orders as f64 / self.problem_valid_orders as f64
        }
    }
}

/// Round 2: per block, the scores of the shops whose block was assessed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockScores {
    /// Per configured block: assessed shops' scores (any order).
    pub assessed: Vec<Vec<f64>>,
}

impl BlockScores {
    /// The assessed block scores of `shops`.
    pub(crate) fn of(shops: &[ShopScore], blocks: usize) -> BlockScores {
        BlockScores {
            assessed: (0..blocks)
                .map(|b| {
                    shops
                        .iter()
                        .filter(|s| s.blocks[b].assessed)
                        .map(|s| s.blocks[b].score)
                        .collect()
                })
                .collect(),
        }
    }

    /// Adds another part of the same category.
    pub fn merge(&mut self, other: &BlockScores) {
        if self.assessed.len() < other.assessed.len() {
            self.assessed.resize(other.assessed.len(), Vec::new());
        }
        for (a, b) in self.assessed.iter_mut().zip(&other.assessed) {
            a.extend_from_slice(b);
        }
    }

    /// Mean assessed score of block `b` (the same bits however the scores
    /// were split or ordered: whole units summed as integers); `None` when
    /// no shop was assessed.
    pub fn mean(&self, b: usize) -> Option<f64> {
        order_free_mean(self.assessed.get(b)?)
    }
}

/// The mean of `scores`: the same bits however they were split or
/// ordered; `None` when empty.
///
/// Why not a float sum: its bits depend on the order of the additions, so
/// the scores would have to be sorted first, and a live scoreboard takes a
/// block mean of every category each day (sorting was ~5% of its next
/// day). Instead each score is cut to a whole number of units 2^38 times
/// finer than the last bit of the largest score (which takes 91 bits of
/// them), the units are summed as integers (exact and order-free, room for
/// 2^32 scores), and the sum is rounded to a float once: closer to the
/// true mean than a float sum in any order.
pub(crate) fn order_free_mean(scores: &[f64]) -> Option<f64> {
    /// Bits below the largest score's leading bit kept: 52 of its
    /// mantissa, 38 more below it.
    const EXTRA: i64 = 38;
    if scores.is_empty() {
        return None;
    }
    let field = |s: f64| ((s.to_bits() >> 52) & 0x7ff) as i64;
    let top = scores.iter().map(|&s| field(s)).max().unwrap_or(0);
    if top == 0x7ff || scores.len() > 1 << 32 {
        // an infinity or NaN (or more scores than the units have room
        // for): the float sum in value order
        let mut sorted = scores.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        return Some(sorted.iter().sum::<f64>() / scores.len() as f64);
    }
    // a score is mantissa × 2^(max(field, 1) − 1075), the mantissa < 2^53
    let top = top.max(1);
    let units: i128 = (scores.iter())
        .map(|&s| {
            let bits = s.to_bits();
            let e = field(s);
            let mantissa = (bits & ((1 << 52) - 1)) | (u64::from(e != 0) << 52);
            let shift = e.max(1) - top + EXTRA;
            let magnitude = if shift >= 0 {
                i128::from(mantissa) << shift
            } else if shift > -64 {
                i128::from(mantissa >> -shift)
            } else {
                0
            };
            if bits >> 63 == 1 {
                -magnitude
            } else {
                magnitude
            }
        })
        .sum();
    // one unit is 2^(top − 1075 − EXTRA), applied in steps a float holds
    let mut sum = units as f64;
    let mut exponent = top - 1075 - EXTRA;
    while exponent < -1000 {
        sum *= 2f64.powi(-1000);
        exponent += 1000;
    }
    sum *= 2f64.powi(exponent as i32);
    Some(sum / scores.len() as f64)
}

/// Round 3: the values each percentile ranks against.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeerScores {
    /// Per configured indicator: assessed shops' indicator scores.
    pub indicators: Vec<Vec<f64>>,
    /// Every shop's overall score.
    pub overall: Vec<f64>,
    /// Negated problem-order rates of shops with valid orders (lower rate ranks higher).
    pub negated_problem_rates: Vec<f64>,
}

impl PeerScores {
    /// The values of `shops` (finished, before percentiles).
    pub(crate) fn of(shops: &[ShopScore]) -> PeerScores {
        let n_ind = shops.first().map_or(0, |s| s.indicators.len());
        PeerScores {
            indicators: (0..n_ind)
                .map(|i| {
                    shops
                        .iter()
                        .filter(|s| s.indicators[i].assessed)
                        .map(|s| s.indicators[i].score)
                        .collect()
                })
                .collect(),
            overall: shops.iter().map(|s| s.overall).collect(),
            negated_problem_rates: shops
                .iter()
                .filter(|s| s.problem_rate.valid_orders > 0)
                .map(|s| -s.problem_rate.rate)
                .collect(),
        }
    }

    /// Adds another part of the same category.
    pub fn merge(&mut self, other: &PeerScores) {
        if self.indicators.len() < other.indicators.len() {
            self.indicators.resize(other.indicators.len(), Vec::new());
        }
        for (a, b) in self.indicators.iter_mut().zip(&other.indicators) {
            a.extend_from_slice(b);
        }
        self.overall.extend_from_slice(&other.overall);
        self.negated_problem_rates
            .extend_from_slice(&other.negated_problem_rates);
    }

    /// Sets every percentile of `shops` (members of this category).
    pub(crate) fn apply(&self, shops: &mut [ShopScore]) {
        let sorted = |v: &[f64]| {
            let mut v = v.to_vec();
            v.sort_by(f64::total_cmp);
            v
        };
        for (i, values) in self.indicators.iter().enumerate() {
            let values = sorted(values);
            for s in shops.iter_mut().filter(|s| s.indicators[i].assessed) {
                s.indicators[i].percentile = share_below(&values, s.indicators[i].score);
            }
        }
        let overall = sorted(&self.overall);
        let rates = sorted(&self.negated_problem_rates);
        for s in shops.iter_mut() {
            s.percentile = share_below(&overall, s.overall);
            if s.problem_rate.valid_orders > 0 {
                s.problem_rate.percentile = share_below(&rates, -s.problem_rate.rate);
            }
        }
    }
}

/// Share of `sorted` values strictly below `v`, excluding `v` itself once.
pub(crate) fn share_below(sorted: &[f64], v: f64) -> Option<f64> {
    if sorted.len() < 2 {
        return None;
    }
    let below = sorted.partition_point(|&x| x < v);
    Some(below as f64 / (sorted.len() - 1) as f64)
}

/// One category's statistics for one scoring moment, filled round by round.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeerStats {
    /// Round 1.
    pub totals: CategoryTotals,
    /// Round 2.
    pub blocks: BlockScores,
    /// Round 3.
    pub scores: PeerScores,
}

impl PeerStats {
    /// Adds another part of the same category (every round).
    pub fn merge(&mut self, other: &PeerStats) {
        self.totals.merge(&other.totals);
        self.blocks.merge(&other.blocks);
        self.scores.merge(&other.scores);
    }
}

/// Statistics by category name.
pub type Peers = BTreeMap<String, PeerStats>;

/// Merges a partition's statistics into the combined ones, category by category.
pub fn merge_peers(into: &mut Peers, part: &Peers) {
    for (category, stats) in part {
        into.entry(category.clone()).or_default().merge(stats);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shuffled(values: &[f64], seed: u64) -> Vec<f64> {
        let mut v = values.to_vec();
        let mut x = seed | 1;
        for i in (1..v.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.swap(i, (x % (i as u64 + 1)) as usize);
        }
        v
    }

    /// The same bits in any order and however the scores were split, and
    /// within a float's precision of the true mean.
    #[test]
    fn order_free_mean_takes_no_order_and_is_close_to_the_mean() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [1usize, 2, 3, 10, 257, 6_000] {
            let scores: Vec<f64> = (0..n)
                .map(|_| (next() % 5_000_001) as f64 / 1_000_000.0)
                .collect();
            let mean = order_free_mean(&scores).unwrap();
            for seed in 1..5 {
                let other = order_free_mean(&shuffled(&scores, seed)).unwrap();
                assert_eq!(other.to_bits(), mean.to_bits(), "n = {n}");
            }
            let mut parts = BlockScores::default();
            for chunk in scores.chunks(7) {
                parts.merge(&BlockScores {
                    assessed: vec![chunk.to_vec()],
                });
            }
            assert_eq!(parts.mean(0).unwrap().to_bits(), mean.to_bits());
            // the scores are whole millionths: their exact mean
            let millionths: u64 = scores.iter().map(|s| (s * 1e6).round() as u64).sum();
            let exact = millionths as f64 / 1e6 / n as f64;
            assert!((mean - exact).abs() <= exact * 1e-15, "{mean} vs {exact}");
        }
    }

    #[test]
    fn order_free_mean_at_the_edges() {
        assert_eq!(order_free_mean(&[]), None);
        assert_eq!(order_free_mean(&[0.0, -0.0]), Some(0.0));
        assert_eq!(order_free_mean(&[2.5]), Some(2.5));
        assert_eq!(order_free_mean(&[-1.0, 3.0]), Some(1.0));
        assert_eq!(order_free_mean(&[-4.0, -2.0]), Some(-3.0));
        assert_eq!(order_free_mean(&[1e300, 1e300]), Some(1e300));
        assert_eq!(order_free_mean(&[1e-310, 3e-310]), Some(2e-310));
        assert_eq!(
            order_free_mean(&[f64::MIN_POSITIVE, 0.0]),
            Some(f64::MIN_POSITIVE / 2.0)
        );
        // far below the largest's last bit: too small to count
        assert_eq!(
            order_free_mean(&[1.0, 1e-40, 1.0]),
            order_free_mean(&[1.0, 0.0, 1.0])
        );
        assert_eq!(
            order_free_mean(&[1.0, 3.0, f64::INFINITY]),
            Some(f64::INFINITY)
        );
        assert!(order_free_mean(&[1.0, f64::NAN]).unwrap().is_nan());
    }

    #[test]
    fn share_below_excludes_self() {
        let s = [1.0, 2.0, 3.0];
        assert_eq!(share_below(&s, 1.0), Some(0.0));
        assert_eq!(share_below(&s, 3.0), Some(1.0));
        assert_eq!(share_below(&[2.0], 2.0), None);
    }

    #[test]
    fn block_means_do_not_depend_on_the_split() {
        let values = [0.1, 4.7, 3.3333333333333335, 2.2, 1e-9, 4.999999999, 3.1];
        let whole = BlockScores {
            assessed: vec![values.to_vec()],
        };
        for cut in 0..values.len() {
            let mut a = BlockScores {
                assessed: vec![values[cut..].to_vec()],
            };
            let b = BlockScores {
                assessed: vec![values[..cut].to_vec()],
            };
            a.merge(&b);
            assert_eq!(
                a.mean(0).unwrap().to_bits(),
                whole.mean(0).unwrap().to_bits()
            );
        }
        assert_eq!(BlockScores::default().mean(0), None);
    }

    #[test]
    fn totals_add() {
        let mut a = CategoryTotals {
            indicators: vec![(1, 2)],
            problem_orders: 3,
            problem_valid_orders: 10,
        };
        a.merge(&CategoryTotals {
            indicators: vec![(3, 2), (5, 5)],
            problem_orders: 1,
            problem_valid_orders: 10,
        });
        assert_eq!(a.indicators, vec![(4, 4), (5, 5)]);
        assert_eq!(a.indicator_mean(0, 1.0), Some(1.0));
        assert_eq!(a.problem_mean(), 0.2);
    }
}
