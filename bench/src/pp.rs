//! Price protection in automatic mode, timed the way `truexp price-protect --auto` runs it.
//!
//! Why its own job: the book (`truexp::price_protection::ProtectionBook`) is
//! separate from the scoring engine and has its own cost profile — a load
//! (parse + `apply` every event) and a batch run over every queued price
//! drop. Both are timed; the per-line totals (payout, paying drops, and
//! the protection later refunds take back) are written for the peers'
//! agreement check (`bench/peers/peers.py pp-polars`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use truexp::ids::OrderId;
use truexp::price_protection::ProtectionBook;

/// Runs the job; returns its JSON report, or an error text.
pub fn run(jsonl: &str, out_dir: &str) -> Result<serde_json::Value, String> {
    let file = File::open(jsonl).map_err(|e| format!("{jsonl}: {e}"))?;
    let start = Instant::now();
    let reader = BufReader::with_capacity(1 << 20, file);
    let mut book = ProtectionBook::new();
    let (mut events, mut skipped) = (0u64, 0u64);
    // parsed on every CPU, fed to the book in line order
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    truexp::read_jsonl(
        reader,
        threads,
        |_| {},
        |_, parsed| {
            events += 1;
            match parsed {
                Ok(e) => {
                    if book.apply(e).is_err() {
                        skipped += 1;
                    }
                }
                Err(_) => skipped += 1,
            }
        },
    );
    let load_s = start.elapsed().as_secs_f64();

    let t = Instant::now();
    // Per line: total payout and number of drops that paid something.
    let mut per_line: HashMap<(OrderId, u32), (i64, u64)> = HashMap::new();
    let mut results = 0u64;
    let drops = book
        .run_all_drops_with(|_, p| {
            results += 1;
            if p.assessment.payout.is_positive() {
                let e = per_line.entry((p.order, p.line)).or_default();
                e.0 += p.assessment.payout.minor_units();
                e.1 += 1;
            }
        })
        .map_err(|e| e.to_string())?;
    let run_s = t.elapsed().as_secs_f64();
    let total_s = start.elapsed().as_secs_f64();
    let rss = crate::peak_rss_kib();

    // what later refunds and returns take back, per line (only lines that
    // were paid have anything to take back)
    let mut deducted: HashMap<(OrderId, u32), i64> = HashMap::new();
    for d in book.deductions() {
        *deducted.entry((d.order, d.line)).or_default() += d.deducted.minor_units();
    }
    let mut rows: Vec<(&str, u32, i64, u64, i64)> = per_line
        .iter()
        .map(|(&(o, l), &(pay, n))| {
            let back = deducted.get(&(o, l)).copied().unwrap_or(0);
            (book.order_id(o), l, pay, n, back)
        })
        .collect();
    rows.sort_unstable();
    let path = format!("{out_dir}/truexp_pp.csv");
    let write = || -> std::io::Result<()> {
        let mut w = BufWriter::new(File::create(&path)?);
        writeln!(w, "order_id,line,payout,paid_drops,deducted")?;
        for (o, l, pay, n, back) in &rows {
            writeln!(w, "{o},{l},{pay},{n},{back}")?;
        }
        w.flush()
    };
    write().map_err(|e| format!("{path}: {e}"))?;
    let total_payout: i64 = rows.iter().map(|r| r.2).sum();
    let total_deducted: i64 = deducted.values().sum();
    Ok(serde_json::json!({
        "tool": "truexp",
        "version": env!("CARGO_PKG_VERSION"),
        "threads": format!("{} parse + 1 apply, 1 run", threads - 1),
        "events": events,
        "skipped": skipped,
        "drops": drops,
        "line_results": results,
        "lines_paid": rows.len(),
        "total_payout": total_payout,
        "total_deducted": total_deducted,
        "peak_rss_kib_one_shot": rss,
        "peak_rss_kib": rss,
        "jobs": { "pp_load": load_s, "pp_run": run_s, "pp_total": total_s },
        "source": "jsonl",
    }))
}
