//! The three shipped standards, as data of the one [`Standard`] model.
//!
//! Why functions returning values (not constants baked into the evaluator):
//! an operator can serialise a preset, tune it, and load it back with
//! [`Standard::from_json`]. Published thresholds are marked **\[pub\]**
//! (`docs/rules.md`, seller standards); our own choices **\[ours\]**.

use super::{Bound, Comparison, FallbackWindow, MetricDef, MetricKind, Rule, Standard, Tier};

fn metric(metric: MetricKind, window_days: u32) -> MetricDef {
    MetricDef {
        metric,
        window_days,
        fallback: None,
        min_orders: 0,
    }
}

fn rule(metric: MetricKind, compare: Comparison, bp: u32, floor: Option<u64>) -> Rule {
    Rule {
        metric,
        compare,
        bound: Bound::BasisPoints(bp),
        max_unique_buyers: floor,
    }
}

/// The names of the shipped presets.
pub const NAMES: [&str; 3] = ["amazon", "ebay", "tmall"];

/// A preset by name (`amazon`, `ebay`, `tmall`).
pub fn by_name(name: &str) -> Option<Standard> {
    match name {
        "amazon" => Some(amazon()),
        "ebay" => Some(ebay()),
        "tmall" => Some(tmall()),
        _ => None,
    }
}

/// A preset by name, or the message naming it and the known ones.
pub fn named(name: &str) -> Result<Standard, String> {
    by_name(name).ok_or_else(|| format!("unknown preset `{name}` (known: {})", NAMES.join(", ")))
}

/// Presets named in a comma-separated list (`amazon,ebay`; empty names
/// skipped), or the message naming the first unknown one.
pub fn by_names(list: &str) -> Result<Vec<Standard>, String> {
    (list.split(',').filter(|n| !n.is_empty()))
        .map(named)
        .collect()
}

/// Amazon Account Health **\[pub\]**: order defect rate < 1% over 60 days;
/// late shipment rate < 4% (Amazon looks at 10 and 30 days; we use 30
/// **\[ours\]**); pre-fulfilment cancel rate < 2.5% over 7 days; valid
/// tracking rate ≥ 95% over 30 days. Tiers `healthy` / `at_risk` **\[ours\]**.
///
/// ```
/// let s = truexp::standards::presets::amazon();
/// assert_eq!(s.tiers[0].name, "healthy");
/// s.validate().unwrap();
/// ```
pub fn amazon() -> Standard {
    use Comparison::*;
    use MetricKind::*;
    Standard {
        name: "amazon".into(),
        metrics: vec![
            metric(OrderDefectRate, 60),
            metric(LateShipmentRate, 30),
            metric(PreFulfilmentCancelRate, 7),
            metric(ValidTrackingRate, 30),
        ],
        tiers: vec![
            Tier {
                name: "healthy".into(),
                rules: vec![
                    rule(OrderDefectRate, Below, 100, None),
                    rule(LateShipmentRate, Below, 400, None),
                    rule(PreFulfilmentCancelRate, Below, 250, None),
                    rule(ValidTrackingRate, AtLeast, 9_500, None),
                ],
            },
            Tier {
                name: "at_risk".into(),
                rules: vec![],
            },
        ],
        negative_feedback_max_stars: 2,
    }
}

/// eBay Seller Standards. Window **\[pub\]**: 3 months when the shop has at
/// least 400 transactions in it, else 12 months (we use 90 and 365 days
/// **\[ours\]**).
///
/// - `top_rated` **\[pub\]**: transaction defect rate ≤ 0.5% (or ≤ 3 unique
///   buyers), cases closed without seller resolution ≤ 0.3% (or ≤ 2), late
///   shipment rate ≤ 3% (or ≤ 5);
/// - `above_standard`: defect rate ≤ 2% (or ≤ 4 unique buyers) **\[pub\]**;
///   cases closed without seller resolution ≤ 0.3% (or ≤ 2) **\[ours\]**:
///   the published standard is silent, we keep the Top Rated bound; no late-shipment
///   rule **\[ours\]**;
/// - `below_standard`: everything else.
///
/// "≤ x% and ≤ n from unique buyers" is read as eBay applies it: a shop
/// fails a rule only when it exceeds both the rate and the count.
pub fn ebay() -> Standard {
    use Comparison::*;
    use MetricKind::*;
    let window = |m| MetricDef {
        metric: m,
        window_days: 90,
        fallback: Some(FallbackWindow {
            min_orders: 400,
            window_days: 365,
        }),
        min_orders: 0,
    };
    Standard {
        name: "ebay".into(),
        metrics: vec![
            window(TransactionDefectRate),
            window(CasesClosedWithoutSellerResolution),
            window(LateShipmentRate),
        ],
        tiers: vec![
            Tier {
                name: "top_rated".into(),
                rules: vec![
                    rule(TransactionDefectRate, AtMost, 50, Some(3)),
                    rule(CasesClosedWithoutSellerResolution, AtMost, 30, Some(2)),
                    rule(LateShipmentRate, AtMost, 300, Some(5)),
                ],
            },
            Tier {
                name: "above_standard".into(),
                rules: vec![
                    rule(TransactionDefectRate, AtMost, 200, Some(4)),
                    rule(CasesClosedWithoutSellerResolution, AtMost, 30, Some(2)),
                ],
            },
            Tier {
                name: "below_standard".into(),
                rules: vec![],
            },
        ],
        negative_feedback_max_stars: 2,
    }
}

/// Tmall-like service tiers **\[ours\]** from the problem-order rate over 30
/// days against the category's pooled rate: `excellent` at most half the
/// mean, `good` at most the mean, `needs_improvement` above it. Shops with
/// fewer than 30 valid orders are not assessed **\[ours\]** (the growth-stage
/// minimum).
pub fn tmall() -> Standard {
    let rel = |permille| Rule {
        metric: MetricKind::ProblemOrderRate,
        compare: Comparison::AtMost,
        bound: Bound::CategoryMeanPermille(permille),
        max_unique_buyers: None,
    };
    Standard {
        name: "tmall".into(),
        metrics: vec![MetricDef {
            metric: MetricKind::ProblemOrderRate,
            window_days: 30,
            fallback: None,
            min_orders: 30,
        }],
        tiers: vec![
            Tier {
                name: "excellent".into(),
                rules: vec![rel(500)],
            },
            Tier {
                name: "good".into(),
                rules: vec![rel(1000)],
            },
            Tier {
                name: "needs_improvement".into(),
                rules: vec![],
            },
        ],
        negative_feedback_max_stars: 2,
    }
}
