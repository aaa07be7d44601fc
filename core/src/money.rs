//! Money: integer minor units (fen, cents) in a range checked when built.
//!
//! Why a type and not an `i64`: an amount enters from many doors (a JSON
//! field, a C argument, an Arrow column, a snapshot) and is summed, split
//! and compared all over price protection and the impact report. As a type
//! it is checked once, where it is built, against the range every consumer
//! holds exactly — ±(2^53 − 1), the integers a JSON number keeps in any
//! reader (I-JSON, RFC 7493 §2.2: what pandas, JavaScript and a `double`
//! hold without rounding). A step that input could push out of the range
//! is a checked method returning `None` (or a saturating one where a total
//! may stop at the end); the operators (`+`, `-`, `sum`) are for steps an
//! invariant keeps in range, and panic past it instead of wrapping. Never
//! a float. The bound is our choice (about 90 trillion yuan: no single
//! amount or total comes near it), and it leaves room: the sum or
//! difference of two amounts always fits in 64 bits.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of money in integer minor units (fen, cents). Never a float.
///
/// Built by [`Money::new`] (checked) or [`Money::ZERO`]; its range is
/// [`Money::MIN`]`..=`[`Money::MAX`]. Reads and writes as a JSON integer;
/// a value outside the range is refused when parsed.
///
/// ```
/// use truexp::Money;
/// let price = Money::new(1990).unwrap();
/// assert_eq!(price.checked_mul(3), Money::new(5970).ok());
/// assert_eq!(price.to_string(), "1990");
/// assert_eq!(price.yuan(), "19.90");
/// assert_eq!(Money::from(1990), price); // every i32 is in range
/// assert!(Money::new(1 << 53).is_err());
/// let m: Money = serde_json::from_str("-5").unwrap();
/// assert_eq!(m.minor_units(), -5);
/// assert!(serde_json::from_str::<Money>("9007199254740992").is_err());
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Money(i64);

/// An amount outside [`Money::MIN`]`..=`[`Money::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} minor units is outside the money range ±9007199254740991 (2^53 - 1)")]
pub struct MoneyRangeError(pub i64);

impl Money {
    /// No money.
    pub const ZERO: Money = Money(0);
    /// The largest amount: 2^53 − 1 minor units.
    pub const MAX: Money = Money((1 << 53) - 1);
    /// The smallest amount: −(2^53 − 1) minor units.
    pub const MIN: Money = Money(-((1 << 53) - 1));

    /// `minor_units` as money, or an error when it is outside the range.
    pub const fn new(minor_units: i64) -> Result<Money, MoneyRangeError> {
        if minor_units < Money::MIN.0 || minor_units > Money::MAX.0 {
            return Err(MoneyRangeError(minor_units));
        }
        Ok(Money(minor_units))
    }

    /// An `i128` result of exact arithmetic as money, if in range.
    fn from_wide(v: i128) -> Option<Money> {
        i64::try_from(v).ok().and_then(|v| Money::new(v).ok())
    }

    /// The amount in minor units.
    pub const fn minor_units(self) -> i64 {
        self.0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Whether the amount is above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// `self + other`, or `None` outside the range.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        Money::new(self.0 + other.0).ok() // both within ±2^53: no overflow
    }

    /// `self − other`, or `None` outside the range.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        Money::new(self.0 - other.0).ok()
    }

    /// `self × n`, or `None` outside the range.
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        Money::from_wide(i128::from(self.0) * i128::from(n))
    }

    /// `self ÷ n` rounded towards minus infinity, for `n > 0` (`None`
    /// otherwise): an average of a total over `n` shops or orders.
    pub fn div_floor(self, n: i64) -> Option<Money> {
        (n > 0).then(|| Money(self.0.div_euclid(n)))
    }

    /// `floor(self × num / den)` computed exactly, for `self ≥ 0` and
    /// `0 ≤ num ≤ den`, `den > 0` (a share of an amount: never more than
    /// it, so always in range). Any other arguments give `None`.
    pub fn share(self, num: i64, den: i64) -> Option<Money> {
        if self.0 < 0 || num < 0 || den <= 0 || num > den {
            return None;
        }
        Money::from_wide(i128::from(self.0) * i128::from(num) / i128::from(den))
    }

    /// `self + other`, stopping at [`Money::MIN`] / [`Money::MAX`] (for
    /// totals over many amounts that no real data brings near the ends).
    pub fn saturating_add(self, other: Money) -> Money {
        Money((self.0 + other.0).clamp(Money::MIN.0, Money::MAX.0))
    }

    /// `self − other`, stopping at [`Money::MIN`] / [`Money::MAX`].
    pub fn saturating_sub(self, other: Money) -> Money {
        Money((self.0 - other.0).clamp(Money::MIN.0, Money::MAX.0))
    }

    /// The amount as yuan (major units) with two decimals, by integer
    /// arithmetic: `1234` → `"12.34"`, `-5` → `"-0.05"`.
    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// The sum of `amounts`, or `None` if a partial sum leaves the range.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }
}

