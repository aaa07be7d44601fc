//! Apportioning order-level discounts to lines (largest remainder).
//!
//! Why: price protection compares what the buyer *actually paid* per unit,
//! so an order-level discount must be shared out to lines in integer minor
//! units, adding up exactly, and the same way every time.
//!
//! Rules (the contract, tested below):
//! - **Shares.** A total `T` is shared over weights `w_i` (line amounts,
//!   `unit_price × quantity − line_discount`) as `floor(T·w_i / W)`; the
//!   leftover minor units go one each to the largest remainders
//!   `(T·w_i) mod W`; ties go to the lower line index. So 10.00 over three
//!   lines of 10.00 gives 3.34 / 3.33 / 3.33.
//! - **Who funded it.** All order discounts together (`D`) are shared over
//!   the line amounts; then the platform-funded total (`P`) is shared the
//!   same way over the lines' shares of `D`. A line's seller-funded order
//!   discount is its share of `D` minus its share of `P`. Both are
//!   non-negative and both totals add up exactly. Line-level discounts
//!   (`OrderLine::line_discount`) are set by the shop: they count as
//!   seller-funded.
//! - **Paid unit price.** `floor(paid_amount / quantity)`; the remainder
//!   (fewer than `quantity` minor units) is never used for a payout.

use super::error::{PriceProtectionError, Result};
use super::money;
use crate::event::{Funder, Money, OrderDiscount, OrderLine};

/// What one order line cost the buyer, after every discount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LineTerms {
    /// Units bought (≥ 1).
    pub quantity: i64,
    /// What the buyer paid for the whole line, minor units.
    pub paid_amount: Money,
    /// All discounts on the line (line-level plus its share of order-level).
    pub discount_total: Money,
    /// The platform-funded part of `discount_total`.
    pub platform_discount: Money,
}

impl LineTerms {
    /// Paid unit price: `floor(paid_amount / quantity)`.
    pub fn paid_unit(&self) -> Money {
        self.paid_amount
            .div_floor(self.quantity)
            .unwrap_or_default()
    }
}

/// Shares `total` over `weights` by largest remainder (see the module docs).
///
/// Errors when a weight or the total is negative, or when `total > 0` while
/// every weight is zero.
///
/// ```
/// use truexp::{price_protection::apportion, Money};
/// let m = |v| Money::new(v).unwrap();
/// assert_eq!(apportion(m(1000), &[m(1000); 3]).unwrap(), [m(334), m(333), m(333)]);
/// ```
pub fn apportion(total: Money, weights: &[Money]) -> Result<Vec<Money>> {
    if total.is_negative() {
        return Err(PriceProtectionError::invalid(
            "discount",
            total,
            "must not be negative",
        ));
    }
    let mut sum: i128 = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w.is_negative() {
            return Err(PriceProtectionError::invalid(
                format!("weights[{i}]"),
                w,
                "must not be negative",
            ));
        }
        sum += i128::from(w.minor_units());
    }
    if total == Money::ZERO {
        // nothing to share (most orders): no division, no sorting
        return Ok(vec![Money::ZERO; weights.len()]);
    }
    if sum == 0 {
        return Err(PriceProtectionError::invalid(
            "discount",
            total,
            "cannot be shared over lines that cost nothing",
        ));
    }
    if weights.len() == 1 {
        return Ok(vec![total]);
    }
    let t = i128::from(total.minor_units());
    let mut shares = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (i, &w) in weights.iter().enumerate() {
        let p = t * i128::from(w.minor_units());
        let q = p / sum;
        given += q;
        shares.push(q);
        rems.push((p % sum, i));
    }
    // Larger remainder first, then lower index.
    rems.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = (t - given) as usize; // < weights.len()
    for &(_, i) in rems.iter().take(left) {
        shares[i] += 1;
    }
    shares
        .into_iter()
        .map(|s| {
            // a share is at most the total: in range
            (i64::try_from(s).ok())
                .and_then(|s| Money::new(s).ok())
                .ok_or_else(|| PriceProtectionError::overflow("discount share"))
        })
        .collect()
}

