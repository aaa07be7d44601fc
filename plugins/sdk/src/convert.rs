//! Turning the engine's owned `truexp::bonus::BonusInput` into the borrowed C structs.
//!
//! Why it lives in the SDK and not in the host: the host needs it to call loaded
//! tables, and plugin authors need the very same conversion to unit-test their
//! rules through the trait ([`crate::evaluate`]); one implementation keeps both honest.
//! Building pointers is safe; only dereferencing them (in the plugin) is not, and the
//! pointers stay valid as long as the [`CInput`] and the borrowed input live.

use crate::abi;
use truexp::bonus::BonusInput;

/// The C view of one [`BonusInput`], borrowing its strings.
pub struct CInput<'a> {
    input: &'a BonusInput,
    certifications: Vec<abi::Str>,
    services: Vec<abi::Str>,
    indicators: Vec<abi::Indicator>,
    tags: Vec<abi::TagCount>,
    agent_chats: Vec<abi::AgentChats>,
}

impl<'a> CInput<'a> {
    /// Builds the C arrays for `input`.
    pub fn new(input: &'a BonusInput) -> CInput<'a> {
        CInput {
            input,
            certifications: input
                .certifications
                .iter()
                .map(|s| abi::Str::new(s))
                .collect(),
            services: input.services.iter().map(|s| abi::Str::new(s)).collect(),
            indicators: input
                .indicators
                .iter()
                .map(|i| abi::Indicator {
                    name: abi::Str::new(&i.name),
                    value: i.value,
                    sample: i.sample,
                    assessed: u32::from(i.assessed),
                    reserved: 0,
                })
                .collect(),
            tags: input
                .tags
                .iter()
                .map(|t| abi::TagCount {
                    tag: abi::Str::new(&t.tag),
                    orders: t.orders,
                    delivered: t.delivered,
                    delivered_on_time: t.delivered_on_time,
                    refund_only: t.refund_only,
                    problem_orders: t.problem_orders,
                })
                .collect(),
            agent_chats: input
                .agent_chats
                .iter()
                .map(|a| abi::AgentChats {
                    certification: abi::Str::new(&a.certification),
                    sessions: a.sessions,
                    answered_within_3min: a.answered_within_3min,
                    total_response_secs: a.total_response_secs,
                    satisfied: a.satisfied,
                    rated: a.rated,
                })
                .collect(),
        }
    }

    /// The top-level C struct; its pointers are valid while `self` lives.
    pub fn abi(&self) -> abi::BonusInput {
        let i = self.input;
        abi::BonusInput {
            struct_size: abi::BONUS_INPUT_V1_SIZE as u32,
            flags: if i.price_protection_days.is_some() {
                abi::HAS_PRICE_PROTECTION
            } else {
                0
            },
            shop_id: abi::Str::new(&i.shop_id),
            category: abi::Str::new(&i.category),
            certifications: self.certifications.as_ptr(),
            certifications_len: self.certifications.len(),
            services: self.services.as_ptr(),
            services_len: self.services.len(),
            price_protection_days: i.price_protection_days.unwrap_or(0),
            platform_price_protection_days: i.platform_price_protection_days,
            valid_orders: i.valid_orders,
            chat_sessions: i.chat_sessions,
            indicators: self.indicators.as_ptr(),
            indicators_len: self.indicators.len(),
            tags: self.tags.as_ptr(),
            tags_len: self.tags.len(),
            agent_chats: self.agent_chats.as_ptr(),
            agent_chats_len: self.agent_chats.len(),
        }
    }
}
