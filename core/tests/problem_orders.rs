//! Problem orders through the public engine API: each trigger with its
//! boundary, distinct counting, window edges, fake exclusion on both sides,
//! Tmall's published samples, and the one code path shared with the score.

mod builders;

use builders::{ts, Events, D, DAY0, H};
use truexp::problem::Reason;
use truexp::score::ProblemRate;
use truexp::{Config, Engine};

/// 10:00 local on day 0.
const PAID: i64 = DAY0 + 10 * H;
/// Ten days later: well inside the 30-day window.
const AS_OF: i64 = DAY0 + 10 * D;

/// A shop with one clean order and order `o1` (paid, nothing else), plus
/// whatever `f` adds; the problem rate and the reasons of every label.
fn labelled_with(
    cfg: Config,
    as_of: i64,
    f: impl FnOnce(&mut Events),
) -> (ProblemRate, Vec<Reason>) {
    let mut ev = Events::new();
    ev.clean("ok", "s1", "b0", PAID);
    ev.paid("o1", "s1", "b1", PAID);
    f(&mut ev);
    let mut e = Engine::with_config(cfg).unwrap();
    ev.feed(&mut e);
    let rate = e.score("s1", ts(as_of)).unwrap().problem_rate;
    let listed = e.problem_orders("s1", ts(as_of)).unwrap();
    assert!(listed.iter().all(|p| p.order_id == "o1"), "{listed:?}");
    assert_eq!(
        rate.problem_orders,
        listed.len() as u64,
        "rate and listing agree"
    );
    let mut reasons: Vec<Reason> = listed
        .iter()
        .flat_map(|p| p.labels.iter().map(|l| l.reason))
        .collect();
    reasons.sort();
    (rate, reasons)
}

fn labelled(f: impl FnOnce(&mut Events)) -> Vec<Reason> {
    labelled_with(Config::default(), AS_OF, f).1
}

/// Shipped and picked up an hour after payment, received two days later.
fn ship_ok(ev: &mut Events) {
    ev.shipped("o1", PAID + H, PAID + H, true);
    ev.delivered("o1", PAID + 2 * D);
}

#[test]
fn bad_product_review_at_two_stars_not_three() {
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.review("o1", "b1", PAID + 3 * D, 2, None);
    });
    assert_eq!(r, [Reason::BadProductReview]);
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.review("o1", "b1", PAID + 3 * D, 3, None);
    });
    assert!(r.is_empty());
}

#[test]
fn suspicious_review_is_no_evidence() {
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.raw(&format!(
            r#""type":"review","order_id":"o1","reviewer":"b1","at":{},"product_stars":1,"suspicious":true"#,
            PAID + D
        ));
    });
    assert!(r.is_empty());
}

#[test]
fn quality_refund_for_each_quality_reason_only() {
    for reason in [
        "quality",
        "not_as_described",
        "damaged",
        "defective",
        "expired",
        "counterfeit",
    ] {
        let r = labelled(|ev| {
            ship_ok(ev);
            ev.refund("o1", "r1", PAID + D, "return_and_refund", reason);
            ev.refund_done("o1", "r1", PAID + D + H);
        });
        assert_eq!(r, [Reason::QualityRefund], "{reason}");
    }
    for reason in ["wrong_size", "no_reason", "not_received", "late", "other"] {
        let r = labelled(|ev| {
            ship_ok(ev);
            ev.refund("o1", "r1", PAID + D, "return_and_refund", reason);
            ev.refund_done("o1", "r1", PAID + D + H);
        });
        assert!(r.is_empty(), "{reason}");
    }
}

/// Shipped at `at`, picked up at `pickup`, received two days after payment.
fn shipped_received(at: i64, pickup: i64) -> impl FnOnce(&mut Events) {
    move |ev| {
        ev.shipped("o1", at, pickup, true);
        ev.delivered("o1", PAID + 2 * D);
    }
}

