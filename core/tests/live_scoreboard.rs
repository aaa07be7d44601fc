//! The live scoreboard (`Engine::live_scoreboard`, `Engine::scoreboard_changes`)
//! against a fresh engine's full scoreboard: random batches of events, moves
//! of `as_of` (same moment, next day, jumps back and forth) and refreshes in
//! between; every standing field must equal the from-scratch answer, and the
//! changes reported must be exactly the shops whose standing moved.

mod common;

use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use truexp::changes::Standing;
use truexp::event::*;
use truexp::seeded::SeededRng;
use truexp::Engine;

const CATEGORIES: [&str; 3] = ["apparel", "pet", "home"];

/// A pool of events over a few shops and categories: orders (some fake,
/// some in other categories than the profile's), shipments with and
/// without pickups, deliveries, reviews (repeat buyers past the rating
/// cap), refunds, chats and profile changes, spread over 40 days.
fn pool(seed: u64, orders: usize) -> Vec<Event> {
    let mut rng = SeededRng::new(seed);
    let shops = 3 + rng.below(6) as usize;
    let mut ev = Vec::new();
    for s in 0..shops {
        if rng.chance(0.8) {
            let cat = CATEGORIES[rng.below(3) as usize];
            ev.push(profile(&format!("prof-s{s}"), &format!("s{s}"), cat));
        }
    }
    for i in 0..orders {
        let shop = format!("s{}", rng.below(shops as u64));
        let oid = format!("o{i}");
        let buyer = format!("b{}", rng.below(8));
        let paid = T0 - 35 * DAY + rng.range(0, 40 * DAY);
        let mut pay = if rng.chance(0.05) {
            fake_order(&oid, &shop, &buyer, paid)
        } else {
            order(&oid, &shop, &buyer, paid)
        };
        if let Event::OrderPaid(o) = &mut pay {
            o.category = CATEGORIES[rng.below(3) as usize].into();
        }
        ev.push(pay);
        if rng.chance(0.85) {
            let pickup = rng.chance(0.8).then(|| paid + rng.range(HOUR, 72 * HOUR));
            ev.push(shipped(&oid, paid + rng.range(HOUR, 60 * HOUR), pickup));
            if rng.chance(0.8) {
                ev.push(delivered(&oid, paid + rng.range(20 * HOUR, 200 * HOUR)));
            }
        }
        if rng.chance(0.6) {
            let stars = 1 + rng.below(5) as i64;
            let at = paid + rng.range(2 * DAY, 8 * DAY);
            ev.push(review(&format!("rv-{oid}"), &oid, &buyer, at, stars));
        }
        if rng.chance(0.1) {
            let reason = if rng.chance(0.5) {
                RefundReason::Quality
            } else {
                RefundReason::NoReason
            };
            ev.extend(refund(
                &oid,
                paid + rng.range(DAY, 6 * DAY),
                reason,
                rng.range(1, 100),
            ));
        }
        if rng.chance(0.3) {
            let secs = rng.chance(0.9).then(|| rng.range(5, 600));
            let rating = rng.chance(0.7).then(|| 1 + rng.below(5) as i64);
            ev.push(chat(&format!("ch-{i}"), &shop, paid - HOUR, secs, rating));
        }
    }
    ev
}

/// Every standing field of a fresh engine's full scoreboard, by shop id.
fn expected(events: &[Event], as_of: i64) -> Vec<(String, Standing, f64, Option<f64>, bool)> {
    let mut e = Engine::default();
    for ev in events {
        e.ingest(ev.clone()).expect("valid test event");
    }
    full(&e, as_of)
}

/// Every standing field of `e`'s full scoreboard, by shop id.
fn full(e: &Engine, as_of: i64) -> Vec<(String, Standing, f64, Option<f64>, bool)> {
    let board = e.scoreboard(ts(as_of));
    let standings = board.standings();
    board
        .shops
        .iter()
        .map(|s| {
            (
                s.shop_id.to_string(),
                standings[&*s.shop_id],
                s.change,
                s.percentile,
                s.growth_stage,
            )
        })
        .collect()
}

