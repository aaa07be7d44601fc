//! A score at a past moment counts only facts that happened by then: an
//! engine holding every event answers for a past `as_of` exactly what an
//! engine fed only the events known at that moment answers — scores,
//! the day-over-day change (yesterday as known yesterday), the live
//! board and its changes.

use truexp::{Engine, Event, Timestamp};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo.jsonl");

fn events() -> Vec<Event> {
    std::fs::read_to_string(DEMO)
        .unwrap()
        .lines()
        .map(|l| truexp::parse_event(l).unwrap())
        .collect()
}

/// An engine fed the events for which `keep(latest time)` holds, in file order.
fn engine(events: &[Event], keep: impl Fn(Timestamp) -> bool) -> Engine {
    let mut e = Engine::default();
    for ev in events {
        if keep(ev.latest_time()) {
            e.ingest(ev.clone()).unwrap();
        }
    }
    e
}

type Row = (String, f64, f64, Option<f64>, bool);

/// Each shop's id, overall, change, percentile and growth stage, ranked.
fn live(e: &mut Engine, as_of: Timestamp) -> Vec<Row> {
    e.live_scoreboard(as_of)
        .ranked()
        .map(|s| {
            let st = s.standing;
            (
                s.shop_id.to_owned(),
                st.standing().overall,
                st.change,
                st.percentile,
                st.growth_stage,
            )
        })
        .collect()
}

/// The same of a fresh scoreboard.
fn fresh(e: &Engine, as_of: Timestamp) -> Vec<Row> {
    e.scoreboard(as_of)
        .shops
        .iter()
        .map(|s| {
            (
                s.shop_id.to_string(),
                s.overall,
                s.change,
                s.percentile,
                s.growth_stage,
            )
        })
        .collect()
}

#[test]
fn a_past_score_is_the_score_of_the_events_known_then() {
    let all = events();
    let full = engine(&all, |_| true);
    let end = full.latest_event_time().unwrap();
    // a moment mid-day, three weeks before the end of the data
    for t in [
        end.minus_secs(21 * 86_400 + 4_321),
        end.minus_secs(86_400 * 2 - 77),
    ] {
        let then = engine(&all, |at| at <= t);
        let (a, b) = (full.scoreboard(t), then.scoreboard(t));
        assert_eq!(a.shops.len(), b.shops.len());
        for (x, y) in a.shops.iter().zip(&b.shops) {
            assert_eq!(x, y, "shop {} at {t}", x.shop_id);
        }
        // every other answer at `t` agrees too
        assert_eq!(full.problem_rates(t), then.problem_rates(t));
        assert_eq!(
            full.problem_rates_by_walking(t),
            then.problem_rates_by_walking(t)
        );
        let amazon = truexp::standards::presets::amazon();
        for shop in ["s1", "s17", "s103"] {
            assert_eq!(
                full.explain(shop, t).unwrap(),
                then.explain(shop, t).unwrap()
            );
            assert_eq!(
                full.problem_orders(shop, t).unwrap(),
                then.problem_orders(shop, t).unwrap()
            );
            assert_eq!(
                full.item_problem_rates(shop, t).unwrap(),
                then.item_problem_rates(shop, t).unwrap()
            );
            assert_eq!(
                full.evaluate_standard(shop, &amazon, t).unwrap(),
                then.evaluate_standard(shop, &amazon, t).unwrap()
            );
        }
        assert_eq!(
            full.good_service_list(t, None),
            then.good_service_list(t, None)
        );
        let opts = truexp::impact::ImpactOptions::default();
        assert_eq!(
            full.impact(t, &opts).unwrap(),
            then.impact(t, &opts).unwrap()
        );
        // the live board agrees, asked first and after a refresh a day on
        let (mut full_live, mut then_live) = (full.clone(), then.clone());
        for at in [t, t.plus_days(1)] {
            let x = live(&mut full_live, at);
            if at == t {
                assert_eq!(x, live(&mut then_live, at), "live board at {at}");
            }
            assert_eq!(x, fresh(&full, at), "live = fresh at {at}");
        }
    }
}

#[test]
fn a_late_fact_changes_today_not_yesterday_as_published() {
    let all = events();
    let end = all.iter().map(Event::latest_time).max().unwrap();
    let t = end.minus_days(10);
    // yesterday as published: the events known by the end of yesterday
    let published = engine(&all, |at| at <= t.minus_days(1)).scoreboard(t.minus_days(1));
    let today = engine(&all, |_| true).scoreboard(t);
    for s in &today.shops {
        if let Some(y) = published.shops.iter().find(|y| y.shop_id == s.shop_id) {
            let change = ((s.overall - y.overall) * 100.0).round() / 100.0;
            assert_eq!(s.change, change, "shop {}", s.shop_id);
        }
    }
}
