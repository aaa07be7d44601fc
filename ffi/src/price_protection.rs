//! Price protection (价保) through the C ABI: one claim, typed price-change
//! ingestion, and automatic mode.
//!
//! Why these three shapes:
//! - a single claim is a pure function of its input (`assess_claim`), so
//!   it needs no engine: C structs in, one `truexp_claim_line` per order
//!   line out, into a caller array sized by the caller (the answer has
//!   exactly `line_count` lines, so the size is known before the call);
//! - price changes are the hot input of automatic mode, so they get a typed
//!   struct like the other events;
//! - automatic mode cannot fill a caller array: how many line results a run
//!   yields is known only after running, and running records the payouts
//!   (a second run pays only increments), so "ask the size, then fetch"
//!   would run twice. Results go to a caller callback instead, once per
//!   line, in the order of `Engine::run_price_drops` (drop time, drop id,
//!   then scan order), while the write lock is held.

use std::os::raw::c_void;

use truexp_core::event::{PriceChange, PriceProtectionPolicy};
use truexp_core::price_protection::{
    assess_claim, Claim, ClaimOrder, LineAssessment, LineHistory, LinePayout, PriceObservation,
    ZeroPayoutReason,
};
use truexp_core::{Event, Money};

use crate::engine::{engine_ref, truexp_engine};
use crate::errors;
use crate::guard::{self, req_str, slice_arg, Fail};
use crate::ingest::{
    at, enum_arg, event_arg, ingest_event, money_arg, opt_time_arg, order_discounts, order_lines,
    time_arg,
};
use crate::result::truexp_result;
use crate::types::*;

fn reason(r: Option<ZeroPayoutReason>) -> truexp_zero_payout_reason {
    match r {
        None => truexp_zero_payout_reason::None,
        Some(ZeroPayoutReason::OutsideWindow) => truexp_zero_payout_reason::OutsideWindow,
        Some(ZeroPayoutReason::ExcludedPromotion) => truexp_zero_payout_reason::ExcludedPromotion,
        Some(ZeroPayoutReason::PriceNotLower) => truexp_zero_payout_reason::PriceNotLower,
        Some(ZeroPayoutReason::FullyReturned) => truexp_zero_payout_reason::FullyReturned,
        Some(ZeroPayoutReason::AlreadyCompensated) => truexp_zero_payout_reason::AlreadyCompensated,
        Some(ZeroPayoutReason::FullyRefunded) => truexp_zero_payout_reason::FullyRefunded,
        Some(ZeroPayoutReason::FakeOrder) => truexp_zero_payout_reason::FakeOrder,
    }
}

/// An optional amount for C: `TRUEXP_ABSENT` when there is none.
fn absent_if_none(v: Option<Money>) -> i64 {
    v.map_or(TRUEXP_ABSENT, Money::minor_units)
}

fn history(h: LineHistory) -> truexp_line_history {
    truexp_line_history {
        units_returned: h.units_returned,
        protected_units: h.protected_units,
        already_paid: h.already_paid.minor_units(),
        refunded: h.refunded.minor_units(),
    }
}

/// The policy's bit mask as the core's list of promotion kinds.
fn counted(mask: u32) -> Result<Vec<truexp_core::event::PromotionKind>, Fail> {
    let kinds = truexp_promotion_kind::ALL;
    let all = kinds.iter().fold(0u32, |m, k| m | (1 << k.number()));
    if mask & !all != 0 {
        return Err(errors::out_of_range(format!(
            "`policy.counted_promotions`: {mask:#x} has bits outside {all:#x} \
                 (one bit per truexp_promotion_kind 0..{})",
            kinds.len()
        )));
    }
    Ok(kinds
        .iter()
        .filter(|k| mask & (1 << k.number()) != 0)
        .map(|k| (*k).into())
        .collect())
}

