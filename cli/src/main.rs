//! `truexp`: the command-line front end of the truexp scoring engine.
//!
//! Why clap (derive): one declaration gives every subcommand its parser, its
//! `--help` (with examples) and the shell completions; the flags every
//! scoring command shares are one struct ([`load::Common`]) flattened into
//! each, so they are spelled and behave the same everywhere. The core crate
//! knows nothing of it.

use clap::{CommandFactory, Parser, Subcommand};

mod agents_cmd;
mod convert;
mod generate;
mod history_cmd;
mod load;
mod plugins;
mod price_protect;
mod score_cmd;
mod snapshot_cmd;
mod standards_cmd;
mod svg;
mod what_if_cmd;

const NOTES: &str = "\
EVENTS is JSON Lines, or Parquet in the event schema (docs/arrow.md) when it
ends in .parquet; --format jsonl|parquet overrides the extension.
--snapshot FILE (score, explain, problems, standard, list, impact, at-risk, agents, price-protect --auto)
starts from a snapshot written by `truexp snapshot` (same --config); EVENTS
are then optional, and any given are applied on top.
T is a UTC timestamp in seconds; without --as-of the latest event time in the file is used.
Bad lines (rows) are reported on stderr and skipped; --strict makes them fail the run (exit 1).
`truexp COMMAND --help` shows a command's flags and examples.";

/// truexp — service-quality scores from marketplace events
#[derive(Parser, Debug)]
#[command(
    name = "truexp",
    version,
    after_help = NOTES,
    arg_required_else_help = true,
    args_override_self = true,
    subcommand_required = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The ranked scoreboard: every shop's score, stars, grade and blocks
    #[command(after_help = "\
Examples:
  truexp score examples/data/demo.jsonl --top 20
  truexp score examples/data/demo.jsonl --json --as-of 1790640000 > yesterday.json
  truexp score examples/data/demo.jsonl --changes-since yesterday.json
  truexp score --snapshot demo.snapshot today.jsonl")]
    Score(score_cmd::ScoreArgs),
    /// One shop's breakdown: blocks, indicators, add-ons and its costliest orders
    #[command(
        override_usage = "truexp explain [OPTIONS] <EVENTS> <SHOP>\n       truexp explain [OPTIONS] --snapshot FILE [EVENTS]... <SHOP>"
    )]
    #[command(after_help = "\
Examples:
  truexp explain examples/data/demo.jsonl s0
  truexp explain examples/data/demo.jsonl s0 --json")]
    Explain(score_cmd::ShopArgs),
    /// One shop's problem orders, with reasons and evidence
    #[command(
        override_usage = "truexp problems [OPTIONS] <EVENTS> <SHOP>\n       truexp problems [OPTIONS] --snapshot FILE [EVENTS]... <SHOP>"
    )]
    #[command(after_help = "\
Examples:
  truexp problems examples/data/demo.jsonl s2
  truexp problems examples/data/demo.jsonl s2 --json --quiet")]
    Problems(score_cmd::ShopArgs),
    /// A shop's tier under a seller standard (a preset or a standard file)
    #[command(
        override_usage = "truexp standard [OPTIONS] (--preset NAME | --standard FILE) <EVENTS> <SHOP>\n       truexp standard [OPTIONS] (--preset NAME | --standard FILE) --snapshot FILE [EVENTS]... <SHOP>"
    )]
    #[command(after_help = "\
Examples:
  truexp standard examples/data/demo.jsonl s1 --preset ebay
  truexp standard examples/data/demo.jsonl s1 --preset amazon --json")]
    Standard(standards_cmd::StandardArgs),
    /// The good-service list, per category
    #[command(after_help = "\
Examples:
  truexp list examples/data/demo.jsonl
  truexp list examples/data/demo.jsonl --category pet")]
    List(standards_cmd::ListArgs),
    /// Service → growth: repurchase and net GMV, low vs high problem-order rates
    #[command(after_help = "\
