//! The library's version, as header macros and at run time.
//!
//! Why literal constants: cbindgen copies literals into `#define`s, not
//! expressions evaluated at compile time. `ffi/tests/header.rs` checks them
//! (and the composite number) against `Cargo.toml`, and a C program checks
//! that the macros equal what `truexp_version()` returns.

use std::os::raw::c_char;

/// Major version of the header.
pub const TRUEXP_VERSION_MAJOR: u32 = 0;
/// Minor version of the header.
pub const TRUEXP_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
pub const TRUEXP_VERSION_PATCH: u32 = 0;
/// MAJOR * 10000 + MINOR * 100 + PATCH, for `#if TRUEXP_VERSION_NUMBER >= ...`.
pub const TRUEXP_VERSION_NUMBER: u32 = 100;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version ("MAJOR.MINOR.PATCH"), a static NUL-terminated
/// string: never free it. Compare with the `TRUEXP_VERSION_*` macros to
/// detect a header/library mismatch. Thread-safe; never fails.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_version() -> *const c_char {
    VERSION.as_ptr().cast()
}
