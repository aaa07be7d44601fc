//! Two-phase scoring: shops split among engines (each shop with all of its
//! events), category statistics computed per part in three rounds and
//! merged, then each part scores its shops — exactly the one-engine
//! scoreboard, whatever the split and the order parts are merged in.

use std::collections::HashMap;

use proptest::prelude::*;
use truexp::event::Event;
use truexp::peers::{merge_peers, Peers, Stage};
use truexp::{Engine, ShopScore, Timestamp};

fn demo_events() -> Vec<Event> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/data/demo.jsonl"
    ))
    .unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| truexp::parse_event(l).unwrap())
        .collect()
}

/// Splits events by shop into `parts` engines: shop `s` goes to `part_of(s)`.
fn split(events: &[Event], parts: usize, part_of: impl Fn(&str) -> usize) -> Vec<Engine> {
    let mut shop_of_order: HashMap<&str, &str> = HashMap::new();
    for e in events {
        if let Event::OrderPaid(p) = e {
            shop_of_order.insert(&p.order_id, &p.shop_id);
        }
    }
    let mut engines: Vec<Engine> = (0..parts).map(|_| Engine::default()).collect();
    for e in events {
        let shop = match e {
            Event::OrderPaid(p) => Some(p.shop_id.as_str()),
            Event::Chat(c) => Some(c.shop_id.as_str()),
            Event::ShopProfile(p) => Some(p.shop_id.as_str()),
            Event::PriceChange(_) => None,
            other => other.order_id().and_then(|o| shop_of_order.get(o).copied()),
        };
        // price changes move no score: one part is enough
        let part = shop.map_or(0, &part_of);
        let _ = engines[part].ingest(e.clone());
    }
    engines
}

/// Runs the three rounds over `parts` (merging in `merge_order`) and scores.
fn scores_by_rounds(parts: &[Engine], as_of: Timestamp, merge_order: &[usize]) -> Vec<ShopScore> {
    let day = |t: Timestamp| {
        let mut combined = Peers::new();
        for stage in [Stage::Totals, Stage::Blocks, Stage::Percentiles] {
            let mut next = combined.clone();
            for &p in merge_order {
                let part = parts[p].peer_stats(t, stage, &combined).unwrap();
                merge_peers(&mut next, &part);
            }
            // as a distributed job hands them around: through JSON text
            combined = serde_json::from_str(&serde_json::to_string(&next).unwrap()).unwrap();
        }
        combined
    };
    let (today, yesterday) = (day(as_of), day(as_of.minus_days(1)));
    let mut out: Vec<ShopScore> = parts
        .iter()
        .flat_map(|e| {
            e.scores_with_peers(as_of, &today, &yesterday)
                .unwrap()
                .shops
        })
        .collect();
    out.sort_by(|a, b| a.shop_id.cmp(&b.shop_id));
    out
}

fn by_shop_id(mut shops: Vec<ShopScore>) -> Vec<ShopScore> {
    shops.sort_by(|a, b| a.shop_id.cmp(&b.shop_id));
    shops
}

#[test]
fn one_part_is_the_scoreboard() {
    let events = demo_events();
    let whole = split(&events, 1, |_| 0);
    let as_of = whole[0].latest_event_time().unwrap();
    for t in [as_of, as_of.minus_days(20)] {
        assert_eq!(
            scores_by_rounds(&whole, t, &[0]),
            by_shop_id(whole[0].scoreboard(t).shops)
        );
    }
}

#[test]
fn a_round_without_the_earlier_ones_is_refused_naming_the_category() {
    let events = demo_events();
    let whole = split(&events, 1, |_| 0);
    let as_of = whole[0].latest_event_time().unwrap();
    let err = whole[0]
        .peer_stats(as_of, Stage::Blocks, &Peers::new())
        .unwrap_err();
    assert!(err.to_string().contains("no totals"), "{err}");
    let err = whole[0]
        .scores_with_peers(as_of, &Peers::new(), &Peers::new())
        .unwrap_err();
    assert!(err.to_string().starts_with("category `"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn any_split_of_the_shops_scores_like_one_engine(
        parts in 2usize..5,
        salt in any::<u64>(),
        reverse in any::<bool>(),
        back_days in 0i64..40,
    ) {
        let events = demo_events();
        let whole = split(&events, 1, |_| 0);
        let as_of = whole[0].latest_event_time().unwrap().minus_days(back_days);
        let expected = by_shop_id(whole[0].scoreboard(as_of).shops);
        let hash = |s: &str| {
            s.bytes().fold(salt, |h, b| h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        };
        let split_engines = split(&events, parts, |s| (hash(s) >> 32) as usize % parts);
        let mut order: Vec<usize> = (0..parts).collect();
        if reverse {
            order.reverse();
        }
        let got = scores_by_rounds(&split_engines, as_of, &order);
        prop_assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            prop_assert_eq!(g, e);
        }
    }
}

#[test]
fn a_skipped_round_is_refused_not_scored_against_empty_statistics() {
    let events = demo_events();
    let whole = split(&events, 1, |_| 0);
    let e = &whole[0];
    let as_of = e.latest_event_time().unwrap();
    let totals = e.peer_stats(as_of, Stage::Totals, &Peers::new()).unwrap();
    // percentiles straight after the totals: the block round is missing
    let err = e
        .peer_stats(as_of, Stage::Percentiles, &totals)
        .unwrap_err();
    assert!(err.to_string().contains("no block scores"), "{err}");
    let mut blocks = totals.clone();
    merge_peers(
        &mut blocks,
        &e.peer_stats(as_of, Stage::Blocks, &totals).unwrap(),
    );
    // scoring with today's statistics lacking the percentile round
    let err = e.scores_with_peers(as_of, &blocks, &blocks).unwrap_err();
    assert!(err.to_string().contains("no percentile values"), "{err}");
}
