//! `pet`: truexp bonus plugin for pet supplies.
//!
//! Why these items: buyers of pet food and medicine ask health questions; a shop
//! that staffs certified pet doctors and answers them quickly gives a service the
//! generic chat indicators cannot see.
//!
//! Rule (category `pet`), at most **1.0 point**, assessed only when certified
//! `pet_doctor` agents answered at least 20 sessions in the window:
//! - **Doctor share, up to 0.40**: share of all chat sessions answered by pet doctors,
//!   linear from 0% to 30% (full marks at 30%).
//! - **Doctor promptness, up to 0.40**: share of doctor sessions answered within
//!   3 minutes, linear from 60% (0) to 95% (full marks).
//! - **Doctor mean first response, up to 0.20**: at most 60 s: 0.20; at most 180 s: 0.10.
//!
//! Flags: bit 0 share, bit 1 promptness, bit 2 mean response (set when the item scored).
#![forbid(unsafe_code)]

use std::ffi::CStr;
use std::fmt::Write as _;
use truexp_plugin::{ramp, Award, Input, Percent, Plugin, Points, Reason};

/// Fewest doctor sessions for the rule to be assessed.
pub const MIN_DOCTOR_SESSIONS: u64 = 20;
/// Share item at full marks.
pub const SHARE_MAX: i64 = 4_000;
/// Promptness item at full marks.
pub const PROMPT_MAX: i64 = 4_000;
/// Mean response at most 60 s.
pub const FAST_MEAN_POINTS: i64 = 2_000;
/// Mean response at most 180 s.
pub const OK_MEAN_POINTS: i64 = 1_000;

/// Flag: share scored.
pub const FLAG_SHARE: u32 = 1;
/// Flag: promptness scored.
pub const FLAG_PROMPT: u32 = 2;
/// Flag: mean response scored.
pub const FLAG_MEAN: u32 = 4;

/// The rule.
pub struct Pet;

impl Plugin for Pet {
    const NAME: &'static CStr = c"pet";
    const VERSION: &'static CStr = c"1.0.0";
    const CATEGORIES: &'static [&'static CStr] = &[c"pet"];

    fn bonus(&self, input: &Input<'_>, reason: &mut Reason<'_>) -> Result<Award, String> {
        let doc = input.agent_chats("pet_doctor");
        let total = input.chat_sessions();
        if doc.sessions > total || doc.answered_within_3min > doc.sessions {
            return Err(format!(
                "inconsistent chat counts: doctor {} / within 3 min {} / all {total}",
                doc.sessions, doc.answered_within_3min
            ));
        }
        if doc.sessions < MIN_DOCTOR_SESSIONS {
            let _ = write!(
                reason,
                "pet doctors not assessed ({} sessions < {MIN_DOCTOR_SESSIONS})",
                doc.sessions
            );
            return Ok(Award::default());
        }
        let mut award = Award::default();
        let share = ramp(SHARE_MAX, doc.sessions, total, 0, 300);
        let prompt = ramp(PROMPT_MAX, doc.answered_within_3min, doc.sessions, 600, 950);
        let mean_secs = doc.total_response_secs / doc.sessions;
        let mean = match mean_secs {
            0..=60 => FAST_MEAN_POINTS,
            61..=180 => OK_MEAN_POINTS,
            _ => 0,
        };
        for (p, flag) in [
            (share, FLAG_SHARE),
            (prompt, FLAG_PROMPT),
            (mean, FLAG_MEAN),
        ] {
            if p > 0 {
                award.points += p;
                award.flags |= flag;
            }
        }
        let _ = write!(
            reason,
            "pet doctors answered {} of {total} chats: +{}; {} within 3 min: +{}; mean first response {mean_secs} s: +{}",
            Percent(doc.sessions, total),
            Points(share),
            Percent(doc.answered_within_3min, doc.sessions),
            Points(prompt),
            Points(mean)
        );
        Ok(award)
    }
}

truexp_plugin::declare_plugin!(Pet);

#[cfg(test)]
mod tests {
    use super::*;
    use truexp::bonus::{AgentChats, BonusInput};
    use truexp_plugin::evaluate;

    fn shop(sessions: u64, within: u64, secs: u64) -> BonusInput {
        BonusInput {
            shop_id: "p1".into(),
            category: "pet".into(),
            chat_sessions: 400,
            agent_chats: vec![
                AgentChats {
                    certification: "pet_doctor".into(),
                    sessions,
                    answered_within_3min: within,
                    total_response_secs: secs,
                    ..Default::default()
                },
                AgentChats {
                    certification: String::new(),
                    sessions: 400 - sessions,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn full_marks() {
        let b = evaluate(&Pet, &shop(120, 118, 120 * 30)).unwrap();
        assert_eq!(b.points, 10_000);
        assert_eq!(b.flags, FLAG_SHARE | FLAG_PROMPT | FLAG_MEAN);
    }

    #[test]
    fn partial() {
        // 60/400 = 15% of chats -> 0.20; 47/60 = 78.3% within 3 min -> ramp; mean 120 s -> 0.10
        let b = evaluate(&Pet, &shop(60, 47, 60 * 120)).unwrap();
        assert_eq!(b.points, 2_000 + ramp(PROMPT_MAX, 47, 60, 600, 950) + 1_000);
        assert!(
            b.reason.contains("mean first response 120 s"),
            "{}",
            b.reason
        );
    }

    #[test]
    fn too_few_doctor_sessions() {
        let b = evaluate(&Pet, &shop(19, 19, 19)).unwrap();
        assert_eq!(b.points, 0);
        assert!(b.reason.contains("not assessed"));
    }

    #[test]
    fn slow_doctors_get_only_share() {
        let b = evaluate(&Pet, &shop(120, 30, 120 * 600)).unwrap();
        assert_eq!((b.points, b.flags), (SHARE_MAX, FLAG_SHARE));
    }

    #[test]
    fn inconsistent_counts_are_an_error() {
        assert!(evaluate(&Pet, &shop(30, 31, 0)).is_err());
    }
}
