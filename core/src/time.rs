//! Moments and calendar days in the marketplace's time zone.
//!
//! Why: windows such as "30 days ending T-3" and "3 ratings per calendar
//! month" are day-based, and a day starts at midnight *local* time (UTC+8 by
//! default), not at midnight UTC. Everything else stays in UTC seconds, as a
//! [`Timestamp`] whose range is checked where it is built (a JSON field, a C
//! argument, an Arrow column, a snapshot, a query's `as_of`) so that moving
//! it by hours or days never overflows.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A moment: whole UTC seconds since the Unix epoch, in years −9999..=9999.
///
/// Why a type and not an `i64`: moments arrive from many doors and are
/// moved by deadlines (hours), windows (days) and lags everywhere; as an
/// `i64` a query at `as_of = i64::MIN` overflowed such a step (found by
/// fuzzing). Built by [`Timestamp::new`] (checked; a JSON field is checked
/// when parsed), moved by saturating steps that stop at [`Timestamp::MIN`]
/// and [`Timestamp::MAX`], compared and subtracted exactly (two moments are
/// at most ~2^40 seconds apart). The range is jiff's (`jiff::Timestamp`);
/// events are held to the narrower 2000..2100
/// ([`crate::event::is_event_time`]), queries may ask about any moment.
///
/// ```
/// use truexp::Timestamp;
/// let t = Timestamp::new(1_780_000_000).unwrap();
/// assert_eq!(t.plus_secs(3_600).secs_since(t), 3_600);
/// assert_eq!(t.to_string(), "1780000000");
/// assert!(Timestamp::new(i64::MIN).is_err());
/// assert_eq!(Timestamp::MIN.minus_secs(1), Timestamp::MIN);
/// let p: Timestamp = serde_json::from_str("1780000000").unwrap();
/// assert_eq!(p, t);
/// assert!(serde_json::from_str::<Timestamp>("9223372036854775807").is_err());
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Timestamp(i64);

/// Seconds outside [`Timestamp::MIN`]`..=`[`Timestamp::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0} seconds is outside the timestamp range -377705116800..=253402300799 \
     (years -9999..=9999 UTC)"
)]
pub struct TimestampRangeError(pub i64);

impl Timestamp {
    /// The earliest moment: -9999-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp(-377_705_116_800);
    /// The latest moment: 9999-12-31T23:59:59Z.
    pub const MAX: Timestamp = Timestamp(253_402_300_799);
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// `secs` UTC seconds since the epoch, or an error outside the range.
    pub const fn new(secs: i64) -> Result<Timestamp, TimestampRangeError> {
        if secs < Timestamp::MIN.0 || secs > Timestamp::MAX.0 {
            Err(TimestampRangeError(secs))
        } else {
            Ok(Timestamp(secs))
        }
    }

    /// A constant moment; fails to compile (panics) outside the range.
    pub const fn constant(secs: i64) -> Timestamp {
        match Timestamp::new(secs) {
            Ok(t) => t,
            Err(_) => panic!("timestamp constant outside years -9999..=9999"),
        }
    }

    /// UTC seconds since the epoch.
    #[inline]
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// `secs` later (earlier when negative), stopping at the ends.
    #[inline]
    pub const fn plus_secs(self, secs: i64) -> Timestamp {
        let t = self.0.saturating_add(secs);
        if t < Timestamp::MIN.0 {
            Timestamp::MIN
        } else if t > Timestamp::MAX.0 {
            Timestamp::MAX
        } else {
            Timestamp(t)
        }
    }

    /// `secs` earlier (later when negative), stopping at the ends.
    #[inline]
    pub const fn minus_secs(self, secs: i64) -> Timestamp {
        self.plus_secs(0i64.saturating_sub(secs))
    }

    /// `hours` later (earlier when negative), stopping at the ends.
    #[inline]
    pub const fn plus_hours(self, hours: i64) -> Timestamp {
        self.plus_secs(hours.saturating_mul(3_600))
    }

