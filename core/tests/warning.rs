//! Early warning: a margin of k orders means k more orders gone wrong keep
//! the standing and one more loses it — checked by adding them and asking
//! the list and the standard again.

mod builders;

use builders::{ts, Events, D, DAY0, H};
use truexp::standards::presets;
use truexp::warning::{Margin, WarningOptions};
use truexp::Engine;

const PAID: i64 = DAY0 + 2 * D + 9 * H;
const AS_OF: i64 = DAY0 + 12 * D;

/// Shop `shop` in `pet` with `n` clean orders, received; `bad` of them
/// with a 1-star review (a defect and a problem order).
fn shop(ev: &mut Events, shop: &str, n: usize, bad: usize) {
    shop_in(ev, shop, "pet", n, bad)
}

/// [`shop`] in `category`.
fn shop_in(ev: &mut Events, shop: &str, category: &str, n: usize, bad: usize) {
    for i in 0..n {
        let o = format!("{shop}-{i}");
        let buyer = format!("{shop}-b{i}");
        ev.clean_in(&o, shop, category, &buyer, PAID + i as i64, &["k1"]);
        if i < bad {
            ev.review(&o, &buyer, PAID + 3 * D, 1, None);
        }
    }
}

fn margin<'a>(margins: &'a [Margin], kind: &str, metric: &str) -> &'a Margin {
    margins
        .iter()
        .find(|m| m.kind == kind && m.metric == metric)
        .unwrap_or_else(|| panic!("{kind} {metric} in {margins:?}"))
}

fn engine(bad_a: usize) -> Engine {
    let mut ev = Events::new();
    shop(&mut ev, "a", 300, bad_a);
    shop(&mut ev, "b", 100, 10);
    shop(&mut ev, "c", 100, 20);
    ev.engine()
}

#[test]
fn a_standard_margin_is_exactly_the_defects_the_tier_survives() {
    let amazon = [presets::amazon()];
    let opts = WarningOptions::default();
    let tier = |e: &Engine| {
        e.evaluate_standard("a", &amazon[0], ts(AS_OF))
            .unwrap()
            .tier
            .unwrap()
    };
    let clean = engine(0);
    let held = tier(&clean);
    let w = clean.early_warning("a", ts(AS_OF), &amazon, &opts).unwrap();
    let odr = margin(&w.margins, "standard", "order_defect_rate");
    assert_eq!((odr.numerator, odr.denominator), (0, 300));
    // < 1% of 300: 2 defects keep it (0.67%), the 3rd (1.00%) does not
    assert_eq!(odr.margin, Some(2));
    let k = odr.margin.unwrap() as usize;
    assert_eq!(tier(&engine(k)), held, "{k} more defects keep the tier");
    assert_ne!(tier(&engine(k + 1)), held, "one more loses it");
    let w = engine(k)
        .early_warning("a", ts(AS_OF), &amazon, &opts)
        .unwrap();
    assert_eq!(
        margin(&w.margins, "standard", "order_defect_rate").margin,
        Some(0)
    );
    assert!(w.at_risk);
}

#[test]
fn a_list_margin_is_exactly_the_problem_orders_the_place_survives() {
    let list_has = |e: &Engine, shop: &str| {
        e.good_service_list(ts(AS_OF), None).categories[0]
            .shops
            .iter()
            .any(|s| s.shop_id == shop)
    };
    let e = engine(0);
    assert!(list_has(&e, "a"));
    let w = e
        .early_warning("a", ts(AS_OF), &[], &WarningOptions::default())
        .unwrap();
    let m = margin(&w.margins, "good_service_list", "problem_order_rate");
    // pooled: 30 of 500; a's k of 300 stays below (30 + k) / 500 while
    // 500 k < 300 (30 + k), i.e. k < 45
    assert_eq!(m.margin, Some(44));
    let k = m.margin.unwrap() as usize;
    assert!(list_has(&engine(k), "a"));
    assert!(!list_has(&engine(k + 1), "a"));
    // c is above the mean: not listed, no list margin
    let c = e
        .early_warning("c", ts(AS_OF), &[], &WarningOptions::default())
        .unwrap();
    assert!(c.margins.iter().all(|m| m.kind != "good_service_list"));
}

#[test]
fn at_risk_lists_the_shops_within_the_margin() {
    let e = engine(44);
    let opts = WarningOptions {
        within_orders: 0,
        within_points: 0.0,
    };
    let risky: Vec<String> = e
        .at_risk(ts(AS_OF), &[], &opts)
        .unwrap()
        .into_iter()
        .map(|w| w.shop_id)
        .collect();
    assert_eq!(risky, ["a"]);
    assert!(e.early_warning("nope", ts(AS_OF), &[], &opts).is_err());
}

/// With enough shops to split the work over the cores, every shop's entry
/// in the at-risk list (from the whole board) is its own early warning
/// (from its category alone), and the shops left out are not at risk.
#[test]
fn at_risk_over_many_shops_is_each_shops_own_warning() {
    let mut ev = Events::new();
    for s in 0..2_400 {
        shop_in(
            &mut ev,
            &format!("s{s:04}"),
            ["pet", "toys", "garden"][s % 3],
            1 + s % 7,
            usize::from(s % 5 == 0),
        );
    }
    let e = ev.engine();
    let standards = [presets::amazon(), presets::tmall()];
    let opts = WarningOptions {
        within_orders: 1,
        within_points: 0.05,
    };
    let all = e.at_risk(ts(AS_OF), &standards, &opts).unwrap();
    assert!(all.windows(2).all(|w| w[0].shop_id < w[1].shop_id));
    for s in (0..2_400).step_by(97) {
        let id = format!("s{s:04}");
        let one = e.early_warning(&id, ts(AS_OF), &standards, &opts).unwrap();
        let listed = all.iter().find(|w| w.shop_id == id);
        assert_eq!(listed.is_some(), one.at_risk, "{id}");
        if let Some(w) = listed {
            assert_eq!(w, &one, "{id}");
        }
    }
}
