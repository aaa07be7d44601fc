//! Queries: a shop's score into a caller struct; explanations, problem
//! orders and the scoreboard as JSON into caller buffers.
//!
//! Why JSON for the rich answers: an explanation is a tree of variable-length
//! lists (indicators, add-ons, costly orders with labels); as C structs it
//! would need allocations the caller must free, one free function per type.
//! JSON in a caller buffer keeps ownership trivial, and its shape is the
//! Rust API's `serde` form, documented once. The hot path (`truexp_shop_score`)
//! is a flat struct.

use std::os::raw::c_char;

use truexp_core::{Engine, Error, Grade, ShopScore, Timestamp};

use crate::engine::{engine_ref, truexp_engine};
use crate::errors;
use crate::guard::{self, Fail};
use crate::ingest::time_arg;
use crate::result::truexp_result;
use crate::types::*;

/// Converts a core score into the C struct.
pub(crate) fn to_c(s: &ShopScore) -> truexp_shop_score {
    let empty = truexp_block_score {
        name: [0; TRUEXP_BLOCK_NAME_LEN],
        weight: 0.0,
        score: 0.0,
        assessed: false,
    };
    let mut blocks = [empty; TRUEXP_MAX_BLOCKS];
    for (slot, b) in blocks.iter_mut().zip(&s.blocks) {
        let mut cut = b.name.len().min(TRUEXP_BLOCK_NAME_LEN - 1);
        while !b.name.is_char_boundary(cut) {
            cut -= 1;
        }
        for (dst, src) in slot.name.iter_mut().zip(&b.name.as_bytes()[..cut]) {
            *dst = *src as c_char;
        }
        slot.weight = b.weight;
        slot.score = b.score;
        slot.assessed = b.assessed;
    }
    truexp_shop_score {
        overall: s.overall,
        stars: s.stars,
        grade: match s.grade {
            Grade::High => truexp_grade::High,
            Grade::Medium => truexp_grade::Medium,
            Grade::Low => truexp_grade::Low,
        },
        change: s.change,
        growth_stage: s.growth_stage,
        percentile: s.percentile.unwrap_or(-1.0),
        fake_order_penalty: s.fake_order_penalty,
        problem_orders: s.problem_rate.problem_orders,
        problem_valid_orders: s.problem_rate.valid_orders,
        problem_rate: s.problem_rate.rate,
        block_count: s.blocks.len().min(TRUEXP_MAX_BLOCKS) as u32,
        block_total: s.blocks.len() as u32,
        blocks,
    }
}

/// Runs a shop query at `as_of` under the read lock. The arguments are
/// checked in their order: the engine, the shop, then the moment.
fn shop_query<T>(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    as_of: i64,
    f: impl FnOnce(&Engine, &str, Timestamp) -> Result<T, Error>,
) -> Result<T, Fail> {
    // SAFETY: NULL or a live engine, by contract.
    let e = unsafe { engine_ref(engine)? };
    // SAFETY: `shop` is NULL or `shop_len` readable bytes, by contract.
    let id = unsafe { guard::str_arg(shop, shop_len, "shop")? };
    let as_of = time_arg(as_of, "as_of")?;
    let engine = e.read()?;
    f(&engine, id, as_of).map_err(errors::engine)
}

pub(crate) fn to_json(value: &impl serde::Serialize) -> Result<String, Fail> {
    serde_json::to_string(value).map_err(|e| errors::internal(format!("serialising JSON: {e}")))
}

/// The shape every JSON query shares: checks `written`, runs `answer` on
/// the engine under the read lock and writes its JSON into `buf` (buffer
/// rules as `truexp_engine_explain_json`), inside the panic guard.
///
/// # Safety
///
/// The C functions' contract: `engine` is NULL or a live engine, `buf` NULL
/// or `len` writable bytes, `written` NULL or writable.
pub(crate) unsafe fn json_answer<T: serde::Serialize>(
    engine: *const truexp_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
    answer: impl FnOnce(&Engine) -> Result<T, Fail>,
) -> truexp_result {
    guard::call(|| {
        guard::need(written, "written")?;
        // SAFETY: NULL or a live engine, by this function's contract.
        let e = unsafe { engine_ref(engine)? };
        let engine = e.read()?;
        let json = to_json(&answer(&engine)?)?;
        // SAFETY: buffer contract, by this function's contract.
        unsafe { guard::write_string(&json, buf, len, written) }
    })
}

