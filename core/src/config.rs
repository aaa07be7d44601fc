//! The scoring configuration: every rule that no platform publishes.
//!
//! Why a versioned serde value: the block and indicator weights published by
//! Tmall are defaults, not laws, and the rest (breakpoints, shrinkage, minimum
//! samples, grade thresholds, problem-order triggers) are our own design
//! choices that operators must be able to tune without a rebuild. Validation
//! names the key that is wrong.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::event::{RefundReason, Timestamp};

/// The configuration format version this build reads.
pub const CONFIG_VERSION: u32 = 1;

/// What a sub-indicator measures. The engine keeps per-day counters for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Product-family problem orders / valid paid orders, by payment day.
    ProductNegativeRate,
    /// Reviews with product stars ≥ `good_review_min_stars` / counted reviews, by review day.
    GoodReviewRate,
    /// Orders with a carrier pickup within 48 h of payment / valid paid orders still due for
    /// pickup (not cancelled or refunded in full before it), by payment day.
    /// Spelled as `explain` prints it; `pickup48h_rate` (what serde's
    /// snake_case made of it before) is still read so older configs load.
    #[serde(rename = "pickup_48h_rate", alias = "pickup48h_rate")]
    Pickup48hRate,
    /// Mean hours from payment to signed receipt over delivered orders, by payment day.
    DeliveryHours,
    /// Chat sessions answered by a human within 3 minutes / sessions, by session day.
    /// Spelled as `explain` prints it; `chat_response3min_rate` is still read.
    #[serde(rename = "chat_response_3min_rate", alias = "chat_response3min_rate")]
    ChatResponse3minRate,
    /// Sessions rated ≥ 4 / rated sessions, by session day.
    ChatSatisfaction,
    /// Mean hours from refund request to completion, by completion day.
    RefundDurationHours,
    /// Orders whose buyer asked the platform to intervene / valid paid orders, by payment day.
    PlatformHelpRate,
    /// Orders delivered by the end of the next local day / delivered orders, by payment day.
    NextDayDeliveryShare,
}

impl Measure {
    /// Every measure, in a fixed order.
    pub const ALL: [Measure; 9] = [
        Measure::ProductNegativeRate,
        Measure::GoodReviewRate,
        Measure::Pickup48hRate,
        Measure::DeliveryHours,
        Measure::ChatResponse3minRate,
        Measure::ChatSatisfaction,
        Measure::RefundDurationHours,
        Measure::PlatformHelpRate,
        Measure::NextDayDeliveryShare,
    ];

    /// The snake_case name used in JSON and in explanations.
    pub fn name(self) -> &'static str {
        match self {
            Measure::ProductNegativeRate => "product_negative_rate",
            Measure::GoodReviewRate => "good_review_rate",
            Measure::Pickup48hRate => "pickup_48h_rate",
            Measure::DeliveryHours => "delivery_hours",
            Measure::ChatResponse3minRate => "chat_response_3min_rate",
            Measure::ChatSatisfaction => "chat_satisfaction",
            Measure::RefundDurationHours => "refund_duration_hours",
            Measure::PlatformHelpRate => "platform_help_rate",
            Measure::NextDayDeliveryShare => "next_day_delivery_share",
        }
    }
}

/// One sub-indicator inside a block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorConfig {
    /// What it measures.
    pub measure: Measure,
    /// Weight inside its block (weights of a block sum to 1).
    pub weight: f64,
    /// Window length in days.
    #[serde(default = "thirty")]
    pub window_days: u32,
    /// The window ends this many days before the scoring day T (T-0 to T-10).
    pub lag_days: u32,
    /// Below this sample the indicator is not assessed.
    pub min_sample: u64,
    /// Piecewise-linear map from the raw value to a 0–5 score: `[value, score]`
    /// points with strictly increasing values; flat outside the ends.
    pub breakpoints: Vec<[f64; 2]>,
    /// Pseudo-sample of the category mean mixed into the shop's value
    /// (Bayesian average `(n*v + m*C)/(n+m)`); 0 disables shrinkage.
    #[serde(default = "default_prior_weight")]
    pub prior_weight: f64,
}

fn thirty() -> u32 {
    30
}

fn default_prior_weight() -> f64 {
    20.0
}

/// A block: product quality, logistics or service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockConfig {
    /// Block name (`product`, `logistics`, `service`).
    pub name: String,
    /// Block weight (block weights sum to 1).
    pub weight: f64,
    /// Its sub-indicators.
    pub indicators: Vec<IndicatorConfig>,
}

