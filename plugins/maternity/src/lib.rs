//! `maternity`: truexp bonus plugin for maternity & baby shops and kids' clothing.
//!
//! Why these items: parents value expert advice, painless size exchanges for
//! fast-growing children, and price guarantees on expensive staples; shops that
//! invest in those deserve ranking credit beyond the generic score.
//!
//! Rule (categories `maternity_baby`, `kids_clothing`), at most **1.0 point**:
//! - **Certified advisors, up to 0.50**: share of the shop's chat sessions answered by
//!   agents certified `maternity_advisor`; linear from 0% to 50% (full marks at 50%).
//!   Needs at least 20 chat sessions, otherwise 0 (not assessed).
//! - **Dual-size free return, 0.30**: the shop offers `dual_size_free_return` and at
//!   least 5 orders in the window carry the `dual_size` tag (the service is used).
//! - **Longer price protection, 0.20**: the shop's price-protection window is longer
//!   than the platform standard (`price_protection_days > platform_price_protection_days`).
//!
//! Flags: bit 0 advisors, bit 1 dual-size, bit 2 price protection (set when the item scored).
#![forbid(unsafe_code)]

use std::ffi::CStr;
use std::fmt::Write as _;
use truexp_plugin::{ramp, Award, Input, Percent, Plugin, Points, Reason};

/// Points for the advisor item at full marks.
pub const ADVISOR_MAX: i64 = 5_000;
/// Advisor share (per mille) that earns full marks.
pub const ADVISOR_FULL_PERMILLE: u64 = 500;
/// Fewest chat sessions for the advisor item to be assessed.
pub const MIN_CHATS: u64 = 20;
/// Points for dual-size free return.
pub const DUAL_SIZE_POINTS: i64 = 3_000;
/// Fewest `dual_size` orders for the service to count as used.
pub const MIN_DUAL_SIZE_ORDERS: u64 = 5;
/// Points for a longer-than-standard price protection.
pub const PRICE_PROTECTION_POINTS: i64 = 2_000;

/// Flag: advisors scored.
pub const FLAG_ADVISORS: u32 = 1;
/// Flag: dual-size free return scored.
pub const FLAG_DUAL_SIZE: u32 = 2;
/// Flag: price protection scored.
pub const FLAG_PRICE_PROTECTION: u32 = 4;

/// The rule.
pub struct Maternity;

impl Plugin for Maternity {
    const NAME: &'static CStr = c"maternity";
    const VERSION: &'static CStr = c"1.0.0";
    const CATEGORIES: &'static [&'static CStr] = &[c"maternity_baby", c"kids_clothing"];

    fn bonus(&self, input: &Input<'_>, reason: &mut Reason<'_>) -> Result<Award, String> {
        let mut award = Award::default();
        let advisors = input.agent_chats("maternity_advisor").sessions;
        let total = input.chat_sessions();
        if advisors > total {
            return Err(format!(
                "advisor sessions {advisors} exceed chat sessions {total}"
            ));
        }
        if total >= MIN_CHATS {
            let p = ramp(ADVISOR_MAX, advisors, total, 0, ADVISOR_FULL_PERMILLE);
            let _ = write!(
                reason,
                "advisors answered {} of {total} chats: +{}",
                Percent(advisors, total),
                Points(p)
            );
            if p > 0 {
                award.points += p;
                award.flags |= FLAG_ADVISORS;
            }
        } else {
            let _ = write!(
                reason,
                "advisors not assessed ({total} chats < {MIN_CHATS})"
            );
        }

        let dual = input.tag("dual_size").orders;
        if input.has_service("dual_size_free_return") && dual >= MIN_DUAL_SIZE_ORDERS {
            award.points += DUAL_SIZE_POINTS;
            award.flags |= FLAG_DUAL_SIZE;
            let _ = write!(
                reason,
                "; dual-size free return used on {dual} orders: +{}",
                Points(DUAL_SIZE_POINTS)
            );
        }

        let platform = input.platform_price_protection_days();
        if let Some(days) = input.price_protection_days().filter(|d| *d > platform) {
            award.points += PRICE_PROTECTION_POINTS;
            award.flags |= FLAG_PRICE_PROTECTION;
            let _ = write!(
                reason,
                "; price protection {days} d > platform {platform} d: +{}",
                Points(PRICE_PROTECTION_POINTS)
            );
        }
        Ok(award)
    }
}

truexp_plugin::declare_plugin!(Maternity);

#[cfg(test)]
mod tests {
    use super::*;
    use truexp::bonus::{AgentChats, BonusInput, TagCount};
    use truexp_plugin::evaluate;

    fn shop() -> BonusInput {
        BonusInput {
            shop_id: "s1".into(),
            category: "maternity_baby".into(),
            platform_price_protection_days: 15,
            chat_sessions: 200,
            ..Default::default()
        }
    }

    #[test]
    fn nothing_earns_nothing() {
        let b = evaluate(&Maternity, &shop()).unwrap();
        assert_eq!((b.points, b.flags), (0, 0));
        assert!(
            b.reason.contains("advisors answered 0.0% of 200 chats"),
            "{}",
            b.reason
        );
    }

    #[test]
    fn full_marks() {
        let mut s = shop();
        s.agent_chats = vec![AgentChats {
            certification: "maternity_advisor".into(),
            sessions: 120,
            ..Default::default()
        }];
        s.services = vec!["dual_size_free_return".into()];
        s.tags = vec![TagCount {
            tag: "dual_size".into(),
            orders: 12,
            ..Default::default()
        }];
        s.price_protection_days = Some(30);
        let b = evaluate(&Maternity, &s).unwrap();
        assert_eq!(b.points, 10_000);
        assert_eq!(
            b.flags,
            FLAG_ADVISORS | FLAG_DUAL_SIZE | FLAG_PRICE_PROTECTION
        );
        assert!(
            b.reason.contains("price protection 30 d > platform 15 d"),
            "{}",
            b.reason
        );
    }

    #[test]
    fn partial_advisors_and_unused_service() {
        let mut s = shop();
        s.agent_chats = vec![AgentChats {
            certification: "maternity_advisor".into(),
            sessions: 50, // 25% of 200: half of 0.5
            ..Default::default()
        }];
        s.services = vec!["dual_size_free_return".into()];
        s.tags = vec![TagCount {
            tag: "dual_size".into(),
            orders: 4,
            ..Default::default()
        }];
        s.price_protection_days = Some(15); // equal is not longer
        let b = evaluate(&Maternity, &s).unwrap();
        assert_eq!((b.points, b.flags), (2_500, FLAG_ADVISORS));
    }

    #[test]
    fn small_sample_not_assessed() {
        let mut s = shop();
        s.chat_sessions = 10;
        s.agent_chats = vec![AgentChats {
            certification: "maternity_advisor".into(),
            sessions: 10,
            ..Default::default()
        }];
        let b = evaluate(&Maternity, &s).unwrap();
        assert_eq!(b.points, 0);
        assert!(b.reason.contains("not assessed"));
    }

    #[test]
    fn inconsistent_counts_are_an_error() {
        let mut s = shop();
        s.chat_sessions = 30;
        s.agent_chats = vec![AgentChats {
            certification: "maternity_advisor".into(),
            sessions: 31,
            ..Default::default()
        }];
        assert!(evaluate(&Maternity, &s).unwrap_err().contains("exceed"));
    }
}
