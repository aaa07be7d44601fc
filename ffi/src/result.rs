//! Result codes, their messages, and the last failure's detail per thread.
//!
//! Why thread-local detail: a code says what kind of failure happened; the
//! detail (which event, which field, which key) belongs to the call that
//! failed, and only the calling thread knows which call that was. A global
//! slot would be overwritten by other threads' failures; a thread-local one
//! behaves like `errno`.

use std::cell::RefCell;
use std::os::raw::c_char;

use crate::errors;
use crate::guard;
use crate::types::{c_enum, CEnum};

/// The outcome of every fallible function. Numbers never change meaning;
/// new codes are only appended.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// An event was refused (malformed JSON, missing or impossible field);
    /// nothing it carried was applied.
    InvalidEvent = 3,
    /// A configuration was refused; the detail names the key.
    InvalidConfig = 4,
    /// A query named a shop the engine has never seen.
    UnknownShop = 5,
    /// The caller's buffer is too small; `*written` holds the size needed,
    /// terminating NUL included, and the buffer is untouched.
    BufferTooSmall = 6,
    /// A number given for an enum, an index or a length is out of range,
    /// an amount outside ±(2^53 − 1) minor units, or a moment (an event's
    /// time, a query's `as_of`) outside years −9999..=9999 UTC; the message
    /// names the argument.
    OutOfRange = 7,
    /// Two engines with different configurations cannot merge; also a
    /// snapshot written under another configuration than the one given to
    /// read it (the detail names both fingerprints).
    ConfigMismatch = 8,
    /// There is no data to give an answer from: the engine holds no event
    /// yet (or, inside the library, a category's statistics are missing).
    NoData = 9,
    /// The library panicked (a bug); the engine used may be unusable
    /// (further calls on it return this code).
    Panic = 10,
    /// A plugin directory was refused (unreadable, or a library failed
    /// validation); the detail names the file and the reason.
    PluginRejected = 11,
    /// A price-protection claim was refused (impossible, inconsistent or
    /// overflowing input); the detail names the field and the value, e.g.
    /// `lines[1].line_discount`.
    InvalidClaim = 12,
    /// Two engines hold state that cannot be combined (an order paid in
    /// both); neither engine was changed.
    MergeConflict = 13,
    /// An Arrow C stream could not be read: its `get_schema` / `get_next`
    /// failed, it was already released, or a column has a type the event
    /// schema cannot read (the detail names the column).
    InvalidArrow = 14,
    /// A previous scoreboard's JSON (the `previous` of
    /// `truexp_engine_scoreboard_changes_json`) could not be read; the detail
    /// says what is wrong.
    InvalidScoreboard = 15,
    /// A snapshot file was refused: not a truexp snapshot, written by a
    /// newer format, truncated, or damaged (a checksum does not match); the
    /// detail names the section. Nothing was loaded.
    InvalidSnapshot = 16,
    /// A file could not be read or written (the detail gives the system's reason).
    Io = 17,
}

c_enum! {
    truexp_result {
        Ok, NullArgument, InvalidUtf8, InvalidEvent, InvalidConfig, UnknownShop, BufferTooSmall,
        OutOfRange, ConfigMismatch, NoData, Panic, PluginRejected, InvalidClaim, MergeConflict, InvalidArrow,
        InvalidScoreboard, InvalidSnapshot, Io,
    }
}

