//! Ingestion: one JSON event, a JSON Lines buffer, or typed C structs.
//!
//! Why typed structs besides JSON: a C service that already holds its facts
//! in memory should not print JSON for the engine to parse again. Each
//! struct is converted field by field into the core's `Event` (strings are
//! copied, enums validated) and goes through the same `Engine::ingest` as
//! JSON, so validation and idempotence are identical.

use std::os::raw::c_char;

use truexp_core::event::{
    ChatSession, Delivered, Funder, OrderDiscount, OrderLine, OrderPaid, PromotionKind,
    RefundCompleted, RefundKind, RefundReason, RefundRequested, Review, RiskFlags, Shipped,
};
use truexp_core::{Event, IngestReport, Ingested, Money, Timestamp};

use crate::engine::{engine_ref, truexp_engine};
use crate::errors;
use crate::guard::{self, opt_str, req_str, slice_arg, Fail};
use crate::result::{set_last_error, truexp_result};
use crate::types::*;

fn outcome(i: Ingested) -> truexp_ingested {
    match i {
        Ingested::Applied => truexp_ingested::Applied,
        Ingested::Duplicate => truexp_ingested::Duplicate,
        Ingested::Pending => truexp_ingested::Pending,
    }
}

/// Ingests `event` under the write lock and stores the outcome.
pub(crate) fn ingest_event(
    engine: *mut truexp_engine,
    event: impl FnOnce() -> Result<Event, Fail>,
    out_outcome: *mut u32,
) -> Result<(), Fail> {
    // SAFETY: NULL or a live engine, by contract.
    let e = unsafe { engine_ref(engine)? };
    let event = event()?;
    let done = e.write()?.ingest(event).map_err(errors::event)?;
    if !out_outcome.is_null() {
        // SAFETY: non-NULL, writable by contract.
        unsafe { out_outcome.write(outcome(done) as u32) };
    }
    Ok(())
}

/// Parses, validates and ingests one JSON event (`len` bytes at `json`, no
/// NUL needed). On success `*out_outcome` (if not NULL) receives a
/// `truexp_ingested` value; a refused event gives
/// `TRUEXP_RESULT_INVALID_EVENT` (detail: event id, field, reason) and changes
/// nothing; so does an event longer than 16 MiB, the longest line
/// `truexp_engine_ingest_jsonl` reads (refused before it is parsed).
/// Ingestion: locks the engine exclusively.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_json(
    engine: *mut truexp_engine,
    json: *const c_char,
    len: usize,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: `json` is NULL or `len` readable bytes, by contract.
        let text = unsafe { guard::str_arg(json, len, "json")? };
        ingest_event(
            engine,
            || truexp_core::parse_event(text).map_err(errors::event),
            out_outcome,
        )
    })
}

/// Reads a JSON Lines buffer (`len` bytes at `buf`, one event per line,
/// blank lines skipped) and stores the counts in `*out_report`.
///
/// Refused lines (bad JSON, invalid UTF-8, invalid events, lines longer than
/// 16 MiB) are skipped and counted; the rest are kept, and the call still returns `TRUEXP_RESULT_OK`.
/// When any line was refused, `first_rejected_line` names the first one and
/// the thread's last error holds its detail; `truexp_last_rejected_json`
/// lists them all (up to 1,000). Ingestion: locks the engine exclusively for
/// the whole buffer.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_jsonl(
    engine: *mut truexp_engine,
    buf: *const c_char,
    len: usize,
    out_report: *mut truexp_ingest_report,
) -> truexp_result {
    guard::call(|| {
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        guard::need(out_report, "out_report")?;
        // SAFETY: `buf` is NULL or `len` readable bytes, by contract.
        let bytes = unsafe { guard::bytes_arg(buf, len, "buf")? };
        let out = c_report(&e.write()?.ingest_jsonl(bytes), "line");
        // SAFETY: non-NULL, writable by contract.
        unsafe { guard::write_out(out_report, out, "out_report") }
    })
}

