//! `truexp snapshot`: the engine's state after some events, in one file.
//!
//! Why: the query commands replay every event on each run; a snapshot
//! written once (`truexp snapshot EVENTS… --out FILE`) is loaded in a
//! fraction of that time by `--snapshot FILE`, with newer events files
//! applied on top. Snapshots chain: `--snapshot OLD` here adds events to an
//! older snapshot. The file is written atomically; the one it replaces is
//! kept as `FILE.prev`.

use crate::load::{build, exit_code_of, Common};

/// `truexp snapshot`'s arguments.
#[derive(clap::Args, Debug)]
pub struct SnapshotArgs {
    /// Events files, applied in the order given (none with --snapshot OLD)
    #[arg(value_name = "EVENTS")]
    files: Vec<String>,
    /// The snapshot file to write (atomically; the one it replaces is kept as FILE.prev)
    #[arg(long, value_name = "FILE", required = true)]
    out: String,
    /// An opaque token stored in the snapshot (say, the offset read up to)
    #[arg(long, value_name = "STR")]
    token: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// Runs the subcommand.
pub fn run(args: &SnapshotArgs) -> Result<i32, String> {
    let a = &args.common;
    let out = &args.out;
    if args.files.is_empty() && a.snapshot.is_none() {
        return Err(format!(
            "give EVENTS files, or --snapshot OLD to rewrite\n{}",
            crate::usage("snapshot")
        ));
    }
    if a.plugins.is_some() {
        return Err("--plugins: bonus rules are not part of a snapshot; give them to the command that reads it".into());
    }
    let token = args.token.as_deref().unwrap_or_default();
    let (engine, rejected) = build(a, &args.files)?;
    truexp::snapshot::write_snapshot_file(&engine, std::path::Path::new(out), token.as_bytes())
        .map_err(|e| format!("{out}: {e}"))?;
    if !a.quiet {
        eprintln!(
            "{out}: snapshot of {} orders, {} shops, {} events",
            engine.order_count(),
            engine.shop_ids().len(),
            engine.event_count()
        );
    }
    Ok(exit_code_of(a, rejected))
}
