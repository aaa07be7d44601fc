//! The panic boundary and the pointer helpers every export goes through.
//!
//! Why one place: the rules of the ABI (no unwinding into C, NULL and bad
//! UTF-8 become codes, outputs written only on success, buffers sized with
//! `*written`) are easy to state and easy to forget in one function out of
//! thirty; here they are written once and each export is a short closure.

use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::errors;
use crate::result::{set_last_error, truexp_result};
use crate::types::truexp_str;

/// A failure: the code returned to C and the detail kept for
/// `truexp_last_error_message`.
#[derive(Debug)]
pub struct Fail {
    /// The code.
    pub code: truexp_result,
    /// The detail.
    pub detail: String,
}

impl Fail {
    /// A failure with a detail.
    pub fn new(code: truexp_result, detail: impl Into<String>) -> Fail {
        Fail {
            code,
            detail: detail.into(),
        }
    }
}

/// Runs an export's body: panics become `TRUEXP_RESULT_PANIC`, failures set
/// the thread's last error and return their code.
pub fn call(body: impl FnOnce() -> Result<(), Fail>) -> truexp_result {
    run(body, true)
}

/// Like [`call`] but never touches the last error (for the functions that read it).
pub fn call_quiet(body: impl FnOnce() -> Result<(), Fail>) -> truexp_result {
    run(body, false)
}

fn run(body: impl FnOnce() -> Result<(), Fail>, record: bool) -> truexp_result {
    // The closure only borrows caller memory through raw pointers; after a
    // panic nothing of it is used again, so unwind safety holds trivially.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => truexp_result::Ok,
        Ok(Err(fail)) => {
            if record {
                set_last_error(&fail.detail);
            }
            fail.code
        }
        Err(payload) => {
            if record {
                let what = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                set_last_error(&format!("internal error (panic): {what}"));
            }
            truexp_result::Panic
        }
    }
}

/// Writes `value` through `out`, which must be non-NULL.
///
/// # Safety
/// `out` is NULL or valid for one write of `T` (it need not be initialised).
#[inline]
pub unsafe fn write_out<T>(out: *mut T, value: T, what: &str) -> Result<(), Fail> {
    if out.is_null() {
        return Err(errors::null(what));
    }
    // SAFETY: non-NULL and, by the caller's contract, valid for a write;
    // `write` does not read or drop the old (possibly garbage) contents.
    unsafe { out.write(value) };
    Ok(())
}

/// Checks that an out-pointer is non-NULL before any work is done.
#[inline]
pub fn need<T>(out: *mut T, what: &str) -> Result<(), Fail> {
    if out.is_null() {
        Err(errors::null(what))
    } else {
        Ok(())
    }
}

/// Borrows `len` bytes at `ptr` as UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay unchanged for `'a`.
#[inline]
pub unsafe fn str_arg<'a>(ptr: *const c_char, len: usize, what: &str) -> Result<&'a str, Fail> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { bytes_arg(ptr, len, what)? };
    std::str::from_utf8(bytes).map_err(|e| errors::not_utf8(what, e))
}

/// Borrows `len` bytes at `ptr`.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay unchanged for `'a`.
#[inline]
pub unsafe fn bytes_arg<'a>(ptr: *const c_char, len: usize, what: &str) -> Result<&'a [u8], Fail> {
    if ptr.is_null() {
        return Err(errors::null(what));
    }
    if len > isize::MAX as usize {
        return Err(errors::out_of_range(format!(
            "`{what}` length {len} is too large"
        )));
    }
    // SAFETY: non-NULL, at most isize::MAX bytes, readable per the contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// A required `truexp_str` field.
///
/// # Safety
/// `s.ptr` is NULL or points to `s.len` readable bytes alive for `'a`.
#[inline]
pub unsafe fn req_str<'a>(s: truexp_str, what: &str) -> Result<&'a str, Fail> {
    // SAFETY: forwarded contract.
    unsafe { str_arg(s.ptr, s.len, what) }
}

/// An optional `truexp_str` field: NULL `ptr` with length 0 means absent.
///
/// # Safety
/// As [`req_str`].
#[inline]
pub unsafe fn opt_str<'a>(s: truexp_str, what: &str) -> Result<Option<&'a str>, Fail> {
    // SAFETY: forwarded contract.
    unsafe { opt_str_arg(s.ptr, s.len, what) }
}

/// An optional string argument: NULL with length 0 means absent; NULL with
/// another length is refused (a caller's bug, not a choice of "none").
///
/// # Safety
/// As [`str_arg`].
#[inline]
pub unsafe fn opt_str_arg<'a>(
    ptr: *const c_char,
    len: usize,
    what: &str,
) -> Result<Option<&'a str>, Fail> {
    if ptr.is_null() {
        return match len {
            0 => Ok(None),
            _ => Err(errors::null_with_length(what, len)),
        };
    }
    // SAFETY: forwarded contract.
    unsafe { str_arg(ptr, len, what).map(Some) }
}

