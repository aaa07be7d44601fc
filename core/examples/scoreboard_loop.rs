//! Scores every shop a few times with the full scoreboard (`Engine::scoreboard`),
//! at the latest event time and one day later, for profiling.
//!
//! ```sh
//! cargo run --release -p truexp --example scoreboard_loop -- EVENTS.jsonl|STATE.snapshot [LOOPS] [today|next]
//! ```

mod common;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: scoreboard_loop EVENTS.jsonl|STATE.snapshot [LOOPS] [today|next]");
    let loops: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(5);
    let only = args.next();
    let e = common::load(&path);
    let as_of = e.latest_event_time().expect("events");
    for (name, t) in [("today", as_of), ("next", as_of.plus_days(1))] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let mut best = f64::INFINITY;
        for _ in 0..loops {
            common::perf_ctl("enable");
            let start = std::time::Instant::now();
            let b = e.scoreboard(t);
            best = best.min(start.elapsed().as_secs_f64());
            common::perf_ctl("disable");
            drop(b);
        }
        eprintln!("{name}: best of {loops}: {:.1} ms", best * 1e3);
    }
}
