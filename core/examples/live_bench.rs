//! Times the live scoreboard's two refreshes as `truexp-bench` does: the
//! next day for every shop, and a live update (1,000 new orders over 1,000
//! shops ingested, then the changes since the last refresh), in loops, for
//! profiling.
//!
//! ```sh
//! cargo run --release -p truexp --example live_bench -- EVENTS.jsonl|STATE.snapshot [LOOPS] [next|update|forward]
//! ```
//!
//! A `.snapshot` path is restored instead of replayed (write one with
//! `truexp snapshot`).

mod common;
#[path = "common/live_order.rs"]
mod live_order;

use std::time::Instant;

use truexp::event::{Event, ValidEvent};

use truexp::time::DAY;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: live_bench EVENTS.jsonl|STATE.snapshot [LOOPS] [next|update|forward]");
    let loops: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(10);
    let only = args.next();
    let mut engine = common::load(&path);
    let as_of = engine.latest_event_time().expect("events");
    let t = Instant::now();
    engine.live_scoreboard(as_of);
    eprintln!(
        "first refresh (every shop, two days): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    if only.as_deref() == Some("forward") {
        // day after day, each refresh one day later than the last (for
        // profiling the next-day path alone)
        let mut best = f64::INFINITY;
        for day in 1..=loops as i64 {
            let t = Instant::now();
            engine.live_scoreboard(as_of.plus_days(day));
            best = best.min(t.elapsed().as_secs_f64());
        }
        eprintln!(
            "one day later, {loops} days in a row: best {:.2} ms",
            best * 1e3
        );
        return;
    }
    if only.as_deref() != Some("update") {
        let mut best = f64::INFINITY;
        for _ in 0..loops {
            engine.live_scoreboard(as_of);
            common::perf_ctl("enable");
            let t = Instant::now();
            engine.live_scoreboard(as_of.plus_days(1));
            best = best.min(t.elapsed().as_secs_f64());
            common::perf_ctl("disable");
        }
        eprintln!("next day: best of {loops}: {:.2} ms", best * 1e3);
    }
    if only.as_deref() == Some("next") {
        return;
    }
    let shops: Vec<(String, String)> = {
        let live = engine.live_scoreboard(as_of.plus_days(1));
        (live.ranked())
            .step_by((live.len() / 1000).max(1))
            .take(1000)
            .map(|s| (s.shop_id.to_owned(), s.category.to_owned()))
            .collect()
    };
    let mut version = engine.scoreboard_changes(as_of.plus_days(1), 0).version;
    let (mut best, mut ingest, mut changed) = (f64::INFINITY, f64::INFINITY, 0);
    for rep in 0..loops {
        let events: Vec<Event> = (shops.iter().enumerate())
            .map(|(i, (shop, category))| {
                live_order::live_order(rep, i, shop, category, as_of.plus_secs(DAY - 3600))
            })
            .collect();
        common::perf_ctl("enable");
        let t = Instant::now();
        // as one batch, validated then applied with reading ahead
        let batch: Vec<_> = events.into_iter().map(ValidEvent::new).collect();
        engine.ingest_validated_all(&batch, |r| {
            r.expect("a live event");
        });
        ingest = ingest.min(t.elapsed().as_secs_f64());
        let changes = engine.scoreboard_changes(as_of.plus_days(1), version);
        best = best.min(t.elapsed().as_secs_f64());
        common::perf_ctl("disable");
        version = changes.version;
        changed = changes.changes.len();
    }
    eprintln!(
        "live update: best of {loops}: {:.2} ms (ingest alone {:.2} ms), {changed} shops changed (the last)",
        best * 1e3,
        ingest * 1e3
    );
}
