//! `jewelry`: truexp bonus plugin for jewellery shops.
//!
//! Why these items: jewellery buyers fear fakes and regret expensive purchases;
//! independent appraisal certificates, made-to-order work and few refund disputes
//! on high-value orders are the service signals that matter in this trade.
//!
//! Rule (category `jewelry`), at most **1.0 point**:
//! - **Appraisal certificates, up to 0.40**: share of valid orders tagged
//!   `appraisal_certificate`, linear from 0% to 80% (full marks); needs at least
//!   10 valid orders.
//! - **Private customisation, 0.30**: the shop offers `private_customisation` and at
//!   least one order is tagged `custom_made`.
//! - **Few refund-only requests on high-value orders, up to 0.30**: with at least
//!   10 orders tagged `high_value`, refund-only requests on at most 2% of them: 0.30;
//!   at most 5%: 0.15.
//!
//! Flags: bit 0 appraisal, bit 1 customisation, bit 2 high-value refunds.
#![forbid(unsafe_code)]

use std::ffi::CStr;
use std::fmt::Write as _;
use truexp_plugin::{ramp, Award, Input, Percent, Plugin, Points, Reason};

/// Appraisal item at full marks.
pub const APPRAISAL_MAX: i64 = 4_000;
/// Fewest valid orders for the appraisal item.
pub const MIN_ORDERS: u64 = 10;
/// Customisation item.
pub const CUSTOM_POINTS: i64 = 3_000;
/// Refund-only share at most 2%.
pub const LOW_REFUND_POINTS: i64 = 3_000;
/// Refund-only share at most 5%.
pub const MID_REFUND_POINTS: i64 = 1_500;
/// Fewest `high_value` orders for the refund item.
pub const MIN_HIGH_VALUE: u64 = 10;

/// Flag: appraisal scored.
pub const FLAG_APPRAISAL: u32 = 1;
/// Flag: customisation scored.
pub const FLAG_CUSTOM: u32 = 2;
/// Flag: high-value refunds scored.
pub const FLAG_REFUNDS: u32 = 4;

/// The rule.
pub struct Jewelry;

impl Plugin for Jewelry {
    const NAME: &'static CStr = c"jewelry";
    const VERSION: &'static CStr = c"1.0.0";
    const CATEGORIES: &'static [&'static CStr] = &[c"jewelry"];

    fn bonus(&self, input: &Input<'_>, reason: &mut Reason<'_>) -> Result<Award, String> {
        let mut award = Award::default();
        let orders = input.valid_orders();
        let appraised = input.tag("appraisal_certificate").orders;
        if appraised > orders {
            return Err(format!(
                "appraised orders {appraised} exceed valid orders {orders}"
            ));
        }
        if orders >= MIN_ORDERS {
            let p = ramp(APPRAISAL_MAX, appraised, orders, 0, 800);
            let _ = write!(
                reason,
                "appraisal certificates on {} of {orders} orders: +{}",
                Percent(appraised, orders),
                Points(p)
            );
            if p > 0 {
                award.points += p;
                award.flags |= FLAG_APPRAISAL;
            }
        } else {
            let _ = write!(
                reason,
                "appraisal not assessed ({orders} orders < {MIN_ORDERS})"
            );
        }

        let custom = input.tag("custom_made").orders;
        if input.has_service("private_customisation") && custom > 0 {
            award.points += CUSTOM_POINTS;
            award.flags |= FLAG_CUSTOM;
            let _ = write!(
                reason,
                "; private customisation, {custom} custom-made orders: +{}",
                Points(CUSTOM_POINTS)
            );
        }

        let high = input.tag("high_value");
        if high.orders >= MIN_HIGH_VALUE {
            let refunds = high.refund_only as u128 * 100;
            let p = if refunds <= 2 * high.orders as u128 {
                LOW_REFUND_POINTS
            } else if refunds <= 5 * high.orders as u128 {
                MID_REFUND_POINTS
            } else {
                0
            };
            let _ = write!(
                reason,
                "; refund-only on {} of {} high-value orders: +{}",
                Percent(high.refund_only, high.orders),
                high.orders,
                Points(p)
            );
            if p > 0 {
                award.points += p;
                award.flags |= FLAG_REFUNDS;
            }
        }
        Ok(award)
    }
}

truexp_plugin::declare_plugin!(Jewelry);

#[cfg(test)]
mod tests {
    use super::*;
    use truexp::bonus::{BonusInput, TagCount};
    use truexp_plugin::evaluate;

    fn tag(name: &str, orders: u64, refund_only: u64) -> TagCount {
        TagCount {
            tag: name.into(),
            orders,
            refund_only,
            ..Default::default()
        }
    }

    fn shop() -> BonusInput {
        BonusInput {
            shop_id: "j1".into(),
            category: "jewelry".into(),
            valid_orders: 100,
            ..Default::default()
        }
    }

    #[test]
    fn full_marks() {
        let mut s = shop();
        s.services = vec!["private_customisation".into()];
        s.tags = vec![
            tag("appraisal_certificate", 90, 0),
            tag("custom_made", 3, 0),
            tag("high_value", 50, 1),
        ];
        let b = evaluate(&Jewelry, &s).unwrap();
        assert_eq!(b.points, 10_000);
        assert_eq!(b.flags, FLAG_APPRAISAL | FLAG_CUSTOM | FLAG_REFUNDS);
    }

    #[test]
    fn partial() {
        let mut s = shop();
        s.services = vec!["private_customisation".into()]; // offered but unused
        s.tags = vec![
            tag("appraisal_certificate", 40, 0),
            tag("high_value", 20, 1),
        ];
        let b = evaluate(&Jewelry, &s).unwrap();
        // 40% of 80% -> 0.2; 5% refund-only -> 0.15
        assert_eq!(
            (b.points, b.flags),
            (2_000 + 1_500, FLAG_APPRAISAL | FLAG_REFUNDS)
        );
        assert!(
            b.reason.contains("refund-only on 5.0% of 20"),
            "{}",
            b.reason
        );
    }

    #[test]
    fn many_refunds_and_small_shop() {
        let mut s = shop();
        s.valid_orders = 9;
        s.tags = vec![tag("high_value", 10, 3)];
        let b = evaluate(&Jewelry, &s).unwrap();
        assert_eq!(b.points, 0);
        assert!(b.reason.contains("not assessed"));
    }

    #[test]
    fn inconsistent_counts_are_an_error() {
        let mut s = shop();
        s.tags = vec![tag("appraisal_certificate", 101, 0)];
        assert!(evaluate(&Jewelry, &s).is_err());
    }
}
