//! Loading events into an engine, with the options every subcommand shares.
//!
//! Why shared: `score`, `explain`, `problems`, `standard`, `list` and
//! `snapshot` all read the same files the same way (optionally on top of a
//! `--snapshot FILE`); bad lines are reported once, identically.

use std::fs::File;
use std::io::{BufReader, IsTerminal};

use truexp::{Config, Engine, IngestReport, Timestamp};

use indicatif::{ProgressBar, ProgressStyle};

/// The flags every scoring subcommand shares (flattened into each).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Common {
    /// Score as of T, UTC seconds (default: the latest event time)
    #[arg(long, value_name = "T", allow_hyphen_values = true, value_parser = crate::integer)]
    pub as_of: Option<i64>,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when any event was rejected
    #[arg(long)]
    pub strict: bool,
    /// Print no per-line reports or summary on stderr (only the count when events were rejected)
    #[arg(long)]
    pub quiet: bool,
    /// The engine's configuration (JSON); default: Tmall-like defaults
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Load the bonus-rule plugins in DIR
    #[arg(long, value_name = "DIR")]
    pub plugins: Option<String>,
    /// The events files' format: jsonl or parquet (default: by extension)
    #[arg(long, value_name = "jsonl|parquet")]
    pub format: Option<String>,
    /// Start from a snapshot written by `truexp snapshot` (same --config); EVENTS are then optional
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<String>,
}

/// An engine loaded from a snapshot and/or events files, plus the moment to score.
pub struct Loaded {
    /// Never dropped: the process ends right after the command, and freeing
    /// millions of orders one allocation at a time only delays the exit
    /// (about 4% of a one-shot run's time); the OS takes the memory back.
    pub engine: std::mem::ManuallyDrop<Engine>,
    pub as_of: Timestamp,
    /// Bad lines and events whose order never arrived.
    pub rejected: usize,
}

/// Checks the events files: without `--snapshot`, exactly one; with it,
/// zero or more, applied on top of the snapshot in the order given.
/// `command` names the subcommand for the usage line of the error.
pub fn check_files(common: &Common, files: &[String], command: &str) -> Result<(), String> {
    if files.len() != 1 && common.snapshot.is_none() {
        return Err(format!(
            "give one EVENTS file, or --snapshot FILE and any number of EVENTS files\n{}",
            crate::usage(command)
        ));
    }
    Ok(())
}

/// The events files and the shop of `EVENTS… SHOP` (the last argument is
/// the shop), checked as [`check_files`] checks them.
pub fn split_shop<'a>(
    common: &Common,
    args: &'a [String],
    command: &str,
) -> Result<(&'a [String], &'a str), String> {
    match args.split_last() {
        Some((shop, files)) if files.len() == 1 || common.snapshot.is_some() => {
            Ok((files, shop.as_str()))
        }
        _ => Err(format!(
            "give one EVENTS file then SHOP, or --snapshot FILE, any number of EVENTS files, then SHOP\n{}",
            crate::usage(command)
        )),
    }
}

/// The configuration of `--config FILE`, else the default.
pub fn config(args: &Common) -> Result<Config, String> {
    match args.config.as_deref() {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            Config::from_json(&text).map_err(|e| format!("{path}: {e}"))
        }
        None => Ok(Config::default()),
    }
}

/// Builds the engine (from `--snapshot FILE` when given, else empty; config,
/// plugins), reads each events file on top, reports bad lines on stderr.
/// Returns the engine and how many events were refused.
pub fn build(args: &Common, files: &[String]) -> Result<(Engine, usize), String> {
    let config = config(args)?;
    let mut engine = match args.snapshot.as_deref() {
        Some(path) => {
            let (engine, _token) =
                truexp::snapshot::read_snapshot_file(std::path::Path::new(path), config)
                    .map_err(|e| format!("{path}: {e}"))?;
            engine
        }
        None => Engine::with_config(config).map_err(|e| e.to_string())?,
    };
    if let Some(dir) = args.plugins.as_deref() {
        crate::plugins::load_into(&mut engine, dir)?;
    }
    let quiet = args.quiet;
    let progress = std::io::stderr().is_terminal() && !quiet;
    // refusals the snapshot already held are not this run's
    let deferred_before = engine.deferred_errors().len();
    let (mut accepted, mut duplicates, mut refused) = (0u64, 0u64, 0usize);
    for file in files {
        let format = Format::of(file, args.format.as_deref())?;
        let report = ingest_file(&mut engine, file, format, progress)?;
        for (line, err) in &report.rejected {
            if !quiet {
                eprintln!("{}", format.locate(file, *line, err));
            }
        }
        accepted += report.accepted;
        duplicates += report.duplicates;
        refused += report.rejected.len();
    }
    let label = files
        .last()
        .map(String::as_str)
        .or(args.snapshot.as_deref())
        .unwrap_or_default();
    let mut pending = engine.pending();
    pending.extend(engine.deferred_errors()[deferred_before..].iter().cloned());
    for err in &pending {
        if !quiet {
            eprintln!("{label}: {err}");
        }
    }
    let rejected = refused + pending.len();
    if rejected > 0 || !quiet {
        eprintln!(
            "{label}: {} events accepted, {duplicates} duplicates, {rejected} rejected",
            (accepted as usize).saturating_sub(pending.len()),
        );
    }
    Ok((engine, rejected))
}

