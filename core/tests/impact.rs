//! The service → growth report (`Engine::impact`), numbers worked by hand.

mod common;

use common::*;
use truexp::event::Event;
use truexp::impact::ImpactOptions;
use truexp::Error;

/// `extra` more orders at `shop`, each by one of its first buyers (repeat
/// buyers), shipped, picked up and delivered on time.
fn repeat_orders(shop: &str, buyers: &[usize]) -> Vec<Event> {
    let mut ev = Vec::new();
    for (k, &b) in buyers.iter().enumerate() {
        let oid = format!("{shop}-again{k}");
        let paid = T0 - 5 * DAY + k as i64 * HOUR;
        ev.push(order(&oid, shop, &format!("{shop}-b{b}"), paid));
        ev.push(shipped(&oid, paid + 10 * HOUR, Some(paid + 12 * HOUR)));
        ev.push(delivered(&oid, paid + 40 * HOUR));
    }
    ev
}

#[test]
fn low_problem_shops_against_high_ones() {
    // good: 40 orders, no problem; 10 of its buyers buy again
    let mut ev = healthy_shop("good", "pet", 40, 0);
    ev.extend(repeat_orders("good", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    // bad: 40 orders, every second one a bad review and a refund of 10,000;
    // 2 of its buyers buy again
    ev.extend(healthy_shop("bad", "pet", 40, 2));
    ev.extend(repeat_orders("bad", &[1, 3]));
    // a shop of another category with too few orders to rank
    ev.extend(healthy_shop("tiny", "toys", 5, 0));
    let e = engine_with(&ev);
    let r = e.impact(ts(T0), &ImpactOptions::default()).unwrap();
    assert_eq!((r.window_days, r.group_share), (90, 0.25));
    let shop = |id: &str| r.shops.iter().find(|s| s.shop_id == id).unwrap();
    let good = shop("good");
    assert_eq!((good.buyers, good.repeat_buyers, good.orders), (40, 10, 50));
    assert_eq!(
        (good.paid, good.refunded, good.net_gmv),
        (m(500_000), m(0), m(500_000))
    );
    assert_eq!(good.repurchase_rate, 0.25);
    assert_eq!(good.problem.problem_orders, 0);
    let bad = shop("bad");
    assert_eq!((bad.buyers, bad.repeat_buyers, bad.orders), (40, 2, 42));
    // orders 0, 2, …, 38 are refunded 10,000 each, 90 h after payment; orders
    // 18 and 36 were paid (18·37 h and 36·37 h mod 28 days) = 666 h and
    // 660 h after T0 − 29 days, so their refunds complete after T0: 18 count
    assert_eq!(
        (bad.paid, bad.refunded, bad.net_gmv),
        (m(420_000), m(180_000), m(240_000))
    );
    // as known at T0: orders 18 and 36 were not yet problems (their refunds
    // and ratings came after T0)
    assert_eq!(bad.problem.problem_orders, 18);
    assert!(good.ranked && bad.ranked && !shop("tiny").ranked);
    // one ranked pair in pet: the low group is `good`, the high `bad`
    let pet = &r.comparisons[0];
    assert_eq!((pet.category.as_str(), pet.ranked_shops), ("pet", 2));
    assert_eq!((pet.low_problem.shops, pet.high_problem.shops), (1, 1));
    assert_eq!(pet.low_problem.net_gmv_per_shop, m(500_000));
    assert_eq!(pet.high_problem.net_gmv_per_shop, m(240_000));
    assert_eq!(pet.repurchase_ratio, Some(0.25 / 0.05));
    assert_eq!(pet.net_gmv_ratio, Some(500_000.0 / 240_000.0));
    // every category together: the same two shops (toys has none ranked)
    let all = r.comparisons.last().unwrap();
    assert_eq!(all.category, "*");
    assert_eq!(
        (all.ranked_shops, all.repurchase_ratio),
        (2, pet.repurchase_ratio)
    );
    assert_eq!(r.comparisons.len(), 2);
    // refunds completed after as_of do not count yet; orders after it neither
    let early = e
        .impact(ts(T0 - 20 * DAY), &ImpactOptions::default())
        .unwrap();
    let bad_early = early.shops.iter().find(|s| s.shop_id == "bad").unwrap();
    assert!(bad_early.orders < 40 && bad_early.refunded < m(200_000));
}

#[test]
fn options_out_of_range_are_refused_with_their_name() {
    let e = engine_with(&healthy_shop("s", "pet", 3, 0));
    for (opts, name) in [
        (
            ImpactOptions {
                window_days: 0,
                ..Default::default()
            },
            "window_days",
        ),
        (
            ImpactOptions {
                window_days: 4000,
                ..Default::default()
            },
            "window_days",
        ),
        (
            ImpactOptions {
                group_share: 0.0,
                ..Default::default()
            },
            "group_share",
        ),
        (
            ImpactOptions {
                group_share: 0.6,
                ..Default::default()
            },
            "group_share",
        ),
        (
            ImpactOptions {
                group_share: f64::NAN,
                ..Default::default()
            },
            "group_share",
        ),
    ] {
        match e.impact(ts(T0), &opts) {
            Err(Error::OutOfRange { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{opts:?}: {other:?}"),
        }
    }
}
