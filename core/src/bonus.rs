//! Industry bonus rules (附加分): the safe seam between the engine and plugins.
//!
//! Why a trait here and no loading: `core` is free of `unsafe`, so it only
//! knows *what* a bonus rule answers. Loading shared libraries lives in the
//! plugin host crate, which wraps each loaded C table into a [`BonusRule`].
//! Every answer is treated as untrusted: the engine caps it, and a failing
//! rule loses its bonus for that shop without stopping anything else.

/// Fixed-point scale of bonus points: 10 000 units = 1.0 point.
pub const POINTS_SCALE: i64 = 10_000;

/// One sub-indicator's value as a bonus rule sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorSample {
    /// Indicator name (`pickup_48h_rate`, `chat_response_3min_rate`, ...).
    pub name: String,
    /// Raw value (a rate in 0..=1, or a duration in hours).
    pub value: f64,
    /// Sample size behind it.
    pub sample: u64,
    /// False when the sample is too small to assess.
    pub assessed: bool,
}

/// Counts over the valid (non-fake) orders in the window that carry one order tag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagCount {
    /// The tag (`dual_size`, `cold_chain`, `custom_made`, `appraisal_certificate`, ...).
    pub tag: String,
    /// Orders carrying it.
    pub orders: u64,
    /// Of those, delivered.
    pub delivered: u64,
    /// Of those, delivered by the promised `deliver_by` time (orders without one count as on time).
    pub delivered_on_time: u64,
    /// Of those, with a refund-only request.
    pub refund_only: u64,
    /// Of those, problem orders.
    pub problem_orders: u64,
}

/// Chat sessions answered by agents holding one certification, in the window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentChats {
    /// The certification (`maternity_advisor`, `pet_doctor`, ...), or `""` for uncertified agents.
    pub certification: String,
    /// Sessions answered by such agents.
    pub sessions: u64,
    /// Of those, answered by a human within 3 minutes.
    pub answered_within_3min: u64,
    /// Sum of the first-response seconds of those sessions.
    pub total_response_secs: u64,
    /// Sessions with a satisfaction rating of 4 or 5.
    pub satisfied: u64,
    /// Sessions with any satisfaction rating.
    pub rated: u64,
}

/// Everything a bonus rule may look at for one shop and one window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BonusInput {
    /// The shop.
    pub shop_id: String,
    /// Its category.
    pub category: String,
    /// Certifications it holds.
    pub certifications: Vec<String>,
    /// Service offerings (`dual_size_free_return`, `private_customisation`, ...).
    pub services: Vec<String>,
    /// Its price-protection window in days, if it offers one.
    pub price_protection_days: Option<i64>,
    /// The platform's standard price-protection window in days (from configuration).
    pub platform_price_protection_days: i64,
    /// Valid paid orders in the window.
    pub valid_orders: u64,
    /// Chat sessions in the window.
    pub chat_sessions: u64,
    /// The shop's sub-indicators.
    pub indicators: Vec<IndicatorSample>,
    /// Counts per order tag.
    pub tags: Vec<TagCount>,
    /// Chats per agent certification.
    pub agent_chats: Vec<AgentChats>,
}

impl BonusInput {
    /// Counts for one tag (zeros when no order carries it).
    pub fn tag(&self, tag: &str) -> TagCount {
        self.tags
            .iter()
            .find(|t| t.tag == tag)
            .cloned()
            .unwrap_or_else(|| TagCount {
                tag: tag.to_owned(),
                ..TagCount::default()
            })
    }

    /// Chats answered by agents with one certification (zeros when none).
    pub fn agent_chats(&self, certification: &str) -> AgentChats {
        self.agent_chats
            .iter()
            .find(|t| t.certification == certification)
            .cloned()
            .unwrap_or_else(|| AgentChats {
                certification: certification.to_owned(),
                ..AgentChats::default()
            })
    }
}

/// A bonus rule's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bonus {
    /// Points in fixed point ([`POINTS_SCALE`] units = 1 point); never negative.
    pub points: i64,
    /// Rule-defined flags, passed through to the explanation.
    pub flags: u32,
    /// Why, in words, for the explanation.
    pub reason: String,
}

/// An industry bonus rule. Implementations must be callable from many threads at once.
pub trait BonusRule: Send + Sync {
    /// Unique name (`maternity`, `pet`, ...).
    fn name(&self) -> &str;
    /// Version string, for the explanation.
    fn version(&self) -> &str {
        ""
    }
    /// Whether the rule applies to shops of this category.
    fn applies_to(&self, category: &str) -> bool;
    /// The bonus for one shop; an `Err` drops this rule's bonus for this shop.
    fn bonus(&self, input: &BonusInput) -> Result<Bonus, String>;
}
