//! The opaque engine handle: creation, release, merge and inspection.
//!
//! Why a `RwLock` around the engine: the Rust engine is queried through
//! `&self` and fed through `&mut self`. C cannot express that, so the handle
//! enforces it: queries take the read lock (any number of threads at once),
//! ingestion and merge take the write lock (one at a time, waiting for
//! readers). Misuse from C is therefore slow, never undefined behaviour.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use std::os::raw::c_char;

use truexp_core::{Config, Engine};

use crate::errors;
use crate::guard::{self, Fail};
use crate::result::truexp_result;

/// A scoring engine: the events ingested so far and the configuration.
///
/// Ownership: created by `truexp_engine_new` or
/// `truexp_engine_new_with_config`, released by `truexp_engine_free` exactly
/// once; never free it while another thread still uses it.
///
/// Threads: one engine may be shared by any number of threads. Queries (the
/// functions taking `const truexp_engine *`) run in parallel; ingestion and
/// merge (taking `truexp_engine *`) lock the engine exclusively and wait
/// for running queries to finish, so mixing them is safe, merely serialised.
pub struct truexp_engine {
    inner: RwLock<Engine>,
}

impl truexp_engine {
    pub(crate) fn new(engine: Engine) -> Box<truexp_engine> {
        Box::new(truexp_engine {
            inner: RwLock::new(engine),
        })
    }

    pub(crate) fn read(&self) -> Result<RwLockReadGuard<'_, Engine>, Fail> {
        self.inner.read().map_err(|_| poisoned())
    }

    pub(crate) fn write(&self) -> Result<RwLockWriteGuard<'_, Engine>, Fail> {
        self.inner.write().map_err(|_| poisoned())
    }
}

fn poisoned() -> Fail {
    errors::internal("the engine was left inconsistent by an earlier internal error (panic)")
}

/// Borrows the engine behind a C pointer.
///
/// # Safety
/// `ptr` is NULL or a live engine from `truexp_engine_new*`.
pub(crate) unsafe fn engine_ref<'a>(ptr: *const truexp_engine) -> Result<&'a truexp_engine, Fail> {
    // SAFETY: a non-NULL pointer is, by contract, a live boxed engine.
    unsafe { ptr.as_ref() }.ok_or_else(|| errors::null("engine"))
}

/// Creates an engine with the default (Tmall-like) configuration and stores
/// it in `*out`. Free it with `truexp_engine_free`. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_new(out: *mut *mut truexp_engine) -> truexp_result {
    guard::call(|| {
        guard::need(out, "out")?;
        let engine = truexp_engine::new(Engine::default());
        // SAFETY: `out` is non-NULL and, by contract, writable.
        unsafe { guard::write_out(out, Box::into_raw(engine), "out") }
    })
}

/// Creates an engine from a JSON configuration (`len` bytes of UTF-8 at
/// `json`, no NUL needed) and stores it in `*out`; `*out` is untouched on
/// failure. A refused configuration gives `TRUEXP_RESULT_INVALID_CONFIG` and a
/// last-error detail naming the key. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_new_with_config(
    json: *const c_char,
    len: usize,
    out: *mut *mut truexp_engine,
) -> truexp_result {
    guard::call(|| {
        guard::need(out, "out")?;
        // SAFETY: `json` is NULL or `len` readable bytes, by contract.
        let text = unsafe { guard::str_arg(json, len, "json")? };
        let cfg = Config::from_json(text).map_err(errors::config)?;
        let engine = Engine::with_config(cfg).map_err(errors::config)?;
        let engine = truexp_engine::new(engine);
        // SAFETY: `out` is non-NULL and, by contract, writable.
        unsafe { guard::write_out(out, Box::into_raw(engine), "out") }
    })
}

/// Releases an engine and everything it holds. NULL is a no-op. The
/// pointer must not be used afterwards, by this thread or any other.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_free(engine: *mut truexp_engine) {
    let _ = guard::call_quiet(|| {
        if !engine.is_null() {
            // SAFETY: a non-NULL pointer came from `Box::into_raw` in
            // `truexp_engine_new*` and, by contract, is freed only once.
            drop(unsafe { Box::from_raw(engine) });
        }
        Ok(())
    });
}

