//! The committed header is exactly what cbindgen generates from the source,
//! and its version macros match `Cargo.toml`.
//!
//! Rewrite the header after changing the API with
//! `TRUEXP_BLESS=1 cargo test -p truexp-ffi --test header`.

use std::path::PathBuf;

fn header_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../include/truexp.h")
}

fn generate() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let config =
        cbindgen::Config::from_file(format!("{dir}/cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(format!("{dir}/src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

#[test]
fn committed_header_is_fresh() {
    let fresh = generate();
    let path = header_path();
    if std::env::var_os("TRUEXP_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("write include/truexp.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let first = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(fresh.lines().count()));
        panic!(
            "include/truexp.h is stale (first difference at line {}); regenerate with \
             `TRUEXP_BLESS=1 cargo test -p truexp-ffi --test header`",
            first + 1
        );
    }
}

fn define(header: &str, name: &str) -> u32 {
    let prefix = format!("#define {name} ");
    let line = header
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{name} is not defined in the header"));
    line[prefix.len()..].trim().parse().expect("a number")
}

#[test]
fn version_macros_match_cargo() {
    let header = generate();
    let mut parts = env!("CARGO_PKG_VERSION")
        .split(['.', '-', '+'])
        .take(3)
        .map(|p| p.parse::<u32>().expect("numeric version"));
    let (major, minor, patch) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    assert_eq!(define(&header, "TRUEXP_VERSION_MAJOR"), major);
    assert_eq!(define(&header, "TRUEXP_VERSION_MINOR"), minor);
    assert_eq!(define(&header, "TRUEXP_VERSION_PATCH"), patch);
    assert_eq!(
        define(&header, "TRUEXP_VERSION_NUMBER"),
        major * 10000 + minor * 100 + patch,
        "composite version number"
    );
}
