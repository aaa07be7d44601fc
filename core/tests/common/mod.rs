//! Event builders shared by the integration tests.
#![allow(dead_code)]

use truexp::event::*;
use truexp::Engine;

/// 2026-09-01T00:00:00+08:00 (local midnight in the default UTC+8).
pub const T0: i64 = 1_788_192_000;
pub const HOUR: i64 = 3600;
pub use truexp::time::DAY;
pub use truexp::Timestamp;

/// A moment from UTC seconds (test data is built in plain seconds).
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs).expect("a moment in range")
}

pub fn profile(id: &str, shop: &str, category: &str) -> Event {
    Event::ShopProfile(ShopProfile {
        id: id.into(),
        shop_id: shop.into(),
        at: ts(T0 - 100 * DAY),
        name: None,
        category: category.into(),
        certifications: vec![],
        services: vec![],
        price_protection: None,
    })
}

pub fn order(order_id: &str, shop: &str, buyer: &str, paid_at: i64) -> Event {
    Event::OrderPaid(OrderPaid {
        id: format!("pay-{order_id}"),
        order_id: order_id.into(),
        shop_id: shop.into(),
        buyer_id: buyer.into(),
        category: "apparel".into(),
        lines: vec![OrderLine {
            sku: format!("{shop}-sku"),
            quantity: 1,
            unit_price: m(10_000),
            line_discount: m(0),
        }],
        discounts: vec![],
        ordered_at: None,
        paid_at: ts(paid_at),
        ship_by: ts(paid_at + 48 * HOUR),
        deliver_by: None,
        risk: RiskFlags::default(),
        tags: vec![],
        region: None,
    })
}

pub fn fake_order(order_id: &str, shop: &str, buyer: &str, paid_at: i64) -> Event {
    let mut e = order(order_id, shop, buyer, paid_at);
    if let Event::OrderPaid(o) = &mut e {
        o.risk.fake = true;
    }
    e
}

pub fn shipped(order_id: &str, at: i64, pickup_at: Option<i64>) -> Event {
    Event::Shipped(Shipped {
        id: format!("ship-{order_id}"),
        order_id: order_id.into(),
        at: ts(at),
        pickup_at: pickup_at.map(ts),
        tracking_valid: true,
    })
}

pub fn delivered(order_id: &str, at: i64) -> Event {
    Event::Delivered(Delivered {
        id: format!("dlv-{order_id}"),
        order_id: order_id.into(),
        at: ts(at),
    })
}

pub fn review(id: &str, order_id: &str, reviewer: &str, at: i64, stars: i64) -> Event {
    Event::Review(Review {
        id: id.into(),
        order_id: order_id.into(),
        reviewer: reviewer.into(),
        at: ts(at),
        product_stars: stars,
        logistics_stars: Some(stars),
        service_stars: Some(stars),
        suspicious: false,
    })
}

pub fn refund(order_id: &str, at: i64, reason: RefundReason, hours: i64) -> Vec<Event> {
    vec![
        Event::RefundRequested(RefundRequested {
            id: format!("rq-{order_id}"),
            order_id: order_id.into(),
            refund_id: format!("rf-{order_id}"),
            at: ts(at),
            kind: RefundKind::ReturnAndRefund,
            reason,
            amount: m(10_000),
            sku: None,
            units: Some(1),
        }),
        Event::RefundCompleted(RefundCompleted {
            id: format!("rd-{order_id}"),
            order_id: order_id.into(),
            refund_id: format!("rf-{order_id}"),
            at: ts(at + hours * HOUR),
            amount: m(10_000),
            units_returned: Some(1),
        }),
    ]
}

pub fn chat(id: &str, shop: &str, at: i64, secs: Option<i64>, rating: Option<i64>) -> Event {
    Event::Chat(ChatSession {
        id: id.into(),
        shop_id: shop.into(),
        buyer_id: "b-chat".into(),
        started_at: ts(at),
        first_response_secs: secs,
        satisfaction: rating,
        agent_certification: None,
        agent_id: None,
    })
}

/// A healthy shop: `n` orders over the 30 days before `T0`, each shipped,
/// picked up, delivered and mostly reviewed well, plus chats.
pub fn healthy_shop(shop: &str, category: &str, n: usize, bad_every: usize) -> Vec<Event> {
    let mut out = vec![profile(&format!("prof-{shop}"), shop, category)];
    for i in 0..n {
        let oid = format!("{shop}-o{i}");
        let paid = T0 - 29 * DAY + (i as i64 * 37 * HOUR) % (28 * DAY);
        let buyer = format!("{shop}-b{i}");
        out.push(order(&oid, shop, &buyer, paid));
        out.push(shipped(&oid, paid + 10 * HOUR, Some(paid + 12 * HOUR)));
        out.push(delivered(&oid, paid + 40 * HOUR));
        let bad = bad_every > 0 && i % bad_every == 0;
        out.push(review(
            &format!("rv-{oid}"),
            &oid,
            &buyer,
            paid + 60 * HOUR,
            if bad { 1 } else { 5 },
        ));
        if bad {
            out.extend(refund(&oid, paid + 70 * HOUR, RefundReason::Quality, 20));
        }
        out.push(chat(
            &format!("ch-{oid}"),
            shop,
            paid - HOUR,
            Some(if bad { 900 } else { 30 }),
            Some(if bad { 2 } else { 5 }),
        ));
    }
    out
}

