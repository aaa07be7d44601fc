//! `truexp-bench`: truexp's side of the DuckDB / Polars comparison.
//!
//! Why a separate binary: the comparison must measure truexp in its own
//! process (for an honest peak RSS) doing exactly what the peers do — read
//! the JSON Lines file, build state, score every shop — and must write the
//! integers it computed so that an independent implementation (SQL, Polars
//! expressions) can check them number for number. `bench/run` drives it; it
//! prints one JSON object with its timings on stdout.
//!
//! Usage (`truexp-bench --help`): `truexp-bench --jsonl FILE --out-dir DIR [--as-of UNIX_SECS] [--repeat N]`,
//! `truexp-bench --parquet FILE ...` (the same jobs reading Parquet in the
//! event schema of `truexp-arrow`, written by `truexp convert`)
//! or `truexp-bench --pp --jsonl FILE --out-dir DIR` (price protection, see `pp.rs`).
//!
//! Writes `DIR/truexp_T.csv` and `DIR/truexp_T1.csv` (`truexp_parquet_T*.csv`
//! from Parquet): one row per shop with the problem-order counts and every
//! indicator's numerator and denominator at `as_of` and at `as_of + 1 day`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use truexp::{Engine, Scoreboard, Timestamp};

#[path = "../../core/examples/common/live_order.rs"]
mod live_order;
mod pp;

use truexp::time::DAY;

/// truexp's side of the DuckDB / Polars comparison (bench/run drives it):
/// one JSON object with its timings on stdout.
#[derive(clap::Parser, Debug)]
#[command(name = "truexp-bench", args_override_self = true)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["jsonl", "parquet"])))]
struct Args {
    /// The events, JSON Lines
    #[arg(long, value_name = "FILE")]
    jsonl: Option<String>,
    /// The events, Parquet in the event schema of truexp-arrow (`truexp convert`)
    #[arg(long, value_name = "FILE")]
    parquet: Option<String>,
    /// Where the aggregates (CSV) go
    #[arg(long, value_name = "DIR", default_value = ".")]
    out_dir: String,
    /// Score as of this moment, UTC seconds (default: the latest event time)
    #[arg(long, value_name = "UNIX_SECS", allow_hyphen_values = true)]
    as_of: Option<i64>,
    /// Best of N for the repeated jobs (at least 1)
    #[arg(long, value_name = "N", default_value_t = 5)]
    repeat: usize,
    /// Price protection in automatic mode instead (with --jsonl, see pp.rs)
    #[arg(long, requires = "jsonl")]
    pp: bool,
}

/// Peak resident set size of this process so far, in KiB (Linux `VmHWM`).
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// OS threads of this process right now (Linux `Threads`).
fn threads() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Writes the integer aggregates of every shop, sorted by shop id.
fn write_aggregates(board: &Scoreboard, path: &str) -> std::io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    let mut shops: Vec<_> = board.shops.iter().collect();
    shops.sort_by(|a, b| a.shop_id.cmp(&b.shop_id));
    write!(
        w,
        "shop_id,valid_orders,fake_orders,problem_orders,problem_valid_orders,\
         problem_product,problem_logistics,problem_after_sales"
    )?;
    if let Some(first) = shops.first() {
        for i in &first.indicators {
            write!(w, ",{0}_num,{0}_den,{0}_from,{0}_to", i.name)?;
        }
    }
    writeln!(w)?;
    for s in shops {
        let p = &s.problem_rate;
        write!(
            w,
            "{},{},{},{},{},{},{},{}",
            s.shop_id,
            s.valid_orders,
            s.fake_orders,
            p.problem_orders,
            p.valid_orders,
            p.product,
            p.logistics,
            p.after_sales
        )?;
        for i in &s.indicators {
            write!(
                w,
                ",{},{},{},{}",
                i.numerator, i.sample, i.window.0, i.window.1
            )?;
        }
        writeln!(w)?;
    }
    w.flush()
}

/// Runs `f` `n` times and returns the fastest wall time in seconds and the last result.
fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(v);
    }
    (best, last.expect("n >= 1"))
}

/// Timings of the seller-facing questions (issue 18): a what-if (see
/// [`seller_jobs_what_if`]) and the early warning over every shop under
/// the three standard presets.
fn seller_jobs(engine: &Engine, as_of: Timestamp, board: &Scoreboard, repeat: usize) -> (f64, f64) {
    let what_if = seller_jobs_what_if(engine, as_of, board, repeat);
    let standards = truexp::standards::presets::by_names("amazon,ebay,tmall").expect("presets");
    let opts = truexp::warning::WarningOptions {
        within_orders: 2,
        within_points: 0.05,
    };
    let (at_risk, _) = best_of(repeat, || {
        engine
            .at_risk(as_of, &standards, &opts)
            .map_or(0, |w| w.len())
    });
    (what_if, at_risk)
}