/// Merges the state of `from` into `into`: afterwards `into` equals an
/// engine fed the union of both event sets.
///
/// Ownership: `from` is only read, never consumed; the caller still frees
/// it. Its state is copied under its read lock first, then `into` is locked
/// for writing, so merging an engine into itself (a no-op) or two engines
/// into each other from two threads cannot deadlock. Both must share one
/// configuration, else `TRUEXP_RESULT_CONFIG_MISMATCH` and nothing changes;
/// an order paid in both gives `TRUEXP_RESULT_MERGE_CONFLICT`, nothing changed.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_merge(
    into: *mut truexp_engine,
    from: *const truexp_engine,
) -> truexp_result {
    guard::call(|| {
        guard::need(into, "into")?;
        guard::need(from.cast_mut(), "from")?;
        // SAFETY: both are non-NULL, so live engines by contract.
        let (target, source) = unsafe { (engine_ref(into)?, engine_ref(from)?) };
        if std::ptr::eq(target, source) {
            return Ok(());
        }
        let copy = source.read()?.clone();
        let mut engine = target.write()?;
        engine.merge(copy).map_err(crate::errors::engine)
    })
}

/// Stores the latest timestamp any accepted event carries (UTC seconds) in
/// `*out`: the natural `as_of` for a batch. `TRUEXP_RESULT_NO_DATA` when the
/// engine holds no event. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_latest_event_time(
    engine: *const truexp_engine,
    out: *mut i64,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        guard::need(out, "out")?;
        let t = e.read()?.latest_event_time().ok_or_else(errors::no_data)?;
        // SAFETY: non-NULL, writable by contract.
        unsafe { guard::write_out(out, t.as_secs(), "out") }
    })
}

/// Stores the number of distinct events accepted (applied or pending) in
/// `*out`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_event_count(
    engine: *const truexp_engine,
    out: *mut usize,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        guard::need(out, "out")?;
        let n = e.read()?.event_count();
        // SAFETY: non-NULL, writable by contract.
        unsafe { guard::write_out(out, n, "out") }
    })
}

/// Stores the number of shops known in `*out`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_shop_count(
    engine: *const truexp_engine,
    out: *mut usize,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        guard::need(out, "out")?;
        let n = e.read()?.shop_ids().len();
        // SAFETY: non-NULL, writable by contract.
        unsafe { guard::write_out(out, n, "out") }
    })
}

/// Copies the id of the shop at `index` (shops sorted by id, 0-based) into
/// `buf` (buffer rules of `truexp_result_message`); an index at or past
/// `truexp_engine_shop_count` gives `TRUEXP_RESULT_OUT_OF_RANGE`. Ingestion
/// between calls may shift indexes. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_shop_id(
    engine: *const truexp_engine,
    index: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        let guard = e.read()?;
        let ids = guard.shop_ids();
        let id = ids.get(index).ok_or_else(|| {
            errors::out_of_range(format!(
                "shop index {index} is past the {} shops",
                ids.len()
            ))
        })?;
        // SAFETY: buffer contract forwarded.
        unsafe { guard::write_string(id, buf, len, written) }
    })
}

/// Writes a snapshot of the engine's state to the file `path` (`path_len`
/// bytes of UTF-8, no NUL needed), with the resume token `token`
/// (`token_len` opaque bytes, at most 1 MiB; NULL allowed when
/// `token_len` is 0): typically the stream offsets the state reflects.
///
/// The file is written atomically: a temporary file in the same directory
/// is written and fsynced, the file it replaces is kept as `PATH.prev`, the
/// temporary file is renamed to `path`, and the directory is fsynced.
/// Bonus rules (plugins) are not part of a snapshot. A token over 1 MiB
/// gives `TRUEXP_RESULT_OUT_OF_RANGE`, a file that cannot be written
/// `TRUEXP_RESULT_IO`. Query (read lock): ingestion waits while it writes.
///
/// Thread safety: any number of threads may call this on one engine at once
/// (it takes the read lock); give each call its own `path`.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_snapshot_write(
    engine: *const truexp_engine,
    path: *const c_char,
    path_len: usize,
    token: *const u8,
    token_len: usize,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        // SAFETY: NULL or `path_len` readable bytes, by contract.
        let path = unsafe { guard::str_arg(path, path_len, "path")? };
        // SAFETY: NULL (only with length 0) or `token_len` readable bytes, by contract.
        let token = unsafe { guard::slice_arg(token, token_len, "token")? };
        let engine = e.read()?;
        truexp_core::snapshot::write_snapshot_file(&engine, std::path::Path::new(path), token)
            .map_err(errors::snapshot)
    })
}

