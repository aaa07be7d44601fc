//! Seller standards, the good-service list, the early warning, the
//! per-agent service metrics and score histories, as JSON into caller
//! buffers.
//!
//! Why JSON: both answers are lists of variable length (metrics, tier checks,
//! ranked and excluded shops), shaped exactly like the Rust API's `serde`
//! form, so ownership stays trivial (the caller's buffer).

use std::os::raw::c_char;

use truexp_core::standards::presets;

use crate::engine::truexp_engine;
use crate::errors;
use crate::guard;
use crate::ingest::time_arg;
use crate::query::json_answer;
use crate::result::truexp_result;

/// Evaluates shop `shop` against the seller-standard preset `preset`
/// (`amazon`, `ebay` or `tmall`, `preset_len` bytes of UTF-8) at `as_of` and
/// writes the report (tier, each metric's counts and rate, each tier's rule
/// checks) as JSON into `buf`. Buffer rules as `truexp_engine_explain_json`.
/// An unknown preset gives `TRUEXP_RESULT_OUT_OF_RANGE`, an unknown shop
/// `TRUEXP_RESULT_UNKNOWN_SHOP`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_standard_json(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    preset: *const c_char,
    preset_len: usize,
    as_of: i64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            // SAFETY: NULL or `shop_len` readable bytes, by contract.
            let shop = guard::str_arg(shop, shop_len, "shop")?;
            // SAFETY: NULL or `preset_len` readable bytes, by contract.
            let name = guard::str_arg(preset, preset_len, "preset")?;
            let standard = presets::named(name).map_err(errors::out_of_range)?;
            e.evaluate_standard(shop, &standard, time_arg(as_of, "as_of")?)
                .map_err(crate::errors::engine)
        })
    }
}

/// Writes the good-service list (好服务榜单) at `as_of` as JSON into `buf`:
/// per category, the qualifying shops ranked by score, and the excluded
/// shops with the reason. `category` may be NULL with length 0 (every
/// category) or `category_len` bytes of UTF-8 naming one (NULL with another
/// length is `TRUEXP_RESULT_NULL_ARGUMENT`). Buffer rules as
/// `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_good_service_json(
    engine: *const truexp_engine,
    category: *const c_char,
    category_len: usize,
    as_of: i64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            // SAFETY: NULL or `category_len` readable bytes, by contract.
            let category = guard::opt_str_arg(category, category_len, "category")?;
            Ok(e.good_service_list(time_arg(as_of, "as_of")?, category))
        })
    }
}

/// Writes the early warning at `as_of` as JSON into `buf`: the shops (or,
/// when `shop` is not NULL, that one shop, `shop_len` bytes of UTF-8; NULL
/// goes with length 0, as for `presets`,
/// whether at risk or not) with their margins — how many more of the
/// window's orders can go wrong before the shop loses its place on the
/// good-service list or its tier under each standard named in `presets`
/// (comma-separated `amazon`, `ebay`, `tmall`, `presets_len` bytes; NULL
/// with length 0 or empty: none; NULL with another length is
/// `TRUEXP_RESULT_NULL_ARGUMENT`) — and their points above their grade's floor. A shop is at
/// risk with a margin of at most `within_orders` or fewer than
/// `within_points` points above the floor (the CLI's defaults: 2 and
/// 0.05). An unknown preset, or `within_points` negative or not finite,
/// gives `TRUEXP_RESULT_OUT_OF_RANGE`; an unknown shop
/// `TRUEXP_RESULT_UNKNOWN_SHOP`. Buffer rules as
/// `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_at_risk_json(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    presets: *const c_char,
    presets_len: usize,
    as_of: i64,
    within_orders: u64,
    within_points: f64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            // SAFETY: NULL or `presets_len` readable bytes, by contract.
            let names = guard::opt_str_arg(presets, presets_len, "presets")?.unwrap_or("");
            let standards = presets::by_names(names).map_err(errors::out_of_range)?;
            if !(within_points.is_finite() && within_points >= 0.0) {
                return Err(errors::out_of_range(format!(
                    "within_points must be a finite number ≥ 0, got {within_points}"
                )));
            }
            let opts = truexp_core::warning::WarningOptions {
                within_orders,
                within_points,
            };
            // SAFETY: NULL or `shop_len` readable bytes, by contract.
            let shop = guard::opt_str_arg(shop, shop_len, "shop")?;
            match shop {
                None => e
                    .at_risk(time_arg(as_of, "as_of")?, &standards, &opts)
                    .map_err(errors::engine),
                Some(shop) => (e.early_warning(shop, time_arg(as_of, "as_of")?, &standards, &opts))
                    .map(|w| vec![w])
                    .map_err(errors::engine),
            }
        })
    }
}

/// Writes shop `shop`'s (`shop_len` bytes of UTF-8) per-agent service
/// metrics at `as_of` as JSON into `buf`: the score's chat windows and
/// thresholds, the shop's totals, then per agent (by agent id; sessions
/// naming no agent in the row whose `key` is null, last) and per
/// certification: sessions, answered by a human within the 3-minute
/// threshold and that rate, rated and satisfied sessions and that share,
/// and the row's share of each of the shop's four chat counts (see
/// `truexp::agents`). Chats started after `as_of` do not count. An unknown
/// shop gives `TRUEXP_RESULT_UNKNOWN_SHOP`. Buffer rules as
/// `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_agents_json(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    as_of: i64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            // SAFETY: NULL or `shop_len` readable bytes, by contract.
            let shop = guard::str_arg(shop, shop_len, "shop")?;
            e.agent_metrics(shop, time_arg(as_of, "as_of")?)
                .map_err(errors::engine)
        })
    }
}

/// Writes shop `shop`'s score history as JSON into `buf`: one point per day
/// for the `days` days ending at `as_of` (oldest first; point `i` is the
/// score as known at `as_of - (days - 1 - i) * 86400`, exactly what
/// `truexp_engine_shop_score` answers at that moment): overall, stars,
/// grade, change, growth stage, percentile, block scores and the
/// problem-order rate. `shop` is `shop_len` bytes of UTF-8. `days` outside
/// `1..=400` or `as_of` outside the event time range gives
/// `TRUEXP_RESULT_OUT_OF_RANGE`; an unknown shop
/// `TRUEXP_RESULT_UNKNOWN_SHOP`. The first history of a category computes
/// its statistics for every day (kept until the engine changes; later
/// histories of its shops take milliseconds). Buffer rules as
/// `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_history_json(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    as_of: i64,
    days: u32,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            // SAFETY: NULL or `shop_len` readable bytes, by contract.
            let shop = guard::str_arg(shop, shop_len, "shop")?;
            e.history(shop, time_arg(as_of, "as_of")?, days)
                .map_err(errors::engine)
        })
    }
}