/// Additive points on top of the weighted blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddOnConfig {
    /// Points earned at a 100% next-day delivery share (linear below).
    pub next_day_delivery_points: f64,
    /// Minimum delivered orders for the next-day add-on.
    pub next_day_min_sample: u64,
    /// Cap for each bonus plugin's points unless `plugin_caps` names it.
    pub default_plugin_cap: f64,
    /// Per-plugin caps by plugin name.
    #[serde(default)]
    pub plugin_caps: BTreeMap<String, f64>,
    /// Cap on all add-on points together.
    pub total_cap: f64,
    /// Window of the next-day delivery share in days (ending T, no lag), by
    /// payment day; also the window of the figures bonus rules are given.
    /// Absent: 30 (left out of the JSON at 30, so that the configuration's
    /// fingerprint is unchanged).
    #[serde(
        default = "default_next_day_window_days",
        skip_serializing_if = "is_default_next_day_window_days"
    )]
    pub next_day_window_days: u32,
}

fn default_next_day_window_days() -> u32 {
    30
}

fn is_default_next_day_window_days(days: &u32) -> bool {
    *days == default_next_day_window_days()
}

/// The growth-stage default for shops with too few orders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrowthStageConfig {
    /// Minimum valid paid orders in the window to be scored on merit.
    pub min_valid_orders: u64,
    /// Window in days (ending T).
    pub window_days: u32,
    /// The default overall score of a growth-stage shop.
    pub default_score: f64,
}

/// Grade thresholds on the overall score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeConfig {
    /// At or above: grade high.
    pub high: f64,
    /// At or above (and below `high`): grade medium; below: low.
    pub medium: f64,
}

/// A fixed deduction for shops caught faking orders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FakeOrderPenaltyConfig {
    /// Fake orders in the window that trigger the penalty; 0 disables it.
    pub min_fake_orders: u64,
    /// Window in days (ending T), by payment day.
    pub window_days: u32,
    /// Points deducted from the overall score.
    pub points: f64,
}

/// What makes an order a problem order (问题订单). None of it is published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemConfig {
    /// Product / logistics / service reviews at or below this many stars are problems.
    pub bad_review_max_stars: i64,
    /// Refund reasons that make it a product problem.
    pub quality_reasons: Vec<RefundReason>,
    /// Hours after payment within which the carrier must pick up.
    pub pickup_within_hours: i64,
    /// Hours from payment to receipt above which delivery is slow, per category.
    #[serde(default)]
    pub delivery_norm_hours: BTreeMap<String, i64>,
    /// Slow-delivery norm for categories not listed.
    pub default_delivery_norm_hours: i64,
    /// Hours from request to completion above which a refund was handled slowly.
    pub slow_refund_hours: i64,
    /// Window of the problem-order rate in days (ending T), by payment day.
    pub window_days: u32,
    /// Open cases count once their deadline passes (an unshipped order
    /// past its ship-by, a parcel not received past the delivery norm, a
    /// refund open past `slow_refund_hours`), so stalling does not pay.
    /// Absent: on (left out of the JSON when on, so that the
    /// configuration's fingerprint is unchanged).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub count_open_cases: bool,
    /// A refund-only (仅退款) completed before the order shipped is an
    /// after-sales problem. Absent: off — it is the buyer cancelling.
    #[serde(default, skip_serializing_if = "is_false")]
    pub refund_only_before_shipping_is_problem: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The whole configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Format version; must be [`CONFIG_VERSION`].
    pub version: u32,
    /// Local time zone of day-based rules, minutes east of UTC (480 = UTC+8).
    pub timezone_offset_minutes: i32,
    /// The weighted blocks.
    pub blocks: Vec<BlockConfig>,
    /// Add-on points.
    pub add_ons: AddOnConfig,
    /// Growth stage.
    pub growth_stage: GrowthStageConfig,
    /// Grades.
    pub grades: GradeConfig,
    /// Fake-order penalty.
    pub fake_order_penalty: FakeOrderPenaltyConfig,
    /// Ratings counted per buyer–shop pair per calendar month (Taobao DSR: 3).
    pub max_reviews_per_buyer_month: usize,
    /// Product stars at or above which a review is "good".
    pub good_review_min_stars: i64,
    /// Chat satisfaction at or above which a session is "satisfied".
    pub satisfied_min_rating: i64,
    /// Seconds within which a human must first answer a chat.
    pub chat_response_secs: i64,
    /// Problem-order triggers.
    pub problems: ProblemConfig,
    /// The platform's standard price-protection window in days (plugins compare against it).
    pub platform_price_protection_days: i64,
    /// Who may enter the good-service list (absent in older configs: defaults).
    #[serde(default)]
    pub good_service: crate::good_service::GoodServiceConfig,
    /// Resource limits (absent in older configs: defaults).
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Who pays a price-protection payout, by the kind of price that
    /// triggered it (absent: the default choice, which is also left out of
    /// the JSON so that the configuration's fingerprint is unchanged).
    #[serde(
        default,
        skip_serializing_if = "crate::price_protection::Funding::is_default"
    )]
    pub price_protection_funding: crate::price_protection::Funding,
    /// Declared logistics disruptions (absent in older configs: none; left
    /// out of the JSON when empty, so the fingerprint is unchanged). See
    /// [`ExclusionWindow`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<ExclusionWindow>,
}

