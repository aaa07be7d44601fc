//! What every CLI test does: run the built `truexp` binary as a user would
//! and read its answer. Each test file uses its own part.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The bundled demo events.
pub const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo.jsonl");

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `truexp` with `args`.
pub fn truexp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_truexp"))
        .args(args)
        .output()
        .expect("run truexp")
}

/// Runs `truexp` with `args`: exit code (-1 when killed), stdout, stderr.
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = truexp(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs `truexp` with `args`, which must succeed, and parses its stdout as JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = truexp(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