#[test]
fn late_shipment_after_ship_by_not_on_it() {
    // ship_by = PAID + 1 day; the pickup stays within 48 h
    let r = labelled(shipped_received(PAID + D + 1, PAID + D + 1));
    assert_eq!(r, [Reason::LateShipment]);
    let r = labelled(shipped_received(PAID + D, PAID + D));
    assert!(r.is_empty());
}

#[test]
fn pickup_after_48_hours_not_at_48() {
    let r = labelled(shipped_received(PAID + H, PAID + 48 * H + 1));
    assert_eq!(r, [Reason::NoPickupInTime]);
    let r = labelled(shipped_received(PAID + H, PAID + 48 * H));
    assert!(r.is_empty());
}

#[test]
fn missing_pickup_becomes_a_problem_with_time() {
    // overdue from the second after the 48-hour deadline, not by whole days;
    // o1 (ship-by PAID + 1 day) is also a late shipment from the second
    // after its ship-by: one problem order, one logistics label, either way
    let cfg = Config::default;
    let (rate, r) = labelled_with(cfg(), PAID + D, |_| {});
    assert!(r.is_empty());
    assert_eq!(rate.problem_orders, 0);
    let (rate, r) = labelled_with(cfg(), PAID + D + 1, |_| {});
    assert_eq!(r, [Reason::LateShipment]);
    assert_eq!((rate.problem_orders, rate.logistics), (1, 1));
    let (rate, r) = labelled_with(cfg(), PAID + 48 * H, |_| {});
    assert_eq!(r, [Reason::LateShipment]);
    assert_eq!((rate.problem_orders, rate.logistics), (1, 1));
    let (rate, r) = labelled_with(cfg(), PAID + 48 * H + 1, |_| {});
    assert_eq!(r, [Reason::LateShipment, Reason::NoPickupInTime]);
    assert_eq!((rate.problem_orders, rate.logistics), (1, 1));
    // with open cases not counted (configuration), the pickup alone
    let mut quiet = Config::default();
    quiet.problems.count_open_cases = false;
    let (rate, r) = labelled_with(quiet.clone(), PAID + 48 * H, |_| {});
    assert!(r.is_empty());
    assert_eq!(rate.problem_orders, 0);
    let (rate, r) = labelled_with(quiet, PAID + 48 * H + 1, |_| {});
    assert_eq!(r, [Reason::NoPickupInTime]);
    assert_eq!((rate.problem_orders, rate.logistics), (1, 1));
    // an order paid at 23:00 local is not overdue 26 hours later
    let late_evening = DAY0 + 23 * H;
    let mut ev = Events::new();
    ev.raw(&format!(
        r#""type":"order_paid","order_id":"o9","shop_id":"s9","buyer_id":"b9","category":"apparel","lines":[{{"sku":"k","quantity":1,"unit_price":100}}],"paid_at":{late_evening},"ship_by":{}"#,
        late_evening + 48 * H
    ));
    let engine = ev.engine();
    let s = engine.score("s9", ts(late_evening + 26 * H)).unwrap();
    assert_eq!(s.problem_rate.problem_orders, 0);
    assert!(engine
        .problem_orders("s9", ts(late_evening + 26 * H))
        .unwrap()
        .is_empty());
    let s = engine.score("s9", ts(late_evening + 48 * H + 1)).unwrap();
    assert_eq!(s.problem_rate.problem_orders, 1);
}

#[test]
fn tracking_anomaly_and_fake_shipment() {
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.raw(&format!(
            r#""type":"tracking_anomaly","order_id":"o1","at":{}"#,
            PAID + D
        ));
    });
    assert_eq!(r, [Reason::TrackingAnomaly]);
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.raw(&format!(
            r#""type":"tracking_anomaly","order_id":"o1","at":{},"fake_shipment":true"#,
            PAID + D
        ));
    });
    assert_eq!(r, [Reason::FakeShipment]);
}

