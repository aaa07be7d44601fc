//! `truexp convert EVENTS.jsonl --out EVENTS.parquet`: JSON Lines to Parquet.
//!
//! Why a subcommand: event logs are stored columnar (Parquet/Hive); every
//! command that reads events then takes the `.parquet` file directly.

/// `truexp convert`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    /// The events, JSON Lines
    #[arg(value_name = "EVENTS.jsonl")]
    input: String,
    /// The Parquet file to write
    #[arg(long, value_name = "EVENTS.parquet", required = true)]
    out: String,
    /// Exit 1 when any line was rejected
    #[arg(long)]
    strict: bool,
    /// Print no per-line reports or summary on stderr (only the count when lines were rejected)
    #[arg(long)]
    quiet: bool,
}

const USAGE: &str = "usage: truexp convert EVENTS.jsonl --out EVENTS.parquet [--strict] [--quiet]";

/// Runs the subcommand; refused lines are reported on stderr and left out
/// (`--strict`: exit 1 when any was).
pub fn run(a: &ConvertArgs) -> Result<i32, String> {
    let (input, out) = (&a.input, &a.out);
    if crate::load::Format::of(out, None)? != crate::load::Format::Parquet {
        return Err(format!(
            "{out}: the output must be a .parquet file\n{USAGE}"
        ));
    }
    let report = truexp_arrow::jsonl_file_to_parquet(input.as_ref(), out.as_ref())
        .map_err(|e| e.to_string())?;
    let quiet = a.quiet;
    if !quiet {
        for (line, err) in &report.rejected {
            eprintln!("{input}:{line}: {err}");
        }
    }
    if !quiet || !report.rejected.is_empty() {
        eprintln!(
            "{out}: {} events written, {} lines rejected",
            report.rows,
            report.rejected.len()
        );
    }
    Ok(if a.strict && !report.rejected.is_empty() {
        1
    } else {
        0
    })
}
