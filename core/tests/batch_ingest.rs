//! `Engine::ingest_validated_all` (a batch, validated first, applied with
//! reading ahead) against `Engine::ingest` one event at a time: the same
//! outcome for every event, in order, and the same scores.

mod common;

use std::io::BufRead;

use truexp::{Engine, Event, ValidEvent};

/// The first `n` events of the demo data, then each of the first 50 again
/// (duplicates) and ten that validation refuses.
fn events(n: usize) -> Vec<Event> {
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/data/demo.jsonl"
    ))
    .expect("the demo data");
    let mut events: Vec<Event> = std::io::BufReader::new(file)
        .lines()
        .take(n)
        .map(|l| truexp::parse_event(&l.expect("a line")).expect("a demo event"))
        .collect();
    events.extend(events[..50].to_vec());
    for i in 0..10 {
        // stars out of range: built without validation, refused by it
        let bad = common::review(&format!("bad{i}"), &format!("o{i}"), "x", 1_785_800_000, 9);
        events.insert(i * 100 + 7, bad);
    }
    events
}

#[test]
fn a_batch_ingests_as_one_event_at_a_time() {
    let events = events(20_000);
    let mut one = Engine::default();
    let singly: Vec<_> = events.iter().map(|e| one.ingest(e.clone())).collect();
    let mut batch = Engine::default();
    let valid: Vec<_> = events.iter().cloned().map(ValidEvent::new).collect();
    let mut together = Vec::new();
    batch.ingest_validated_all(&valid, |r| together.push(r));
    assert_eq!(together, singly);
    assert!(singly.iter().any(Result::is_err), "some events are refused");
    let as_of = one.latest_event_time().expect("events");
    assert_eq!(batch.scoreboard(as_of), one.scoreboard(as_of));
}
