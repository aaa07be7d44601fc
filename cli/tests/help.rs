//! The command line itself (issue 18): every subcommand's `--help` has
//! examples, usage errors exit 2 naming what was wrong, completions are
//! generated, and the examples the help shows actually run.

use std::path::PathBuf;
use std::process::{Command, Output};

const COMMANDS: [&str; 14] = [
    "score",
    "explain",
    "problems",
    "standard",
    "list",
    "impact",
    "at-risk",
    "agents",
    "price-protect",
    "generate",
    "convert",
    "snapshot",
    "default-config",
    "completions",
];

fn truexp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_truexp"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run truexp")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for cmd in COMMANDS {
        for help in ["--help", "-h"] {
            let out = truexp(&[cmd, help]);
            assert_eq!(out.status.code(), Some(0), "{cmd} {help}");
            let stdout = text(&out.stdout);
            assert!(stdout.contains("Usage: truexp "), "{cmd}: {stdout}");
            if help == "--help" {
                assert!(stdout.contains("Examples:"), "{cmd}: {stdout}");
                assert!(
                    stdout.contains(&format!("truexp {cmd} ")),
                    "{cmd}: {stdout}"
                );
            }
        }
        // `truexp help CMD` is the same page
        let out = truexp(&["help", cmd]);
        assert_eq!(out.status.code(), Some(0), "help {cmd}");
        assert!(text(&out.stdout).contains("Examples:"), "help {cmd}");
    }
}

#[test]
fn top_level_help_lists_every_command() {
    for args in [&["help"][..], &["--help"], &["-h"]] {
        let out = truexp(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stdout = text(&out.stdout);
        for cmd in COMMANDS {
            assert!(stdout.contains(&format!("  {cmd} ")), "{cmd} in {stdout}");
        }
        assert!(stdout.contains("--strict makes them fail the run (exit 1)"));
    }
    // nothing at all, or an unknown command: usage on stderr, exit 2
    let out = truexp(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Usage: truexp"));
    let out = truexp(&["scoer", "examples/data/demo.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("scoer"));
}

#[test]
fn shared_flags_are_the_same_on_every_scoring_command() {
    for cmd in [
        "score", "explain", "problems", "standard", "list", "impact", "at-risk", "agents",
        "snapshot",
    ] {
        let help = text(&truexp(&[cmd, "--help"]).stdout);
        for flag in [
            "--as-of <T>",
            "--config <FILE>",
            "--plugins <DIR>",
            "--format <jsonl|parquet>",
            "--snapshot <FILE>",
            "--json",
            "--strict",
            "--quiet",
        ] {
            assert!(help.contains(flag), "{cmd} lacks {flag}: {help}");
        }
    }
}

#[test]
fn an_unknown_flag_exits_2_naming_it() {
    for cmd in COMMANDS {
        let mut args = vec![cmd];
        if cmd == "completions" {
            args.push("bash");
        }
        args.push("--no-such-flag");
        let out = truexp(&args);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = text(&out.stderr);
        assert!(
            err.contains("unknown option --no-such-flag"),
            "{cmd}: {err}"
        );
        assert!(out.stdout.is_empty(), "{cmd}");
    }
    // `--flag=value` of an unknown flag is named without its value
    let out = truexp(&["score", "examples/data/demo.jsonl", "--bogus=3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown option --bogus\n"));
}

#[test]
fn a_missing_argument_exits_2() {
    for (args, needle) in [
        // a required flag
        (&["convert", "examples/data/demo.jsonl"][..], "--out"),
        (&["snapshot", "examples/data/demo.jsonl"], "--out"),
        // a required positional
        (&["explain", "examples/data/demo.jsonl"], "SHOP"),
        (&["completions"], "SHELL"),
        // a flag without its value
        (&["score", "examples/data/demo.jsonl", "--top"], "--top"),
        // neither or both of a pair
        (&["price-protect", "--json"], "--claim"),
        (
            &[
                "price-protect",
                "--claim",
                "examples/claims/jd_window.json",
                "--auto",
                "examples/data/demo.jsonl",
            ],
            "--auto",
        ),
        // no events file and no snapshot
        (&["score", "--quiet"], "EVENTS"),
        (&["standard", "examples/data/demo.jsonl", "s1"], "--preset"),
    ] {
        let out = truexp(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_value_that_is_not_a_number_exits_2() {
    for (args, flag) in [
        (
            &["score", "examples/data/demo.jsonl", "--top", "ten"][..],
            "--top",
        ),
        (
            &["score", "examples/data/demo.jsonl", "--as-of", "now"],
            "--as-of",
        ),
        (&["generate", "--shops", "many"], "--shops"),
    ] {
        let out = truexp(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(flag), "{args:?}: {err}");
    }
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = truexp(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains("truexp"), "{shell}");
        // subcommands and their flags are completed
        assert!(script.contains("price-protect"), "{shell}");
        assert!(script.contains("changes-since"), "{shell}");
    }
    let out = truexp(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tcsh"));
}

/// Flags repeat with the last value winning, and `--flag=value` works, as
/// with the parser clap replaced.
#[test]
fn repeated_flags_take_the_last_value() {
    let once = truexp(&["score", "examples/data/demo.jsonl", "--top", "3", "--quiet"]);
    let twice = truexp(&[
        "score",
        "examples/data/demo.jsonl",
        "--top=50",
        "--quiet",
        "--top",
        "3",
        "--quiet",
    ]);
    assert_eq!(once.status.code(), Some(0));
    assert_eq!(twice.status.code(), Some(0), "{}", text(&twice.stderr));
    assert_eq!(once.stdout, twice.stdout);
    assert_eq!(text(&once.stdout).lines().count(), 2 + 3);
}

/// The examples in the help pages that need nothing but the repository run.
#[test]
fn the_help_examples_run() {
    for cmd in COMMANDS {
        let help = text(&truexp(&[cmd, "--help"]).stdout);
        let examples = help.split_once("Examples:").expect("examples").1;
        for line in examples.lines().map(str::trim) {
            let Some(rest) = line.strip_prefix("truexp ") else {
                continue;
            };
            // examples writing or reading files of their own are left out
            if rest.contains('>') || rest.contains("--out") || rest.contains("snapshot") {
                continue;
            }
            if rest.contains("demo.parquet") || rest.contains("changes-since") {
                continue;
            }
            let args: Vec<&str> = rest.split_whitespace().collect();
            let out = truexp(&args);
            assert_eq!(out.status.code(), Some(0), "{line}: {}", text(&out.stderr));
            assert!(!out.stdout.is_empty(), "{line}");
        }
    }
}

/// docs/config.md shows the configuration `truexp default-config` prints,
/// and that reads back as the default.
#[test]
fn the_documented_default_configuration_is_the_printed_one() {
    let out = truexp(&["default-config"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let doc = std::fs::read_to_string(root().join("docs/config.md")).expect("docs/config.md");
    let block = (doc.split_once("```json\n").map(|(_, rest)| rest))
        .and_then(|rest| rest.split_once("```"))
        .expect("a json block")
        .0;
    let value = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("JSON");
    assert_eq!(
        value(block),
        value(&printed),
        "docs/config.md: put `truexp default-config`'s output in its json block"
    );
    assert_eq!(
        truexp::Config::from_json(&printed).expect("reads back"),
        truexp::Config::default()
    );
}