/// [`json_answer`] under the write lock (the answer changes the engine).
///
/// # Safety
///
/// As [`json_answer`].
pub(crate) unsafe fn json_answer_mut<T: serde::Serialize>(
    engine: *mut truexp_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
    answer: impl FnOnce(&mut Engine) -> Result<T, Fail>,
) -> truexp_result {
    guard::call(|| {
        guard::need(written, "written")?;
        // SAFETY: NULL or a live engine, by this function's contract.
        let e = unsafe { engine_ref(engine)? };
        let mut engine = e.write()?;
        let json = to_json(&answer(&mut engine)?)?;
        // SAFETY: buffer contract, by this function's contract.
        unsafe { guard::write_string(&json, buf, len, written) }
    })
}

/// Scores shop `shop` (`shop_len` bytes of UTF-8) at `as_of` (UTC seconds)
/// and fills `*out`; `*out` is untouched on failure. An unknown shop gives
/// `TRUEXP_RESULT_UNKNOWN_SHOP`. The shop's category peers are scored
/// alongside (percentiles need them). Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_shop_score(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    as_of: i64,
    out: *mut truexp_shop_score,
) -> truexp_result {
    guard::call(|| {
        guard::need(out, "out")?;
        let score = shop_query(engine, shop, shop_len, as_of, |e, id, t| e.score(id, t))?;
        // SAFETY: non-NULL, writable by contract.
        unsafe { guard::write_out(out, to_c(&score), "out") }
    })
}

/// Writes the full explanation of a shop's score at `as_of` as JSON (the
/// score with indicators, blocks, add-ons and penalty, plus the costliest
/// orders) into `buf`. Buffer rules as `truexp_result_message`: on
/// `TRUEXP_RESULT_BUFFER_TOO_SMALL`, `*written` is the size needed, NUL
/// included; call again with a buffer that large (`buf` may be NULL with
/// `len` 0 to ask for the size). Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_explain_json(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    as_of: i64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    guard::call(|| {
        guard::need(written, "written")?;
        let json = shop_query(engine, shop, shop_len, as_of, |e, id, t| e.explain(id, t))
            .and_then(|x| to_json(&x))?;
        // SAFETY: buffer contract forwarded.
        unsafe { guard::write_string(&json, buf, len, written) }
    })
}

/// Writes the shop's problem orders in the window ending at `as_of` as a
/// JSON array (newest first; each with `order_id`, `paid_at`, `amount` and
/// its `labels`) into `buf`. Buffer rules as `truexp_engine_explain_json`.
/// Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_problem_orders_json(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    as_of: i64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    guard::call(|| {
        guard::need(written, "written")?;
        let json = shop_query(engine, shop, shop_len, as_of, |e, id, t| {
            e.problem_orders(id, t)
        })
        .and_then(|x| to_json(&x))?;
        // SAFETY: buffer contract forwarded.
        unsafe { guard::write_string(&json, buf, len, written) }
    })
}

/// Writes every shop's score at `as_of`, ranked best first (ties by shop id),
/// as JSON (`{"as_of":..,"day":..,"shops":[..]}`) into `buf`. Buffer rules
/// as `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_scoreboard_json(
    engine: *const truexp_engine,
    as_of: i64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            Ok(e.scoreboard(time_arg(as_of, "as_of")?))
        })
    }
}

