//! Times the full scoreboard and its export as a record batch (what the
//! Python package's `Engine.scoreboard` does), on a restored snapshot.
//!
//! ```sh
//! cargo run --release -p truexp-arrow --example scoreboard_arrow -- STATE.snapshot [LOOPS]
//! ```
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: scoreboard_arrow STATE.snapshot [LOOPS]");
    let loops: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(5);
    let (engine, _) =
        truexp::snapshot::read_snapshot_file(path.as_ref(), truexp::Config::default())
            .expect("read the snapshot");
    let as_of = engine.latest_event_time().expect("events");
    for _ in 0..loops {
        let t = Instant::now();
        let board = engine.scoreboard(as_of);
        let scored = t.elapsed();
        let batch = truexp_arrow::scoreboard_batch(&board, engine.config());
        let exported = t.elapsed();
        drop(board);
        let dropped = t.elapsed();
        eprintln!(
            "scoreboard {:.1} ms, batch {:.1} ms, drop {:.1} ms ({} rows)",
            scored.as_secs_f64() * 1e3,
            (exported - scored).as_secs_f64() * 1e3,
            (dropped - exported).as_secs_f64() * 1e3,
            batch.num_rows()
        );
    }
}