/// Validates an order's lines and discounts and computes each line's terms.
///
/// Errors name the field (`lines[i].quantity`, `discounts[j].amount`, ...)
/// and the value.
pub fn line_terms(lines: &[OrderLine], discounts: &[OrderDiscount]) -> Result<Vec<LineTerms>> {
    if lines.is_empty() {
        return Err(PriceProtectionError::invalid(
            "lines",
            0,
            "an order needs at least one line",
        ));
    }
    let mut amounts = Vec::with_capacity(lines.len());
    let mut order_amount = Money::ZERO;
    for (i, l) in lines.iter().enumerate() {
        let f = |n: &str| format!("lines[{i}].{n}");
        if l.sku.is_empty() {
            return Err(PriceProtectionError::invalid(
                f("sku"),
                "\"\"",
                "must not be empty",
            ));
        }
        if l.quantity <= 0 || l.quantity > u32::MAX as i64 {
            return Err(PriceProtectionError::invalid(
                f("quantity"),
                l.quantity,
                "must be 1 ..= 4294967295",
            ));
        }
        if l.unit_price.is_negative() {
            return Err(PriceProtectionError::invalid(
                f("unit_price"),
                l.unit_price,
                "must not be negative",
            ));
        }
        if l.line_discount.is_negative() {
            return Err(PriceProtectionError::invalid(
                f("line_discount"),
                l.line_discount,
                "must not be negative",
            ));
        }
        let gross = l
            .unit_price
            .checked_mul(l.quantity)
            .ok_or_else(|| PriceProtectionError::overflow(f("unit_price")))?;
        if l.line_discount > gross {
            return Err(PriceProtectionError::invalid(
                f("line_discount"),
                l.line_discount,
                format!("is larger than the line amount {gross}"),
            ));
        }
        let amount = gross - l.line_discount; // the discount is not larger
        order_amount = money::add(order_amount, amount, "order amount")?;
        amounts.push(amount);
    }
    let (mut all, mut platform) = (Money::ZERO, Money::ZERO);
    for (i, d) in discounts.iter().enumerate() {
        let field = || format!("discounts[{i}].amount");
        if d.amount.is_negative() {
            return Err(PriceProtectionError::invalid(
                field(),
                d.amount,
                "must not be negative",
            ));
        }
        all = all
            .checked_add(d.amount)
            .ok_or_else(|| PriceProtectionError::overflow(field()))?;
        if d.funded_by == Funder::Platform {
            platform += d.amount; // <= all: in range
        }
    }
    if all > order_amount {
        return Err(PriceProtectionError::invalid(
            "discounts",
            all,
            format!("order discounts exceed the order amount {order_amount}"),
        ));
    }
    let shares = apportion(all, &amounts)?;
    let platform_shares = apportion(platform, &shares)?;
    Ok(lines
        .iter()
        .zip(
            amounts
                .iter()
                .zip(shares.iter().zip(platform_shares.iter())),
        )
        .map(|(l, (&amount, (&share, &plat)))| LineTerms {
            quantity: l.quantity,
            // share <= amount (largest remainder with total <= sum of weights).
            paid_amount: amount - share,
            // line discount + share <= gross: in range
            discount_total: l.line_discount + share,
            platform_discount: plat,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::PromotionKind;
    use crate::money::m;

    fn line(sku: &str, q: i64, p: i64, d: i64) -> OrderLine {
        OrderLine {
            sku: sku.into(),
            quantity: q,
            unit_price: m(p),
            line_discount: m(d),
        }
    }

    fn disc(amount: i64, funded_by: Funder) -> OrderDiscount {
        OrderDiscount {
            amount: m(amount),
            funded_by,
            kind: PromotionKind::Public,
        }
    }

    #[test]
    fn remainder_table() {
        let cases: &[(i64, &[i64], &[i64])] = &[
            (1000, &[1000, 1000, 1000], &[334, 333, 333]),
            (1001, &[1000, 1000, 1000], &[334, 334, 333]),
            (2, &[1, 2], &[1, 1]),
            (1, &[1, 2], &[0, 1]),
            (0, &[5, 7], &[0, 0]),
            (0, &[0, 0], &[0, 0]),
            (7, &[0, 3], &[0, 7]),
        ];
        for (total, weights, want) in cases {
            let weights: Vec<Money> = weights.iter().map(|&w| m(w)).collect();
            let want: Vec<Money> = want.iter().map(|&w| m(w)).collect();
            assert_eq!(
                apportion(m(*total), &weights).unwrap(),
                want,
                "{total} over {weights:?}"
            );
        }
    }

    #[test]
    fn refuses_bad_input() {
        assert!(apportion(m(-1), &[m(1)]).is_err());
        assert!(apportion(m(1), &[Money::ZERO; 2]).is_err());
        let e = line_terms(&[line("a", 1, 100, 101)], &[]).unwrap_err();
        assert!(
            matches!(e, PriceProtectionError::Invalid { ref field, .. } if field == "lines[0].line_discount")
        );
        let e = line_terms(&[line("a", 0, 100, 0)], &[]).unwrap_err();
        assert!(
            matches!(e, PriceProtectionError::Invalid { ref field, ref value, .. } if field == "lines[0].quantity" && value == "0")
        );
        let max = Money::MAX.minor_units();
        assert!(line_terms(&[line("a", 2, max, 0)], &[]).is_err());
        assert!(line_terms(&[line("a", 1, 100, 0)], &[disc(101, Funder::Seller)]).is_err());
    }

    #[test]
    fn funder_split_per_line() {
        let t = line_terms(
            &[
                line("a", 1, 1000, 0),
                line("b", 1, 1000, 0),
                line("c", 1, 1000, 100),
            ],
            &[disc(600, Funder::Platform), disc(300, Funder::Seller)],
        )
        .unwrap();
        // weights 1000/1000/900, D = 900 → 311/310/279 (rems 900000 mod 2900 ...)
        let d = Money::checked_sum(t.iter().map(|x| x.discount_total));
        let p = Money::checked_sum(t.iter().map(|x| x.platform_discount));
        assert_eq!(d, Some(m(900 + 100)));
        assert_eq!(p, Some(m(600)));
        for x in &t {
            assert!(x.platform_discount <= x.discount_total);
            assert!(!x.paid_amount.is_negative());
        }
        assert_eq!(
            t[2].paid_amount.checked_add(t[2].discount_total),
            Some(m(1000))
        );
    }
}