/// The most refused lines or rows `truexp_last_rejected_json` lists (the
/// count is always whole), each of their strings cut to
/// [`MAX_LISTED_BYTES`]: what a thread keeps between calls is bounded
/// (~3 MB at worst, a few hundred bytes a refusal in practice).
pub(crate) const MAX_LISTED_REJECTIONS: usize = 1_000;

/// The longest event id, field or message a listed refusal keeps (a field
/// names JSON keys as they were sent, of any length); a longer one is cut
/// at a character boundary and ends in `…`.
pub(crate) const MAX_LISTED_BYTES: usize = 1_024;

/// `text` cut to [`MAX_LISTED_BYTES`].
fn listed_text(text: &str) -> String {
    if text.len() <= MAX_LISTED_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_LISTED_BYTES - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The refusals of the thread's latest ingestion call that returned a
/// report, as `truexp_last_rejected_json` writes them.
#[derive(Default, serde::Serialize)]
struct LastRejected {
    /// "line" (JSON Lines) or "row" (Arrow); null before any such call.
    unit: Option<&'static str>,
    /// Refused in all.
    rejected: u64,
    /// The first [`MAX_LISTED_REJECTIONS`] of them, in order.
    refusals: Vec<Refusal>,
}

#[derive(serde::Serialize)]
struct Refusal {
    /// 1-based line or row number.
    number: u64,
    #[serde(flatten)]
    error: truexp_core::EventError,
}

thread_local! {
    static LAST_REJECTED: std::cell::RefCell<LastRejected> = std::cell::RefCell::default();
}

/// `report` for C; its first refused line (`unit`: "line", or "row" for
/// Arrow) becomes the thread's last error, and its refusals the thread's
/// last rejected list.
pub(crate) fn c_report(report: &IngestReport, unit: &'static str) -> truexp_ingest_report {
    let first = report.rejected.first();
    if let Some((at, err)) = first {
        set_last_error(&format!("{unit} {at}: {err}"));
    }
    let listed = (report.rejected.iter().take(MAX_LISTED_REJECTIONS))
        .map(|(number, error)| Refusal {
            number: *number,
            error: truexp_core::EventError {
                event_id: error.event_id.as_deref().map(listed_text),
                field: listed_text(&error.field),
                message: listed_text(&error.message),
            },
        })
        .collect();
    // as the last error: a thread being torn down keeps nothing
    let _ = LAST_REJECTED.try_with(|last| {
        *last.borrow_mut() = LastRejected {
            unit: Some(unit),
            rejected: report.rejected.len() as u64,
            refusals: listed,
        }
    });
    truexp_ingest_report {
        lines: report.lines,
        accepted: report.accepted,
        duplicates: report.duplicates,
        rejected: report.rejected.len() as u64,
        first_rejected_line: first.map_or(0, |(at, _)| *at),
    }
}

/// Writes the lines (or rows) the calling thread's latest
/// `truexp_engine_ingest_jsonl` or `truexp_engine_ingest_arrow_stream` refused
/// into `buf`, as JSON: `{"unit":"line","rejected":N,"refusals":[{"number",
/// "event_id","field","message"}, …]}`, in order, at most the first 1,000
/// listed (`rejected` counts them all), each string cut to 1,024 bytes
/// (ending in `…` when cut). Before any such call on this thread,
/// `unit` is null and the list empty. Kept per thread like the last error,
/// replaced by each of those calls that writes `*out_report` (also one that
/// refused nothing), and not changed by any other call. Buffer rules as
/// `truexp_engine_explain_json`. Like `truexp_last_error_message`, it never
/// changes the last error (not even when the buffer is too small).
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_last_rejected_json(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> truexp_result {
    guard::call_quiet(|| {
        guard::need(written, "written")?;
        let json = LAST_REJECTED
            .try_with(|last| crate::query::to_json(&*last.borrow()))
            .unwrap_or_else(|_| crate::query::to_json(&LastRejected::default()))?;
        // SAFETY: the caller promises `buf` points to `len` writable bytes (or
        // is NULL) and `written` to one writable size_t.
        unsafe { guard::write_string(&json, buf, len, written) }
    })
}

/// An amount from C as [`Money`]: outside the money range (±(2^53 − 1)
/// minor units) it is `TRUEXP_RESULT_OUT_OF_RANGE`, naming `what`.
pub(crate) fn money_arg(v: i64, what: &str) -> Result<Money, Fail> {
    Money::new(v).map_err(|e| errors::out_of_range(format!("`{what}`: {e}")))
}

/// A moment from C (UTC seconds) as [`Timestamp`]: outside years
/// −9999..=9999 it is `TRUEXP_RESULT_OUT_OF_RANGE`, naming `what`.
pub(crate) fn time_arg(v: i64, what: &str) -> Result<Timestamp, Fail> {
    Timestamp::new(v).map_err(|e| errors::out_of_range(format!("`{what}`: {e}")))
}

/// An optional moment from C: `TRUEXP_ABSENT` is none, else as [`time_arg`].
pub(crate) fn opt_time_arg(v: i64, what: &str) -> Result<Option<Timestamp>, Fail> {
    opt_int(v).map(|t| time_arg(t, what)).transpose()
}

pub(crate) fn opt_int(v: i64) -> Option<i64> {
    (v != TRUEXP_ABSENT).then_some(v)
}

/// A `uint32_t` from C as the core enum behind C enum `C`: the number is
/// checked against `C`'s discriminants (`TRUEXP_RESULT_OUT_OF_RANGE`
/// otherwise), then converted by an exhaustive `match` (see the `From`
/// impls below), so no table depends on the order of variants.
pub(crate) fn enum_arg<C, T>(value: u32, what: &str) -> Result<T, Fail>
where
    C: CEnum + TryFrom<u32> + Into<T>,
{
    C::try_from(value).map(Into::into).map_err(|_| {
        errors::out_of_range(format!(
            "`{what}`: {value} is not one of 0..{}",
            C::ALL.len()
        ))
    })
}

impl From<truexp_funder> for Funder {
    fn from(c: truexp_funder) -> Funder {
        match c {
            truexp_funder::Platform => Funder::Platform,
            truexp_funder::Seller => Funder::Seller,
        }
    }
}

impl From<truexp_promotion_kind> for PromotionKind {
    fn from(c: truexp_promotion_kind) -> PromotionKind {
        match c {
            truexp_promotion_kind::None => PromotionKind::None,
            truexp_promotion_kind::Public => PromotionKind::Public,
            truexp_promotion_kind::PlatformCampaign => PromotionKind::PlatformCampaign,
            truexp_promotion_kind::PersonalCoupon => PromotionKind::PersonalCoupon,
            truexp_promotion_kind::PaymentChannel => PromotionKind::PaymentChannel,
            truexp_promotion_kind::MemberOnly => PromotionKind::MemberOnly,
        }
    }
}

impl From<truexp_refund_kind> for RefundKind {
    fn from(c: truexp_refund_kind) -> RefundKind {
        match c {
            truexp_refund_kind::RefundOnly => RefundKind::RefundOnly,
            truexp_refund_kind::ReturnAndRefund => RefundKind::ReturnAndRefund,
            truexp_refund_kind::Exchange => RefundKind::Exchange,
        }
    }
}

impl From<truexp_refund_reason> for RefundReason {
    fn from(c: truexp_refund_reason) -> RefundReason {
        match c {
            truexp_refund_reason::Quality => RefundReason::Quality,
            truexp_refund_reason::NotAsDescribed => RefundReason::NotAsDescribed,
            truexp_refund_reason::Damaged => RefundReason::Damaged,
            truexp_refund_reason::Defective => RefundReason::Defective,
            truexp_refund_reason::Expired => RefundReason::Expired,
            truexp_refund_reason::Counterfeit => RefundReason::Counterfeit,
            truexp_refund_reason::WrongSize => RefundReason::WrongSize,
            truexp_refund_reason::NoReason => RefundReason::NoReason,
            truexp_refund_reason::NotReceived => RefundReason::NotReceived,
            truexp_refund_reason::Late => RefundReason::Late,
            truexp_refund_reason::Other => RefundReason::Other,
        }
    }
}

impl From<truexp_protection_anchor> for truexp_core::event::ProtectionAnchor {
    fn from(c: truexp_protection_anchor) -> Self {
        use truexp_core::event::ProtectionAnchor as A;
        match c {
            truexp_protection_anchor::Order => A::Order,
            truexp_protection_anchor::Payment => A::Payment,
            truexp_protection_anchor::Receipt => A::Receipt,
        }
    }
}

/// Puts the index into a failure's field name (`lines[]` → `lines[3]`); done
/// only on failure, so the hot path formats nothing.
pub(crate) fn at(mut fail: Fail, array: &str, index: usize) -> Fail {
    fail.detail = fail
        .detail
        .replacen(&format!("{array}[]"), &format!("{array}[{index}]"), 1);
    fail
}

/// Converts C order lines (shared by orders and price-protection claims).
///
/// # Safety
/// `ptr` is NULL or valid for `count` lines whose strings are valid.
pub(crate) unsafe fn order_lines(
    ptr: *const truexp_order_line,
    count: usize,
) -> Result<Vec<OrderLine>, Fail> {
    // SAFETY: (whole body) the array and its strings are valid per the contract.
    unsafe {
        // Plain loops into exactly sized vectors: `collect::<Result<Vec<_>, _>>`
        // cannot know the length and over-allocates on this hot path.
        let src = slice_arg(ptr, count, "lines")?;
        let mut lines = Vec::with_capacity(src.len());
        for (i, l) in src.iter().enumerate() {
            lines.push(OrderLine {
                sku: req_str(l.sku, "lines[].sku")
                    .map_err(|f| at(f, "lines", i))?
                    .to_owned(),
                quantity: l.quantity,
                unit_price: money_arg(l.unit_price, "lines[].unit_price")
                    .map_err(|f| at(f, "lines", i))?,
                line_discount: money_arg(l.line_discount, "lines[].line_discount")
                    .map_err(|f| at(f, "lines", i))?,
            });
        }
        Ok(lines)
    }
}

/// Converts C order-level discounts (shared by orders and claims).
///
/// # Safety
/// `ptr` is NULL or valid for `count` discounts.
pub(crate) unsafe fn order_discounts(
    ptr: *const truexp_order_discount,
    count: usize,
) -> Result<Vec<OrderDiscount>, Fail> {
    // SAFETY: the array is valid per the contract.
    let src = unsafe { slice_arg(ptr, count, "discounts")? };
    let mut discounts = Vec::with_capacity(src.len());
    for (i, d) in src.iter().enumerate() {
        discounts.push(OrderDiscount {
            amount: money_arg(d.amount, "discounts[].amount").map_err(|f| at(f, "discounts", i))?,
            funded_by: enum_arg::<truexp_funder, _>(d.funded_by, "discounts[].funded_by")
                .map_err(|f| at(f, "discounts", i))?,
            kind: enum_arg::<truexp_promotion_kind, _>(d.kind, "discounts[].kind")
                .map_err(|f| at(f, "discounts", i))?,
        });
    }
    Ok(discounts)
}

/// Converts a C order into the core event.
///
/// # Safety
/// Every pointer in `o` is NULL or valid for its length/count.
unsafe fn order_paid(o: &truexp_order_paid) -> Result<Event, Fail> {
    // SAFETY: (whole body) the strings and arrays are valid per the contract.
    unsafe {
        let lines = order_lines(o.lines, o.line_count)?;
        let discounts = order_discounts(o.discounts, o.discount_count)?;
        let src = slice_arg(o.tags, o.tag_count, "tags")?;
        let mut tags = Vec::with_capacity(src.len());
        for (i, t) in src.iter().enumerate() {
            tags.push(
                req_str(*t, "tags[]")
                    .map_err(|f| at(f, "tags", i))?
                    .to_owned(),
            );
        }
        Ok(Event::OrderPaid(OrderPaid {
            id: req_str(o.id, "id")?.to_owned(),
            order_id: req_str(o.order_id, "order_id")?.to_owned(),
            shop_id: req_str(o.shop_id, "shop_id")?.to_owned(),
            buyer_id: req_str(o.buyer_id, "buyer_id")?.to_owned(),
            category: req_str(o.category, "category")?.to_owned(),
            lines,
            discounts,
            ordered_at: opt_time_arg(o.ordered_at, "ordered_at")?,
            paid_at: time_arg(o.paid_at, "paid_at")?,
            ship_by: time_arg(o.ship_by, "ship_by")?,
            deliver_by: opt_time_arg(o.deliver_by, "deliver_by")?,
            risk: RiskFlags { fake: o.fake != 0 },
            tags,
            region: None,
        }))
    }
}

/// Borrows a typed event struct.
///
/// # Safety
/// `ptr` is NULL or points to an initialised `T`.
pub(crate) unsafe fn event_arg<'a, T>(ptr: *const T) -> Result<&'a T, Fail> {
    // SAFETY: forwarded contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| errors::null("event"))
}

/// Ingests a paid order. Same outcome and error rules as
/// `truexp_engine_ingest_json`; an out-of-range `funded_by` or `kind`, or an
/// amount outside ±(2^53 − 1) minor units, gives
/// `TRUEXP_RESULT_OUT_OF_RANGE`. Every string and array in `event` is copied;
/// they need only live for the call. Ingestion: locks the engine exclusively.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_order_paid(
    engine: *mut truexp_engine,
    event: *const truexp_order_paid,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        ingest_event(
            engine,
            // SAFETY: `event` is NULL or a valid struct whose pointers are valid.
            || unsafe { order_paid(event_arg(event)?) },
            out_outcome,
        )
    })
}

