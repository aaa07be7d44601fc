//! Seller-standard presets at and around their published boundaries: just
//! inside, exactly on, just outside each threshold, and below eBay's
//! unique-buyer count floor; windows and validation of the model.

mod builders;

use builders::{ts, Events, D, DAY0, H};
use truexp::standards::{presets, MetricKind, Standard, StandardReport};
use truexp::Engine;

/// Scoring day: local day 400 after DAY0, at noon.
const AS_OF: i64 = DAY0 + 400 * D + 12 * H;
/// Payments two days before: inside every window (the shortest is 7 days).
const RECENT: i64 = DAY0 + 398 * D + 9 * H;

/// `n` clean orders of shop `s1` (buyers b0, b1, ...); `f(ev, order, index)`
/// then adds whatever makes the first orders bad.
fn shop(n: usize, mut f: impl FnMut(&mut Events, &str, usize)) -> Engine {
    let mut ev = Events::new();
    for i in 0..n {
        let o = format!("o{i}");
        ev.paid(&o, "s1", &format!("b{i}"), RECENT + i as i64);
        f(&mut ev, &o, i);
    }
    ev.engine()
}

fn eval(e: &Engine, s: &Standard) -> StandardReport {
    e.evaluate_standard("s1", s, ts(AS_OF)).unwrap()
}

fn tier(e: &Engine, s: &Standard) -> String {
    eval(e, s).tier.unwrap_or_else(|| "<not assessed>".into())
}

fn metric(r: &StandardReport, m: MetricKind) -> (u64, u64, u64) {
    let v = r.metrics.iter().find(|v| v.metric == m).unwrap();
    (v.numerator, v.denominator, v.unique_buyers)
}

/// Ships order `o` (paid at `RECENT + i`) on time with valid tracking.
fn ship(ev: &mut Events, o: &str, i: usize) {
    let paid = RECENT + i as i64;
    ev.shipped(o, paid + H, paid + H, true);
}

// ---------------------------------------------------------------- Amazon

/// `n` shipped orders, the first `bad` with a defect from `defect`.
fn amazon_odr(n: usize, bad: usize, defect: fn(&mut Events, &str, usize)) -> Engine {
    shop(n, |ev, o, i| {
        ship(ev, o, i);
        if i < bad {
            defect(ev, o, i);
        }
    })
}

fn bad_review(ev: &mut Events, o: &str, i: usize) {
    ev.review(o, &format!("b{i}"), RECENT + D, 2, None);
}

#[test]
fn amazon_order_defect_rate_is_below_one_percent_exclusive() {
    let amazon = presets::amazon();
    // just inside: 2 / 201 = 0.995%
    assert_eq!(tier(&amazon_odr(201, 2, bad_review), &amazon), "healthy");
    // on: 2 / 200 = 1.00% is not "< 1%"
    let e = amazon_odr(200, 2, bad_review);
    assert_eq!(
        metric(&eval(&e, &amazon), MetricKind::OrderDefectRate),
        (2, 200, 2)
    );
    assert_eq!(tier(&e, &amazon), "at_risk");
    // just outside: 2 / 199
    assert_eq!(tier(&amazon_odr(199, 2, bad_review), &amazon), "at_risk");
}

#[test]
fn amazon_defects_are_feedback_claims_not_denied_and_chargebacks_once_per_order() {
    let amazon = presets::amazon();
    let count = |f: fn(&mut Events, &str, usize)| {
        metric(
            &eval(&amazon_odr(10, 1, f), &amazon),
            MetricKind::OrderDefectRate,
        )
        .0
    };
    assert_eq!(
        count(|ev, o, i| ev.review(o, &format!("b{i}"), RECENT + D, 1, None)),
        1
    );
    assert_eq!(
        count(|ev, o, i| ev.review(o, &format!("b{i}"), RECENT + D, 3, None)),
        0
    );
    // the lowest star rating decides: 5 for the product, 2 for logistics
    assert_eq!(
        count(|ev, o, i| ev.review(o, &format!("b{i}"), RECENT + D, 5, Some(2))),
        1
    );
    assert_eq!(count(|ev, o, _| ev.atoz(o, RECENT + D, "open")), 1);
    assert_eq!(count(|ev, o, _| ev.atoz(o, RECENT + D, "granted")), 1);
    assert_eq!(count(|ev, o, _| ev.atoz(o, RECENT + D, "denied")), 0);
    // the latest claim state wins: opened, then denied
    assert_eq!(
        count(|ev, o, _| {
            ev.atoz(o, RECENT + D, "open");
            ev.atoz(o, RECENT + 2 * D, "denied");
        }),
        0
    );
    assert_eq!(count(|ev, o, _| ev.note("chargeback", o, RECENT + D)), 1);
    assert_eq!(
        count(|ev, o, i| {
            ev.review(o, &format!("b{i}"), RECENT + D, 1, None);
            ev.atoz(o, RECENT + D, "granted");
            ev.note("chargeback", o, RECENT + D);
        }),
        1
    );
    // a fake order is no defect and no order
    let e = amazon_odr(10, 1, |ev, o, _| {
        ev.note("chargeback", o, RECENT + D);
        ev.verdict(o, RECENT + D, true);
    });
    assert_eq!(
        metric(&eval(&e, &amazon), MetricKind::OrderDefectRate),
        (0, 9, 0)
    );
}

