//! Loading industry bonus plugins into an engine from C.
//!
//! Why here: the plugin host (libloading, `unsafe`) stays out of the core;
//! the C face needs the same one call the CLI's `--plugins DIR` makes.

use std::os::raw::c_char;

use crate::engine::{engine_ref, truexp_engine};
use crate::errors;
use crate::guard;
use crate::result::truexp_result;

/// Loads every plugin (`*.so`) in directory `dir` (`dir_len` bytes of UTF-8)
/// into the engine, in file-name order, and stores how many were added in
/// `*out_loaded` (may be NULL). All or nothing: one bad file (wrong ABI
/// version, missing symbol, null function, too-small table, bad or duplicate
/// name) refuses the whole directory with `TRUEXP_RESULT_PLUGIN_REJECTED`,
/// the last error naming the file and the reason, and the engine unchanged.
/// Plugins are never unloaded. Ingestion-like: takes the write lock.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_load_plugins(
    engine: *mut truexp_engine,
    dir: *const c_char,
    dir_len: usize,
    out_loaded: *mut usize,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        // SAFETY: NULL or `dir_len` readable bytes, by contract.
        let dir = unsafe { guard::str_arg(dir, dir_len, "dir")? };
        let rules =
            truexp_plugin_host::load_dir(dir).map_err(|err| errors::plugin(err.to_string()))?;
        let count = rules.len();
        (e.write()?)
            .add_bonus_rules(rules)
            .map_err(|err| errors::plugin(format!("{dir}: {err}")))?;
        if !out_loaded.is_null() {
            // SAFETY: non-NULL, writable by contract.
            unsafe { guard::write_out(out_loaded, count, "out_loaded")? };
        }
        Ok(())
    })
}