/// Ingests a shipment. Rules as `truexp_engine_ingest_order_paid`.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_shipped(
    engine: *mut truexp_engine,
    event: *const truexp_shipped,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        ingest_event(
            engine,
            || {
                // SAFETY: `event` is NULL or a valid struct whose strings are valid.
                unsafe {
                    let s = event_arg(event)?;
                    Ok(Event::Shipped(Shipped {
                        id: req_str(s.id, "id")?.to_owned(),
                        order_id: req_str(s.order_id, "order_id")?.to_owned(),
                        at: time_arg(s.at, "at")?,
                        pickup_at: opt_time_arg(s.pickup_at, "pickup_at")?,
                        tracking_valid: s.tracking_valid != 0,
                    }))
                }
            },
            out_outcome,
        )
    })
}

/// Ingests a delivery. Rules as `truexp_engine_ingest_order_paid`.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_delivered(
    engine: *mut truexp_engine,
    event: *const truexp_delivered,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        ingest_event(
            engine,
            || {
                // SAFETY: `event` is NULL or a valid struct whose strings are valid.
                unsafe {
                    let d = event_arg(event)?;
                    Ok(Event::Delivered(Delivered {
                        id: req_str(d.id, "id")?.to_owned(),
                        order_id: req_str(d.order_id, "order_id")?.to_owned(),
                        at: time_arg(d.at, "at")?,
                    }))
                }
            },
            out_outcome,
        )
    })
}