#[test]
fn amazon_order_defect_window_is_60_days_by_order_date() {
    let amazon = presets::amazon();
    let t = DAY0 + 400 * D; // local midnight of the scoring day
    let mut ev = Events::new();
    for (o, paid) in [("in", t - 59 * D), ("out", t - 59 * D - 1)] {
        ev.paid(o, "s1", o, paid);
        ev.shipped(o, paid + H, paid + H, true);
        ev.note("chargeback", o, paid + D);
    }
    let r = eval(&ev.engine(), &amazon);
    assert_eq!(metric(&r, MetricKind::OrderDefectRate), (1, 1, 1));
    // the 7-day cancel window holds neither
    assert_eq!(metric(&r, MetricKind::PreFulfilmentCancelRate), (0, 0, 0));
}

#[test]
fn amazon_late_shipment_rate_is_below_four_percent_exclusive() {
    let amazon = presets::amazon();
    let late = |n: usize, bad: usize| {
        shop(n, |ev, o, i| {
            let paid = RECENT + i as i64;
            let at = if i < bad { paid + D + 1 } else { paid + H };
            ev.shipped(o, at, at, true);
        })
    };
    assert_eq!(tier(&late(101, 4), &amazon), "healthy"); // 3.96%
    let e = late(100, 4);
    assert_eq!(
        metric(&eval(&e, &amazon), MetricKind::LateShipmentRate),
        (4, 100, 4)
    );
    assert_eq!(tier(&e, &amazon), "at_risk"); // 4.00%
    assert_eq!(tier(&late(99, 4), &amazon), "at_risk"); // 4.04%
                                                        // orders not shipped yet are not in the denominator
    let e = shop(10, |ev, o, i| {
        if i > 0 {
            ship(ev, o, i);
        }
    });
    assert_eq!(
        metric(&eval(&e, &amazon), MetricKind::LateShipmentRate),
        (0, 9, 0)
    );
}

#[test]
fn amazon_cancel_rate_is_below_two_and_a_half_percent_over_seven_days() {
    let amazon = presets::amazon();
    let cancel = |n: usize, bad: usize| {
        shop(n, |ev, o, i| {
            if i < bad {
                ev.note("seller_cancelled", o, RECENT + i as i64 + H);
            } else {
                ship(ev, o, i);
            }
        })
    };
    assert_eq!(tier(&cancel(41, 1), &amazon), "healthy"); // 2.43%
    assert_eq!(tier(&cancel(40, 1), &amazon), "at_risk"); // 2.50%
    assert_eq!(tier(&cancel(39, 1), &amazon), "at_risk"); // 2.56%
                                                          // a cancellation after the shipment is not "before fulfilment"
    let e = shop(10, |ev, o, i| {
        ship(ev, o, i);
        if i == 0 {
            ev.note("seller_cancelled", o, RECENT + D);
        }
    });
    assert_eq!(
        metric(&eval(&e, &amazon), MetricKind::PreFulfilmentCancelRate),
        (0, 10, 0)
    );
    // seven local days: day t-6 is in, day t-7 is out
    let t = DAY0 + 400 * D;
    let mut ev = Events::new();
    for (o, paid) in [("in", t - 6 * D), ("out", t - 6 * D - 1)] {
        ev.paid(o, "s1", o, paid);
        ev.note("seller_cancelled", o, paid + H);
    }
    let r = eval(&ev.engine(), &amazon);
    assert_eq!(metric(&r, MetricKind::PreFulfilmentCancelRate), (1, 1, 1));
}