#[test]
fn slow_delivery_beyond_the_norm_not_on_it() {
    let delivered = |at: i64| {
        move |ev: &mut Events| {
            ev.shipped("o1", PAID + H, PAID + H, true);
            ev.delivered("o1", at);
        }
    };
    assert_eq!(
        labelled(delivered(PAID + 120 * H + 1)),
        [Reason::SlowDelivery]
    );
    assert!(labelled(delivered(PAID + 120 * H)).is_empty());
    // the norm is per category configuration
    let mut cfg = Config::default();
    cfg.problems.delivery_norm_hours.insert("pet".into(), 48);
    let (_, r) = labelled_with(cfg, AS_OF, delivered(PAID + 48 * H + 1));
    assert_eq!(r, [Reason::SlowDelivery]);
}

#[test]
fn bad_logistics_review() {
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.review("o1", "b1", PAID + 3 * D, 5, Some(2));
    });
    assert_eq!(r, [Reason::BadLogisticsReview]);
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.review("o1", "b1", PAID + 3 * D, 5, Some(3));
    });
    assert!(r.is_empty());
}

#[test]
fn platform_intervention_and_complaint() {
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.note("platform_intervention", "o1", PAID + D);
    });
    assert_eq!(r, [Reason::PlatformIntervention]);
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.note("complaint", "o1", PAID + D);
    });
    assert_eq!(r, [Reason::Complaint]);
}

#[test]
fn dispute_lost_only_when_ruled_for_the_buyer() {
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.dispute("o1", PAID + D, "buyer");
    });
    assert_eq!(r, [Reason::DisputeLost]);
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.dispute("o1", PAID + D, "seller");
    });
    assert!(r.is_empty());
}

#[test]
fn refund_only_granted_once_completed() {
    let r = labelled(|ev| {
        ship_ok(ev);
        ev.refund("o1", "r1", PAID + D, "refund_only", "no_reason");
        ev.refund_done("o1", "r1", PAID + D + H);
    });
    assert_eq!(r, [Reason::RefundOnlyGranted]);
    // still open: nothing was granted; past the slow-refund threshold the
    // open request is a slow refund (stalling does not pay)
    let open = |ev: &mut Events| {
        ship_ok(ev);
        ev.refund("o1", "r1", PAID + D, "refund_only", "no_reason");
    };
    let (_, r) = labelled_with(Config::default(), PAID + D + 72 * H, open);
    assert!(r.is_empty());
    let (rate, r) = labelled_with(Config::default(), PAID + D + 72 * H + 1, open);
    assert_eq!(r, [Reason::SlowRefund]);
    assert_eq!((rate.problem_orders, rate.after_sales), (1, 1));
}

#[test]
fn refund_only_before_shipping_is_a_cancellation() {
    // the buyer cancels an unshipped order: refund-only completed before
    // any shipment is no after-sales problem, nor a late shipment (the
    // order was refunded in full before its ship-by)
    let cancelled = |ev: &mut Events| {
        ev.refund("o1", "r1", PAID + H, "refund_only", "no_reason");
        ev.refund_done("o1", "r1", PAID + 2 * H); // the whole 1,990 paid
    };
    let (rate, r) = labelled_with(Config::default(), AS_OF, cancelled);
    assert!(r.is_empty(), "{r:?}");
    assert_eq!(rate.problem_orders, 0);
    // a platform that counts it anyway says so in its configuration
    let mut cfg = Config::default();
    cfg.problems.refund_only_before_shipping_is_problem = true;
    let (_, r) = labelled_with(cfg, AS_OF, cancelled);
    assert_eq!(r, [Reason::RefundOnlyGranted]);
}

#[test]
fn slow_refund_beyond_72_hours_not_at_72() {
    let refund = |hours_secs: i64| {
        move |ev: &mut Events| {
            ship_ok(ev);
            ev.refund("o1", "r1", PAID + D, "return_and_refund", "wrong_size");
            ev.refund_done("o1", "r1", PAID + D + hours_secs);
        }
    };
    assert_eq!(labelled(refund(72 * H + 1)), [Reason::SlowRefund]);
    assert!(labelled(refund(72 * H)).is_empty());
}

