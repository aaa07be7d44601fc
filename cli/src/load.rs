//! Loading events into an engine, with the options every subcommand shares.
//!
//! Why shared: `score`, `explain`, `problems`, `standard`, `list` and
//! `snapshot` all read the same files the same way (optionally on top of a
//! `--snapshot FILE`); bad lines are reported once, identically.

use std::fs::File;
use std::io::{BufReader, IsTerminal};

use truexp::{Config, Engine, IngestReport};

use crate::args::Args;

/// Flags that take a value, common to all scoring subcommands.
/// Latest `--as-of` accepted: 9999-12-31T23:59:59Z. Windows subtract days
/// from `as_of`; extremes like `i64::MIN`/`MAX` would overflow (issue 15).
pub const MAX_AS_OF: i64 = 253_402_300_799;

pub const VALUED: &[&str] = &["as-of", "config", "plugins", "format", "snapshot"];
/// Switches common to all scoring subcommands.
pub const SWITCHES: &[&str] = &["json", "strict", "quiet"];

/// An engine loaded from a snapshot and/or events files, plus the moment to score.
pub struct Loaded {
    pub engine: Engine,
    pub as_of: i64,
    /// Bad lines and events whose order never arrived.
    pub rejected: usize,
}

/// The events files and the `trailing` positional arguments after them
/// (`SHOP`). Without `--snapshot`, exactly one events file; with it, zero
/// or more, applied on top of the snapshot in the order given.
pub fn split<'a>(
    args: &'a Args,
    trailing: usize,
    usage: &str,
) -> Result<(&'a [String], &'a [String]), String> {
    let p = args.positional.as_slice();
    let files = p
        .len()
        .checked_sub(trailing)
        .ok_or_else(|| usage.to_owned())?;
    if files != 1 && args.value("snapshot").is_none() {
        return Err(usage.to_owned());
    }
    Ok(p.split_at(files))
}

/// The configuration of `--config FILE`, else the default.
pub fn config(args: &Args) -> Result<Config, String> {
    match args.value("config") {
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
pub fn build(args: &Args, files: &[String]) -> Result<(Engine, usize), String> {
    let config = config(args)?;
    let mut engine = match args.value("snapshot") {
        Some(path) => {
            let (engine, _token) =
                truexp::snapshot::read_snapshot_file(std::path::Path::new(path), config)
                    .map_err(|e| format!("{path}: {e}"))?;
            engine
        }
        None => Engine::with_config(config).map_err(|e| e.to_string())?,
    };
    if let Some(dir) = args.value("plugins") {
        crate::plugins::load_into(&mut engine, dir)?;
    }
    let quiet = args.has("quiet");
    let progress = std::io::stderr().is_terminal() && !quiet;
    // refusals the snapshot already held are not this run's
    let deferred_before = engine.deferred_errors().len();
    let (mut accepted, mut duplicates, mut refused) = (0u64, 0u64, 0usize);
    for file in files {
        let format = Format::of(file, args.value("format"))?;
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
        .or(args.value("snapshot"))
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
pub fn load(args: &Args, files: &[String]) -> Result<Loaded, String> {
    let (engine, rejected) = build(args, files)?;
    let label = files
        .last()
        .map(String::as_str)
        .or(args.value("snapshot"))
        .unwrap_or_default();
    let as_of = match args.int("as-of")? {
        Some(t) if !(0..=MAX_AS_OF).contains(&t) => {
            return Err(format!(
                "--as-of {t} is out of range 0..={MAX_AS_OF} (1970 to the end of year 9999, UTC seconds)"
            ))
        }
        Some(t) => t,
        None => engine
            .latest_event_time()
            .ok_or_else(|| format!("{label}: no events, and no --as-of given"))?,
    };
    Ok(Loaded {
        engine,
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
            let report =
                engine.ingest_jsonl_with_progress(BufReader::with_capacity(1 << 20, f), |n| {
                    if progress {
                        eprint!("\rread {n} lines…");
                    }
                });
            if progress {
                eprint!("\r\x1b[K");
            }
            Ok(report)
        }
        Format::Parquet => {
            truexp_arrow::ingest_parquet(engine, file).map_err(|e| format!("{file}: {e}"))
        }
    }
}

/// The exit code after a run: 1 when `--strict` and anything was rejected.
pub fn exit_code(args: &Args, loaded: &Loaded) -> i32 {
    exit_code_of(args, loaded.rejected)
}

/// [`exit_code`] from the number of events rejected.
pub fn exit_code_of(args: &Args, rejected: usize) -> i32 {
    if args.has("strict") && rejected > 0 {
        1
    } else {
        0
    }
}