/// Converts a C claim into the core's claim (strings copied, enums checked).
///
/// # Safety
/// Every pointer in `c` is NULL or valid for its length/count.
unsafe fn claim(c: &truexp_claim) -> Result<Claim, Fail> {
    // SAFETY: (whole body) the strings and arrays are valid per the contract.
    unsafe {
        let lines = order_lines(c.lines, c.line_count)?;
        let discounts = order_discounts(c.discounts, c.discount_count)?;
        let src = slice_arg(c.observations, c.observation_count, "observations")?;
        let mut observations = Vec::with_capacity(src.len());
        for (i, o) in src.iter().enumerate() {
            observations.push(PriceObservation {
                sku: req_str(o.sku, "observations[].sku")
                    .map_err(|f| at(f, "observations", i))?
                    .to_owned(),
                price: money_arg(o.price, "observations[].price")
                    .map_err(|f| at(f, "observations", i))?,
                promotion: enum_arg::<truexp_promotion_kind, _>(
                    o.promotion,
                    "observations[].promotion",
                )
                .map_err(|f| at(f, "observations", i))?,
                at: time_arg(o.at, "observations[].at").map_err(|f| at(f, "observations", i))?,
            });
        }
        let history = (slice_arg(c.history, c.history_count, "history")?.iter())
            .enumerate()
            .map(|(i, h)| {
                Ok(LineHistory {
                    units_returned: h.units_returned,
                    protected_units: h.protected_units,
                    already_paid: money_arg(h.already_paid, "history[].already_paid")
                        .map_err(|f| at(f, "history", i))?,
                    refunded: money_arg(h.refunded, "history[].refunded")
                        .map_err(|f| at(f, "history", i))?,
                })
            })
            .collect::<Result<_, Fail>>()?;
        Ok(Claim {
            order: ClaimOrder {
                order_id: req_str(c.order_id, "order_id")?.to_owned(),
                lines,
                discounts,
                ordered_at: opt_time_arg(c.ordered_at, "ordered_at")?,
                paid_at: time_arg(c.paid_at, "paid_at")?,
                received_at: opt_time_arg(c.received_at, "received_at")?,
            },
            policy: PriceProtectionPolicy {
                window_days: c.policy.window_days,
                anchor: enum_arg::<truexp_protection_anchor, _>(c.policy.anchor, "policy.anchor")?,
                counted_promotions: counted(c.policy.counted_promotions)?,
                deduct_protected_units: c.policy.deduct_protected_units != 0,
            },
            observations,
            history,
            claimed_at: time_arg(c.claimed_at, "claimed_at")?,
            funding: Default::default(),
            fake: c.fake != 0,
        })
    }
}

/// Answers one price-protection claim: for each line of `claim->lines`, in
/// order, the paid unit price, the comparison price, the protected quantity,
/// the payout with its platform/seller split, or the reason it is zero.
/// The split follows the default funding rule (a seller's own price cut is
/// the seller's; a campaign or other counted price is split by who funded
/// the discounts); automatic mode follows the engine configuration's
/// `price_protection_funding`. Pure: no engine, no state; thread-safe.
///
/// `out` receives exactly `claim->line_count` results (`out_cap` is its
/// capacity in elements) and `*out_count` their number. When `out_cap` is
/// smaller, returns `TRUEXP_RESULT_BUFFER_TOO_SMALL`, sets `*out_count` to the
/// number needed and leaves `out` untouched (`out` may be NULL when
/// `out_cap` is 0). The claim is checked before the capacity, so a refused
/// claim reports its own error whatever the buffer.
///
/// Errors: NULL `claim`/`out_count` (or a NULL array with a non-zero count)
/// `TRUEXP_RESULT_NULL_ARGUMENT`; an enum number out of range, a
/// `counted_promotions` bit above 5, or an amount outside ±(2^53 − 1)
/// minor units, `TRUEXP_RESULT_OUT_OF_RANGE`; an
/// impossible claim (negative or overflowing amount, a line discount larger
/// than its line, `history_count` neither 0 nor `line_count`, an observation
/// for a SKU not in the order or after `claimed_at`, ...)
/// `TRUEXP_RESULT_INVALID_CLAIM`. The last error names the field and the
/// value (`lines[1].line_discount`). Every string and array of `claim` is
/// only read during the call.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_price_protect_claim(
    claim: *const truexp_claim,
    out: *mut truexp_claim_line,
    out_cap: usize,
    out_count: *mut usize,
) -> truexp_result {
    guard::call(|| {
        guard::need(out_count, "out_count")?;
        // SAFETY: `claim` is NULL or a valid struct whose pointers are valid.
        let c = unsafe { self::claim(claim.as_ref().ok_or_else(|| errors::null("claim"))?)? };
        let result = assess_claim(&c).map_err(errors::claim)?;
        let n = result.lines.len();
        if out_cap < n {
            // SAFETY: non-NULL (checked), writable by contract.
            unsafe { out_count.write(n) };
            return Err(errors::buffer_too_small(format!(
                "`out` holds {out_cap} lines, {n} are needed"
            )));
        }
        if n > 0 && out.is_null() {
            return Err(errors::null("out"));
        }
        for (i, l) in result.lines.iter().enumerate() {
            let a = &l.assessment;
            let line = truexp_claim_line {
                line: l.line,
                quantity: l.quantity,
                window_start: l.window.map_or(TRUEXP_ABSENT, |w| w.start.as_secs()),
                window_end: l.window.map_or(TRUEXP_ABSENT, |w| w.end.as_secs()),
                paid_unit: a.paid_unit.minor_units(),
                comparison: absent_if_none(a.comparison),
                protected_quantity: a.protected_quantity,
                payout: a.payout.minor_units(),
                platform_part: a.platform_part.minor_units(),
                seller_part: a.seller_part.minor_units(),
                reason: reason(a.reason),
                history_after: history(l.history_after),
            };
            // SAFETY: `out` is non-NULL and valid for `out_cap >= n > i`
            // elements by contract; `write` does not read the old contents.
            unsafe { out.add(i).write(line) };
        }
        // SAFETY: non-NULL (checked), writable by contract.
        unsafe { out_count.write(n) };
        Ok(())
    })
}

