//! Every mapping from an error of the Rust crates to a `truexp_result` code.
//!
//! Why one module: a C caller branches on the code, so which Rust error
//! becomes which number is part of the ABI. Written once here, the other
//! modules only say *which kind* of failure happened (`errors::config(e)`),
//! never pick a number themselves; a new core error variant fails to compile
//! here instead of silently falling into the wrong code somewhere else.

use truexp_core::price_protection::PriceProtectionError;
use truexp_core::snapshot::SnapshotError;
use truexp_core::{ConfigError, Error, EventError};

use crate::guard::Fail;
use crate::result::truexp_result;

/// An error of an engine operation (query, merge, bonus rule).
pub fn engine(e: Error) -> Fail {
    let code = match e {
        Error::UnknownShop(_) => truexp_result::UnknownShop,
        Error::Event(_) => truexp_result::InvalidEvent,
        Error::Config(_) => truexp_result::InvalidConfig,
        Error::ConfigMismatch => truexp_result::ConfigMismatch,
        Error::DuplicateBonusRule(_) => truexp_result::PluginRejected,
        Error::Merge(_) => truexp_result::MergeConflict,
        // category statistics are not yet part of the C ABI; the nearest
        // meaning: the value asked for has no data to be computed from
        Error::MissingPeerStats { .. } => truexp_result::NoData,
        Error::OutOfRange { .. } => truexp_result::OutOfRange,
    };
    Fail::new(code, e.to_string())
}

/// A snapshot that could not be written or read.
pub fn snapshot(e: SnapshotError) -> Fail {
    let code = match e {
        SnapshotError::BadMagic
        | SnapshotError::NewerVersion { .. }
        | SnapshotError::Checksum { .. }
        | SnapshotError::Truncated { .. }
        | SnapshotError::Invalid { .. } => truexp_result::InvalidSnapshot,
        SnapshotError::ConfigMismatch { .. } => truexp_result::ConfigMismatch,
        SnapshotError::TokenTooLarge { .. } => truexp_result::OutOfRange,
        SnapshotError::Config(_) => truexp_result::InvalidConfig,
        SnapshotError::Io(_) => truexp_result::Io,
    };
    Fail::new(code, e.to_string())
}

/// A refused event.
pub fn event(e: EventError) -> Fail {
    Fail::new(truexp_result::InvalidEvent, e.to_string())
}

/// A refused configuration.
pub fn config(e: ConfigError) -> Fail {
    Fail::new(truexp_result::InvalidConfig, e.to_string())
}

/// A refused price-protection claim.
pub fn claim(e: PriceProtectionError) -> Fail {
    Fail::new(truexp_result::InvalidClaim, e.to_string())
}

/// A failure of the automatic price-protection run over the ingested events
/// (the events, not a caller's claim, were inconsistent).
pub fn price_drops(e: PriceProtectionError) -> Fail {
    Fail::new(truexp_result::InvalidEvent, e.to_string())
}

/// A refused plugin directory or plugin.
pub fn plugin(detail: impl Into<String>) -> Fail {
    Fail::new(truexp_result::PluginRejected, detail)
}

/// A previous scoreboard that could not be read.
#[cold]
pub fn scoreboard(detail: impl Into<String>) -> Fail {
    Fail::new(truexp_result::InvalidScoreboard, detail)
}

/// A number out of its range (enum value, index, length, bit mask).
#[cold]
pub fn out_of_range(detail: impl Into<String>) -> Fail {
    Fail::new(truexp_result::OutOfRange, detail)
}

/// An Arrow stream that cannot be read (released already, a broken
/// protocol, invalid data, a column the event schema cannot read).
pub fn arrow(detail: impl Into<String>) -> Fail {
    Fail::new(truexp_result::InvalidArrow, detail)
}

/// A NULL required argument.
#[cold]
pub fn null(what: &str) -> Fail {
    Fail::new(truexp_result::NullArgument, format!("`{what}` is NULL"))
}

/// An optional argument that is NULL with a length other than 0.
#[cold]
pub fn null_with_length(what: &str, len: usize) -> Fail {
    Fail::new(
        truexp_result::NullArgument,
        format!("`{what}` is NULL with length {len} (NULL means none only with length 0)"),
    )
}

/// A string argument that is not UTF-8.
#[cold]
pub fn not_utf8(what: &str, e: std::str::Utf8Error) -> Fail {
    Fail::new(
        truexp_result::InvalidUtf8,
        format!("`{what}` is not valid UTF-8: {e}"),
    )
}

/// A caller buffer too small.
#[cold]
pub fn buffer_too_small(detail: impl Into<String>) -> Fail {
    Fail::new(truexp_result::BufferTooSmall, detail)
}

/// A query on an engine without events.
pub fn no_data() -> Fail {
    Fail::new(truexp_result::NoData, "the engine holds no event yet")
}

/// A bug: the library could not do what it must always be able to do.
#[cold]
pub fn internal(detail: impl Into<String>) -> Fail {
    Fail::new(truexp_result::Panic, detail)
}