/// Builds the engine (see [`build`]) and the moment to score: `--as-of`,
/// else the latest event time.
pub fn load(args: &Common, files: &[String]) -> Result<Loaded, String> {
    let (engine, rejected) = build(args, files)?;
    let label = files
        .last()
        .map(String::as_str)
        .or(args.snapshot.as_deref())
        .unwrap_or_default();
    let as_of = match args.as_of {
        // a moment as the library holds one, from 1970 on
        Some(t) => match Timestamp::new(t) {
            Ok(t) if t >= Timestamp::UNIX_EPOCH => t,
            _ => {
                return Err(format!(
                "--as-of {t} is out of range 0..={} (1970 to the end of year 9999, UTC seconds)",
                Timestamp::MAX
            ))
            }
        },
        None => engine
            .latest_event_time()
            .ok_or_else(|| format!("{label}: no events, and no --as-of given"))?,
    };
    Ok(Loaded {
        engine: std::mem::ManuallyDrop::new(engine),
        as_of,
        rejected,
    })
}

/// How an events file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines, one event per line.
    Jsonl,
    /// Parquet in the event schema of `truexp-arrow` (docs/arrow.md).
    Parquet,
}

impl Format {
    /// `--format jsonl|parquet` when given, else by extension (`.parquet`,
    /// `.pq` are Parquet; anything else is JSON Lines).
    pub fn of(file: &str, flag: Option<&str>) -> Result<Format, String> {
        match flag {
            Some("jsonl" | "json") => Ok(Format::Jsonl),
            Some("parquet") => Ok(Format::Parquet),
            Some(other) => Err(format!("--format expects jsonl or parquet, got `{other}`")),
            None => {
                let lower = file.to_ascii_lowercase();
                Ok(if lower.ends_with(".parquet") || lower.ends_with(".pq") {
                    Format::Parquet
                } else {
                    Format::Jsonl
                })
            }
        }
    }

    /// Where a refused event was: `file:line: ...` or `file: row N: ...`.
    pub fn locate(self, file: &str, n: u64, err: &truexp::EventError) -> String {
        match self {
            Format::Jsonl => format!("{file}:{n}: {err}"),
            Format::Parquet => format!("{file}: row {n}: {err}"),
        }
    }
}

/// Reads an events file of either format into `engine`.
pub fn ingest_file(
    engine: &mut Engine,
    file: &str,
    format: Format,
    progress: bool,
) -> Result<IngestReport, String> {
    match format {
        Format::Jsonl => {
            let f = File::open(file).map_err(|e| format!("{file}: {e}"))?;
            let bar = if progress {
                let bar = ProgressBar::new(f.metadata().map_or(0, |m| m.len()));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                    )
                    .expect("a valid template")
                    .progress_chars("=> "),
                );
                bar.set_message(file.to_owned());
                bar
            } else {
                ProgressBar::hidden()
            };
            let report = engine.ingest_jsonl(BufReader::with_capacity(1 << 20, bar.wrap_read(f)));
            bar.finish_and_clear();
            Ok(report)
        }
        Format::Parquet => {
            let spinner = if progress {
                let s = ProgressBar::new_spinner();
                s.set_message(format!("reading {file}"));
                s.enable_steady_tick(std::time::Duration::from_millis(120));
                s
            } else {
                ProgressBar::hidden()
            };
            let report =
                truexp_arrow::ingest_parquet(engine, file).map_err(|e| format!("{file}: {e}"));
            spinner.finish_and_clear();
            report
        }
    }
}

/// The exit code after a run: 1 when `--strict` and anything was rejected.
pub fn exit_code(args: &Common, loaded: &Loaded) -> i32 {
    exit_code_of(args, loaded.rejected)
}

/// Prints `value` as pretty JSON with `--json`, else as `table` prints it;
/// the exit code as [`exit_code`]. Every query command ends here.
pub fn answer<T: serde::Serialize>(
    args: &Common,
    loaded: &Loaded,
    value: &T,
    table: impl FnOnce(&T),
) -> Result<i32, String> {
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).map_err(|e| e.to_string())?
        );
    } else {
        table(value);
    }
    Ok(exit_code(args, loaded))
}

/// [`exit_code`] from the number of events rejected.
pub fn exit_code_of(args: &Common, rejected: usize) -> i32 {
    if args.strict && rejected > 0 {
        1
    } else {
        0
    }
}