/// Ingests a price change (JSON type `price_change`): it is queued for the
/// next `truexp_engine_run_price_drops`. Same outcome and error rules as
/// `truexp_engine_ingest_order_paid`; an out-of-range `promotion`, or a
/// `price` outside ±(2^53 − 1), gives `TRUEXP_RESULT_OUT_OF_RANGE`. Strings are copied. Ingestion: locks the
/// engine exclusively.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_price_change(
    engine: *mut truexp_engine,
    event: *const truexp_price_change,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        ingest_event(
            engine,
            || {
                // SAFETY: `event` is NULL or a valid struct whose strings are valid.
                unsafe {
                    let p = event_arg(event)?;
                    Ok(Event::PriceChange(PriceChange {
                        id: req_str(p.id, "id")?.to_owned(),
                        sku: req_str(p.sku, "sku")?.to_owned(),
                        price: money_arg(p.price, "price")?,
                        promotion: enum_arg::<truexp_promotion_kind, _>(p.promotion, "promotion")?,
                        at: time_arg(p.at, "at")?,
                    }))
                }
            },
            out_outcome,
        )
    })
}

/// Stores in `*out` the number of price changes queued and not yet run by
/// `truexp_engine_run_price_drops`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_pending_price_drops(
    engine: *const truexp_engine,
    out: *mut usize,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        guard::need(out, "out")?;
        let n = e.read()?.price_protection().pending_drops();
        // SAFETY: non-NULL, writable by contract.
        unsafe { guard::write_out(out, n, "out") }
    })
}

/// Writes, as JSON (`{"deductions":[{"order_id","line","sku","at",
/// "units_returned"|null,"refunded"|null,"deducted"}],"total_deducted":N}`),
/// every deduction of protection already paid from a later refund or
/// return (a later refund deducts the protection payout first: the amounts
/// a platform's refund system must withhold), by (order id, line, time),
/// into `buf`. Lines are as the book holds them now: call after
/// `truexp_engine_run_price_drops`. Buffer rules as
/// `truexp_engine_explain_json`. Query (read lock).
///
/// Thread safety: any number of threads may call this on one engine at once (it takes the read lock).
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_price_protection_deductions_json(
    engine: *const truexp_engine,
    buf: *mut std::os::raw::c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    // SAFETY: the contract above, forwarded.
    unsafe {
        crate::query::json_answer(engine, buf, len, written, |e| {
            let deductions = e.price_protection().deduction_records();
            let total = Money::checked_sum(deductions.iter().map(|d| d.deducted))
                .ok_or_else(|| errors::out_of_range("total_deducted is outside the money range"))?;
            Ok(serde_json::json!({
                "deductions": deductions,
                "total_deducted": total,
            }))
        })
    }
}

fn line_payout(
    order_id: &str,
    sku: &str,
    drop_id: &str,
    drop_at: i64,
    p: &LinePayout,
) -> truexp_line_payout {
    let a: &LineAssessment = &p.assessment;
    let s = |s: &str| truexp_str {
        ptr: s.as_ptr().cast(),
        len: s.len(),
    };
    truexp_line_payout {
        order_id: s(order_id),
        line: p.line as usize,
        sku: s(sku),
        quantity: p.quantity,
        drop_id: s(drop_id),
        drop_at,
        window_start: p.window.start.as_secs(),
        window_end: p.window.end.as_secs(),
        paid_unit: a.paid_unit.minor_units(),
        comparison: absent_if_none(a.comparison),
        protected_quantity: a.protected_quantity,
        payout: a.payout.minor_units(),
        platform_part: a.platform_part.minor_units(),
        seller_part: a.seller_part.minor_units(),
        reason: reason(a.reason),
    }
}