/// The most exclusion windows a configuration holds.
pub const MAX_EXCLUSION_WINDOWS: usize = 1_000;

/// An exclusion window: a declared carrier or weather disruption in one
/// delivery region over `[from, to)`. A logistics failure of an order paid
/// for delivery to `region` whose due moment lies in the span is excused
/// (see [`crate::problem::excuse`] and `docs/rules.md`, Exclusion windows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionWindow {
    /// A name for explanations (`typhoon-2026-09`); unique.
    pub name: String,
    /// The delivery region it covers, as orders name it (`order_paid.region`).
    pub region: String,
    /// Start, UTC seconds, inclusive.
    pub from: i64,
    /// End, UTC seconds, exclusive.
    pub to: i64,
    /// Why, for explanations.
    pub reason: String,
    /// The failures it excuses; by default every logistics failure a
    /// disruption can cause ([`ExclusionWindow::DEFAULT_LABELS`]).
    #[serde(default = "ExclusionWindow::default_labels")]
    pub labels: Vec<crate::problem::Reason>,
}

impl ExclusionWindow {
    /// The failures a window may excuse, and excuses when it names none: a
    /// fake shipment or a bad logistics review is never the weather's fault.
    pub const DEFAULT_LABELS: [crate::problem::Reason; 4] = [
        crate::problem::Reason::NoPickupInTime,
        crate::problem::Reason::LateShipment,
        crate::problem::Reason::SlowDelivery,
        crate::problem::Reason::TrackingAnomaly,
    ];

    fn default_labels() -> Vec<crate::problem::Reason> {
        Self::DEFAULT_LABELS.to_vec()
    }

    /// True when the window excuses `reason` of an order in `region` due at `due`.
    #[inline]
    pub fn covers(&self, region: &str, reason: crate::problem::Reason, due: Timestamp) -> bool {
        self.region == region
            && (self.from..self.to).contains(&due.as_secs())
            && self.labels.contains(&reason)
    }
}

/// Resource limits: what the engine holds at most, and what it refuses past that.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Follow-up events waiting for an order that has not arrived, in all
    /// (our choice: 1,000,000, about 1 KB each). Past it a new one is refused
    /// with an error naming it; nothing already waiting is dropped.
    pub max_pending_events: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_pending_events: 1_000_000,
        }
    }
}

fn ind(
    measure: Measure,
    weight: f64,
    lag_days: u32,
    min_sample: u64,
    bp: &[[f64; 2]],
) -> IndicatorConfig {
    IndicatorConfig {
        measure,
        weight,
        window_days: 30,
        lag_days,
        min_sample,
        breakpoints: bp.to_vec(),
        prior_weight: default_prior_weight(),
    }
}