/// A what-if for the median-ranked shop with a problem order (up to three
/// of its problem orders supposed picked up in time): its best time (NaN:
/// no shop has a problem order).
fn seller_jobs_what_if(
    engine: &Engine,
    as_of: Timestamp,
    board: &Scoreboard,
    repeat: usize,
) -> f64 {
    use truexp::what_if::{Resolution, Scenario};
    let with_problems: Vec<&str> = (board.shops.iter())
        .filter(|s| s.problem_rate.problem_orders > 0)
        .map(|s| &*s.shop_id)
        .collect();
    let Some(shop) = with_problems.get(with_problems.len() / 2) else {
        return f64::NAN;
    };
    let problems = engine.problem_orders(shop, as_of).unwrap_or_default();
    let scenario = Scenario::resolving(
        problems.into_iter().take(3).map(|p| p.order_id),
        Resolution::PickedUpInTime,
    );
    best_of(repeat, || engine.what_if(shop, as_of, &scenario).is_ok()).0
}

/// A 90-day score history of the median-ranked shop: the first of its
/// category (every day's category statistics computed), then the best of
/// `repeat` once they are kept (NaN: no shop).
fn history_jobs(
    engine: &Engine,
    as_of: Timestamp,
    board: &Scoreboard,
    repeat: usize,
) -> (f64, f64) {
    let Some(shop) = board.shops.get(board.shops.len() / 2) else {
        return (f64::NAN, f64::NAN);
    };
    let t = Instant::now();
    let first = engine.history(&shop.shop_id, as_of, 90).is_ok();
    let first_s = t.elapsed().as_secs_f64();
    let (warm_s, ok) = best_of(repeat, || engine.history(&shop.shop_id, as_of, 90).is_ok());
    if !(first && ok) {
        eprintln!("truexp-bench: the history of {} failed", shop.shop_id);
        std::process::exit(1);
    }
    (first_s, warm_s)
}

/// Timings of the live scoreboard (`Engine::live_scoreboard`).
struct LiveJobs {
    /// The first refresh: every shop, both days.
    first: f64,
    /// From `as_of` to `as_of + 1 day` (best of `repeat`).
    next_day: f64,
    /// 1,000 new orders, one in each of 1,000 shops, ingested, then the
    /// changes since the last refresh (best of `repeat`).
    update: f64,
}

/// Times the live scoreboard, checking its standings against the full
/// scoreboard `next` (at `as_of + 1 day`, same engine): a disagreement
/// ends the benchmark.
fn live_jobs(engine: &mut Engine, as_of: Timestamp, next: &Scoreboard, repeat: usize) -> LiveJobs {
    let t = Instant::now();
    engine.live_scoreboard(as_of);
    let first = t.elapsed().as_secs_f64();
    let mut next_day = f64::INFINITY;
    for _ in 0..repeat {
        engine.live_scoreboard(as_of); // back to as_of (untimed)
        let t = Instant::now();
        engine.live_scoreboard(as_of.plus_days(1));
        next_day = next_day.min(t.elapsed().as_secs_f64());
    }
    let want = next.standings();
    let live = engine.live_scoreboard(as_of.plus_days(1));
    let agree = live.len() == want.len()
        && live
            .ranked()
            .all(|s| want.get(s.shop_id) == Some(&s.standing.standing()));
    if !agree {
        eprintln!("truexp-bench: the live scoreboard disagrees with the full scoreboard");
        std::process::exit(1);
    }
    // a live update: 1,000 new orders spread over 1,000 shops, then the
    // changes since the last refresh (events built before the clock starts)
    let shops: Vec<(String, String)> = live
        .ranked()
        .step_by((live.len() / 1000).max(1))
        .take(1000)
        .map(|s| (s.shop_id.to_owned(), s.category.to_owned()))
        .collect();
    let mut update = f64::INFINITY;
    let mut version = engine.scoreboard_changes(as_of.plus_days(1), 0).version;
    for rep in 0..repeat {
        let events: Vec<truexp::Event> = shops
            .iter()
            .enumerate()
            .map(|(i, (shop, category))| {
                live_order::live_order(rep, i, shop, category, as_of.plus_secs(DAY - 3600))
            })
            .collect();
        let t = Instant::now();
        // as one batch, validated then applied with reading ahead
        let batch: Vec<_> = events.into_iter().map(truexp::ValidEvent::new).collect();
        engine.ingest_validated_all(&batch, |r| {
            if let Err(e) = r {
                eprintln!("truexp-bench: a live event was refused: {e}");
                std::process::exit(1);
            }
        });
        let changes = engine.scoreboard_changes(as_of.plus_days(1), version);
        update = update.min(t.elapsed().as_secs_f64());
        version = changes.version;
    }
    LiveJobs {
        first,
        next_day,
        update,
    }
}