/// Automatic mode (自动价差计算): runs every queued price change (from
/// `truexp_engine_ingest_price_change` or JSON `price_change` events) over
/// every line of a shop with a price-protection policy whose window
/// contains the change, records the payouts (a later drop pays only the
/// increment), empties the queue and stores the number of price changes run
/// in `*out_drops`.
///
/// Each line result, zero payouts included (with their reason), is handed
/// to `cb(ctx, &payout)`, in the order of the Rust `Engine::run_price_drops`:
/// by drop time, then drop event id, then order time and line. `cb` may be
/// NULL to record the payouts without looking at them.
///
/// Why a callback and not an array: the number of results is known only
/// after running, and running changes the engine (payouts are recorded),
/// so the call cannot be repeated with a larger buffer.
///
/// Callback rules: `cb` runs on the calling thread, after the drops are
/// computed but **while the engine is still locked for writing**: it must
/// not call any `truexp_*` function on the same engine (that deadlocks);
/// other engines and the pure functions are fine. It must return normally
/// (no C++ exception, no `longjmp` out of it). The `truexp_line_payout` and
/// the strings it points to (order id, SKU, drop id: engine memory, not
/// NUL-terminated) are valid only until `cb` returns; copy what you keep.
///
/// Errors: NULL `engine`/`out_drops` `TRUEXP_RESULT_NULL_ARGUMENT` (nothing
/// runs). A failure of the run (a checked overflow, only possible with
/// amounts near the money range's ends) gives
/// `TRUEXP_RESULT_INVALID_EVENT` with the detail; the queue is then empty,
/// the results computed before the failure are recorded and were all
/// handed to `cb`, and `*out_drops` is not written. Ingestion: locks the
/// engine exclusively for the whole run.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_run_price_drops(
    engine: *mut truexp_engine,
    cb: truexp_payout_cb,
    ctx: *mut c_void,
    out_drops: *mut usize,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        guard::need(out_drops, "out_drops")?;
        let mut engine = e.write()?;
        // The book is borrowed mutably during the run, so order ids can be
        // resolved only afterwards: collect the (small, `Copy`) results with
        // the drop they belong to, then hand them out. The core yields them
        // grouped by SKU; a stable sort by (drop time, drop id) restores the
        // `run_price_drops` order (each drop's results stay in scan order).
        let mut drops: Vec<(String, i64)> = Vec::new();
        let mut results: Vec<(usize, LinePayout)> = Vec::new();
        let mut last: *const PriceChange = std::ptr::null();
        let run = engine.run_price_drops_with(|drop, payout| {
            if !std::ptr::eq(drop, last) {
                last = drop;
                drops.push((drop.id.clone(), drop.at.as_secs()));
            }
            results.push((drops.len() - 1, *payout));
        });
        results.sort_by(|(a, _), (b, _)| {
            let (a, b) = (&drops[*a], &drops[*b]);
            (a.1, &a.0).cmp(&(b.1, &b.0))
        });
        if let Some(cb) = cb {
            let book = engine.price_protection();
            for (d, p) in &results {
                let (drop_id, drop_at) = &drops[*d];
                let payout = line_payout(
                    book.order_id(p.order),
                    book.sku(p.sku),
                    drop_id,
                    *drop_at,
                    p,
                );
                // SAFETY: `cb` is a valid function by contract; `payout` and
                // the strings it points to live until after the call returns.
                unsafe { cb(ctx, &payout) };
            }
        }
        let ran = run.map_err(errors::price_drops)?;
        // SAFETY: non-NULL (checked), writable by contract.
        unsafe { guard::write_out(out_drops, ran, "out_drops") }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{truexp_engine_free, truexp_engine_new};

    fn str_of(s: &'static str) -> truexp_str {
        truexp_str {
            ptr: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    /// Issue 14 through the C struct: money refunded on a line caps the
    /// payout (10,000 paid, 3,000 refunded, a drop to 0 pays 7,000), travels
    /// in `history_after`, and a refund above the paid amount is refused
    /// naming the field.
    #[test]
    fn a_claim_history_carries_refunded_money() {
        let line = truexp_order_line {
            sku: str_of("k"),
            quantity: 1,
            unit_price: 10_000,
            line_discount: 0,
        };
        let observation = truexp_price_observation {
            sku: str_of("k"),
            price: 0,
            promotion: truexp_promotion_kind::Public as u32,
            at: 1_785_800_100,
        };
        let mut history = truexp_line_history {
            refunded: 3_000,
            ..Default::default()
        };
        let claim = |history: &truexp_line_history| truexp_claim {
            order_id: str_of("o1"),
            lines: &line,
            line_count: 1,
            discounts: std::ptr::null(),
            discount_count: 0,
            ordered_at: TRUEXP_ABSENT,
            paid_at: 1_785_800_000,
            received_at: TRUEXP_ABSENT,
            policy: truexp_protection_policy {
                window_days: 7,
                anchor: truexp_protection_anchor::Order as u32,
                counted_promotions: TRUEXP_COUNTED_PROMOTIONS_DEFAULT,
                deduct_protected_units: 0,
            },
            observations: &observation,
            observation_count: 1,
            history,
            history_count: 1,
            claimed_at: 1_785_800_200,
            fake: 0,
        };
        // SAFETY: a plain C struct of integers, pointers and a 0-valued enum.
        let mut out: [truexp_claim_line; 1] = unsafe { std::mem::zeroed() };
        let mut n = 0usize;
        let c = claim(&history);
        assert_eq!(
            truexp_price_protect_claim(&c, out.as_mut_ptr(), 1, &mut n),
            truexp_result::Ok
        );
        assert_eq!((n, out[0].payout), (1, 7_000));
        assert_eq!(out[0].history_after.refunded, 3_000);
        assert_eq!(out[0].history_after.already_paid, 7_000);
        history.refunded = 10_000;
        let c = claim(&history);
        assert_eq!(
            truexp_price_protect_claim(&c, out.as_mut_ptr(), 1, &mut n),
            truexp_result::Ok
        );
        assert_eq!(out[0].payout, 0);
        assert_eq!(out[0].reason, truexp_zero_payout_reason::FullyRefunded);
        history.refunded = 10_001;
        let c = claim(&history);
        assert_eq!(
            truexp_price_protect_claim(&c, out.as_mut_ptr(), 1, &mut n),
            truexp_result::InvalidClaim
        );
        let msg = crate::result::last_error();
        assert!(msg.contains("history[0].refunded"), "{msg}");
        assert!(msg.contains("10001"), "{msg}");
        // the risk verdict: a fake order's claim is refused, nothing paid,
        // the history handed back unchanged
        history.refunded = 3_000;
        let c = truexp_claim {
            fake: 1,
            ..claim(&history)
        };
        assert_eq!(
            truexp_price_protect_claim(&c, out.as_mut_ptr(), 1, &mut n),
            truexp_result::Ok
        );
        assert_eq!(out[0].payout, 0);
        assert_eq!(out[0].reason, truexp_zero_payout_reason::FakeOrder);
        assert_eq!(out[0].history_after, history);
    }

    #[test]
    fn null_arguments_are_codes_and_a_null_callback_only_records() {
        let mut n = 0usize;
        assert_eq!(
            truexp_engine_run_price_drops(std::ptr::null_mut(), None, std::ptr::null_mut(), &mut n),
            truexp_result::NullArgument
        );
        let mut raw = std::ptr::null_mut();
        assert_eq!(truexp_engine_new(&mut raw), truexp_result::Ok);
        assert_eq!(
            truexp_engine_run_price_drops(raw, None, std::ptr::null_mut(), std::ptr::null_mut()),
            truexp_result::NullArgument
        );
        let drop = truexp_price_change {
            id: str_of("d1"),
            sku: str_of("k"),
            price: 100,
            promotion: 9,
            at: 1_785_800_000,
        };
        let mut outcome = 0u32;
        assert_eq!(
            truexp_engine_ingest_price_change(raw, &drop, &mut outcome),
            truexp_result::OutOfRange
        );
        let drop = truexp_price_change {
            promotion: 1,
            ..drop
        };
        assert_eq!(
            truexp_engine_ingest_price_change(raw, &drop, &mut outcome),
            truexp_result::Ok
        );
        let mut pending = 0usize;
        assert_eq!(
            truexp_engine_pending_price_drops(raw, &mut pending),
            truexp_result::Ok
        );
        assert_eq!(pending, 1);
        n = 99;
        assert_eq!(
            truexp_engine_run_price_drops(raw, None, std::ptr::null_mut(), &mut n),
            truexp_result::Ok
        );
        assert_eq!(n, 1);
        assert_eq!(
            truexp_engine_pending_price_drops(raw, &mut pending),
            truexp_result::Ok
        );
        assert_eq!(pending, 0);
        truexp_engine_free(raw);
    }

    /// Ingests `drop` into `raw`, which must refuse it as out of range with
    /// a message naming each of `says`, and take nothing.
    fn refused_out_of_range(raw: *mut truexp_engine, drop: &truexp_price_change, says: &[&str]) {
        let mut outcome = 0u32;
        assert_eq!(
            truexp_engine_ingest_price_change(raw, drop, &mut outcome),
            truexp_result::OutOfRange
        );
        let msg = crate::result::last_error();
        assert!(says.iter().all(|w| msg.contains(w)), "{msg}");
        let mut pending = 9usize;
        assert_eq!(
            truexp_engine_pending_price_drops(raw, &mut pending),
            truexp_result::Ok
        );
        assert_eq!(pending, 0, "nothing taken");
    }

    /// Money from C outside ±(2^53 − 1) minor units is out of range,
    /// named, and changes nothing.
    #[test]
    fn money_outside_its_range_is_out_of_range_naming_the_field() {
        let mut raw = std::ptr::null_mut();
        assert_eq!(truexp_engine_new(&mut raw), truexp_result::Ok);
        let drop = truexp_price_change {
            id: str_of("d1"),
            sku: str_of("k"),
            price: 1 << 53,
            promotion: 1,
            at: 1_785_800_000,
        };
        refused_out_of_range(raw, &drop, &["`price`", "money range"]);
        let mut outcome = 0u32;
        let drop = truexp_price_change {
            price: (1 << 53) - 1,
            ..drop
        };
        assert_eq!(
            truexp_engine_ingest_price_change(raw, &drop, &mut outcome),
            truexp_result::Ok
        );
        truexp_engine_free(raw);
    }

    /// A moment from C outside years −9999..=9999 is out of range, named,
    /// and changes nothing: an event's time and a query's `as_of` alike.
    #[test]
    fn a_moment_outside_time_is_out_of_range_naming_the_argument() {
        let mut raw = std::ptr::null_mut();
        assert_eq!(truexp_engine_new(&mut raw), truexp_result::Ok);
        let drop = truexp_price_change {
            id: str_of("d1"),
            sku: str_of("k"),
            price: 100,
            promotion: 1,
            at: i64::MIN,
        };
        refused_out_of_range(raw, &drop, &["`at`", "timestamp range"]);
        let mut written = 0usize;
        for as_of in [i64::MIN, i64::MAX, 253_402_300_800] {
            assert_eq!(
                crate::query::truexp_engine_scoreboard_json(
                    raw,
                    as_of,
                    std::ptr::null_mut(),
                    0,
                    &mut written
                ),
                truexp_result::OutOfRange,
                "{as_of}"
            );
            let msg = crate::result::last_error();
            assert!(msg.contains("`as_of`"), "{msg}");
        }
        // the engine and the shop are checked before the moment (found by
        // the ffi_sequence fuzz target: a NULL engine gave OUT_OF_RANGE)
        let mut score = std::mem::MaybeUninit::uninit();
        let mut code = |engine, shop: &[u8]| {
            crate::query::truexp_engine_shop_score(
                engine,
                shop.as_ptr().cast(),
                shop.len(),
                i64::MIN,
                score.as_mut_ptr(),
            )
        };
        assert_eq!(code(std::ptr::null(), b"s1"), truexp_result::NullArgument);
        assert_eq!(code(raw, b"\xff"), truexp_result::InvalidUtf8);
        assert_eq!(code(raw, b"s1"), truexp_result::OutOfRange);
        // the last moment is a moment
        assert_eq!(
            crate::query::truexp_engine_scoreboard_json(
                raw,
                253_402_300_799,
                std::ptr::null_mut(),
                0,
                &mut written
            ),
            truexp_result::BufferTooSmall
        );
        truexp_engine_free(raw);
    }

    #[test]
    fn the_mask_maps_bit_by_bit() {
        use truexp_core::event::{default_counted_promotions, PromotionKind};
        assert_eq!(
            counted(TRUEXP_COUNTED_PROMOTIONS_DEFAULT).unwrap(),
            default_counted_promotions()
        );
        assert_eq!(
            counted(TRUEXP_PROMOTION_BIT_MEMBER_ONLY).unwrap(),
            [PromotionKind::MemberOnly]
        );
        assert_eq!(counted(1 << 6).unwrap_err().code, truexp_result::OutOfRange);
    }
}