/// Ingests a review. Rules as `truexp_engine_ingest_order_paid`.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_review(
    engine: *mut truexp_engine,
    event: *const truexp_review,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        ingest_event(
            engine,
            || {
                // SAFETY: `event` is NULL or a valid struct whose strings are valid.
                unsafe {
                    let r = event_arg(event)?;
                    Ok(Event::Review(Review {
                        id: req_str(r.id, "id")?.to_owned(),
                        order_id: req_str(r.order_id, "order_id")?.to_owned(),
                        reviewer: req_str(r.reviewer, "reviewer")?.to_owned(),
                        at: time_arg(r.at, "at")?,
                        product_stars: r.product_stars,
                        logistics_stars: opt_int(r.logistics_stars),
                        service_stars: opt_int(r.service_stars),
                        suspicious: r.suspicious != 0,
                    }))
                }
            },
            out_outcome,
        )
    })
}

/// Ingests a refund request; an out-of-range `kind` or `reason`, or an
/// `amount` outside ±(2^53 − 1), gives `TRUEXP_RESULT_OUT_OF_RANGE`. Rules as `truexp_engine_ingest_order_paid`.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_refund_requested(
    engine: *mut truexp_engine,
    event: *const truexp_refund_requested,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        ingest_event(
            engine,
            || {
                // SAFETY: `event` is NULL or a valid struct whose strings are valid.
                unsafe {
                    let r = event_arg(event)?;
                    Ok(Event::RefundRequested(RefundRequested {
                        id: req_str(r.id, "id")?.to_owned(),
                        order_id: req_str(r.order_id, "order_id")?.to_owned(),
                        refund_id: req_str(r.refund_id, "refund_id")?.to_owned(),
                        at: time_arg(r.at, "at")?,
                        kind: enum_arg::<truexp_refund_kind, _>(r.kind, "kind")?,
                        reason: enum_arg::<truexp_refund_reason, _>(r.reason, "reason")?,
                        amount: money_arg(r.amount, "amount")?,
                        sku: opt_str(r.sku, "sku")?.map(str::to_owned),
                        units: opt_int(r.units),
                    }))
                }
            },
            out_outcome,
        )
    })
}