fn live(e: &mut Engine, as_of: i64) -> Vec<(String, Standing, f64, Option<f64>, bool)> {
    let board = e.live_scoreboard(ts(as_of));
    assert_eq!(board.as_of(), ts(as_of));
    board
        .ranked()
        .map(|s| {
            (
                s.shop_id.to_owned(),
                s.standing.standing(),
                s.standing.change,
                s.standing.percentile,
                s.standing.growth_stage,
            )
        })
        .collect()
}

/// Bitwise comparison (f64 `==` would take -0.0 for 0.0).
fn same(
    a: &[(String, Standing, f64, Option<f64>, bool)],
    b: &[(String, Standing, f64, Option<f64>, bool)],
) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.0 == y.0
                && x.1 == y.1
                && x.1.overall.to_bits() == y.1.overall.to_bits()
                && x.2.to_bits() == y.2.to_bits()
                && x.3.map(f64::to_bits) == y.3.map(f64::to_bits)
                && x.4 == y.4
        })
}

fn check_run(seed: u64, orders: usize, cuts: &[usize], moves: &[u8]) {
    let events = pool(seed, orders);
    let mut e = Engine::default();
    let mut as_of = T0 - 3 * DAY + 7 * HOUR;
    let mut fed = 0;
    let mut version = 0;
    let mut known: BTreeMap<String, Standing> = BTreeMap::new();
    for (step, &cut) in cuts.iter().enumerate() {
        let upto = (fed + cut).min(events.len());
        for ev in &events[fed..upto] {
            e.ingest(ev.clone()).expect("valid test event");
        }
        fed = upto;
        as_of += match moves.get(step).copied().unwrap_or(0) % 5 {
            0 | 1 => 0,
            2 => DAY,
            3 => -DAY,
            _ => 5 * HOUR + 13,
        };
        let changes = e.scoreboard_changes(ts(as_of), version);
        let got = live(&mut e, as_of);
        let want = expected(&events[..fed], as_of);
        assert!(
            same(&got, &want),
            "step {step}, as_of {as_of}:\nlive  {got:?}\nfresh {want:?}"
        );
        // exactly the shops whose standing moved (or are new) since `version`
        let reported: BTreeMap<String, Standing> = changes
            .changes
            .iter()
            .map(|c| (c.shop_id.to_string(), c.now))
            .collect();
        for (shop, standing, ..) in &got {
            let moved = known.get(shop) != Some(standing);
            assert_eq!(reported.contains_key(shop), moved, "step {step}: {shop}");
            if moved {
                assert_eq!(reported[shop], *standing);
                assert_eq!(
                    changes
                        .changes
                        .iter()
                        .find(|c| &*c.shop_id == shop)
                        .unwrap()
                        .before,
                    known.get(shop).copied()
                );
            }
        }
        assert_eq!(changes.version > version, !reported.is_empty());
        version = changes.version;
        known = got.into_iter().map(|(s, st, ..)| (s, st)).collect();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn live_scoreboard_equals_a_fresh_full_scoreboard(
        seed in any::<u64>(),
        orders in 20usize..160,
        cuts in prop::collection::vec(0usize..120, 1..8),
        moves in prop::collection::vec(any::<u8>(), 8),
    ) {
        check_run(seed, orders, &cuts, &moves);
    }
}

#[test]
fn a_late_review_moves_only_its_category_and_the_ranks_it_crosses() {
    let mut ev = healthy_shop("good", "apparel", 60, 0);
    ev.extend(healthy_shop("meh", "apparel", 50, 4));
    ev.extend(healthy_shop("pet1", "pet", 40, 5));
    ev.extend(healthy_shop("pet2", "pet", 40, 0));
    let mut e = engine_with(&ev);
    let first = e.scoreboard_changes(ts(T0), 0);
    assert_eq!(first.changes.len(), 4);
    assert!(first.changes.iter().all(|c| c.before.is_none()));
    // nothing new: nothing changed
    let again = e.scoreboard_changes(ts(T0), first.version);
    assert!(again.changes.is_empty());
    assert_eq!(again.version, first.version);
    for i in 0..30 {
        e.ingest(review(
            &format!("late-{i}"),
            &format!("meh-o{i}"),
            &format!("x{i}"),
            T0 - 2 * DAY,
            1,
        ))
        .unwrap();
    }
    let after = e.scoreboard_changes(ts(T0), first.version);
    assert!(after.changes.iter().any(|c| &*c.shop_id == "meh"));
    assert!(after.changes.iter().all(|c| c.before.is_some()));
    assert!(after
        .changes
        .iter()
        .all(|c| &*c.category == "apparel" || c.before.unwrap().rank != c.now.rank));
    let late: Vec<Event> = (0..30)
        .map(|i| {
            review(
                &format!("late-{i}"),
                &format!("meh-o{i}"),
                &format!("x{i}"),
                T0 - 2 * DAY,
                1,
            )
        })
        .collect();
    ev.extend(late);
    assert!(same(&live(&mut e, T0), &expected(&ev, T0)));
}

/// A `since` this engine never gave (a consumer that outlived an engine:
/// versions start again in a new one) is answered as 0: every shop.
#[test]
fn a_version_from_another_engine_gets_every_shop() {
    let mut ev = healthy_shop("good", "apparel", 60, 0);
    ev.extend(healthy_shop("pet1", "pet", 40, 5));
    let mut old = engine_with(&ev);
    old.scoreboard_changes(ts(T0), 0);
    let kept = old.scoreboard_changes(ts(T0 + DAY), 0).version;
    let mut restarted = engine_with(&ev);
    let first = restarted.scoreboard_changes(ts(T0), 0);
    assert!(kept > first.version);
    let after = restarted.scoreboard_changes(ts(T0), kept + 5);
    assert_eq!((after.since, after.changes.len()), (0, 2));
    assert_eq!(after.changes, first.changes);
}

/// At the ends of time moments stop (`Timestamp::MIN`, `Timestamp::MAX`),
/// so a day later can be the same moment: the live scoreboard still equals
/// the full one there.
#[test]
fn the_ends_of_time_are_scored_like_a_fresh_engine() {
    let events = pool(7, 60);
    let mut e = engine_with(&events);
    let (first, last) = (Timestamp::MIN.as_secs(), Timestamp::MAX.as_secs());
    for as_of in [last - 86_400, last, first, first + 86_400, T0] {
        assert!(
            same(&live(&mut e, as_of), &expected(&events, as_of)),
            "{as_of}"
        );
    }
}

/// A board moved one day at a time, with no event in between, keeps each
/// shop's open-case figures while no deadline passes: every day (at an odd
/// second, so deadlines fall inside days) its standings and the problem
/// orders a what-if reads from it must still equal a fresh engine's, as
/// shipments fall due, pickups start counting and cases leave the problem
/// window.
#[test]
fn a_board_moved_day_by_day_equals_a_fresh_one() {
    let mut overdue_seen = 0;
    // a pickup window longer than the time to ship (48 hours): an open
    // case stops counting when its pickup starts to, after its deadline
    for (seed, cut, pickup_hours) in [(3, -20, 48), (11, -8, 48), (29, 0, 100), (47, 3, 100)] {
        // what is known at the cut: cases open there fall due later with
        // no fact in between
        let start = T0 + cut * DAY + 5 * HOUR + 17;
        let events: Vec<Event> = (pool(seed, 150).into_iter())
            .filter(|ev| ev.latest_time() <= ts(start))
            .collect();
        let mut cfg = truexp::Config::default();
        cfg.problems.pickup_within_hours = pickup_hours;
        let mut e = Engine::with_config(cfg.clone()).expect("a valid configuration");
        let mut fresh = Engine::with_config(cfg).expect("a valid configuration");
        for ev in &events {
            e.ingest(ev.clone()).expect("valid test event");
            fresh.ingest(ev.clone()).expect("valid test event");
        }
        for day in 0..40 {
            let as_of = start + day * DAY;
            let got = live(&mut e, as_of);
            let want = full(&fresh, as_of);
            assert!(
                same(&got, &want),
                "seed {seed}, day {day}:\nlive  {got:?}\nfresh {want:?}"
            );
            for (shop, ..) in &got {
                // the board's own figures at `as_of` (nothing touched since)
                let from_board = e
                    .what_if(shop, ts(as_of), &Default::default())
                    .expect("a known shop")
                    .problem_orders
                    .0;
                let score = fresh.score(shop, ts(as_of)).expect("a known shop");
                assert_eq!(
                    from_board, score.problem_rate.problem_orders,
                    "seed {seed}, day {day}, {shop}"
                );
                overdue_seen += usize::from(from_board > 0);
            }
        }
    }
    assert!(overdue_seen > 0, "no problem order to compare");
}
