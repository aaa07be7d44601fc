//! Loading events into an engine, with the options every subcommand shares.
//!
//! Why shared: `score`, `explain`, `problems`, `standard` and `list` all read
//! the same file the same way; bad lines are reported once, identically.

use std::fs::File;
use std::io::{BufReader, IsTerminal};

use truexp::{Config, Engine, IngestReport};

use crate::args::Args;

/// Flags that take a value, common to all scoring subcommands.
/// Latest `--as-of` accepted: 9999-12-31T23:59:59Z. Windows subtract days
/// from `as_of`; extremes like `i64::MIN`/`MAX` would overflow (issue 15).
pub const MAX_AS_OF: i64 = 253_402_300_799;

pub const VALUED: &[&str] = &["as-of", "config", "plugins", "format"];
/// Switches common to all scoring subcommands.
pub const SWITCHES: &[&str] = &["json", "strict", "quiet"];

/// An engine loaded from the file named first, plus the moment to score.
pub struct Loaded {
    pub engine: Engine,
    pub as_of: i64,
    /// Bad lines and events whose order never arrived.
    pub rejected: usize,
}

/// Builds the engine (config, plugins), reads the events, reports bad lines on stderr.
pub fn load(args: &Args, file: &str) -> Result<Loaded, String> {
    let config = match args.value("config") {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            Config::from_json(&text).map_err(|e| format!("{path}: {e}"))?
        }
        None => Config::default(),
    };
    let mut engine = Engine::with_config(config).map_err(|e| e.to_string())?;
    if let Some(dir) = args.value("plugins") {
        crate::plugins::load_into(&mut engine, dir)?;
    }
    let progress = std::io::stderr().is_terminal() && !args.has("quiet");
    let format = Format::of(file, args.value("format"))?;
    let report = ingest_file(&mut engine, file, format, progress)?;
    let quiet = args.has("quiet");
    for (line, err) in &report.rejected {
        if !quiet {
            eprintln!("{}", format.locate(file, *line, err));
        }
    }
    let mut pending = engine.pending();
    pending.extend(engine.deferred_errors().iter().cloned());
    for err in &pending {
        if !quiet {
            eprintln!("{file}: {err}");
        }
    }
    let rejected = report.rejected.len() + pending.len();
    if rejected > 0 || !quiet {
        eprintln!(
            "{file}: {} events accepted, {} duplicates, {} rejected",
            report.accepted as usize - pending.len(),
            report.duplicates,
            rejected
        );
    }
    let as_of = match args.int("as-of")? {
        Some(t) if !(0..=MAX_AS_OF).contains(&t) => {
            return Err(format!(
                "--as-of {t} is out of range 0..={MAX_AS_OF} (1970 to the end of year 9999, UTC seconds)"
            ))
        }
        Some(t) => t,
        None => engine
            .latest_event_time()
            .ok_or_else(|| format!("{file}: no events, and no --as-of given"))?,
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
    if args.has("strict") && loaded.rejected > 0 {
        1
    } else {
        0
    }
}
