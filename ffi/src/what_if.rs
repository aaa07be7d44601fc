//! What-if: a shop's score had some of its orders gone differently, as JSON
//! into a caller buffer.
//!
//! Why its own module: the question comes in as JSON too (the scenario, the
//! Rust API's `serde` form), read and checked by the core; the shell only
//! forwards it.

use std::os::raw::c_char;

use truexp_core::what_if::Scenario;

use crate::engine::truexp_engine;
use crate::errors;
use crate::guard;
use crate::ingest::time_arg;
use crate::query::json_answer;
use crate::result::truexp_result;

/// Writes what shop `shop` (`shop_len` bytes of UTF-8) would score at
/// `as_of` had the orders of `scenario` gone as it says, as JSON into
/// `buf`: the overall score, stars, grade, problem-order rate, every block
/// and indicator before and after, and which changes changed anything. The
/// engine is not changed.
///
/// `scenario` is `scenario_len` bytes of UTF-8 JSON:
/// `{"changes":[{"order_id":"o1","resolution":{"kind":"refund_completed_within","hours":24}}]}`
/// with `kind` one of `refund_completed_within` (with `hours`),
/// `dispute_won`, `picked_up_in_time`, `delivered_within` (with `hours`),
/// `appeal_granted` (with `scope` `review`, `dispute` or `label` and, for a
/// label, its `reason`);
/// at most 10,000 changes, hours at most 8,784. An optional
/// `"next_days":{"days":N,"basis_days":B}` (each 1..=366, `basis_days`
/// 30 when left out) scores the shop N days later, each day ahead running
/// at its daily average of the last B days. A malformed scenario, an
/// unknown order, an order of another shop or paid after `as_of`, or a
/// resolution with nothing to resolve gives `TRUEXP_RESULT_OUT_OF_RANGE`
/// (the detail names the change); an unknown shop
/// `TRUEXP_RESULT_UNKNOWN_SHOP`. Buffer rules as
/// `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_what_if_json(
    engine: *const truexp_engine,
    shop: *const c_char,
    shop_len: usize,
    scenario: *const c_char,
    scenario_len: usize,
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
            // SAFETY: NULL or `scenario_len` readable bytes, by contract.
            let text = guard::str_arg(scenario, scenario_len, "scenario")?;
            let scenario = Scenario::from_json(text).map_err(errors::engine)?;
            e.what_if(shop, time_arg(as_of, "as_of")?, &scenario)
                .map_err(errors::engine)
        })
    }
}