impl Default for Config {
    /// The Tmall-like defaults of `docs/rules.md` (the score): blocks 0.25 / 0.25 / 0.50,
    /// 30-day windows with lags T-1, T-1, T-3, T-10, T, T-2, T-1, T.
    fn default() -> Self {
        use Measure::*;
        Config {
            version: CONFIG_VERSION,
            timezone_offset_minutes: 480,
            blocks: vec![
                BlockConfig {
                    name: "product".into(),
                    weight: 0.25,
                    indicators: vec![
                        ind(
                            ProductNegativeRate,
                            0.70,
                            1,
                            20,
                            &[
                                [0.0, 5.0],
                                [0.02, 4.5],
                                [0.05, 4.0],
                                [0.10, 3.0],
                                [0.25, 0.0],
                            ],
                        ),
                        ind(
                            GoodReviewRate,
                            0.30,
                            1,
                            10,
                            &[
                                [0.60, 0.0],
                                [0.80, 3.0],
                                [0.90, 4.0],
                                [0.97, 4.8],
                                [1.0, 5.0],
                            ],
                        ),
                    ],
                },
                BlockConfig {
                    name: "logistics".into(),
                    weight: 0.25,
                    indicators: vec![
                        ind(
                            Pickup48hRate,
                            0.70,
                            3,
                            20,
                            &[
                                [0.70, 0.0],
                                [0.90, 3.0],
                                [0.95, 4.0],
                                [0.99, 4.8],
                                [1.0, 5.0],
                            ],
                        ),
                        ind(
                            DeliveryHours,
                            0.30,
                            10,
                            20,
                            &[
                                [24.0, 5.0],
                                [48.0, 4.5],
                                [72.0, 4.0],
                                [120.0, 3.0],
                                [240.0, 0.0],
                            ],
                        ),
                    ],
                },
                BlockConfig {
                    name: "service".into(),
                    weight: 0.50,
                    indicators: vec![
                        ind(
                            ChatResponse3minRate,
                            0.30,
                            0,
                            20,
                            &[
                                [0.50, 0.0],
                                [0.80, 3.0],
                                [0.90, 4.0],
                                [0.98, 4.8],
                                [1.0, 5.0],
                            ],
                        ),
                        ind(
                            ChatSatisfaction,
                            0.25,
                            2,
                            10,
                            &[[0.50, 0.0], [0.80, 3.0], [0.90, 4.0], [0.98, 5.0]],
                        ),
                        ind(
                            RefundDurationHours,
                            0.20,
                            1,
                            5,
                            &[
                                [2.0, 5.0],
                                [12.0, 4.5],
                                [24.0, 4.0],
                                [72.0, 3.0],
                                [168.0, 0.0],
                            ],
                        ),
                        ind(
                            PlatformHelpRate,
                            0.25,
                            0,
                            20,
                            &[
                                [0.0, 5.0],
                                [0.005, 4.5],
                                [0.01, 4.0],
                                [0.03, 3.0],
                                [0.08, 0.0],
                            ],
                        ),
                    ],
                },
            ],
            add_ons: AddOnConfig {
                next_day_delivery_points: 0.10,
                next_day_min_sample: 20,
                default_plugin_cap: 0.10,
                plugin_caps: BTreeMap::new(),
                total_cap: 0.20,
                next_day_window_days: default_next_day_window_days(),
            },
            growth_stage: GrowthStageConfig {
                min_valid_orders: 30,
                window_days: 30,
                default_score: 4.0,
            },
            grades: GradeConfig {
                high: 4.6,
                medium: 4.2,
            },
            fake_order_penalty: FakeOrderPenaltyConfig {
                min_fake_orders: 1,
                window_days: 30,
                points: 0.30,
            },
            max_reviews_per_buyer_month: 3,
            good_review_min_stars: 4,
            satisfied_min_rating: 4,
            chat_response_secs: 180,
            problems: ProblemConfig {
                bad_review_max_stars: 2,
                quality_reasons: vec![
                    RefundReason::Quality,
                    RefundReason::NotAsDescribed,
                    RefundReason::Damaged,
                    RefundReason::Defective,
                    RefundReason::Expired,
                    RefundReason::Counterfeit,
                ],
                pickup_within_hours: 48,
                delivery_norm_hours: BTreeMap::new(),
                default_delivery_norm_hours: 120,
                slow_refund_hours: 72,
                window_days: 30,
                count_open_cases: true,
                refund_only_before_shipping_is_problem: false,
            },
            limits: LimitsConfig::default(),
            platform_price_protection_days: 15,
            good_service: Default::default(),
            price_protection_funding: Default::default(),
            exclusions: Vec::new(),
        }
    }
}