#[test]
fn thresholds_are_configuration() {
    let mut cfg = Config::default();
    cfg.problems.bad_review_max_stars = 3;
    cfg.problems.quality_reasons.clear();
    cfg.problems.slow_refund_hours = 1;
    let (_, r) = labelled_with(cfg, AS_OF, |ev| {
        ship_ok(ev);
        ev.review("o1", "b1", PAID + 3 * D, 3, None);
        ev.refund("o1", "r1", PAID + D, "return_and_refund", "damaged");
        ev.refund_done("o1", "r1", PAID + D + H + 1);
    });
    assert_eq!(r, [Reason::BadProductReview, Reason::SlowRefund]);
}

#[test]
fn an_order_with_several_labels_counts_once_with_each_family_beside() {
    let (rate, r) = labelled_with(Config::default(), AS_OF, |ev| {
        ev.shipped("o1", PAID + D + 1, PAID + D + 1, true); // late: logistics
        ev.delivered("o1", PAID + 2 * D);
        ev.review("o1", "b1", PAID + 3 * D, 1, Some(1)); // product + logistics
        ev.note("complaint", "o1", PAID + 4 * D); // after-sales
        ev.note("platform_intervention", "o1", PAID + 4 * D); // after-sales
    });
    assert_eq!(r.len(), 5);
    assert_eq!(
        (
            rate.problem_orders,
            rate.valid_orders,
            rate.product,
            rate.logistics,
            rate.after_sales
        ),
        (1, 2, 1, 1, 1)
    );
    assert_eq!(rate.display, "50.00%");
}

#[test]
fn the_window_starts_on_a_local_day_boundary() {
    // 30-day window ending on local day 29 starts at DAY0 (local midnight)
    let as_of = DAY0 + 29 * D + 12 * H;
    let mut ev = Events::new();
    ev.paid("in", "s1", "b1", DAY0);
    ev.shipped("in", DAY0 + H, DAY0 + H, true);
    ev.note("complaint", "in", DAY0 + D);
    ev.paid("out", "s1", "b2", DAY0 - 1);
    ev.shipped("out", DAY0 + H, DAY0 + H, true);
    ev.note("complaint", "out", DAY0 + D);
    let e = ev.engine();
    let p = e.score("s1", ts(as_of)).unwrap().problem_rate;
    assert_eq!((p.problem_orders, p.valid_orders), (1, 1));
    let listed = e.problem_orders("s1", ts(as_of)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].order_id, "in");
    // one day later the first order leaves the window too
    let p = e.score("s1", ts(as_of + D)).unwrap().problem_rate;
    assert_eq!((p.problem_orders, p.valid_orders), (0, 0));
}

#[test]
fn fake_orders_leave_numerator_and_denominator() {
    let mut ev = Events::new();
    ev.clean("ok", "s1", "b0", PAID);
    // a clean fake order: out of the denominator
    ev.clean("fake_clean", "s1", "b1", PAID);
    ev.verdict("fake_clean", PAID + H, true);
    // a fake order with a complaint: out of both sides
    ev.clean("fake_bad", "s1", "b2", PAID);
    ev.note("complaint", "fake_bad", PAID + D);
    ev.verdict("fake_bad", PAID + 2 * D, true);
    // fake at payment, with a bad review
    ev.raw(&format!(
        r#""type":"order_paid","order_id":"fake_paid","shop_id":"s1","buyer_id":"b3","category":"pet","lines":[{{"sku":"k1","quantity":1,"unit_price":1990}}],"paid_at":{PAID},"ship_by":{},"risk":{{"fake":true}}"#,
        PAID + D
    ));
    ev.review("fake_paid", "b3", PAID + D, 1, None);
    // cleared: an earlier fake verdict overturned by a later one
    ev.clean("cleared", "s1", "b4", PAID);
    ev.verdict("cleared", PAID + H, true);
    ev.verdict("cleared", PAID + 2 * H, false);
    ev.note("complaint", "cleared", PAID + D);
    let e = ev.engine();
    let s = e.score("s1", ts(AS_OF)).unwrap();
    let p = &s.problem_rate;
    assert_eq!((p.problem_orders, p.valid_orders), (1, 2));
    assert_eq!(s.fake_orders, 3);
    let listed = e.problem_orders("s1", ts(AS_OF)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].order_id, "cleared");
    let items = e.item_problem_rates("s1", ts(AS_OF)).unwrap();
    assert_eq!(
        (items[0].tally.problem_orders, items[0].tally.valid_orders),
        (1, 2)
    );
}

