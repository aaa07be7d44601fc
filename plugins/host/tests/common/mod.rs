//! Shared test support: builds the real plugins (cargo for Rust, gcc for C) and
//! prepares plugin directories.
//!
//! Why build from the tests: the plugins are `cdylib`s that the host only ever sees
//! as files; building them here (once per test binary) keeps `cargo test` a single
//! command. The Rust plugins are built into the same target directory and profile
//! as the running test, so nothing is compiled twice.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `target/<profile>` of the running test binary (`.../target/debug/deps/test-xxxx`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_owned()
}

/// The Rust plugin crates, by package name and library file stem.
pub const RUST_PLUGINS: &[(&str, &str)] = &[
    ("truexp-plugin-maternity", "truexp_plugin_maternity"),
    ("truexp-plugin-pet", "truexp_plugin_pet"),
    ("truexp-plugin-jewelry", "truexp_plugin_jewelry"),
    ("truexp-plugin-panicky", "truexp_plugin_panicky"),
];

/// Builds all Rust plugins once and returns the path of each `.so`, by stem.
pub fn rust_plugin(stem: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let profile = profile_dir();
    BUILT.get_or_init(|| {
        let target = profile.parent().unwrap();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(workspace())
            .arg("build")
            .arg("--quiet")
            .env("CARGO_TARGET_DIR", target);
        if profile.file_name().unwrap() == "release" {
            cmd.arg("--release");
        }
        for (package, _) in RUST_PLUGINS {
            cmd.args(["-p", package]);
        }
        let status = cmd.status().expect("run cargo");
        assert!(status.success(), "cargo build of the plugins failed");
    });
    let file = profile.join(format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(file.is_file(), "{} was not built", file.display());
    file
}

/// The strict flags every C file of the project compiles with.
pub const STRICT: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];

/// Compiles C `source` into the shared library `out` with the strict flags plus `defines`.
pub fn gcc_shared(source: &Path, out: &Path, defines: &[&str]) {
    let output = Command::new("gcc")
        .args(STRICT)
        .args(["-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-I"])
        .arg(workspace().join("include"))
        .args(defines)
        .arg(source)
        .arg("-o")
        .arg(out)
        .output()
        .expect("run gcc");
    assert!(
        output.status.success(),
        "gcc failed for {} {defines:?}:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The C `fresh` plugin, compiled into `dir` as `libfresh.so`.
pub fn fresh_into(dir: &Path) -> PathBuf {
    let out = dir.join("libfresh.so");
    gcc_shared(&workspace().join("plugins/fresh/fresh.c"), &out, &[]);
    out
}

/// A broken plugin from `tests/broken/broken.c`, compiled into `dir/<file>` with `defines`.
pub fn broken_into(dir: &Path, file: &str, defines: &[&str]) -> PathBuf {
    let out = dir.join(file);
    gcc_shared(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken/broken.c"),
        &out,
        defines,
    );
    out
}

/// A fresh, empty directory under the target dir, unique to this test name and process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = profile_dir()
        .join("plugin-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the named Rust plugins (by stem) into `dir`.
pub fn copy_rust_into(dir: &Path, stems: &[&str]) {
    for stem in stems {
        let src = rust_plugin(stem);
        std::fs::copy(&src, dir.join(src.file_name().unwrap())).unwrap();
    }
}
