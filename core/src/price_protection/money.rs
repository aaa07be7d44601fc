//! Checked money arithmetic and yuan formatting.
//!
//! Why a module of its own: every money step in price protection must refuse
//! to wrap, and every face prints money the same way (integer formatting,
//! never a float), so both live in one place.

use super::error::{PriceProtectionError, Result};
use crate::event::Money;

/// `a + b`, or an overflow error naming `field`.
pub(crate) fn add(a: i64, b: i64, field: &str) -> Result<i64> {
    a.checked_add(b)
        .ok_or_else(|| PriceProtectionError::overflow(field))
}

/// `floor(value * num / den)` computed exactly in 128 bits, for
/// `0 <= value`, `0 <= num <= den`, `den > 0`: the result is `<= value`, so
/// it always fits back into 64 bits.
pub(crate) fn mul_div_floor(value: Money, num: Money, den: Money) -> Money {
    debug_assert!(value >= 0 && num >= 0 && den > 0 && num <= den);
    let q = (value as i128 * num as i128) / den as i128;
    // q <= value because num <= den; the conversion cannot fail.
    i64::try_from(q).unwrap_or(value)
}

/// Formats minor units as yuan with two decimals, by integer arithmetic:
/// `1234` → `"12.34"`, `-5` → `"-0.05"`.
///
/// ```
/// use truexp::price_protection::format_yuan;
/// assert_eq!(format_yuan(1234), "12.34");
/// assert_eq!(format_yuan(-5), "-0.05");
/// assert_eq!(format_yuan(i64::MIN), "-92233720368547758.08");
/// ```
pub fn format_yuan(amount: Money) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_formatting() {
        assert_eq!(format_yuan(0), "0.00");
        assert_eq!(format_yuan(7), "0.07");
        assert_eq!(format_yuan(100), "1.00");
        assert_eq!(format_yuan(-1234), "-12.34");
    }

    #[test]
    fn checked_ops_refuse_to_wrap() {
        assert!(add(i64::MAX, 1, "x").is_err());
        assert_eq!(mul_div_floor(10, 1, 3), 3);
        assert_eq!(mul_div_floor(i64::MAX, 3, 3), i64::MAX);
    }
}