#[test]
fn tmall_shop_sample_96_of_494() {
    let mut ev = Events::new();
    for i in 0..494 {
        let o = format!("o{i}");
        ev.clean(&o, "s1", &format!("b{i}"), PAID + i);
        if i < 96 {
            ev.note("complaint", &o, PAID + D);
        }
    }
    let e = ev.engine();
    let p = e.score("s1", ts(AS_OF)).unwrap().problem_rate;
    assert_eq!((p.problem_orders, p.valid_orders), (96, 494));
    assert_eq!(p.display, "19.43%"); // 19.433…, truncated
    let r = &e.problem_rates(ts(AS_OF))[0];
    assert_eq!(r.display, "19.43%");
}

#[test]
fn tmall_item_sample_14_7_28_labels_over_42_of_234() {
    let mut ev = Events::new();
    for i in 0..234 {
        let o = format!("o{i}");
        let paid = PAID + i;
        ev.paid_in(&o, "s1", "pet", &format!("b{i}"), paid, &["k1", "k2"]);
        if (14..21).contains(&i) {
            ev.shipped(&o, paid + D + 1, paid + D + 1, true); // late: logistics
        } else {
            ev.shipped(&o, paid + H, paid + H, true);
        }
        ev.delivered(&o, paid + 2 * D);
        if i < 14 {
            ev.review(&o, &format!("b{i}"), paid + 3 * D, 1, None); // product
        }
        if (7..14).contains(&i) || (21..42).contains(&i) {
            ev.note("complaint", &o, paid + 4 * D); // after-sales
        }
    }
    // other SKUs sold alone, all clean: they do not dilute k1
    for i in 0..100 {
        ev.clean_in(
            &format!("x{i}"),
            "s1",
            "pet",
            &format!("c{i}"),
            PAID + i,
            &["k3"],
        );
    }
    let e = ev.engine();
    let items = e.item_problem_rates("s1", ts(AS_OF)).unwrap();
    let k1 = items.iter().find(|i| i.sku == "k1").unwrap();
    let t = k1.tally;
    assert_eq!((t.product, t.logistics, t.after_sales), (14, 7, 28));
    assert_eq!((t.problem_orders, t.valid_orders), (42, 234));
    assert_eq!(k1.display, "17.94%"); // 17.948…, truncated, not rounded to 17.95%
    let k3 = items.iter().find(|i| i.sku == "k3").unwrap();
    assert_eq!((k3.tally.problem_orders, k3.tally.valid_orders), (0, 100));
    // the shop-level rate pools every order; the item rate carries the category mean
    let shop = e.score("s1", ts(AS_OF)).unwrap().problem_rate;
    assert_eq!((shop.problem_orders, shop.valid_orders), (42, 334));
    assert_eq!(k1.category_mean, shop.category_mean);
}

