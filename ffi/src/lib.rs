//! # libtruexp: the C ABI of truexp
//!
//! Why a separate crate: the scoring engine (`core/`, crate `truexp`) forbids
//! `unsafe`; every raw pointer, every `extern "C"` function and every
//! `// SAFETY:` argument lives here, in small modules, one job each:
//!
//! | module | job |
//! |---|---|
//! | [`result`] | the `truexp_result` codes, their messages, the per-thread last error |
//! | [`errors`] | every mapping from a Rust error to a `truexp_result` code |
//! | [`guard`] | the panic boundary and the pointer/buffer helpers every export uses |
//! | [`types`] | plain `#[repr(C)]` types shared with C (events, scores, enums) |
//! | [`version`] | version macros and `truexp_version()` |
//! | [`engine`] | the opaque `truexp_engine` handle: create, free, merge, inspect |
//! | [`ingest`] | JSON, JSON Lines and typed event ingestion |
//! | [`arrow`] | Arrow C stream ingestion (`struct ArrowArrayStream`) |
//! | [`query`] | scores into caller structs, explanations and lists as JSON |
//! | [`price_protection`] | price protection (价保): one claim, typed price changes, automatic mode |
//!
//! The header `include/truexp.h` is generated from these files by cbindgen
//! (`ffi/cbindgen.toml`); `ffi/tests/header.rs` fails when it is stale and
//! rewrites it with `TRUEXP_BLESS=1`.
//!
//! Conventions (see `ffi/README.md`): every export catches panics and returns
//! `TRUEXP_RESULT_PANIC`; outputs are written only on success; strings cross
//! as `(pointer, length)` UTF-8 and are copied; enums from C arrive as
//! `uint32_t` and are validated.
#![allow(non_camel_case_types)]
#![deny(clippy::undocumented_unsafe_blocks)]
// The exports are safe `extern "C" fn`s taking raw pointers because their
// callers are C programs; the only Rust caller is the fuzz harness
// (`fuzz/`, through the rlib built for it), which keeps the same contracts.
// Their pointer contracts are stated in each doc comment and checked where
// checkable (NULL).
#![allow(clippy::not_unsafe_ptr_arg_deref)]
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod arrow;
pub mod engine;
pub mod errors;
pub mod guard;
pub mod ingest;
pub mod plugins;
pub mod price_protection;
pub mod query;
pub mod result;
pub mod service;
pub mod types;
pub mod version;
pub mod what_if;
