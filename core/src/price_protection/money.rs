//! Checked arithmetic for price protection: every step names what it was
//! computing when it would leave its range.
//!
//! Why a module of its own: every money step in price protection must refuse
//! to wrap, and the error must say which figure it was; [`Money`]'s checked
//! methods say *that* a step failed, these helpers say *where*. Units and
//! times are plain integers and get the same treatment.

use super::error::{PriceProtectionError, Result};
use crate::event::Money;

/// `a + b`, or an overflow error naming `field`.
pub(crate) fn add(a: Money, b: Money, field: &str) -> Result<Money> {
    a.checked_add(b)
        .ok_or_else(|| PriceProtectionError::overflow(field))
}

/// `a + b` on counts or times, or an overflow error naming `field`.
pub(crate) fn add_i64(a: i64, b: i64, field: &str) -> Result<i64> {
    a.checked_add(b)
        .ok_or_else(|| PriceProtectionError::overflow(field))
}

/// `floor(value * num / den)` computed exactly, for `0 <= value`,
/// `0 <= num <= den`, `den > 0`: the result is `<= value`, so it is always
/// in range (outside those arguments: `value`, which a debug build asserts
/// never happens).
pub(crate) fn mul_div_floor(value: Money, num: i64, den: i64) -> Money {
    debug_assert!(!value.is_negative() && num >= 0 && den > 0 && num <= den);
    value.share(num, den).unwrap_or(value)
}

/// Formats minor units as yuan with two decimals, by integer arithmetic:
/// `1234` → `"12.34"`, `-5` → `"-0.05"` ([`Money::yuan`]).
///
/// ```
/// use truexp::{price_protection::format_yuan, Money};
/// assert_eq!(format_yuan(Money::new(1234).unwrap()), "12.34");
/// assert_eq!(format_yuan(Money::new(-5).unwrap()), "-0.05");
/// assert_eq!(format_yuan(Money::MIN), "-90071992547409.91");
/// ```
pub fn format_yuan(amount: Money) -> String {
    amount.yuan()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_ops_refuse_to_wrap() {
        let m = |v| Money::new(v).unwrap();
        assert!(add(Money::MAX, m(1), "x").is_err());
        assert!(add_i64(i64::MAX, 1, "x").is_err());
        assert_eq!(mul_div_floor(m(10), 1, 3), m(3));
        assert_eq!(mul_div_floor(Money::MAX, 3, 3), Money::MAX);
    }
}