    /// `days` of 24 hours later (earlier when negative), stopping at the ends.
    #[inline]
    pub const fn plus_days(self, days: i64) -> Timestamp {
        self.plus_secs(days.saturating_mul(DAY))
    }

    /// `days` of 24 hours earlier, stopping at the ends.
    #[inline]
    pub const fn minus_days(self, days: i64) -> Timestamp {
        self.plus_days(0i64.saturating_sub(days))
    }

    /// Seconds from `earlier` to this moment (negative when `earlier` is
    /// later): exact, both are within the range.
    #[inline]
    pub const fn secs_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }
}

/// A moment from UTC seconds, for tests (which build their data in plain
/// seconds).
#[cfg(test)]
pub(crate) fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs).expect("a moment in range")
}

impl From<u32> for Timestamp {
    /// Every `u32` of seconds (1970..2106) is a moment.
    #[inline]
    fn from(secs: u32) -> Timestamp {
        Timestamp(i64::from(secs))
    }
}

impl TryFrom<i64> for Timestamp {
    type Error = TimestampRangeError;
    fn try_from(secs: i64) -> Result<Timestamp, TimestampRangeError> {
        Timestamp::new(secs)
    }
}

impl From<Timestamp> for i64 {
    fn from(t: Timestamp) -> i64 {
        t.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

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

    /// The local day of a moment (within `±`[`MAX_DAY`]: [`Timestamp`]'s
    /// range is narrower).
    pub fn day(&self, ts: Timestamp) -> LocalDay {
        let d = (ts.as_secs() + self.offset_secs).div_euclid(DAY);
        LocalDay(d.clamp(-i64::from(MAX_DAY), i64::from(MAX_DAY)) as i32)
    }

    /// The UTC moment at which local day `day` starts (stopping at the
    /// ends of [`Timestamp`]'s range, narrower than [`LocalDay`]'s).
    pub fn day_start(&self, day: LocalDay) -> Timestamp {
        Timestamp::UNIX_EPOCH.plus_secs(i64::from(day.0) * DAY - self.offset_secs)
    }

    /// Local calendar month of a timestamp, as `year * 12 + (month - 1)`.
    pub fn month(&self, ts: Timestamp) -> i32 {
        let (y, m, _) = civil_from_days(i64::from(self.day(ts).0));
        (y * 12 + (m as i64 - 1)) as i32
    }
}

/// A calendar day in the marketplace's time zone: days since 1970-01-01
/// local (the day [`Clock::day`] gives a timestamp).
///
/// Why a type: day numbers, months, counts and positions are all small
/// integers, and a window's bound passed where a count was meant compiled.
/// Its range is checked when it is built: [`Clock::day`] clamps to
/// `±`[`MAX_DAY`], [`LocalDay::new`] refuses beyond it, and moving a day by
/// a number of days stops at those ends (about 2.9 million years from
/// 1970, where no window holds data: event times are 2000..2100), so day
/// arithmetic never overflows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDay(i32);

impl LocalDay {
    /// The earliest day.
    pub const MIN: LocalDay = LocalDay(-MAX_DAY);
    /// The latest day.
    pub const MAX: LocalDay = LocalDay(MAX_DAY);

    /// Day number `day`, if it is within `±`[`MAX_DAY`].
    pub const fn new(day: i32) -> Option<LocalDay> {
        if day >= -MAX_DAY && day <= MAX_DAY {
            Some(LocalDay(day))
        } else {
            None
        }
    }

    /// Its number: days since 1970-01-01 local.
    #[inline]
    pub const fn get(self) -> i32 {
        self.0
    }

    /// `days` later (earlier when negative), stopping at the ends.
    #[inline]
    pub fn plus(self, days: i32) -> LocalDay {
        LocalDay(self.0.saturating_add(days).clamp(-MAX_DAY, MAX_DAY))
    }