Examples:
  truexp impact examples/data/demo.jsonl
  truexp impact examples/data/demo.jsonl --window-days 30 --group-share 0.2 --json
  truexp impact examples/data/demo.jsonl --svg impact.svg")]
    Impact(standards_cmd::ImpactArgs),
    /// Early warning: shops a few bad orders from losing a list place, a tier or a grade
    #[command(after_help = "\
Examples:
  truexp at-risk examples/data/demo.jsonl --preset amazon
  truexp at-risk examples/data/demo.jsonl --shop s1 --preset amazon,ebay,tmall
  truexp at-risk examples/data/demo.jsonl --svg at-risk.svg")]
    AtRisk(standards_cmd::AtRiskArgs),
    /// One shop's chat sessions per agent and certification: 3-minute response, satisfaction, share
    #[command(
        override_usage = "truexp agents [OPTIONS] <EVENTS> <SHOP>\n       truexp agents [OPTIONS] --snapshot FILE [EVENTS]... <SHOP>"
    )]
    #[command(after_help = "\
Examples:
  truexp agents examples/data/agents.jsonl s1
  truexp agents examples/data/agents.jsonl s1 --json --as-of 1790200000")]
    Agents(agents_cmd::AgentsArgs),
    /// A shop's daily score series, each day as it was known that day
    #[command(
        override_usage = "truexp history [OPTIONS] <EVENTS> <SHOP>\n       truexp history [OPTIONS] --snapshot FILE [EVENTS]... <SHOP>"
    )]
    #[command(after_help = "\
Examples:
  truexp history examples/data/demo.jsonl s1 --days 30
  truexp history examples/data/demo.jsonl s1 --json
  truexp history examples/data/demo.jsonl s1 --days 90 --svg s1.svg")]
    History(history_cmd::HistoryArgs),
    /// What-if: a shop's score had some orders gone differently, or N days ahead
    #[command(
        override_usage = "truexp what-if [OPTIONS] <EVENTS> <SHOP> (--resolve ORDER=RESOLUTION… | --next-days N | --scenario FILE)"
    )]
    #[command(after_help = "\
Resolutions: refund_completed_within:HOURS, dispute_won, picked_up_in_time,
delivered_within:HOURS, appeal_review, appeal_dispute, appeal_label:LABEL. The engine is not changed; the category's pooled
means and percentiles move as they would (docs/rules.md, What-if).

Examples:
  truexp problems examples/data/demo.jsonl s2
  truexp what-if examples/data/demo.jsonl s2 --resolve o1234=refund_completed_within:24
  truexp what-if examples/data/demo.jsonl s2 --next-days 1 --json")]
    WhatIf(what_if_cmd::WhatIfArgs),
    /// Price protection: one claim from a JSON file, or every price drop of an event log
    #[command(after_help = "\
Examples:
  truexp price-protect --claim examples/claims/jd_window.json
  truexp price-protect --auto examples/data/demo.jsonl --json")]
    PriceProtect(price_protect::PriceProtectArgs),
    /// Seeded synthetic marketplace events (JSON Lines)
    #[command(after_help = "\
Examples:
  truexp generate --shops 200 --orders 20000 --days 60 --seed 7 --out demo.jsonl
  truexp generate --shops 50000 --orders 5000000 --out big.jsonl --progress")]
    Generate(generate::GenerateArgs),
    /// JSON Lines to Parquet in the event schema (docs/arrow.md)
    #[command(after_help = "\
Examples:
  truexp convert examples/data/demo.jsonl --out demo.parquet
  truexp score demo.parquet --top 20")]
    Convert(convert::ConvertArgs),
    /// The engine's state after some events, in one checksummed file
    #[command(after_help = "\
Examples:
  truexp snapshot examples/data/demo.jsonl --out demo.snapshot --token offset=76814
  truexp score --snapshot demo.snapshot --top 20")]
    Snapshot(snapshot_cmd::SnapshotArgs),
    /// The default configuration as JSON, on stdout: a starting point for --config
    #[command(after_help = "\
