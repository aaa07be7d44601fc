//! Loads JSON Lines (or restores a `.snapshot`), then times one full scoreboard and `at_risk` over every
//! shop under the three preset standards (for profiling the early warning).
//! Prints wall time and the process's CPU time (Linux /proc, 10 ms ticks),
//! the steadier figure on a shared machine.

mod common;

fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // fields after the command name (which may hold spaces): utime is the 12th, stime the 13th
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: at_risk_bench EVENTS.jsonl|STATE.snapshot");
    let e = common::load(&path);
    let as_of = e.latest_event_time().unwrap();
    let standards = truexp::standards::presets::by_names("amazon,ebay,tmall").unwrap();
    let opts = truexp::warning::WarningOptions::default();
    for _ in 0..3 {
        let (t, c) = (std::time::Instant::now(), cpu_secs());
        let b = e.scoreboard(as_of);
        let (board, board_cpu) = (t.elapsed(), cpu_secs() - c);
        common::perf_ctl("enable");
        let (t, c) = (std::time::Instant::now(), cpu_secs());
        let w = e.at_risk(as_of, &standards, &opts).unwrap();
        let (risk, risk_cpu) = (t.elapsed(), cpu_secs() - c);
        common::perf_ctl("disable");
        eprintln!(
            "{} shops: scoreboard {board:?} ({board_cpu:.2} s CPU), at-risk {risk:?} ({risk_cpu:.2} s CPU; {} at risk), CPU ratio {:.2}",
            b.shops.len(),
            w.len(),
            risk_cpu / board_cpu
        );
    }
}
