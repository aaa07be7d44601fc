//! Price-protection claims (`price_protection::assess_claim`, the JSON form
//! the CLI and C ABI read).
//!
//! Input: a mode byte, then raw JSON (mode 0) or choices that replace
//! numbers of the example claim `examples/claims/jd_window.json` (other
//! modes). Checks: no panic, no overflow; an answered claim is consistent —
//! one result per line, no negative amount, each payout split exactly into
//! its platform and seller parts, totals equal to the sums of the lines, and
//! the answer is the same when asked twice and after a JSON round trip.
#![no_main]

mod common;

use std::sync::OnceLock;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use truexp::price_protection::{assess_claim, Claim};
use truexp::Money;

fn example() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| {
        serde_json::from_str(include_str!("../../examples/claims/jd_window.json"))
            .expect("example claim is JSON")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let claim: Claim = if mode == 0 {
        match serde_json::from_slice(rest) {
            Ok(c) => c,
            Err(_) => return,
        }
    } else {
        let mut u = Unstructured::new(rest);
        let Ok(v) = common::mutate_numbers(example(), &mut u) else {
            return;
        };
        match serde_json::from_value(v) {
            Ok(c) => c,
            Err(_) => return,
        }
    };
    let Ok(result) = assess_claim(&claim) else {
        return;
    };
    assert_eq!(result.lines.len(), claim.order.lines.len());
    let (mut payout, mut platform, mut seller) = (Money::ZERO, Money::ZERO, Money::ZERO);
    for (i, line) in result.lines.iter().enumerate() {
        let a = &line.assessment;
        assert_eq!(line.line, i);
        assert!(!a.payout.is_negative(), "line {i}: negative payout {a:?}");
        assert!(
            !a.platform_part.is_negative() && !a.seller_part.is_negative(),
            "line {i}: {a:?}"
        );
        assert_eq!(
            a.platform_part + a.seller_part,
            a.payout,
            "line {i}: split {a:?}"
        );
        assert!(
            a.protected_quantity >= 0 && a.protected_quantity <= line.quantity,
            "line {i}: {a:?}"
        );
        assert_eq!(
            a.reason.is_none(),
            a.payout.is_positive(),
            "line {i}: reason {a:?}"
        );
        payout += a.payout;
        platform += a.platform_part;
        seller += a.seller_part;
    }
    assert_eq!(
        (
            result.total_payout,
            result.total_platform,
            result.total_seller
        ),
        (payout, platform, seller)
    );
    assert_eq!(
        assess_claim(&claim).as_ref(),
        Ok(&result),
        "same claim, another answer"
    );
    let json = serde_json::to_string(&claim).expect("claim serialises");
    let back: Claim = serde_json::from_str(&json).expect("claim reads back");
    assert_eq!(
        assess_claim(&back).as_ref(),
        Ok(&result),
        "answer changed after a JSON round trip"
    );
});