#[test]
fn amazon_valid_tracking_rate_is_at_least_95_percent_inclusive() {
    let amazon = presets::amazon();
    let tracking = |n: usize, invalid: usize| {
        shop(n, |ev, o, i| {
            let paid = RECENT + i as i64;
            ev.shipped(o, paid + H, paid + H, i >= invalid);
        })
    };
    assert_eq!(tier(&tracking(21, 1), &amazon), "healthy"); // 95.23%
    let e = tracking(20, 1);
    assert_eq!(
        metric(&eval(&e, &amazon), MetricKind::ValidTrackingRate),
        (19, 20, 19)
    );
    assert_eq!(tier(&e, &amazon), "healthy"); // 95.00%
    assert_eq!(tier(&tracking(19, 1), &amazon), "at_risk"); // 94.73%
}

// ------------------------------------------------------------------ eBay

/// `n` shipped orders, plus what `f` adds to each.
fn ebay_shop(n: usize, f: impl Fn(&mut Events, &str, usize)) -> Engine {
    shop(n, |ev, o, i| {
        ship(ev, o, i);
        f(ev, o, i);
    })
}

#[test]
fn ebay_transaction_defect_rate_at_most_half_a_percent_inclusive() {
    let ebay = presets::ebay();
    let defects = |n: usize, bad: usize| {
        ebay_shop(n, move |ev, o, i| {
            if i < bad {
                ev.dispute(o, RECENT + D, "buyer");
            }
        })
    };
    // 5 defects from 5 buyers: beyond the count floor, so the rate decides;
    // a case closed for the buyer fails the stricter case rule (0.4995% > 0.3%)
    assert_eq!(tier(&defects(1001, 5), &ebay), "below_standard");
    let e = defects(1000, 5);
    let r = eval(&e, &ebay);
    assert_eq!(metric(&r, MetricKind::TransactionDefectRate), (5, 1000, 5));
    // cases closed for the buyer are defects too; 0.5% > 0.3% with 5 > 2 buyers
    assert_eq!(tier(&e, &ebay), "below_standard");
    // with seller cancellations instead, only the defect rate moves
    let cancels = |n: usize, bad: usize| {
        ebay_shop(n, move |ev, o, i| {
            if i < bad {
                ev.note("seller_cancelled", o, RECENT + i as i64);
            }
        })
    };
    assert_eq!(tier(&cancels(1001, 5), &ebay), "top_rated"); // 0.4995%
    assert_eq!(tier(&cancels(1000, 5), &ebay), "top_rated"); // 0.5000%: inclusive
    assert_eq!(tier(&cancels(999, 5), &ebay), "above_standard"); // 0.5005%
}

#[test]
fn ebay_counts_forgive_small_sellers_below_the_unique_buyer_floor() {
    let ebay = presets::ebay();
    let cancels = |n: usize, bad: usize, buyers: usize| {
        let mut ev = Events::new();
        for i in 0..n {
            let o = format!("o{i}");
            let buyer = if i < bad { i % buyers } else { 1000 + i };
            let paid = RECENT + i as i64;
            ev.paid(&o, "s1", &format!("b{buyer}"), paid);
            if i < bad {
                ev.note("seller_cancelled", &o, paid + H);
            } else {
                ev.shipped(&o, paid + H, paid + H, true);
            }
        }
        ev.engine()
    };
    // 3% of 100 orders, but only 3 unique buyers: still top rated
    assert_eq!(tier(&cancels(100, 3, 3), &ebay), "top_rated");
    // 4 defects from 3 unique buyers: still under the floor
    let e = cancels(100, 4, 3);
    assert_eq!(
        metric(&eval(&e, &ebay), MetricKind::TransactionDefectRate),
        (4, 100, 3)
    );
    assert_eq!(tier(&e, &ebay), "top_rated");
    // 4 unique buyers: beyond Top Rated's floor, within Above Standard's (≤ 4)
    assert_eq!(tier(&cancels(100, 4, 4), &ebay), "above_standard");
    // 5 unique buyers at 5%: beyond both rate and count of Above Standard
    assert_eq!(tier(&cancels(100, 5, 5), &ebay), "below_standard");
    // 5 unique buyers but 2% of 250 orders: Above Standard by the rate
    assert_eq!(tier(&cancels(250, 5, 5), &ebay), "above_standard");
}

