//! Times `Engine::history` (90 days of one shop) on a loaded engine.
//!
//! `cargo run --release -p truexp --example history_bench -- EVENTS.jsonl|STATE.snapshot [SHOP] [DAYS]`
//!
//! Prints: the load; one `Engine::score` call (what a naive loop pays
//! twice per day); the first history of a category (its statistics for
//! every day computed); then the best of 5 histories of the same shop and
//! of other shops of its category (statistics kept), as JSON lines.

mod common;

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: history_bench EVENTS.jsonl|STATE.snapshot [SHOP] [DAYS]");
    let shop = args.next().unwrap_or_else(|| "s1".to_owned());
    let days: u32 = args.next().map_or(90, |d| d.parse().expect("DAYS"));
    let t = Instant::now();
    // a `.snapshot` (from `truexp snapshot`) is restored instead of replayed
    let e = common::load(&path);
    let as_of = e.latest_event_time().expect("events");
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    println!(
        r#"{{"job":"load","shops":{},"orders":{},"ms":{:.1}}}"#,
        e.shop_ids().len(),
        e.order_count(),
        ms(t)
    );
    let t = Instant::now();
    let s = e.score(&shop, as_of).expect("shop");
    println!(
        r#"{{"job":"score_one_shop","category":"{}","ms":{:.3}}}"#,
        s.category,
        ms(t)
    );
    let t = Instant::now();
    e.score(&shop, as_of.minus_days(30)).unwrap();
    println!(
        r#"{{"job":"score_one_shop_30_days_ago","ms":{:.3}}}"#,
        ms(t)
    );
    let t = Instant::now();
    let h = e.history(&shop, as_of, days).unwrap();
    println!(
        r#"{{"job":"history_{days}d_first_of_category","points":{},"ms":{:.1}}}"#,
        h.points.len(),
        ms(t)
    );
    // HISTORY_LOOPS=N: time the warm history N times (for a profiler)
    let loops: usize = std::env::var("HISTORY_LOOPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let best = |f: &dyn Fn()| {
        (0..loops)
            .map(|_| {
                let t = Instant::now();
                f();
                ms(t)
            })
            .fold(f64::INFINITY, f64::min)
    };
    let same = best(&|| {
        e.history(&shop, as_of, days).unwrap();
    });
    println!(r#"{{"job":"history_{days}d_one_shop","best_of":{loops},"ms":{same:.3}}}"#);
    let peers: Vec<String> = e
        .scoreboard(as_of)
        .shops
        .iter()
        .filter(|p| p.category == s.category && *p.shop_id != *shop)
        .take(5)
        .map(|p| p.shop_id.to_string())
        .collect();
    let mut worst: f64 = 0.0;
    for p in &peers {
        let t = Instant::now();
        e.history(p, as_of, days).unwrap();
        worst = worst.max(ms(t));
    }
    println!(
        r#"{{"job":"history_{days}d_other_shops_of_category","shops":{},"worst_ms":{worst:.3}}}"#,
        peers.len()
    );
}