#[test]
fn a_quality_refund_moves_the_problem_rate_and_the_product_indicator() {
    let build = |refund: bool| {
        let mut ev = Events::new();
        for i in 0..40 {
            ev.clean(&format!("o{i}"), "s1", &format!("b{i}"), PAID + i);
        }
        if refund {
            ev.refund("o0", "r1", PAID + D, "return_and_refund", "defective");
        }
        ev.engine().score("s1", ts(AS_OF)).unwrap()
    };
    let (before, after) = (build(false), build(true));
    assert_eq!(before.problem_rate.problem_orders, 0);
    assert_eq!(
        (
            after.problem_rate.problem_orders,
            after.problem_rate.product
        ),
        (1, 1)
    );
    let ind = |s: &truexp::ShopScore| {
        s.indicators
            .iter()
            .find(|i| i.name == "product_negative_rate")
            .unwrap()
            .clone()
    };
    assert_eq!(ind(&before).value, Some(0.0));
    assert_eq!(ind(&after).value, Some(1.0 / 40.0));
    assert!(ind(&after).score < ind(&before).score);
}

#[test]
fn counters_walking_and_scores_agree_on_the_demo_data() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo.jsonl");
    let file = std::fs::File::open(path).unwrap();
    let mut e = Engine::default();
    e.ingest_jsonl(std::io::BufReader::new(file));
    let as_of = e.latest_event_time().unwrap();
    let fast = e.problem_rates(as_of);
    let slow = e.problem_rates_by_walking(as_of);
    let board = e.scoreboard(as_of);
    assert_eq!(fast.len(), slow.len());
    assert!(fast.iter().any(|r| r.tally.problem_orders > 0));
    for (f, (id, s)) in fast.iter().zip(&slow) {
        assert_eq!(&f.shop_id, id);
        assert_eq!(f.tally, *s, "{id}");
        let scored = board.shops.iter().find(|x| *x.shop_id == **id).unwrap();
        let p = &scored.problem_rate;
        assert_eq!(
            (
                p.problem_orders,
                p.valid_orders,
                p.product,
                p.logistics,
                p.after_sales
            ),
            (
                s.problem_orders,
                s.valid_orders,
                s.product,
                s.logistics,
                s.after_sales
            )
        );
        assert_eq!(p.category_mean, f.category_mean);
        // every listed problem order is one of the counted ones
        assert_eq!(
            e.problem_orders(id, as_of).unwrap().len() as u64,
            s.problem_orders
        );
    }
}

/// The pickup indicator's (numerator, sample) for shop s1 at `AS_OF`.
fn pickup_rate(ev: &Events) -> (u64, u64) {
    let s = ev.engine().score("s1", ts(AS_OF)).unwrap();
    let i = s
        .indicators
        .iter()
        .find(|i| i.name == "pickup_48h_rate")
        .unwrap();
    (i.numerator, i.sample)
}

