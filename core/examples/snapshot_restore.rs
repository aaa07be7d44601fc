//! Restore from a snapshot against replaying the events: the figures of
//! issue 13 on one events file.
//!
//! ```sh
//! cargo run --release -p truexp --example snapshot_restore -- EVENTS.jsonl
//! ```
//!
//! Prints replay time (`Engine::ingest_jsonl`, parsing on every core),
//! snapshot write and read time (in memory, one core),
//! snapshot size against the state's own byte count, and the ratios.

use std::time::Instant;

use truexp::{Config, Engine};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: snapshot_restore EVENTS.jsonl");
    let text = std::fs::read(&path).expect("read the events file");

    let t = Instant::now();
    let mut engine = Engine::default();
    // replay as a service would: JSON Lines parsed on every core
    let report = engine.ingest_jsonl(&text[..]);
    let replay = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let bytes = engine.snapshot_bytes(b"bench").expect("write");
    let write = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let (restored, _) = Engine::from_snapshot_bytes(&bytes, Config::default()).expect("read");
    let read = t.elapsed().as_secs_f64();

    // SNAPSHOT_READ_LOOPS=N: read N more times (for a profiler)
    let loops: usize = std::env::var("SNAPSHOT_READ_LOOPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for _ in 0..loops {
        drop(Engine::from_snapshot_bytes(&bytes, Config::default()).expect("read"));
    }

    let as_of = engine
        .latest_event_time()
        .unwrap_or(truexp::Timestamp::UNIX_EPOCH);
    assert!(restored.scoreboard(as_of) == engine.scoreboard(as_of));
    let state = engine.state_bytes().total();
    println!(
        "events file        {:>12} bytes, {} lines, {} orders",
        text.len(),
        report.lines,
        engine.order_count()
    );
    println!("replay (all cores) {replay:>12.3} s");
    println!(
        "snapshot write     {write:>12.3} s   ({:.3}× replay)",
        write / replay
    );
    println!(
        "snapshot read      {read:>12.3} s   ({:.3}× replay, {:.2} GB/s)",
        read / replay,
        bytes.len() as f64 / read / 1e9
    );
    println!(
        "snapshot size      {:>12} bytes ({:.2}× the state's {state} bytes)",
        bytes.len(),
        bytes.len() as f64 / state as f64
    );
}