/// Borrows an array of `count` items; NULL is allowed only for `count == 0`.
///
/// # Safety
/// `ptr` is NULL or points to `count` initialised `T` alive for `'a`.
#[inline]
pub unsafe fn slice_arg<'a, T>(ptr: *const T, count: usize, what: &str) -> Result<&'a [T], Fail> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(errors::null(what));
    }
    if count
        .checked_mul(std::mem::size_of::<T>().max(1))
        .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(errors::out_of_range(format!(
            "`{what}` count {count} is too large"
        )));
    }
    // SAFETY: non-NULL, size checked, readable and initialised per the contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// Copies `s` into the caller's buffer, NUL-terminated.
///
/// Success: `*written = s.len()`. Too small: `*written = s.len() + 1`, code
/// `BUFFER_TOO_SMALL`, buffer untouched.
///
/// # Safety
/// `buf` is NULL or valid for `len` byte writes; `written` is NULL or valid
/// for one write.
pub unsafe fn write_string(
    s: &str,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> Result<(), Fail> {
    need(written, "written")?;
    let needed = s.len() + 1;
    if len < needed {
        // SAFETY: checked non-NULL above; valid per the contract.
        unsafe { written.write(needed) };
        return Err(errors::buffer_too_small(format!(
            "the buffer holds {len} bytes, {needed} are needed"
        )));
    }
    if buf.is_null() {
        return Err(errors::null("buf"));
    }
    // SAFETY: `buf` is valid for `len >= s.len() + 1` bytes and cannot overlap
    // `s`, which the library owns.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), s.len());
        buf.add(s.len()).write(0);
        written.write(s.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::last_error;

    #[test]
    fn a_panic_becomes_a_code_with_its_message() {
        let code = call(|| panic!("boom {}", 42));
        assert_eq!(code, truexp_result::Panic);
        assert_eq!(last_error(), "internal error (panic): boom 42");
    }

    #[test]
    fn failures_set_the_detail_and_successes_keep_it() {
        assert_eq!(
            call(|| Err(Fail::new(truexp_result::UnknownShop, "unknown shop `x`"))),
            truexp_result::UnknownShop
        );
        assert_eq!(call(|| Ok(())), truexp_result::Ok);
        assert_eq!(last_error(), "unknown shop `x`");
        // another thread has its own detail
        std::thread::spawn(|| assert_eq!(last_error(), ""))
            .join()
            .unwrap();
    }

    #[test]
    fn an_optional_string_is_absent_only_as_null_with_length_0() {
        // SAFETY: NULL pointers (never read) and a live 2-byte string.
        unsafe {
            assert_eq!(opt_str_arg(std::ptr::null(), 0, "shop").unwrap(), None);
            let err = opt_str_arg(std::ptr::null(), 5, "shop").unwrap_err();
            assert_eq!(err.code, truexp_result::NullArgument);
            assert!(
                err.detail.contains("`shop` is NULL with length 5"),
                "{}",
                err.detail
            );
            let s1 = c"s1";
            assert_eq!(opt_str_arg(s1.as_ptr(), 2, "shop").unwrap(), Some("s1"));
        }
    }

    #[test]
    fn too_small_buffers_report_the_size_and_stay_untouched() {
        let mut buf = [b'#' as c_char; 4];
        let mut n = 0;
        // SAFETY: a 4-byte buffer and a valid size_t.
        let r = unsafe { write_string("hello", buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(r.unwrap_err().code, truexp_result::BufferTooSmall);
        assert_eq!(n, 6);
        assert!(buf.iter().all(|&c| c == b'#' as c_char));
        let mut big = [0 as c_char; 6];
        // SAFETY: as above, with 6 bytes.
        unsafe { write_string("hello", big.as_mut_ptr(), big.len(), &mut n) }.unwrap();
        assert_eq!((n, big[5]), (5, 0));
    }
}