/// Issue 14: an order cancelled by the seller, or refunded in full, before
/// the carrier picked it up and no later than the 48-hour deadline is not
/// due for pickup: no "no pickup in time" label, and it leaves the pickup
/// rate's denominator. Tmall's pickup rate counts only orders still due.
#[test]
fn orders_withdrawn_before_pickup_are_not_missed_pickups() {
    type Withdraw = fn(&mut Events, i64);
    let cancel: Withdraw = |ev, at| ev.note("seller_cancelled", "o1", at);
    let refund: Withdraw = |ev, at| {
        ev.refund("o1", "r1", at - H, "refund_only", "no_reason");
        ev.refund_done("o1", "r1", at); // 1,990 = the whole paid amount
    };
    for (what, withdraw) in [("cancelled", cancel), ("refunded", refund)] {
        // withdrawn 2 h after payment, never shipped
        // (a refund-only is still labelled "refund-only granted"; only the
        // pickup label is at stake here)
        let r = labelled(|ev| withdraw(ev, PAID + 2 * H));
        assert!(!r.contains(&Reason::NoPickupInTime), "{what}: {r:?}");
        // exactly at the deadline: still withdrawn in time
        let r = labelled(|ev| withdraw(ev, PAID + 48 * H));
        assert!(
            !r.contains(&Reason::NoPickupInTime),
            "{what} at 48 h: {r:?}"
        );
        // one second after the deadline: the pickup was already missed
        let r = labelled(|ev| withdraw(ev, PAID + 48 * H + 1));
        assert!(
            r.contains(&Reason::NoPickupInTime),
            "{what} after 48 h: {r:?}"
        );

        // the pickup rate: 1 of 1 due (the clean order), not 1 of 2
        let mut ev = Events::new();
        ev.clean("ok", "s1", "b0", PAID);
        ev.paid("o1", "s1", "b1", PAID);
        withdraw(&mut ev, PAID + 2 * H);
        assert_eq!(pickup_rate(&ev), (1, 1), "{what}");
    }
    // a late pickup that came before the cancellation still counts
    let r = labelled(|ev| {
        ev.shipped("o1", PAID + H, PAID + 48 * H + 1, true);
        ev.note("seller_cancelled", "o1", PAID + 48 * H + 2);
    });
    assert_eq!(r, [Reason::NoPickupInTime]);
    // cancelled in time, picked up later anyway: not due, so no label
    let r = labelled(|ev| {
        ev.note("seller_cancelled", "o1", PAID + 3 * H);
        ev.shipped("o1", PAID + 50 * H, PAID + 50 * H, true);
    });
    assert!(!r.contains(&Reason::NoPickupInTime), "{r:?}");
}

#[test]
fn a_partial_refund_before_pickup_leaves_the_order_due() {
    let partial = |ev: &mut Events| {
        ev.refund("o1", "r1", PAID + H, "refund_only", "no_reason");
        ev.raw(&format!(
            r#""type":"refund_completed","order_id":"o1","refund_id":"r1","at":{},"amount":1989"#,
            PAID + 2 * H
        ));
    };
    let r = labelled(partial);
    assert!(r.contains(&Reason::NoPickupInTime), "{r:?}");
    let mut ev = Events::new();
    ev.clean("ok", "s1", "b0", PAID);
    ev.paid("o1", "s1", "b1", PAID);
    partial(&mut ev);
    assert_eq!(pickup_rate(&ev), (1, 2));
}

/// Issue 14: the 3-ratings-per-buyer-per-month cap applies to every
/// rating-derived number. One buyer's 1-star reviews of six orders in one
/// month: only the first three (by review time) make problem orders and
/// count in the product negative-feedback rate, as in the good-review rate.
#[test]
fn the_rating_cap_applies_to_bad_review_labels_and_the_negative_rate() {
    let mut ev = Events::new();
    for i in 0..20 {
        ev.clean(&format!("ok{i}"), "s1", &format!("b{i}"), PAID);
    }
    for i in 0..6 {
        let o = format!("h{i}");
        ev.clean(&o, "s1", "hostile", PAID + i * H);
        ev.review(&o, "hostile", PAID + 2 * D + i * H, 1, Some(1));
    }
    let e = ev.engine();
    let s = e.score("s1", ts(AS_OF)).unwrap();
    assert_eq!(s.problem_rate.problem_orders, 3, "{:?}", s.problem_rate);
    assert_eq!(s.problem_rate.product, 3);
    assert_eq!(s.problem_rate.logistics, 3);
    let neg = s
        .indicators
        .iter()
        .find(|i| i.name == "product_negative_rate")
        .unwrap();
    assert_eq!((neg.numerator, neg.sample), (3, 26));
    let good = s
        .indicators
        .iter()
        .find(|i| i.name == "good_review_rate")
        .unwrap();
    assert_eq!((good.numerator, good.sample), (0, 3));
    let listed: Vec<String> = e
        .problem_orders("s1", ts(AS_OF))
        .unwrap()
        .into_iter()
        .map(|p| p.order_id)
        .collect();
    assert_eq!(listed, ["h2", "h1", "h0"], "the first three reviews count");
}