/// Writes only the shops whose overall score, stars, grade or rank at
/// `as_of` differ from a previous scoreboard, and shops it lacks, as JSON
/// (`{"as_of":..,"since_as_of":..,"changes":[{"shop_id","category","now":{overall,stars,grade,rank},"before":{..}|null}]}`,
/// in rank order) into `buf`. `previous` (`previous_len` bytes of UTF-8) is
/// the JSON an earlier `truexp_engine_scoreboard_json` wrote (other fields
/// are ignored); one that cannot be read gives
/// `TRUEXP_RESULT_INVALID_SCOREBOARD` with the reason in the detail. Buffer
/// rules as `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_scoreboard_changes_json(
    engine: *const truexp_engine,
    as_of: i64,
    previous: *const c_char,
    previous_len: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            // SAFETY: NULL or `previous_len` readable bytes, by contract.
            let text = guard::str_arg(previous, previous_len, "previous")?;
            let (since, standings) =
                truexp_core::changes::standings_from_json(text).map_err(errors::scoreboard)?;
            let board = e.scoreboard(time_arg(as_of, "as_of")?);
            Ok(serde_json::json!({
                "as_of": board.as_of,
                "since_as_of": since,
                "changes": board.changes_since(&standings),
            }))
        })
    }
}

/// Refreshes the engine's live scoreboard at `as_of` and writes the shops
/// whose overall score, stars, grade or rank changed after version `since`
/// (0: every shop), in rank order, as JSON
/// (`{"as_of":..,"version":..,"since":..,"changes":[{"shop_id","category","now":{overall,stars,grade,rank},"before":{..}|null}]}`)
/// into `buf`. Pass the `version` it returns as `since` next time: after a
/// batch of events only the shops touched and their categories are
/// rescored, and a call one day later moves every window by a day instead
/// of summing it again. `before` is the standing just before the shop's
/// latest change. Versions count per engine handle: they start again at 0
/// in a new engine and in one read from a snapshot; a `since` above the
/// version now (from before such a restart) answers as 0, every shop, with
/// `"since":0`. Buffer rules as `truexp_engine_explain_json`; a call whose
/// buffer is too small still refreshes (the next call at the same `as_of`
/// reports the same changes). Refreshing: locks the engine exclusively.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_live_changes_json(
    engine: *mut truexp_engine,
    as_of: i64,
    since: u64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer_mut(engine, buf, len, written, |e| {
            Ok(e.scoreboard_changes(time_arg(as_of, "as_of")?, since))
        })
    }
}

/// Writes the service → growth report at `as_of` as JSON (per shop: buyers,
/// repeat buyers, repurchase rate, paid, refunded and net GMV in minor units,
/// problem-order counts; per category and for every category together
/// (`"*"`): the `group_share` of ranked shops with the lowest problem-order
/// rates against the same share with the highest, with the two ratios) into
/// `buf`. Orders paid on the last `window_days` local days count
/// (1..=3660; 90 is the CLI's default), `group_share` in (0, 0.5] (0.25);
/// out of range gives `TRUEXP_RESULT_OUT_OF_RANGE` naming the argument.
/// Buffer rules as `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_impact_json(
    engine: *const truexp_engine,
    as_of: i64,
    window_days: u32,
    group_share: f64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    let opts = truexp_core::impact::ImpactOptions {
        window_days,
        group_share,
    };
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            e.impact(time_arg(as_of, "as_of")?, &opts)
                .map_err(errors::engine)
        })
    }
}

/// Writes the follow-up events waiting for an order the engine has not seen
/// (they change nothing until it arrives; at most `limits.max_pending_events`
/// wait) as a JSON array of `{"event_id","field","message"}` sorted by event
/// id into `buf`. Buffer rules as `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_pending_json(
    engine: *const truexp_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe { json_answer(engine, buf, len, written, |e| Ok(e.pending())) }
}

/// Writes the refusals known only after their event was accepted, as a JSON
/// array of `{"event_id","field","message"}` in the order they were found,
/// into `buf`: a follow-up that waited for its order and turned out invalid
/// against it (a delivery before the order was placed). Such an event was
/// counted as accepted (or pending) by the ingestion call that took it and
/// changes no score or payout. Buffer rules as
/// `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_deferred_errors_json(
    engine: *const truexp_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        json_answer(engine, buf, len, written, |e| {
            Ok(e.deferred_errors().to_vec())
        })
    }
}