/// Ingests a completed refund. Rules as `truexp_engine_ingest_order_paid`.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_refund_completed(
    engine: *mut truexp_engine,
    event: *const truexp_refund_completed,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        ingest_event(
            engine,
            || {
                // SAFETY: `event` is NULL or a valid struct whose strings are valid.
                unsafe {
                    let r = event_arg(event)?;
                    Ok(Event::RefundCompleted(RefundCompleted {
                        id: req_str(r.id, "id")?.to_owned(),
                        order_id: req_str(r.order_id, "order_id")?.to_owned(),
                        refund_id: req_str(r.refund_id, "refund_id")?.to_owned(),
                        at: time_arg(r.at, "at")?,
                        amount: money_arg(r.amount, "amount")?,
                        units_returned: opt_int(r.units_returned),
                    }))
                }
            },
            out_outcome,
        )
    })
}

/// Ingests a chat session. Rules as `truexp_engine_ingest_order_paid`.
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_chat(
    engine: *mut truexp_engine,
    event: *const truexp_chat,
    out_outcome: *mut u32,
) -> truexp_result {
    guard::call(|| {
        ingest_event(
            engine,
            || {
                // SAFETY: `event` is NULL or a valid struct whose strings are valid.
                unsafe {
                    let c = event_arg(event)?;
                    Ok(Event::Chat(ChatSession {
                        id: req_str(c.id, "id")?.to_owned(),
                        shop_id: req_str(c.shop_id, "shop_id")?.to_owned(),
                        buyer_id: req_str(c.buyer_id, "buyer_id")?.to_owned(),
                        started_at: time_arg(c.started_at, "started_at")?,
                        first_response_secs: opt_int(c.first_response_secs),
                        satisfaction: opt_int(c.satisfaction),
                        agent_certification: opt_str(c.agent_certification, "agent_certification")?
                            .map(str::to_owned),
                        // the struct keeps its layout (ABI): agent ids come
                        // through JSON and Arrow ingestion
                        agent_id: None,
                    }))
                }
            },
            out_outcome,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{truexp_engine_free, truexp_engine_new};

    fn last_rejected() -> serde_json::Value {
        let mut needed = 0;
        let code = truexp_last_rejected_json(std::ptr::null_mut(), 0, &mut needed);
        assert_eq!(code, truexp_result::BufferTooSmall);
        let mut buf = vec![0 as c_char; needed];
        let mut written = 0;
        let code = truexp_last_rejected_json(buf.as_mut_ptr(), buf.len(), &mut written);
        assert_eq!(code, truexp_result::Ok);
        let bytes: Vec<u8> = buf[..written].iter().map(|&c| c as u8).collect();
        serde_json::from_slice(&bytes).expect("JSON")
    }

    #[test]
    fn every_refused_line_is_listed_up_to_the_limit() {
        std::thread::spawn(|| {
            let before = last_rejected();
            assert_eq!(before["unit"], serde_json::Value::Null);
            assert_eq!(before["rejected"], 0);

            let mut raw = std::ptr::null_mut();
            assert_eq!(truexp_engine_new(&mut raw), truexp_result::Ok);
            let good = r#"{"type":"delivered","id":"d1","order_id":"o1","at":1790000000}"#;
            let mut text = format!("{good}\n");
            for i in 0..MAX_LISTED_REJECTIONS + 2 {
                text.push_str(&format!(
                    "{{\"type\":\"delivered\",\"id\":\"bad{i}\",\"order_id\":\"o1\"}}\n"
                ));
            }
            let mut report = truexp_ingest_report {
                lines: 0,
                accepted: 0,
                duplicates: 0,
                rejected: 0,
                first_rejected_line: 0,
            };
            let code =
                truexp_engine_ingest_jsonl(raw, text.as_ptr().cast(), text.len(), &mut report);
            assert_eq!(code, truexp_result::Ok);
            assert_eq!(report.rejected, MAX_LISTED_REJECTIONS as u64 + 2);

            let listed = last_rejected();
            assert_eq!(listed["unit"], "line");
            assert_eq!(listed["rejected"], MAX_LISTED_REJECTIONS as u64 + 2);
            let refusals = listed["refusals"].as_array().unwrap();
            assert_eq!(refusals.len(), MAX_LISTED_REJECTIONS);
            assert_eq!(refusals[0]["number"], 2);
            assert_eq!(refusals[0]["event_id"], "bad0");
            assert_eq!(refusals[0]["field"], "at");
            assert_eq!(refusals[999]["number"], 1001);
            // asking (the size query fails) keeps the first refusal as the last error
            assert!(crate::result::last_error().starts_with("line 2: event bad0"));

            // a refusal's strings are kept cut short
            let key = "k".repeat(4 * MAX_LISTED_BYTES);
            let long =
                format!("{{\"type\":\"order_paid\",\"id\":\"p\",\"lines\":[{{\"{key}\":1}}]}}\n");
            let code =
                truexp_engine_ingest_jsonl(raw, long.as_ptr().cast(), long.len(), &mut report);
            assert_eq!(code, truexp_result::Ok);
            let cut = last_rejected();
            let field = cut["refusals"][0]["field"].as_str().unwrap();
            assert!(
                field.len() <= MAX_LISTED_BYTES && field.ends_with('…'),
                "{field}"
            );
            assert!(cut["refusals"][0]["message"].as_str().unwrap().len() <= MAX_LISTED_BYTES);

            // another call's failure leaves the list; the next ingestion replaces it
            assert_eq!(
                crate::engine::truexp_engine_merge(raw, std::ptr::null()),
                truexp_result::NullArgument
            );
            assert_eq!(last_rejected()["rejected"], 1);
            let code =
                truexp_engine_ingest_jsonl(raw, good.as_ptr().cast(), good.len(), &mut report);
            assert_eq!(code, truexp_result::Ok);
            let after = last_rejected();
            assert_eq!(
                (after["unit"].as_str(), after["rejected"].as_u64()),
                (Some("line"), Some(0))
            );
            assert!(after["refusals"].as_array().unwrap().is_empty());
            truexp_engine_free(raw);
        })
        .join()
        .unwrap();
    }
}