impl Config {
    /// Reads a configuration from JSON and validates it. Errors name the key.
    ///
    /// ```
    /// let json = serde_json::to_string(&truexp::Config::default()).unwrap();
    /// let cfg = truexp::Config::from_json(&json.replace("\"weight\":0.25", "\"weight\":-1.0")).unwrap_err();
    /// assert_eq!(cfg.key, "blocks[0].weight");
    /// ```
    pub fn from_json(json: &str) -> Result<Config, ConfigError> {
        let cfg: Config =
            serde_json::from_str(json).map_err(|e| ConfigError::from_json_error(json, &e))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every value; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.version != CONFIG_VERSION {
            return Err(ConfigError::new(
                "version",
                format!(
                    "this build reads version {CONFIG_VERSION}, got {}",
                    self.version
                ),
            ));
        }
        if !(-14 * 60..=14 * 60).contains(&self.timezone_offset_minutes) {
            return Err(ConfigError::new(
                "timezone_offset_minutes",
                format!("must be within ±840, got {}", self.timezone_offset_minutes),
            ));
        }
        if self.blocks.is_empty() {
            return Err(ConfigError::new("blocks", "at least one block is needed"));
        }
        let mut seen = Vec::new();
        let mut block_sum = 0.0;
        for (b, block) in self.blocks.iter().enumerate() {
            let key = |k: &str| format!("blocks[{b}].{k}");
            // a name is a column of answers (`block_<name>` in Arrow, a
            // NUL-terminated field in C): printable, short, one per block
            let name = &block.name;
            if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                return Err(ConfigError::new(
                    key("name"),
                    format!("must be 1..=64 bytes without control characters, got {name:?}"),
                ));
            }
            if self.blocks[..b].iter().any(|other| other.name == *name) {
                return Err(ConfigError::new(
                    key("name"),
                    format!("`{name}` names two blocks"),
                ));
            }
            unit_weight(&key("weight"), block.weight)?;
            block_sum += block.weight;
            if block.indicators.is_empty() {
                return Err(ConfigError::new(
                    key("indicators"),
                    "at least one indicator is needed",
                ));
            }
            let mut sum = 0.0;
            for (i, ind) in block.indicators.iter().enumerate() {
                let key = |k: &str| format!("blocks[{b}].indicators[{i}].{k}");
                if seen.contains(&ind.measure) {
                    return Err(ConfigError::new(
                        key("measure"),
                        format!("`{}` is used twice", ind.measure.name()),
                    ));
                }
                seen.push(ind.measure);
                unit_weight(&key("weight"), ind.weight)?;
                sum += ind.weight;
                window(&key("window_days"), ind.window_days)?;
                if ind.lag_days > 60 {
                    return Err(ConfigError::new(
                        key("lag_days"),
                        format!("must be at most 60, got {}", ind.lag_days),
                    ));
                }
                if !(ind.prior_weight.is_finite() && ind.prior_weight >= 0.0) {
                    return Err(ConfigError::new(
                        key("prior_weight"),
                        format!("must be ≥ 0, got {}", ind.prior_weight),
                    ));
                }
                if ind.breakpoints.is_empty() {
                    return Err(ConfigError::new(
                        key("breakpoints"),
                        "at least one point is needed",
                    ));
                }
                for (p, pair) in ind.breakpoints.iter().enumerate() {
                    let [v, s] = *pair;
                    if !v.is_finite() || !(0.0..=5.0).contains(&s) {
                        return Err(ConfigError::new(
                            format!("blocks[{b}].indicators[{i}].breakpoints[{p}]"),
                            format!("needs a finite value and a score in 0..=5, got [{v}, {s}]"),
                        ));
                    }
                    if p > 0 && v <= ind.breakpoints[p - 1][0] {
                        return Err(ConfigError::new(
                            format!("blocks[{b}].indicators[{i}].breakpoints[{p}]"),
                            format!(
                                "values must increase strictly, {v} follows {}",
                                ind.breakpoints[p - 1][0]
                            ),
                        ));
                    }
                }
            }
            if (sum - 1.0).abs() > 1e-9 {
                return Err(ConfigError::new(
                    key("indicators"),
                    format!("weights must sum to 1, got {sum}"),
                ));
            }
        }
        if (block_sum - 1.0).abs() > 1e-9 {
            return Err(ConfigError::new(
                "blocks",
                format!("block weights must sum to 1, got {block_sum}"),
            ));
        }
        points(
            "add_ons.next_day_delivery_points",
            self.add_ons.next_day_delivery_points,
        )?;
        points(
            "add_ons.default_plugin_cap",
            self.add_ons.default_plugin_cap,
        )?;
        points("add_ons.total_cap", self.add_ons.total_cap)?;
        window(
            "add_ons.next_day_window_days",
            self.add_ons.next_day_window_days,
        )?;
        for (name, cap) in &self.add_ons.plugin_caps {
            points(&format!("add_ons.plugin_caps.{name}"), *cap)?;
        }
        points(
            "growth_stage.default_score",
            self.growth_stage.default_score,
        )?;
        window("growth_stage.window_days", self.growth_stage.window_days)?;
        points("grades.high", self.grades.high)?;
        points("grades.medium", self.grades.medium)?;
        if self.grades.medium > self.grades.high {
            return Err(ConfigError::new(
                "grades.medium",
                "must not exceed grades.high",
            ));
        }
        points("fake_order_penalty.points", self.fake_order_penalty.points)?;
        window(
            "fake_order_penalty.window_days",
            self.fake_order_penalty.window_days,
        )?;
        if self.max_reviews_per_buyer_month == 0 {
            return Err(ConfigError::new(
                "max_reviews_per_buyer_month",
                "must be at least 1",
            ));
        }
        stars("good_review_min_stars", self.good_review_min_stars)?;
        stars("satisfied_min_rating", self.satisfied_min_rating)?;
        stars(
            "problems.bad_review_max_stars",
            self.problems.bad_review_max_stars,
        )?;
        bounded("chat_response_secs", self.chat_response_secs, MAX_SECS)?;
        bounded(
            "problems.pickup_within_hours",
            self.problems.pickup_within_hours,
            MAX_HOURS,
        )?;
        bounded(
            "problems.default_delivery_norm_hours",
            self.problems.default_delivery_norm_hours,
            MAX_HOURS,
        )?;
        for (cat, h) in &self.problems.delivery_norm_hours {
            bounded(
                &format!("problems.delivery_norm_hours.{cat}"),
                *h,
                MAX_HOURS,
            )?;
        }
        bounded(
            "problems.slow_refund_hours",
            self.problems.slow_refund_hours,
            MAX_HOURS,
        )?;
        if self.limits.max_pending_events == 0 {
            return Err(ConfigError::new(
                "limits.max_pending_events",
                "must be at least 1",
            ));
        }
        window("problems.window_days", self.problems.window_days)?;
        bounded(
            "platform_price_protection_days",
            self.platform_price_protection_days,
            MAX_DAYS,
        )?;
        self.validate_exclusions()
    }

    fn validate_exclusions(&self) -> Result<(), ConfigError> {
        if self.exclusions.len() > MAX_EXCLUSION_WINDOWS {
            return Err(ConfigError::new(
                "exclusions",
                format!(
                    "at most {MAX_EXCLUSION_WINDOWS} windows, got {}",
                    self.exclusions.len()
                ),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, w) in self.exclusions.iter().enumerate() {
            let key = |k: &str| format!("exclusions[{i}].{k}");
            if w.name.is_empty() {
                return Err(ConfigError::new(key("name"), "must not be empty"));
            }
            if !names.insert(w.name.as_str()) {
                return Err(ConfigError::new(
                    key("name"),
                    format!("`{}` names two windows", w.name),
                ));
            }
            if w.region.is_empty() {
                return Err(ConfigError::new(key("region"), "must not be empty"));
            }
            if w.region.len() > crate::event::MAX_REGION_BYTES {
                return Err(ConfigError::new(
                    key("region"),
                    format!(
                        "a region of {} bytes; at most {}",
                        w.region.len(),
                        crate::event::MAX_REGION_BYTES
                    ),
                ));
            }
            if w.from >= w.to {
                return Err(ConfigError::new(
                    key("to"),
                    format!("must be after from ({}), got {}", w.from, w.to),
                ));
            }
            for (j, r) in w.labels.iter().enumerate() {
                if !ExclusionWindow::DEFAULT_LABELS.contains(r) {
                    return Err(ConfigError::new(
                        format!("exclusions[{i}].labels[{j}]"),
                        format!(
                            "`{}` cannot be excused by a window; only no_pickup_in_time, \
                             late_shipment, slow_delivery and tracking_anomaly can",
                            r.name()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The cap of one plugin's points.
    pub fn plugin_cap(&self, plugin: &str) -> f64 {
        self.add_ons
            .plugin_caps
            .get(plugin)
            .copied()
            .unwrap_or(self.add_ons.default_plugin_cap)
    }
}

fn unit_weight(key: &str, w: f64) -> Result<(), ConfigError> {
    if w.is_finite() && (0.0..=1.0).contains(&w) {
        Ok(())
    } else {
        Err(ConfigError::new(
            key,
            format!("must be within 0..=1, got {w}"),
        ))
    }
}

fn points(key: &str, p: f64) -> Result<(), ConfigError> {
    if p.is_finite() && (0.0..=5.0).contains(&p) {
        Ok(())
    } else {
        Err(ConfigError::new(
            key,
            format!("must be within 0..=5, got {p}"),
        ))
    }
}

fn window(key: &str, days: u32) -> Result<(), ConfigError> {
    if (1..=366).contains(&days) {
        Ok(())
    } else {
        Err(ConfigError::new(
            key,
            format!("must be 1..=366 days, got {days}"),
        ))
    }
}

fn stars(key: &str, s: i64) -> Result<(), ConfigError> {
    if (1..=5).contains(&s) {
        Ok(())
    } else {
        Err(ConfigError::new(key, format!("must be 1..=5, got {s}")))
    }
}

/// Largest duration in hours a configuration may give (ten years): a
/// platform rule never waits longer, and `hours * 3600` added to any
/// timestamp of the supported range stays far from `i64` overflow.
pub const MAX_HOURS: i64 = 10 * 366 * 24;
/// Largest duration in days (ten years), for the same reason.
pub const MAX_DAYS: i64 = 10 * 366;
/// Largest duration in seconds (one year).
pub const MAX_SECS: i64 = 366 * crate::time::DAY;

/// A duration: positive and at most `max`, so that converting it to seconds
/// and adding it to a timestamp cannot overflow (refused, never wrapped).
fn bounded(key: &str, v: i64, max: i64) -> Result<(), ConfigError> {
    positive(key, v)?;
    if v > max {
        return Err(ConfigError::new(
            key,
            format!("must be at most {max}, got {v}"),
        ));
    }
    Ok(())
}

fn positive(key: &str, v: i64) -> Result<(), ConfigError> {
    if v > 0 {
        Ok(())
    } else {
        Err(ConfigError::new(key, format!("must be positive, got {v}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let cfg = Config::default();
        cfg.validate().unwrap();
        let json = serde_json::to_string(&cfg).unwrap();
        assert_eq!(Config::from_json(&json).unwrap(), cfg);
    }

    #[test]
    fn the_next_day_window_is_configured_and_absent_means_30() {
        let json = serde_json::to_string(&Config::default()).unwrap();
        assert!(!json.contains("next_day_window_days"), "left out at 30");
        let mut cfg = Config::default();
        cfg.add_ons.next_day_window_days = 7;
        let json = serde_json::to_string(&cfg).unwrap();
        assert_eq!(
            Config::from_json(&json)
                .unwrap()
                .add_ons
                .next_day_window_days,
            7
        );
        cfg.add_ons.next_day_window_days = 0;
        assert_eq!(
            cfg.validate().unwrap_err().key,
            "add_ons.next_day_window_days"
        );
    }

    #[test]
    fn errors_name_the_key() {
        let mut cfg = Config::default();
        cfg.blocks[2].indicators[1].breakpoints[1] = [0.1, 3.0];
        assert_eq!(
            cfg.validate().unwrap_err().key,
            "blocks[2].indicators[1].breakpoints[1]"
        );
        let mut cfg = Config::default();
        cfg.blocks[0].indicators[0].weight = 0.5;
        assert_eq!(cfg.validate().unwrap_err().key, "blocks[0].indicators");
        let cfg = Config {
            version: 9,
            ..Config::default()
        };
        assert_eq!(cfg.validate().unwrap_err().key, "version");
        let err = Config::from_json(r#"{"version":1}"#).unwrap_err();
        assert_eq!(err.key, "timezone_offset_minutes");
    }

    #[test]
    fn block_names_are_printable_short_and_distinct() {
        let key = |name: &str, at: usize| {
            let mut cfg = Config::default();
            cfg.blocks[at].name = name.to_owned();
            cfg.validate().err().map(|e| e.key)
        };
        assert_eq!(key("", 0).as_deref(), Some("blocks[0].name"));
        assert_eq!(key("a\u{0}b", 1).as_deref(), Some("blocks[1].name"));
        assert_eq!(key(&"x".repeat(65), 0).as_deref(), Some("blocks[0].name"));
        assert_eq!(key("product", 2).as_deref(), Some("blocks[2].name"));
        assert_eq!(key("商品", 0), None);
    }

    /// A key serde refuses (unknown, missing, of the wrong type) is named by
    /// its whole path in the file, as a value out of range is.
    #[test]
    fn parse_errors_name_the_whole_path() {
        let json = serde_json::to_string_pretty(&Config::default()).unwrap();
        let key = |from: &str, to: &str| {
            assert!(json.contains(from), "{from}");
            Config::from_json(&json.replacen(from, to, 1))
                .unwrap_err()
                .key
        };
        assert_eq!(key("\"high\": 4.6", "\"hihg\": 4.6"), "grades.hihg");
        assert_eq!(key("\"high\": 4.6,", ""), "grades.high");
        assert_eq!(
            key("\"min_sample\": 20", "\"min_sample\": \"x\""),
            "blocks[0].indicators[0].min_sample"
        );
        assert_eq!(
            key("\"weight\": 0.25", "\"weight\": true"),
            "blocks[0].weight"
        );
        assert_eq!(
            key(
                "\"measure\": \"product_negative_rate\"",
                "\"measure\": \"nope\""
            ),
            "blocks[0].indicators[0].measure"
        );
        assert_eq!(
            key("\"slow_refund_hours\"", "\"slow_refund_hour\""),
            "problems.slow_refund_hour"
        );
        assert_eq!(
            key("\"timezone_offset_minutes\": 480,", ""),
            "timezone_offset_minutes"
        );
        assert_eq!(key("{", "{{"), "<json>");
    }

    /// Issue 15: hours at `i64::MAX` wrapped in `hours * 3600` (every shop
    /// 100% problem rate in release, a panic with overflow checks).
    #[test]
    fn durations_at_the_extremes_are_refused_naming_the_key() {
        type Set = fn(&mut Config, i64);
        let cases: [(&str, Set, i64); 6] = [
            (
                "problems.pickup_within_hours",
                |c, v| c.problems.pickup_within_hours = v,
                MAX_HOURS,
            ),
            (
                "problems.default_delivery_norm_hours",
                |c, v| c.problems.default_delivery_norm_hours = v,
                MAX_HOURS,
            ),
            (
                "problems.slow_refund_hours",
                |c, v| c.problems.slow_refund_hours = v,
                MAX_HOURS,
            ),
            (
                "problems.delivery_norm_hours.pet",
                |c, v| {
                    c.problems.delivery_norm_hours.insert("pet".into(), v);
                },
                MAX_HOURS,
            ),
            (
                "chat_response_secs",
                |c, v| c.chat_response_secs = v,
                MAX_SECS,
            ),
            (
                "platform_price_protection_days",
                |c, v| c.platform_price_protection_days = v,
                MAX_DAYS,
            ),
        ];
        for (key, set, max) in cases {
            for bad in [i64::MAX, i64::MIN, 0, max + 1] {
                let mut c = Config::default();
                set(&mut c, bad);
                let err = c.validate().expect_err(key);
                assert_eq!(err.key, key, "{bad}");
            }
            let mut c = Config::default();
            set(&mut c, max);
            c.validate()
                .unwrap_or_else(|e| panic!("{key} at the limit: {e}"));
        }
    }

    /// Issue 14: a config naming measures as `explain` prints them was
    /// refused (serde spelled them `pickup48h_rate`, `chat_response3min_rate`).
    #[test]
    fn measure_keys_are_the_names_explain_prints() {
        for m in Measure::ALL {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.name()));
            let back: Measure = serde_json::from_str(&json).unwrap();
            assert_eq!(back, m);
        }
        let json = serde_json::to_string(&Config::default()).unwrap();
        assert!(json.contains("\"pickup_48h_rate\""), "{json}");
        assert!(!json.contains("pickup48h_rate"));
        // Configs written by earlier builds still load.
        let old = json
            .replace("\"pickup_48h_rate\"", "\"pickup48h_rate\"")
            .replace("\"chat_response_3min_rate\"", "\"chat_response3min_rate\"");
        assert_eq!(Config::from_json(&old).unwrap(), Config::default());
    }

    #[test]
    fn waiting_limit_must_be_positive() {
        let mut cfg = Config::default();
        cfg.limits.max_pending_events = 0;
        assert_eq!(cfg.validate().unwrap_err().key, "limits.max_pending_events");
    }
}