fn main() {
    let mut args = <Args as clap::Parser>::parse();
    args.repeat = args.repeat.max(1);
    if args.pp {
        let jsonl = args.jsonl.as_deref().unwrap_or_default();
        match pp::run(jsonl, &args.out_dir) {
            Ok(out) => println!("{out}"),
            Err(e) => {
                eprintln!("truexp-bench: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    let (source, path) = match &args.parquet {
        Some(p) => ("parquet", p.clone()),
        None => ("jsonl", args.jsonl.clone().unwrap_or_default()),
    };
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("truexp-bench: {path}: {e}");
            std::process::exit(2);
        }
    };

    // One-shot: read the events, build state, score every shop.
    let start = Instant::now();
    let mut engine = Engine::default();
    let report = if source == "parquet" {
        drop(file);
        match truexp_arrow::ingest_parquet(&mut engine, &path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("truexp-bench: {path}: {e}");
                std::process::exit(1);
            }
        }
    } else {
        engine.ingest_jsonl(BufReader::with_capacity(1 << 20, file))
    };
    let ingest_s = start.elapsed().as_secs_f64();
    let as_of = match args.as_of.map(Timestamp::new).transpose() {
        Ok(t) => t.or(engine.latest_event_time()).unwrap_or_default(),
        Err(e) => panic!("--as-of: {e}"),
    };
    let t = Instant::now();
    let board = engine.scoreboard(as_of);
    let score_s = t.elapsed().as_secs_f64();
    let one_shot_s = start.elapsed().as_secs_f64();
    let one_shot_rss = peak_rss_kib();
    let threads_now = threads();
    if !report.rejected.is_empty() {
        eprintln!(
            "truexp-bench: {} rejected lines, first: {:?}",
            report.rejected.len(),
            report.rejected[0]
        );
    }
    let pending = engine.pending().len();
    let state = engine.state_bytes();

    let stem = if source == "parquet" {
        "truexp_parquet"
    } else {
        "truexp"
    };
    let out_t = format!("{}/{stem}_T.csv", args.out_dir);
    let out_t1 = format!("{}/{stem}_T1.csv", args.out_dir);
    if let Err(e) = write_aggregates(&board, &out_t) {
        eprintln!("truexp-bench: {out_t}: {e}");
        std::process::exit(1);
    }
    let shops = board.shops.len();
    drop(board);

    // Warm: state already built, score every shop again at the same moment,
    // then one local day later (the daily incremental case).
    let (warm_s, _) = best_of(args.repeat, || engine.scoreboard(as_of).shops.len());
    let (warm_next_s, next) = best_of(args.repeat, || engine.scoreboard(as_of.plus_days(1)));
    if let Err(e) = write_aggregates(&next, &out_t1) {
        eprintln!("truexp-bench: {out_t1}: {e}");
        std::process::exit(1);
    }

    let (what_if_s, at_risk_s) = seller_jobs(&engine, as_of, &next, args.repeat);
    let history = history_jobs(&engine, as_of, &next, args.repeat);

    // counted before the live jobs add their orders
    let orders = engine.order_count();
    let live = live_jobs(&mut engine, as_of, &next, args.repeat);
    // the same what-if on a service's engine: its live scoreboard current
    // at `as_of` (refreshed untimed; the live jobs' orders came later)
    engine.live_scoreboard(as_of);
    let what_if_live_s = seller_jobs_what_if(&engine, as_of, &next, args.repeat);
    drop(next);

    let mut jobs = serde_json::json!({
        "score_all": score_s,
        "warm_rescore": warm_s,
        "warm_next_day": warm_next_s,
        "live_first": live.first,
        "live_next_day": live.next_day,
        "live_update": live.update,
        "what_if_one_shop": what_if_s,
        "what_if_one_shop_live": what_if_live_s,
        "at_risk_all": at_risk_s,
        "history_90d_first_of_category": history.0,
        "history_90d_one_shop": history.1,
    });
    jobs[format!("ingest_{source}")] = ingest_s.into();
    jobs[format!("one_shot_{source}")] = one_shot_s.into();
    let out = serde_json::json!({
        "tool": "truexp",
        "source": source,
        "version": env!("CARGO_PKG_VERSION"),
        // parsing runs on every CPU (applied in line order on one); scoring
        // splits categories over the CPUs
        "threads": format!(
            "{p} parse + 1 apply, {n} scoring",
            p = std::thread::available_parallelism().map_or(1, |n| n.get()).saturating_sub(1),
            n = std::thread::available_parallelism().map_or(1, |n| n.get())
        ),
        "os_threads": threads_now,
        "as_of": as_of,
        "shops": shops,
        "events_accepted": report.accepted,
        "lines": report.lines,
        "rejected": report.rejected.len(),
        "duplicates": report.duplicates,
        "pending": pending,
        "orders": orders,
        "order_state_bytes": std::mem::size_of::<truexp::order::OrderState>(),
        "state_bytes": {
            "ids": state.ids,
            "orders": state.orders,
            "shops": state.shops,
            "review_cap": state.review_cap,
            "book": state.book,
            "total": state.total(),
        },
        "peak_rss_kib_one_shot": one_shot_rss,
        "peak_rss_kib": peak_rss_kib(),
        "jobs": jobs,
        "repeat": args.repeat,
        "aggregates": { "T": out_t, "T1": out_t1 },
    });
    println!("{out}");
}