/// Reads the snapshot file `path` (`path_len` bytes of UTF-8) into a new
/// engine stored in `*out`, and copies its resume token into `token_buf`
/// (`token_cap` bytes; the token is opaque bytes, not NUL-terminated) with
/// its length in `*token_len`.
///
/// `config_json` (`config_len` bytes) is the configuration the snapshot was
/// written under, or NULL with length 0 for the default one (NULL with
/// another length is `TRUEXP_RESULT_NULL_ARGUMENT`); another configuration gives
/// `TRUEXP_RESULT_CONFIG_MISMATCH` naming both fingerprints. A file that is
/// not a snapshot, was written by a newer format, is truncated or damaged
/// gives `TRUEXP_RESULT_INVALID_SNAPSHOT` naming the section; one that
/// cannot be read, `TRUEXP_RESULT_IO`. When `token_cap` is smaller than
/// the token, `TRUEXP_RESULT_BUFFER_TOO_SMALL` with `*token_len` set to the
/// size needed (at most 1 MiB; `token_buf` may then be NULL). On any
/// failure `*out` and `token_buf` are untouched and nothing is allocated.
/// Bonus rules are not part of a snapshot: load them again
/// (`truexp_engine_load_plugins`). Free the engine with `truexp_engine_free`.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_new_from_snapshot(
    path: *const c_char,
    path_len: usize,
    config_json: *const c_char,
    config_len: usize,
    out: *mut *mut truexp_engine,
    token_buf: *mut u8,
    token_cap: usize,
    token_len: *mut usize,
) -> truexp_result {
    guard::call(|| {
        guard::need(out, "out")?;
        guard::need(token_len, "token_len")?;
        // SAFETY: NULL or `path_len` readable bytes, by contract.
        let path = unsafe { guard::str_arg(path, path_len, "path")? };
        // SAFETY: NULL or `config_len` readable bytes, by contract.
        let cfg = match unsafe { guard::opt_str_arg(config_json, config_len, "config_json")? } {
            None => Config::default(),
            Some(text) => Config::from_json(text).map_err(errors::config)?,
        };
        let (engine, token) =
            truexp_core::snapshot::read_snapshot_file(std::path::Path::new(path), cfg)
                .map_err(errors::snapshot)?;
        if token.len() > token_cap {
            // SAFETY: checked non-NULL above; writable by contract.
            unsafe { token_len.write(token.len()) };
            return Err(errors::buffer_too_small(format!(
                "the token buffer holds {token_cap} bytes, the token has {}",
                token.len()
            )));
        }
        if !token.is_empty() {
            guard::need(token_buf, "token_buf")?;
            // SAFETY: `token_buf` is non-NULL and, by contract, valid for
            // `token_cap >= token.len()` byte writes; it cannot overlap
            // `token`, which the library owns.
            unsafe { std::ptr::copy_nonoverlapping(token.as_ptr(), token_buf, token.len()) };
        }
        // SAFETY: checked non-NULL above; writable by contract.
        unsafe { token_len.write(token.len()) };
        let engine = truexp_engine::new(engine);
        // SAFETY: `out` is non-NULL and, by contract, writable.
        unsafe { guard::write_out(out, Box::into_raw(engine), "out") }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_may_be_shared_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<truexp_engine>();
    }

    #[test]
    fn a_null_merge_argument_is_named() {
        let mut raw = std::ptr::null_mut();
        assert_eq!(truexp_engine_new(&mut raw), truexp_result::Ok);
        let code = truexp_engine_merge(raw, std::ptr::null());
        assert_eq!(code, truexp_result::NullArgument);
        assert_eq!(crate::result::last_error(), "`from` is NULL");
        let code = truexp_engine_merge(std::ptr::null_mut(), raw);
        assert_eq!(code, truexp_result::NullArgument);
        assert_eq!(crate::result::last_error(), "`into` is NULL");
        truexp_engine_free(raw);
    }

    #[test]
    fn a_poisoned_engine_answers_panic_not_ub() {
        let mut raw = std::ptr::null_mut();
        assert_eq!(truexp_engine_new(&mut raw), truexp_result::Ok);
        // SAFETY: `raw` is the live engine just created.
        let engine = unsafe { &*raw };
        let poison = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = engine.inner.write().unwrap();
            panic!("poison");
        }));
        assert!(poison.is_err());
        let mut n = 0;
        assert_eq!(truexp_engine_event_count(raw, &mut n), truexp_result::Panic);
        truexp_engine_free(raw);
    }
}
