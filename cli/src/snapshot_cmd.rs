//! `truexp snapshot`: the engine's state after some events, in one file.
//!
//! Why: the query commands replay every event on each run; a snapshot
//! written once (`truexp snapshot EVENTS… --out FILE`) is loaded in a
//! fraction of that time by `--snapshot FILE`, with newer events files
//! applied on top. Snapshots chain: `--snapshot OLD` here adds events to an
//! older snapshot. The file is written atomically; the one it replaces is
//! kept as `FILE.prev`.

use crate::args::Args;
use crate::load::{build, exit_code_of, SWITCHES, VALUED};

const USAGE: &str = "usage: truexp snapshot EVENTS… --out FILE [--token STR] [--snapshot OLD] [--config FILE] [--format jsonl|parquet] [--strict] [--quiet]";

/// Runs the subcommand; `args` are the arguments after `snapshot`.
pub fn run(args: &[String]) -> Result<i32, String> {
    let valued: Vec<&str> = VALUED.iter().chain(&["out", "token"]).copied().collect();
    let a = Args::parse(args, &valued, SWITCHES)?;
    let out = a.value("out").ok_or(USAGE)?;
    if a.positional.is_empty() && a.value("snapshot").is_none() {
        return Err(USAGE.into());
    }
    if a.value("plugins").is_some() {
        return Err("--plugins: bonus rules are not part of a snapshot; give them to the command that reads it".into());
    }
    let token = a.value("token").unwrap_or_default();
    let (engine, rejected) = build(&a, &a.positional)?;
    truexp::snapshot::write_snapshot_file(&engine, std::path::Path::new(out), token.as_bytes())
        .map_err(|e| format!("{out}: {e}"))?;
    if !a.has("quiet") {
        eprintln!(
            "{out}: snapshot of {} orders, {} shops, {} events",
            engine.order_count(),
            engine.shop_ids().len(),
            engine.event_count()
        );
    }
    Ok(exit_code_of(&a, rejected))
}