/// `a + b` where the caller knows the sum is in range (each step's comment
/// says why); input-dependent sums use [`Money::checked_add`].
///
/// # Panics
///
/// When the sum leaves the range — a broken invariant, never bad input
/// (jiff's `Timestamp + Span` is the model: operators panic, checked
/// methods say).
impl std::ops::Add for Money {
    type Output = Money;

    fn add(self, other: Money) -> Money {
        match self.checked_add(other) {
            Some(m) => m,
            None => panic!("{self} + {other} minor units left the money range"),
        }
    }
}

/// `a − b` where the caller knows the difference is in range; see `Add`.
///
/// # Panics
///
/// When the difference leaves the range.
impl std::ops::Sub for Money {
    type Output = Money;

    fn sub(self, other: Money) -> Money {
        match self.checked_sub(other) {
            Some(m) => m,
            None => panic!("{self} - {other} minor units left the money range"),
        }
    }
}

/// The sum of amounts the caller knows stays in range; see `Add`
/// ([`Money::checked_sum`] for sums of input).
///
/// # Panics
///
/// When a partial sum leaves the range.
impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |acc, m| acc + m)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = *self + other;
    }
}

impl std::ops::SubAssign for Money {
    fn sub_assign(&mut self, other: Money) {
        *self = *self - other;
    }
}

impl TryFrom<i64> for Money {
    type Error = MoneyRangeError;

    fn try_from(minor_units: i64) -> Result<Money, MoneyRangeError> {
        Money::new(minor_units)
    }
}

/// Every `i32` is in range (|i32| < 2^31 < 2^53): a literal amount needs
/// no check (`Money::from(1990)`).
impl From<i32> for Money {
    fn from(minor_units: i32) -> Money {
        Money(i64::from(minor_units))
    }
}

/// Every `u32` is in range.
impl From<u32> for Money {
    fn from(minor_units: u32) -> Money {
        Money(i64::from(minor_units))
    }
}

impl From<Money> for i64 {
    fn from(m: Money) -> i64 {
        m.0
    }
}

/// Minor units, as an integer (what JSON and every report show).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// `v` minor units, for tests' literals (panics outside the range).
#[cfg(test)]
pub(crate) fn m(v: i64) -> Money {
    Money::new(v).expect("a test amount in range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_is_checked_when_built_and_by_every_step() {
        assert_eq!(Money::new((1 << 53) - 1), Ok(Money::MAX));
        assert_eq!(Money::new(-(1 << 53) + 1), Ok(Money::MIN));
        for bad in [1 << 53, -(1 << 53), i64::MAX, i64::MIN] {
            let err = Money::new(bad).unwrap_err();
            assert!(err.to_string().starts_with(&bad.to_string()), "{err}");
        }
        assert_eq!(Money::MAX.checked_add(m(1)), None);
        assert_eq!(Money::MIN.checked_sub(m(1)), None);
        assert_eq!(Money::MAX.checked_sub(Money::MIN), None);
        assert_eq!(m(3).checked_sub(m(5)), Some(m(-2)));
        assert_eq!(m(1 << 40).checked_mul(1 << 20), None);
        assert_eq!(m(7).checked_mul(i64::MIN), None);
        assert_eq!(m(7).checked_mul(-3), Some(m(-21)));
        assert_eq!(Money::checked_sum([Money::MAX, m(1), m(-1)]), None);
        assert_eq!(Money::checked_sum([m(1), m(2)]), Some(m(3)));
        assert_eq!(Money::MAX.saturating_add(Money::MAX), Money::MAX);
        assert_eq!(Money::MIN.saturating_sub(Money::MAX), Money::MIN);
        assert_eq!(m(2).saturating_sub(m(5)), m(-3));
        assert_eq!(m(2) - m(5) + m(1), m(-2));
        let caught = std::panic::catch_unwind(|| Money::MAX + m(1));
        assert!(caught.is_err(), "an operator never leaves the range");
    }

    #[test]
    fn shares_and_floors_are_exact() {
        assert_eq!(m(10).share(1, 3), Some(m(3)));
        assert_eq!(Money::MAX.share(3, 3), Some(Money::MAX));
        assert_eq!(m(10).share(4, 3), None);
        assert_eq!(m(-10).share(1, 3), None);
        assert_eq!(m(10).share(1, 0), None);
        assert_eq!(m(7).div_floor(2), Some(m(3)));
        assert_eq!(m(-7).div_floor(2), Some(m(-4)));
        assert_eq!(m(7).div_floor(-2), None);
        assert_eq!(m(7).div_floor(0), None);
    }

    #[test]
    fn yuan_are_formatted_by_integer_arithmetic() {
        assert_eq!(m(0).yuan(), "0.00");
        assert_eq!(m(7).yuan(), "0.07");
        assert_eq!(m(100).yuan(), "1.00");
        assert_eq!(m(-1234).yuan(), "-12.34");
        assert_eq!(Money::MIN.yuan(), "-90071992547409.91");
    }

    #[test]
    fn json_reads_and_writes_integers_and_refuses_the_rest() {
        assert_eq!(serde_json::to_string(&m(-5)).unwrap(), "-5");
        assert_eq!(serde_json::from_str::<Money>("1990").unwrap(), m(1990));
        for bad in ["9007199254740992", "1.5", "\"10\"", "-9007199254740992"] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }
}
