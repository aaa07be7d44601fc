//! `--plugins DIR`: industry bonus rules loaded from shared libraries.
//!
//! Why here and not in core: loading code is `unsafe` and lives in the
//! plugin host crate; the engine only sees the safe `BonusRule` trait.

use truexp::Engine;

/// Loads every plugin in `dir` (all or nothing) into the engine.
pub fn load_into(engine: &mut Engine, dir: &str) -> Result<(), String> {
    let rules = truexp_plugin_host::load_dir(dir).map_err(|e| e.to_string())?;
    engine
        .add_bonus_rules(rules)
        .map_err(|e| format!("{dir}: {e}"))
}