Every key of a configuration file is required, except those docs/config.md
marks optional: write this one out, change what you need, and pass it to
any command with --config FILE.

Examples:
  truexp default-config > truexp.json")]
    DefaultConfig,
    /// A completion script for a shell, on stdout
    #[command(after_help = "\
Examples:
  truexp completions bash > ~/.local/share/bash-completion/completions/truexp
  truexp completions zsh > ~/.zfunc/_truexp")]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

/// A flag's value as an integer (the message clap shows when it is not).
pub fn integer(v: &str) -> Result<i64, String> {
    v.parse::<i64>()
        .map_err(|_| format!("expects an integer, got `{v}`"))
}

/// The usage line of subcommand `name`, for errors found after parsing
/// (say, two events files without `--snapshot`).
pub fn usage(name: &str) -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let usage = cmd
        .find_subcommand_mut(name)
        .map(|c| c.render_usage().to_string())
        .unwrap_or_default();
    format!("{usage}\n\nFor more information, try 'truexp {name} --help'.")
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

/// Prints a parse error (or `--help`) and exits: 2 for usage errors, 0
/// for help. An unknown flag is named as "unknown option --NAME", as
/// before clap.
fn exit_on(e: clap::Error) -> ! {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() == ErrorKind::UnknownArgument {
        if let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) {
            if arg.starts_with("--") {
                let rendered = e.render().to_string();
                let rest = rendered.split_once('\n').map_or("", |(_, r)| r);
                let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
                eprint!("error: unknown option {name}\n{rest}");
                std::process::exit(2);
            }
        }
    }
    e.exit()
}

/// Output piped into a reader that stopped early (`truexp score … | head`)
/// ends the program quietly, as with other Unix tools, instead of the
/// panic `println!` raises on a closed pipe.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info.payload_as_str().unwrap_or_default();
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141); // 128 + SIGPIPE, what a shell reports
        }
        default(info);
    }));
}

fn main() {
    quiet_on_broken_pipe();
    let args = match utf8_args(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("truexp: {e}");
            std::process::exit(2);
        }
    };
    let cli = match Cli::try_parse_from(std::iter::once("truexp".to_owned()).chain(args)) {
        Ok(cli) => cli,
        Err(e) => exit_on(e),
    };
    let result = match cli.command {
        Command::Score(a) => score_cmd::score(&a),
        Command::Explain(a) => score_cmd::explain(&a),
        Command::Problems(a) => score_cmd::problems(&a),
        Command::Standard(a) => standards_cmd::standard(&a),
        Command::List(a) => standards_cmd::list(&a),
        Command::Impact(a) => standards_cmd::impact(&a),
        Command::AtRisk(a) => standards_cmd::at_risk(&a),
        Command::Agents(a) => agents_cmd::run(&a),
        Command::WhatIf(a) => what_if_cmd::run(&a),
        Command::History(a) => history_cmd::run(&a),
        Command::PriceProtect(a) => price_protect::run(&a),
        Command::Generate(a) => generate::execute(&a),
        Command::Convert(a) => convert::run(&a),
        Command::Snapshot(a) => snapshot_cmd::run(&a),
        Command::DefaultConfig => serde_json::to_string_pretty(&truexp::Config::default())
            .map_err(|e| format!("default configuration: {e}"))
            .and_then(|text| {
                std::io::Write::write_all(
                    &mut std::io::stdout().lock(),
                    format!("{text}\n").as_bytes(),
                )
                .map(|()| 0)
                .map_err(|e| format!("stdout: {e}"))
            }),
        Command::Completions { shell } => {
            // into a buffer first: clap_complete panics on a write error
            // (say, a closed pipe)
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "truexp", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)
                .map(|()| 0)
                .map_err(|e| format!("stdout: {e}"))
        }
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("truexp: {e}");
            std::process::exit(2);
        }
    }
}
