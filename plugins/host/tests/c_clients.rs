//! C programs as tests: the C `fresh` plugin driven by a C host under sanitizers.
//!
//! Why: the Rust tests load `fresh` through `dlopen`; this one checks the plugin as a
//! C author would, with AddressSanitizer and UndefinedBehaviorSanitizer watching every
//! byte it reads and writes (truncation, NULL buffers, malformed inputs, huge counts).

mod common;

use common::*;
use std::process::Command;

#[test]
fn fresh_plugin_is_clean_under_asan_and_ubsan() {
    let dir = temp_dir("asan");
    let exe = dir.join("fresh_driver");
    let output = Command::new("gcc")
        .args(STRICT)
        .args([
            "-g",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-I",
        ])
        .arg(workspace().join("include"))
        .arg(workspace().join("plugins/fresh/fresh.c"))
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/fresh_driver.c"))
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run gcc");
    assert!(
        output.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = Command::new(&exe).output().expect("run the driver");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "driver failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.ends_with("ok\n"), "{stdout}");
    assert!(stdout.contains("reason: cold-chain on time 183/200 delivered (91.5%): 0.5000 points"));
}