#[test]
fn ebay_cases_closed_without_seller_resolution_at_most_point_three_percent() {
    let ebay = presets::ebay();
    let cases = |n: usize, bad: usize| {
        ebay_shop(n, move |ev, o, i| {
            if i < bad {
                ev.atoz(o, RECENT + D, "granted");
            }
        })
    };
    assert_eq!(tier(&cases(1001, 3), &ebay), "top_rated"); // 0.2997%
    let e = cases(1000, 3);
    assert_eq!(
        metric(
            &eval(&e, &ebay),
            MetricKind::CasesClosedWithoutSellerResolution
        ),
        (3, 1000, 3)
    );
    assert_eq!(tier(&e, &ebay), "top_rated"); // 0.3000%: inclusive
    assert_eq!(tier(&cases(999, 3), &ebay), "below_standard"); // 0.3003%, 3 > 2 buyers
                                                               // two cases are always forgiven by the floor; denied and open claims are no case
    assert_eq!(tier(&cases(100, 2), &ebay), "top_rated");
    let e = ebay_shop(100, |ev, o, i| match i {
        0 => ev.atoz(o, RECENT + D, "denied"),
        1 => ev.atoz(o, RECENT + D, "open"),
        2 => ev.dispute(o, RECENT + D, "seller"),
        _ => {}
    });
    assert_eq!(
        metric(
            &eval(&e, &ebay),
            MetricKind::CasesClosedWithoutSellerResolution
        ),
        (0, 100, 0)
    );
}

#[test]
fn ebay_late_shipment_at_most_three_percent_and_five_buyers() {
    let ebay = presets::ebay();
    let late = |n: usize, bad: usize| {
        shop(n, |ev, o, i| {
            let paid = RECENT + i as i64;
            let at = if i < bad { paid + D + 1 } else { paid + H };
            ev.shipped(o, at, at, true);
        })
    };
    assert_eq!(tier(&late(1001, 30), &ebay), "top_rated"); // 2.997%
    assert_eq!(tier(&late(1000, 30), &ebay), "top_rated"); // 3.000%
    assert_eq!(tier(&late(999, 30), &ebay), "above_standard"); // 3.003%
    assert_eq!(tier(&late(100, 5), &ebay), "top_rated"); // 5%, 5 buyers: floor
    assert_eq!(tier(&late(100, 6), &ebay), "above_standard"); // 6 buyers
}

#[test]
fn ebay_window_is_three_months_with_400_transactions_else_twelve() {
    let ebay = presets::ebay();
    let t = DAY0 + 400 * D;
    let build = |recent: usize| {
        let mut ev = Events::new();
        // an old cancellation, 200 days back: only the 12-month window sees it
        ev.paid("old", "s1", "old", t - 200 * D);
        ev.note("seller_cancelled", "old", t - 200 * D + H);
        for i in 0..recent {
            let o = format!("o{i}");
            ev.clean(&o, "s1", &format!("b{i}"), RECENT + i as i64);
        }
        eval(&ev.engine(), &ebay)
    };
    let r = build(399);
    let m = &r.metrics[0];
    assert_eq!((m.window_days, m.numerator, m.denominator), (365, 1, 400));
    let r = build(400);
    let m = &r.metrics[0];
    assert_eq!((m.window_days, m.numerator, m.denominator), (90, 0, 400));
}

// ----------------------------------------------------------------- Tmall

/// Category `pet`: shop s1 with 100 orders, `mine` with a complaint; shop s2
/// with 100 orders, `peer` with a complaint.
fn tmall_pair(mine: usize, peer: usize) -> Engine {
    let mut ev = Events::new();
    for (shop, bad) in [("s1", mine), ("s2", peer)] {
        for i in 0..100 {
            let o = format!("{shop}-{i}");
            ev.clean(&o, shop, &format!("{shop}b{i}"), RECENT + i as i64);
            if i < bad {
                ev.note("complaint", &o, RECENT + D);
            }
        }
    }
    ev.engine()
}

