//! Times `Engine::what_if` for one shop as `truexp-bench` does (the
//! median-ranked shop with a problem order, up to three of its problem
//! orders supposed picked up in time), in a loop, for profiling: first
//! with no live scoreboard, then with one refreshed at the same moment.
//!
//! ```sh
//! cargo run --release -p truexp --example what_if_bench -- EVENTS.jsonl|STATE.snapshot [LOOPS] [LOOPS_SERVED]
//! ```
//!
//! A `.snapshot` path is restored instead of replayed (write one with
//! `truexp snapshot`), so a profile is not dominated by the load.

mod common;

use std::time::Instant;

use truexp::what_if::{Resolution, Scenario};
use truexp::Engine;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: what_if_bench EVENTS.jsonl|STATE.snapshot [LOOPS]");
    let loops: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(20);
    // LOOPS_SERVED: how many times the served what-if runs (default LOOPS)
    let served_loops: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(loops);
    let mut engine = common::load(&path);
    let as_of = engine.latest_event_time().expect("events");
    // the shop truexp-bench picks: from the scoreboard one day later
    let board = engine.scoreboard(as_of.plus_days(1));
    let with_problems: Vec<&str> = (board.shops.iter())
        .filter(|s| s.problem_rate.problem_orders > 0)
        .map(|s| &*s.shop_id)
        .collect();
    let shop = with_problems[with_problems.len() / 2];
    let problems = engine.problem_orders(shop, as_of).unwrap_or_default();
    let scenario = Scenario::resolving(
        problems.into_iter().take(3).map(|p| p.order_id),
        Resolution::PickedUpInTime,
    );
    let best = |engine: &Engine, loops: usize| {
        let mut best = f64::INFINITY;
        for _ in 0..loops {
            let t = Instant::now();
            let w = engine.what_if(shop, as_of, &scenario).expect("what-if");
            best = best.min(t.elapsed().as_secs_f64());
            std::hint::black_box(w);
        }
        best * 1e3
    };
    let cold = best(&engine, loops);
    engine.live_scoreboard(as_of);
    let served = best(&engine, served_loops);
    eprintln!("{shop}: what-if, best of {loops}: {cold:.3} ms with no live scoreboard; best of {served_loops}: {served:.3} ms from a live scoreboard current at as_of");
}
