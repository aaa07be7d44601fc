//! A fact kept as the latest of its kind (a review, a risk verdict, a
//! dispute ruling, an A-to-z claim state) that a later one replaced still
//! counts at a moment before the replacement: an engine holding every
//! event answers for a past `as_of` what an engine fed only the events
//! known then answers — whatever the arrival order, after a merge and
//! after a snapshot round trip.

mod builders;

use builders::{ts, Events, D, DAY0, H};
use truexp::{Config, Engine};

/// Shop `s1`: twenty clean orders, and four whose facts are replaced later.
fn events() -> Events {
    let mut ev = Events::new();
    for i in 0..20 {
        ev.clean(&format!("c{i}"), "s1", &format!("b{i}"), DAY0 + i * H);
    }
    // a 1-star review on day 3, edited to 5 stars on day 6
    ev.clean("o-review", "s1", "br", DAY0 + H);
    ev.review("o-review", "br", DAY0 + 3 * D, 1, Some(1));
    ev.review("o-review", "br", DAY0 + 6 * D, 5, Some(5));
    // ruled for the buyer on day 4, for the seller on day 7
    ev.clean("o-dispute", "s1", "bd", DAY0 + 2 * H);
    ev.note("platform_intervention", "o-dispute", DAY0 + 3 * D);
    ev.dispute("o-dispute", DAY0 + 4 * D, "buyer");
    ev.dispute("o-dispute", DAY0 + 7 * D, "seller");
    // judged fake on day 2, cleared on day 8
    ev.clean("o-verdict", "s1", "bv", DAY0 + 3 * H);
    ev.verdict("o-verdict", DAY0 + 2 * D, true);
    ev.verdict("o-verdict", DAY0 + 8 * D, false);
    // an A-to-z claim granted on day 3, denied on appeal on day 7
    ev.clean("o-atoz", "s1", "ba", DAY0 + 4 * H);
    ev.atoz("o-atoz", DAY0 + 3 * D, "granted");
    ev.atoz("o-atoz", DAY0 + 7 * D, "denied");
    ev
}

/// The moments asked about: before, between and after the replacements.
const MOMENTS: [i64; 5] = [
    DAY0 + 2 * D + H,
    DAY0 + 5 * D,
    DAY0 + 6 * D + H,
    DAY0 + 7 * D + H,
    DAY0 + 9 * D,
];

/// The lines whose event had wholly happened by `t`.
fn known_by(ev: &Events, t: i64) -> Events {
    let mut out = Events::new();
    out.lines = (ev.lines.iter())
        .filter(|l| truexp::parse_event(l).unwrap().latest_time() <= ts(t))
        .cloned()
        .collect();
    out
}

/// What a seller would dispute at `t`: the score and the problem orders.
fn answer(e: &Engine, t: i64) -> (truexp::score::ShopScore, Vec<String>) {
    let mut problems: Vec<String> = (e.problem_orders("s1", ts(t)).unwrap().into_iter())
        .map(|p| {
            let labels: Vec<&str> = p.labels.iter().map(|l| l.reason.name()).collect();
            format!("{} {}", p.order_id, labels.join(","))
        })
        .collect();
    problems.sort();
    (e.score("s1", ts(t)).unwrap(), problems)
}

#[test]
fn a_replaced_fact_counts_before_its_replacement() {
    let ev = events();
    let all = ev.engine();
    for t in MOMENTS {
        assert_eq!(
            answer(&all, t),
            answer(&known_by(&ev, t).engine(), t),
            "at {t}"
        );
    }
    // and the replacements do change the answer: day 5 counts the bad
    // review and the lost dispute, day 9 neither; the cleared order is
    // fake (not valid) on day 5 only
    let (day5, p5) = answer(&all, DAY0 + 5 * D);
    let (day9, p9) = answer(&all, DAY0 + 9 * D);
    assert!(p5.iter().any(|p| p.starts_with("o-review ")), "{p5:?}");
    assert!(p5.iter().any(|p| p.contains("dispute_lost")), "{p5:?}");
    assert!(!p9.iter().any(|p| p.starts_with("o-review ")), "{p9:?}");
    assert!(!p9.iter().any(|p| p.contains("dispute_lost")), "{p9:?}");
    assert_eq!(
        day9.problem_rate.valid_orders,
        day5.problem_rate.valid_orders + 1,
        "the order judged fake on day 2 and cleared on day 8"
    );
}

#[test]
fn arrival_order_merge_and_snapshots_keep_replaced_facts() {
    let ev = events();
    let want: Vec<_> = MOMENTS.iter().map(|&t| answer(&ev.engine(), t)).collect();
    let check = |e: &Engine, what: &str| {
        for (&t, w) in MOMENTS.iter().zip(&want) {
            assert_eq!(&answer(e, t), w, "{what} at {t}");
        }
    };
    // the newest first: every replaced fact arrives after its replacement
    let mut rev = Events::new();
    rev.lines = ev.lines.iter().rev().cloned().collect();
    check(&rev.engine(), "reversed");
    // every line twice: repeats change nothing
    let mut twice = Events::new();
    twice.lines = ev.lines.iter().chain(&ev.lines).cloned().collect();
    let mut e = Engine::default();
    e.ingest_jsonl(twice.lines.join("\n").as_bytes());
    check(&e, "every line twice");
    // split by parity (the two reviews of an order in different engines)
    let (mut a, mut b) = (Engine::default(), Engine::default());
    for (i, l) in ev.lines.iter().enumerate() {
        let e = if i % 2 == 0 { &mut a } else { &mut b };
        e.ingest_jsonl(l.as_bytes());
    }
    a.merge(b).unwrap();
    check(&a, "merged");
    // a snapshot keeps them, and writes the same bytes again
    for (e, what) in [(ev.engine(), "fed"), (rev.engine(), "reversed")] {
        let bytes = e.snapshot_bytes(b"t").unwrap();
        let (back, _) = Engine::from_snapshot_bytes(&bytes, Config::default()).unwrap();
        check(&back, &format!("{what}, restored"));
        assert_eq!(back.snapshot_bytes(b"t").unwrap(), bytes, "{what}");
    }
}