#[test]
fn tmall_excellent_at_most_half_the_category_mean() {
    let tmall = presets::tmall();
    // 10% against a mean of 20.5%: inside half of it (10.25%)
    assert_eq!(tier(&tmall_pair(10, 31), &tmall), "excellent");
    // 10% against a mean of 20%: exactly half — inclusive
    let e = tmall_pair(10, 30);
    let r = eval(&e, &tmall);
    let m = &r.metrics[0];
    assert_eq!(
        (m.numerator, m.denominator, m.category),
        (10, 100, Some((40, 200)))
    );
    assert_eq!(r.tier.as_deref(), Some("excellent"));
    // 10% against 19.5%: just outside half of it, inside the mean
    assert_eq!(tier(&tmall_pair(10, 29), &tmall), "good");
    // the metric is the score's problem-order rate, the mean the score's mean
    let s = e.score("s1", ts(AS_OF)).unwrap().problem_rate;
    assert_eq!((s.problem_orders, s.valid_orders), (10, 100));
    assert_eq!(s.category_mean, 0.2);
}

#[test]
fn tmall_good_at_most_the_category_mean() {
    let tmall = presets::tmall();
    assert_eq!(tier(&tmall_pair(30, 31), &tmall), "good"); // below the mean
    assert_eq!(tier(&tmall_pair(30, 30), &tmall), "good"); // on the mean
    assert_eq!(tier(&tmall_pair(31, 30), &tmall), "needs_improvement"); // above
}

#[test]
fn tmall_needs_thirty_valid_orders_to_be_assessed() {
    let tmall = presets::tmall();
    let e = shop(29, ship);
    let r = eval(&e, &tmall);
    assert_eq!(r.tier, None);
    assert!(!r.metrics[0].assessed);
    let e = shop(30, ship);
    // the only shop: 0% is at most half of a 0% mean
    assert_eq!(tier(&e, &tmall), "excellent");
}

// ----------------------------------------------------------------- model

#[test]
fn presets_round_trip_through_json_and_are_found_by_name() {
    for name in presets::NAMES {
        let s = presets::by_name(name).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(Standard::from_json(&json).unwrap(), s, "{name}");
    }
    assert!(presets::by_name("walmart").is_none());
}

#[test]
fn a_tuned_preset_changes_the_tier() {
    let mut amazon = presets::amazon();
    let e = amazon_odr(200, 2, bad_review);
    assert_eq!(tier(&e, &amazon), "at_risk");
    // "≤ 1%" instead of "< 1%"
    amazon.tiers[0].rules[0].compare = truexp::standards::Comparison::AtMost;
    assert_eq!(tier(&e, &amazon), "healthy");
}

#[test]
fn invalid_standards_name_the_key() {
    let bad = |f: fn(&mut Standard)| {
        let mut s = presets::ebay();
        f(&mut s);
        s.validate().unwrap_err().key
    };
    assert_eq!(
        bad(|s| {
            s.metrics.remove(2);
        }),
        "tiers[0].rules[2].metric"
    );
    assert_eq!(
        bad(|s| s.tiers[2].rules = s.tiers[1].rules.clone()),
        "tiers[2].rules"
    );
    assert_eq!(
        bad(|s| s.tiers[0].rules[0].bound = truexp::standards::Bound::BasisPoints(10_001)),
        "tiers[0].rules[0].bound"
    );
    assert_eq!(
        bad(|s| s.tiers[0].rules[0].bound = truexp::standards::Bound::CategoryMeanPermille(500)),
        "tiers[0].rules[0].bound"
    );
    assert_eq!(
        bad(|s| s.tiers[0].rules[0].compare = truexp::standards::Comparison::AtLeast),
        "tiers[0].rules[0].max_unique_buyers"
    );
    assert_eq!(
        bad(|s| s.metrics[1].metric = s.metrics[0].metric),
        "metrics[1].metric"
    );
    assert_eq!(
        bad(|s| s.metrics[0].fallback.as_mut().unwrap().window_days = 0),
        "metrics[0].fallback.window_days"
    );
    let e = shop(1, |_, _, _| {});
    let mut s = presets::amazon();
    s.tiers.clear();
    assert!(e.evaluate_standard("s1", &s, ts(AS_OF)).is_err());
    assert!(e
        .evaluate_standard("nope", &presets::amazon(), ts(AS_OF))
        .is_err());
}