    /// `days` earlier (later when negative), stopping at the ends.
    #[inline]
    pub fn minus(self, days: i32) -> LocalDay {
        LocalDay(self.0.saturating_sub(days).clamp(-MAX_DAY, MAX_DAY))
    }

    /// The first day of the `days`-day window ending on this day (itself
    /// for one day).
    #[inline]
    pub fn window_start(self, days: u32) -> LocalDay {
        self.minus(i32::try_from(days).unwrap_or(i32::MAX).saturating_sub(1))
    }

    /// Every day from this one to `last`, both included (none when `last`
    /// is earlier).
    pub fn through(self, last: LocalDay) -> impl Iterator<Item = LocalDay> {
        (self.0..=last.0).map(LocalDay)
    }

    /// Days from `earlier` to this day (negative when `earlier` is later):
    /// at most `2 × MAX_DAY`, which fits.
    #[inline]
    pub const fn days_since(self, earlier: LocalDay) -> i32 {
        self.0 - earlier.0
    }
}

impl std::fmt::Display for LocalDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
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
        assert_eq!(c.day(ts(t)).days_since(c.day(ts(t - 1))), 1);
        assert_eq!(
            civil_from_days(i64::from(c.day(ts(t)).get())),
            (2026, 11, 11)
        );
        assert_eq!(c.day_start(c.day(ts(t))), ts(t));
        assert_eq!(c.day_start(c.day(ts(t - 1))), ts(t - DAY));
    }

    #[test]
    fn local_days_are_checked_when_built_and_stop_at_the_ends() {
        assert_eq!(LocalDay::new(MAX_DAY), Some(LocalDay::MAX));
        assert_eq!(LocalDay::new(-MAX_DAY), Some(LocalDay::MIN));
        assert_eq!(LocalDay::new(MAX_DAY + 1), None);
        assert_eq!(LocalDay::new(i32::MIN), None);
        let c = Clock::new(480);
        // every moment has its day; days beyond moments' range start at its ends
        assert!(c.day(Timestamp::MIN) > LocalDay::MIN);
        assert!(c.day(Timestamp::MAX) < LocalDay::MAX);
        assert_eq!(c.day_start(LocalDay::MIN), Timestamp::MIN);
        assert_eq!(c.day_start(LocalDay::MAX), Timestamp::MAX);
        assert_eq!(c.day_start(c.day(Timestamp::MIN)), Timestamp::MIN);
        assert_eq!(LocalDay::MIN.minus(400), LocalDay::MIN);
        assert_eq!(LocalDay::MAX.plus(1), LocalDay::MAX);
        assert_eq!(LocalDay::MIN.plus(i32::MIN), LocalDay::MIN);
        assert_eq!(LocalDay::MAX.days_since(LocalDay::MIN), 2 * MAX_DAY);
        let d = LocalDay::new(100).unwrap();
        assert_eq!(d.window_start(30), LocalDay::new(71).unwrap());
        assert_eq!(d.window_start(1), d);
        assert_eq!(d.window_start(u32::MAX), LocalDay::MIN);
        assert_eq!(d.minus(10).through(d).count(), 11);
        assert_eq!(d.through(d.minus(1)).count(), 0);
        assert_eq!(d.plus(5).days_since(d), 5);
    }

    #[test]
    fn months_roll_over_years() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        let c = Clock::new(0);
        assert_eq!(c.month(ts(0)) - c.month(ts(-1)), 1);
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
            crate::event::is_event_time(t),
            "validated timestamps only: {t}"
        );
        Moment(t.as_secs().clamp(1, i64::from(u32::MAX)) as u32)
    }

    /// An optional timestamp, [`Moment::NONE`] for none.
    #[inline]
    pub fn new_opt(t: Option<Timestamp>) -> Moment {
        t.map_or(Moment::NONE, Moment::new)
    }

    /// As UTC seconds.
    #[inline]
    pub fn get(self) -> Timestamp {
        Timestamp::from(self.0)
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
        (self.0 != 0).then_some(Timestamp::from(self.0))
    }
}