/// Feeds events into a fresh default engine; panics on a refused event.
pub fn engine_with(events: &[Event]) -> truexp::Engine {
    let mut e = truexp::Engine::default();
    for ev in events {
        e.ingest(ev.clone()).expect("valid test event");
    }
    e
}

/// Five orders of one buyer at `shop`, each reviewed (1 to 5 stars): more
/// than the rating cap lets count in one month.
pub fn repeat_buyer_reviews(shop: &str) -> Vec<Event> {
    let mut ev = Vec::new();
    for i in 0..5 {
        let oid = format!("rep{i}");
        ev.push(order(&oid, shop, "repeat-buyer", T0 - 10 * DAY + i * HOUR));
        ev.push(review(
            &format!("rep-rv{i}"),
            &oid,
            "repeat-buyer",
            T0 - 9 * DAY - i * HOUR,
            1 + (i % 5),
        ));
    }
    ev
}

/// Every payout of every queued drop, in run order (runs them): (drop id,
/// order id, line, payout).
pub fn all_payouts(e: &mut Engine) -> Vec<(String, String, u32, truexp::Money)> {
    let mut out = Vec::new();
    let runs = e.run_price_drops().unwrap();
    for run in &runs {
        for p in &run.payouts {
            let book = e.price_protection();
            out.push((
                run.drop.id.clone(),
                book.order_id(p.order).to_owned(),
                p.line,
                p.assessment.payout,
            ));
        }
    }
    out
}

/// Calls `check` with an engine fed each permutation of `events` (`what`
/// names it for a failure message); returns how many there were.
pub fn for_every_permutation(events: &[Event], mut check: impl FnMut(Engine, &str)) -> usize {
    assert!(events.len() <= 8, "n! permutations");
    let mut idx: Vec<usize> = (0..events.len()).collect();
    let mut count = 0;
    loop {
        let order: Vec<Event> = idx.iter().map(|&i| events[i].clone()).collect();
        check(engine_with(&order), &format!("order {idx:?}"));
        count += 1;
        // the next permutation, lexicographic
        let Some(k) = (0..idx.len().saturating_sub(1))
            .rev()
            .find(|&k| idx[k] < idx[k + 1])
        else {
            return count;
        };
        let l = (k + 1..idx.len()).rev().find(|&l| idx[k] < idx[l]).unwrap();
        idx.swap(k, l);
        idx[k + 1..].reverse();
    }
}

/// Calls `check` with every split of `events` into two engines merged
/// either way round (`what` names the split for a failure message).
pub fn for_every_split_merged(events: &[Event], mut check: impl FnMut(Engine, &str)) {
    assert!(events.len() < 20, "2^n splits");
    for mask in 0u32..1 << events.len() {
        let part = |side: u32| -> Vec<Event> {
            (events.iter().enumerate())
                .filter(|(i, _)| (mask >> i) & 1 == side)
                .map(|(_, e)| e.clone())
                .collect()
        };
        for first in [0, 1] {
            let mut a = engine_with(&part(first));
            a.merge(engine_with(&part(1 - first))).unwrap();
            check(a, &format!("split {mask:#b}, {first} first"));
        }
    }
}

/// Two engines answer every query alike: scoreboards at each of `as_ofs`,
/// and at `at` each shop's explanation and problem orders, the shop list,
/// event, order and pending counts, and the latest event time.
pub fn assert_same_state(a: &Engine, b: &Engine, as_ofs: &[Timestamp], at: Timestamp) {
    for &as_of in as_ofs {
        assert_eq!(
            a.scoreboard(as_of),
            b.scoreboard(as_of),
            "scoreboard at {as_of}"
        );
    }
    for shop in a.shop_ids() {
        assert_eq!(
            a.explain(shop, at).unwrap(),
            b.explain(shop, at).unwrap(),
            "explain {shop}"
        );
        assert_eq!(
            a.problem_orders(shop, at).unwrap(),
            b.problem_orders(shop, at).unwrap()
        );
    }
    assert_eq!(a.shop_ids(), b.shop_ids());
    assert_eq!(a.event_count(), b.event_count());
    assert_eq!(a.order_count(), b.order_count());
    assert_eq!(a.pending(), b.pending());
    assert_eq!(a.latest_event_time(), b.latest_event_time());
}

/// `v` minor units (a test's amounts are in range).
#[allow(dead_code)]
pub fn m(v: i64) -> truexp::Money {
    truexp::Money::new(v).expect("a test amount in range")
}
