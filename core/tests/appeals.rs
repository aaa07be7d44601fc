//! Appeals granted to the seller take a review, a dispute ruling or one
//! problem label out of an order's counted facts — in any event order,
//! as known at a moment, through merge and snapshots.

mod builders;

use builders::{labels, ts, Events, D, DAY0, H};
use truexp::problem::Reason;
use truexp::{Config, Engine};

const PAID: i64 = DAY0 + 2 * D + 9 * H;
const AS_OF: i64 = DAY0 + 20 * D;

fn appeal(ev: &mut Events, order: &str, at: i64, scope: &str, reason: Option<&str>) {
    let reason = reason.map_or(String::new(), |r| format!(r#","reason":"{r}""#));
    ev.raw(&format!(
        r#""type":"appeal_granted","order_id":"{order}","at":{at},"scope":"{scope}"{reason}"#
    ));
}

/// Shop s1: 40 clean orders (received), and `o-bad` paid at `PAID` with
/// what `extra` adds.
fn shop(extra: impl Fn(&mut Events)) -> Events {
    let mut ev = Events::new();
    for i in 0..40 {
        ev.clean(&format!("o{i}"), "s1", &format!("b{i}"), PAID + i * 60);
        ev.review(&format!("o{i}"), &format!("b{i}"), PAID + 3 * D, 5, None);
    }
    ev.paid("o-bad", "s1", "bx", PAID);
    extra(&mut ev);
    ev
}

/// `o-bad` shipped in time and received.
fn on_time(ev: &mut Events) {
    ev.shipped("o-bad", PAID + H, PAID + H, true);
    ev.delivered("o-bad", PAID + 2 * D);
}

/// `o-bad` shipped three days after payment (late shipment, no pickup in
/// time), received within the delivery norm.
fn late(ev: &mut Events) {
    ev.shipped("o-bad", PAID + 3 * D, PAID + 3 * D, true);
    ev.delivered("o-bad", PAID + 4 * D);
}

#[test]
fn an_appealed_review_counts_as_a_suspicious_one() {
    let appealed = shop(|ev| {
        on_time(ev);
        ev.review("o-bad", "bx", PAID + 4 * D, 1, Some(1));
        appeal(ev, "o-bad", PAID + 6 * D, "review", None);
    })
    .engine();
    let suspicious = shop(|ev| {
        on_time(ev);
        ev.raw(&format!(
            r#""type":"review","order_id":"o-bad","reviewer":"bx","at":{},"product_stars":1,"logistics_stars":1,"suspicious":true"#,
            PAID + 4 * D
        ));
    })
    .engine();
    let plain = shop(|ev| {
        on_time(ev);
        ev.review("o-bad", "bx", PAID + 4 * D, 1, Some(1))
    })
    .engine();
    assert_eq!(
        labels(&plain, AS_OF),
        [Reason::BadProductReview, Reason::BadLogisticsReview]
    );
    assert_eq!(labels(&appealed, AS_OF), []);
    let (a, s) = (
        appealed.score("s1", ts(AS_OF)).unwrap(),
        suspicious.score("s1", ts(AS_OF)).unwrap(),
    );
    assert_eq!(a.overall, s.overall);
    assert_eq!(a.indicators, s.indicators);
    assert_eq!(a.problem_rate, s.problem_rate);
    assert!(a.overall > plain.score("s1", ts(AS_OF)).unwrap().overall);
    // before the grant, the review counted
    let before = PAID + 5 * D;
    assert_eq!(labels(&appealed, before), labels(&plain, before));
    assert_eq!(
        appealed.score("s1", ts(before)).unwrap().overall,
        plain.score("s1", ts(before)).unwrap().overall
    );
}

#[test]
fn a_label_appeal_takes_out_that_label_only() {
    let both = shop(late).engine();
    assert_eq!(
        labels(&both, AS_OF),
        [Reason::LateShipment, Reason::NoPickupInTime]
    );
    let one = shop(|ev| {
        late(ev);
        appeal(
            ev,
            "o-bad",
            PAID + 5 * D,
            "label",
            Some("no_pickup_in_time"),
        );
    })
    .engine();
    assert_eq!(labels(&one, AS_OF), [Reason::LateShipment]);
    let two = shop(|ev| {
        late(ev);
        appeal(
            ev,
            "o-bad",
            PAID + 5 * D,
            "label",
            Some("no_pickup_in_time"),
        );
        appeal(ev, "o-bad", PAID + 6 * D, "label", Some("late_shipment"));
    })
    .engine();
    assert_eq!(labels(&two, AS_OF), []);
    // the explanation says what was taken out, and by which grant
    let ex = two.explain("s1", ts(AS_OF)).unwrap();
    let noted: Vec<(String, Option<Reason>)> = (ex.appeals.iter())
        .map(|a| (a.order_id.clone(), a.reason))
        .collect();
    assert_eq!(
        noted,
        [
            ("o-bad".to_owned(), Some(Reason::LateShipment)),
            ("o-bad".to_owned(), Some(Reason::NoPickupInTime))
        ]
    );
    assert_eq!(ex.appeals[0].at, ts(PAID + 6 * D));
    assert!(two.explain("s1", ts(PAID + 5 * D)).unwrap().appeals.len() == 1);
    let rate = |e: &Engine| {
        e.score("s1", ts(AS_OF))
            .unwrap()
            .problem_rate
            .problem_orders
    };
    assert_eq!((rate(&both), rate(&one), rate(&two)), (1, 1, 0));
    // never shipped: an open case (late shipment) and an overdue pickup
    let never = shop(|_| {}).engine();
    assert_eq!(
        labels(&never, AS_OF),
        [Reason::LateShipment, Reason::NoPickupInTime]
    );
    let open = shop(|ev| {
        appeal(
            ev,
            "o-bad",
            PAID + 5 * D,
            "label",
            Some("no_pickup_in_time"),
        );
        appeal(ev, "o-bad", PAID + 5 * D, "label", Some("late_shipment"));
    })
    .engine();
    assert_eq!(rate(&open), 0, "{:?}", open.problem_orders("s1", ts(AS_OF)));
    assert_eq!(labels(&open, AS_OF), []);
}

#[test]
fn a_dispute_appeal_takes_out_the_ruling() {
    let lost = shop(|ev| {
        on_time(ev);
        ev.dispute("o-bad", PAID + 6 * D, "buyer")
    })
    .engine();
    assert_eq!(labels(&lost, AS_OF), [Reason::DisputeLost]);
    let won = shop(|ev| {
        on_time(ev);
        ev.dispute("o-bad", PAID + 6 * D, "buyer");
        appeal(ev, "o-bad", PAID + 7 * D, "dispute", None);
    })
    .engine();
    assert_eq!(labels(&won, AS_OF), []);
    assert_eq!(labels(&won, PAID + 6 * D + H), [Reason::DisputeLost]);
}

#[test]
fn appeals_are_order_independent_and_survive_merge_and_snapshots() {
    let ev = shop(|ev| {
        ev.review("o-bad", "bx", PAID + 4 * D, 1, Some(1));
        late(ev);
        appeal(ev, "o-bad", PAID + 6 * D, "review", None);
        appeal(ev, "o-bad", PAID + 6 * D, "label", Some("late_shipment"));
        // granted twice: the earliest grant counts
        appeal(ev, "o-bad", PAID + 5 * D, "label", Some("late_shipment"));
    });
    let forward = ev.engine();
    let want = forward.score("s1", ts(AS_OF)).unwrap();
    assert_eq!(labels(&forward, AS_OF), [Reason::NoPickupInTime]);
    // reversed: every appeal before its order
    let mut rev = Events::new();
    rev.lines = ev.lines.iter().rev().cloned().collect();
    let backward = rev.engine();
    assert_eq!(backward.score("s1", ts(AS_OF)).unwrap(), want);
    // split by parity and merged
    let (mut a, mut b) = (Engine::default(), Engine::default());
    for (i, l) in ev.lines.iter().enumerate() {
        let e = if i % 2 == 0 { &mut a } else { &mut b };
        e.ingest_jsonl(l.as_bytes());
    }
    a.merge(b).unwrap();
    assert_eq!(a.score("s1", ts(AS_OF)).unwrap(), want);
    // the late shipment counted only from the first grant on... and not before it
    assert_eq!(
        labels(&forward, PAID + 5 * D - 1),
        [
            Reason::BadProductReview,
            Reason::LateShipment,
            Reason::NoPickupInTime,
            Reason::BadLogisticsReview
        ]
    );
    // a snapshot keeps the grants
    let bytes = forward.snapshot_bytes(b"t").unwrap();
    let (back, token) = Engine::from_snapshot_bytes(&bytes, Config::default()).unwrap();
    assert_eq!(token, b"t");
    assert_eq!(back.score("s1", ts(AS_OF)).unwrap(), want);
    assert_eq!(
        labels(&back, PAID + 5 * D + 1),
        labels(&forward, PAID + 5 * D + 1)
    );
}

#[test]
fn malformed_appeals_are_refused_with_the_field() {
    let mut e = Engine::default();
    for (line, field) in [
        (
            r#"{"type":"appeal_granted","id":"a1","order_id":"o1","at":1790000000,"scope":"label"}"#,
            "reason",
        ),
        (
            r#"{"type":"appeal_granted","id":"a2","order_id":"o1","at":1790000000,"scope":"review","reason":"late_shipment"}"#,
            "reason",
        ),
        (
            r#"{"type":"appeal_granted","id":"a3","order_id":"o1","at":1790000000,"scope":"everything"}"#,
            "scope",
        ),
        (
            r#"{"type":"appeal_granted","id":"a4","order_id":"o1","at":1790000000,"scope":"label","reason":"rudeness"}"#,
            "reason",
        ),
    ] {
        let err = e.ingest_json(line).unwrap_err();
        assert_eq!(err.field, field, "{line}: {err}");
    }
    assert_eq!(e.event_count(), 0);
}
