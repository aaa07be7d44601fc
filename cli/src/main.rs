//! `truexp`: the command-line front end of the truexp scoring engine.

mod args;
mod convert;
mod generate;
mod load;
mod plugins;
mod price_protect;
mod score_cmd;
mod snapshot_cmd;
mod standards_cmd;

const USAGE: &str = "truexp — service-quality scores from marketplace events

usage:
  truexp score EVENTS [--as-of T] [--json] [--strict] [--top N] [--config FILE] [--plugins DIR]
  truexp explain EVENTS SHOP [--as-of T] [--json]
  truexp problems EVENTS SHOP [--as-of T] [--json]
  truexp standard EVENTS SHOP (--preset amazon|ebay|tmall | --standard FILE) [--as-of T] [--json]
  truexp list EVENTS [--category C] [--as-of T] [--json]
  truexp impact EVENTS [--window-days N] [--group-share X] [--as-of T] [--json]
  truexp at-risk EVENTS [--shop SHOP] [--preset amazon,ebay,tmall] [--within N] [--within-points X] [--as-of T] [--json]
  truexp price-protect --claim CLAIM.json [--json]
  truexp price-protect --auto EVENTS [--json]
  truexp convert EVENTS.jsonl --out EVENTS.parquet
  truexp generate --shops N --orders M [--days D] [--seed S] [--start T] [--out FILE]
  truexp snapshot EVENTS… --out FILE [--token STR] [--snapshot OLD]

EVENTS is JSON Lines, or Parquet in the event schema (docs/arrow.md) when it
ends in .parquet; --format jsonl|parquet overrides the extension.
--snapshot FILE (score, explain, problems, standard, list, impact, at-risk, price-protect --auto)
starts from a snapshot written by `truexp snapshot` (same --config); EVENTS
are then optional, and any given are applied on top.
T is a UTC timestamp in seconds; without --as-of the latest event time in the file is used.
Bad lines (rows) are reported on stderr and skipped; --strict makes them fail the run (exit 1).";

/// Formats minor units as yuan with two decimals, without floating point.
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// The arguments as UTF-8, or an error naming the first that is not
/// (`std::env::args` would panic on it; issue 15). File names are kept as
/// UTF-8 strings throughout the CLI, so a non-UTF-8 name is refused clearly.
fn utf8_args(args: impl Iterator<Item = std::ffi::OsString>) -> Result<Vec<String>, String> {
    args.enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| {
                format!(
                    "argument {} is not valid UTF-8: {:?} (file names must be UTF-8)",
                    i + 1,
                    a
                )
            })
        })
        .collect()
}

fn main() {
    let args = match utf8_args(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("truexp: {e}");
            std::process::exit(2);
        }
    };
    let rest = args.get(1..).unwrap_or(&[]);
    let result = match args.first().map(String::as_str) {
        Some("score") => score_cmd::score(rest),
        Some("explain") => score_cmd::explain(rest),
        Some("problems") => score_cmd::problems(rest),
        Some("standard") => standards_cmd::standard(rest),
        Some("list") => standards_cmd::list(rest),
        Some("impact") => standards_cmd::impact(rest),
        Some("at-risk") => standards_cmd::at_risk(rest),
        Some("price-protect") => price_protect::run(rest),
        Some("generate") => generate::run(rest),
        Some("convert") => convert::run(rest),
        Some("snapshot") => snapshot_cmd::run(rest),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(0)
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("truexp: {e}");
            std::process::exit(2);
        }
    }
}