impl truexp_result {
    /// A short English description.
    pub fn message(self) -> &'static str {
        match self {
            truexp_result::Ok => "success",
            truexp_result::NullArgument => "a required pointer argument was NULL",
            truexp_result::InvalidUtf8 => "a string argument was not valid UTF-8",
            truexp_result::InvalidEvent => "the event was refused",
            truexp_result::InvalidConfig => "the configuration was refused",
            truexp_result::UnknownShop => "unknown shop",
            truexp_result::BufferTooSmall => "the buffer is too small",
            truexp_result::OutOfRange => "a value is out of range",
            truexp_result::ConfigMismatch => {
                "the configurations differ (engines to merge, or a snapshot and its reader)"
            }
            truexp_result::NoData => "no data to answer from (no event yet)",
            truexp_result::Panic => "internal error: the library panicked",
            truexp_result::PluginRejected => "a plugin was refused",
            truexp_result::InvalidClaim => "the price-protection claim was refused",
            truexp_result::MergeConflict => "the engines cannot be merged",
            truexp_result::InvalidArrow => "the Arrow stream could not be read",
            truexp_result::InvalidScoreboard => "the previous scoreboard could not be read",
            truexp_result::InvalidSnapshot => "the snapshot was refused",
            truexp_result::Io => "a file could not be read or written",
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the detail of the calling thread's latest failure. Outside the
/// panic guard, so it must not panic: on a thread whose thread-locals are
/// already destroyed (a call from an `atexit` handler or a pthread key
/// destructor) the detail is dropped and the call still returns its code.
pub(crate) fn set_last_error(detail: &str) {
    let _ = LAST_ERROR.try_with(|e| {
        let mut e = e.borrow_mut();
        e.clear();
        e.push_str(detail);
    });
}

/// Copies the message of result code `code` into `buf` (`len` bytes),
/// NUL-terminated.
///
/// On success `*written` is the message length without the NUL. When `len`
/// is too small, returns `TRUEXP_RESULT_BUFFER_TOO_SMALL` with `*written` set to
/// the size needed (NUL included) and leaves `buf` untouched (`buf` may then
/// be NULL). An unknown code gives `TRUEXP_RESULT_OUT_OF_RANGE`.
/// Does not change the last error. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_result_message(
    code: u32,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    guard::call_quiet(|| {
        let code = truexp_result::try_from(code)
            .map_err(|_| errors::out_of_range(format!("{code} is not a truexp_result")))?;
        // SAFETY: the caller promises `buf` points to `len` writable bytes (or
        // is NULL) and `written` to one writable size_t (or is NULL).
        unsafe { guard::write_string(code.message(), buf, len, written) }
    })
}

/// Copies the detail of the calling thread's latest failure into `buf`
/// (same buffer rules as `truexp_result_message`).
///
/// Every function that returns a code other than `TRUEXP_RESULT_OK` records a
/// detail naming the bad event, field, key or shop; successful calls leave it
/// as it was (like `errno`). `truexp_engine_ingest_jsonl` also records the
/// first refused line's detail when it refuses lines yet returns OK. The
/// detail is kept per thread, so other threads' failures never overwrite it.
/// An empty string means no failure has happened on this thread. (A call
/// made while the thread is being torn down, from an `atexit` handler or a
/// thread-local destructor, still returns its code but may record no detail.)
/// Calling this function does not change the detail.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_last_error_message(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    guard::call_quiet(|| {
        let detail = (LAST_ERROR.try_with(|e| e.borrow().clone())).unwrap_or_default();
        // SAFETY: as in `truexp_result_message`.
        unsafe { guard::write_string(&detail, buf, len, written) }
    })
}

/// The calling thread's last error message (tests' view of
/// `truexp_last_error_message`).
#[cfg(test)]
pub(crate) fn last_error() -> String {
    let mut buf = [0 as c_char; 256];
    let mut n = 0;
    assert_eq!(
        truexp_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n),
        truexp_result::Ok
    );
    let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
    String::from_utf8(bytes).expect("UTF-8 message")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::*;

    fn round_trip<T: CEnum + TryFrom<u32, Error = u32> + PartialEq + std::fmt::Debug>() {
        for (i, v) in T::ALL.iter().enumerate() {
            // The numbers are dense from 0 (C callers and the docs rely on it).
            assert_eq!(v.number(), i as u32, "{}", T::NAME);
            assert_eq!(T::try_from(v.number()), Ok(*v), "{}", T::NAME);
        }
        let past = T::ALL.len() as u32;
        assert_eq!(T::try_from(past), Err(past), "{}", T::NAME);
        assert_eq!(T::try_from(u32::MAX), Err(u32::MAX), "{}", T::NAME);
    }

    #[test]
    fn every_c_enum_converts_from_its_numbers_only() {
        round_trip::<truexp_result>();
        round_trip::<truexp_ingested>();
        round_trip::<truexp_grade>();
        round_trip::<truexp_funder>();
        round_trip::<truexp_promotion_kind>();
        round_trip::<truexp_refund_kind>();
        round_trip::<truexp_refund_reason>();
        round_trip::<truexp_protection_anchor>();
        round_trip::<truexp_zero_payout_reason>();
    }

    #[test]
    fn result_numbers_are_fixed() {
        // Appending is allowed; changing any of these breaks every C caller.
        assert_eq!(truexp_result::Ok as u32, 0);
        assert_eq!(truexp_result::OutOfRange as u32, 7);
        assert_eq!(truexp_result::Panic as u32, 10);
        assert_eq!(truexp_result::MergeConflict as u32, 13);
        assert_eq!(truexp_result::InvalidScoreboard as u32, 15);
        assert_eq!(truexp_result::InvalidSnapshot as u32, 16);
        assert_eq!(truexp_result::Io as u32, 17);
    }
}
