//! `--plugins DIR`: industry bonus rules loaded from shared libraries.

use truexp::Engine;

/// Loads every plugin in `dir` into the engine.
pub fn load_into(_engine: &mut Engine, dir: &str) -> Result<(), String> {
    Err(format!(
        "{dir}: plugin loading is not built into this binary yet"
    ))
}
