//! Calendar days in the marketplace's time zone.
//!
//! Why: windows such as "30 days ending T-3" and "3 ratings per calendar
//! month" are day-based, and a day starts at midnight *local* time (UTC+8 by
//! default), not at midnight UTC. Everything else stays in UTC seconds.

use crate::event::Timestamp;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The largest local day number [`Clock::day`] gives (and its negation the
/// smallest): about 2.9 million years from 1970.
pub const MAX_DAY: i32 = i32::MAX / 2;

/// Maps UTC timestamps to local day numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    offset_secs: i64,
}

impl Clock {
    /// A clock for a fixed UTC offset in minutes (480 = UTC+8).
    pub fn new(offset_minutes: i32) -> Self {
        Clock {
            offset_secs: i64::from(offset_minutes) * 60,
        }
    }

    /// Local day number (days since 1970-01-01 local) of a UTC timestamp,
    /// clamped to `±MAX_DAY`: far beyond any real date, and far enough from
    /// the ends of `i32` that a window (at most 366 days, lagged at most 60)
    /// below or above it never overflows (a query at `as_of = i64::MIN`
    /// overflowed `t - lag_days` with day `i32::MIN`; found by fuzzing).
    pub fn day(&self, ts: Timestamp) -> i32 {
        let d = ts.saturating_add(self.offset_secs).div_euclid(DAY);
        d.clamp(-i64::from(MAX_DAY), i64::from(MAX_DAY)) as i32
    }

    /// The UTC timestamp at which local day `day` starts.
    pub fn day_start(&self, day: i32) -> Timestamp {
        i64::from(day) * DAY - self.offset_secs
    }

    /// Local calendar month of a timestamp, as `year * 12 + (month - 1)`.
    pub fn month(&self, ts: Timestamp) -> i32 {
        let (y, m, _) = civil_from_days(i64::from(self.day(ts)));
        (y * 12 + (m as i64 - 1)) as i32
    }
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01 (proleptic Gregorian).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_midnight_is_utc_16h_the_day_before() {
        let c = Clock::new(480);
        // 2026-11-10T16:00:00Z is 2026-11-11 00:00 in UTC+8.
        let t = 1_794_326_400;
        assert_eq!(c.day(t) - c.day(t - 1), 1);
        assert_eq!(civil_from_days(i64::from(c.day(t))), (2026, 11, 11));
        assert_eq!(c.day_start(c.day(t)), t);
        assert_eq!(c.day_start(c.day(t - 1)), t - DAY);
    }

    #[test]
    fn months_roll_over_years() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        let c = Clock::new(0);
        assert_eq!(c.month(0) - c.month(-1), 1);
    }
}

/// A moment stored in 32 bits: UTC seconds since the Unix epoch.
///
/// Why: the engine keeps several moments per order. Event validation
/// accepts only moments in 2000-01-01..2100-01-01
/// ([`crate::event::MIN_TIME`]..[`crate::event::MAX_TIME`]), which all fit
/// in a `u32`, so held state stores them at half the size of a
/// [`Timestamp`]. Zero (1970) never occurs in held state and marks "none".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment(u32);

impl Moment {
    /// "No moment" (1970-01-01, before any valid event).
    pub const NONE: Moment = Moment(0);

    /// The moment of a validated timestamp. Out-of-range values (which
    /// validation refuses) saturate to the nearest representable moment.
    #[inline]
    pub fn new(t: Timestamp) -> Moment {
        debug_assert!(
            (crate::event::MIN_TIME..crate::event::MAX_TIME).contains(&t),
            "validated timestamps only: {t}"
        );
        Moment(t.clamp(1, i64::from(u32::MAX)) as u32)
    }

    /// An optional timestamp, [`Moment::NONE`] for none.
    #[inline]
    pub fn new_opt(t: Option<Timestamp>) -> Moment {
        t.map_or(Moment::NONE, Moment::new)
    }

    /// As UTC seconds.
    #[inline]
    pub fn get(self) -> Timestamp {
        i64::from(self.0)
    }

    /// Its stored form (a snapshot writes it as is).
    #[inline]
    pub(crate) fn raw(self) -> u32 {
        self.0
    }

    /// A moment from its stored form (any `u32` is a moment).
    #[inline]
    pub(crate) fn from_raw(raw: u32) -> Moment {
        Moment(raw)
    }

    /// As UTC seconds, `None` for [`Moment::NONE`].
    #[inline]
    pub fn get_opt(self) -> Option<Timestamp> {
        (self.0 != 0).then_some(i64::from(self.0))
    }
}
