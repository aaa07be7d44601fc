//! The protection window, exact to the second.
//!
//! Why: a claim one second late must be refused and one second early
//! accepted, and every face must agree. The window opens at the anchor time
//! (order submission, payment or signed receipt, per shop policy) and ends
//! `window_days × 86 400` seconds later, **end inclusive** (JD-style
//! "until 11-17 12:00:00"): a claim at `start ..= end` is inside.
//! With the receipt anchor and no receipt yet, the window is not open.

use serde::{Deserialize, Serialize};

use super::error::{PriceProtectionError, Result};
use crate::event::{PriceProtectionPolicy, ProtectionAnchor, Timestamp};

/// A protection window; both ends inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// First second of protection (the anchor time).
    pub start: Timestamp,
    /// Last second of protection, inclusive.
    pub end: Timestamp,
}

impl Window {
    /// Opens a window at `start` lasting `window_days` days.
    pub fn new(start: Timestamp, window_days: i64) -> Result<Window> {
        check_days(window_days)?;
        Ok(Window {
            start,
            end: start.plus_days(window_days),
        })
    }

    /// True when a claim at `t` is inside (both ends inclusive).
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t <= self.end
    }
}

/// Refuses window lengths outside `1 ..= 3650` days.
pub(crate) fn check_days(window_days: i64) -> Result<()> {
    if (1..=3650).contains(&window_days) {
        Ok(())
    } else {
        Err(PriceProtectionError::invalid(
            "policy.window_days",
            window_days,
            "must be 1 ..= 3650",
        ))
    }
}

/// The anchor time of an order under `anchor`, if it has happened.
pub fn anchor_time(
    anchor: ProtectionAnchor,
    ordered_at: Timestamp,
    paid_at: Timestamp,
    received_at: Option<Timestamp>,
) -> Option<Timestamp> {
    match anchor {
        ProtectionAnchor::Order => Some(ordered_at),
        ProtectionAnchor::Payment => Some(paid_at),
        ProtectionAnchor::Receipt => received_at,
    }
}

/// The window of an order under `policy`; `None` while it is not open
/// (receipt anchor, not received yet).
pub fn window_for(
    policy: &PriceProtectionPolicy,
    ordered_at: Timestamp,
    paid_at: Timestamp,
    received_at: Option<Timestamp>,
) -> Result<Option<Window>> {
    anchor_time(policy.anchor, ordered_at, paid_at, received_at)
        .map(|s| Window::new(s, policy.window_days))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ts;

    #[test]
    fn seven_days_end_inclusive() {
        // 2024-11-10 12:00:00 UTC → 2024-11-17 12:00:00 UTC.
        let w = Window::new(ts(1_731_240_000), 7).unwrap();
        assert_eq!(w.end, ts(1_731_844_800));
        assert!(!w.contains(w.start.minus_secs(1)));
        assert!(w.contains(w.start));
        assert!(w.contains(w.end.minus_secs(1)));
        assert!(w.contains(w.end));
        assert!(!w.contains(w.end.plus_secs(1)));
    }

    #[test]
    fn refuses_bad_lengths_and_stops_at_the_end_of_time() {
        assert!(Window::new(ts(0), 0).is_err());
        assert!(Window::new(ts(0), 3651).is_err());
        let w = Window::new(Timestamp::MAX.minus_secs(10), 1).unwrap();
        assert_eq!(w.end, Timestamp::MAX);
    }
}
