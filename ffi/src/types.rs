//! Plain `#[repr(C)]` types shared with C: borrowed strings, typed events,
//! the score struct and the enums behind their `uint32_t` fields.
//!
//! Why a module without dependencies on the rest of the crate: the
//! benchmark includes this very file to call the library through `dlopen`
//! with the same layouts C sees (the crate cannot also be an rlib: its lib
//! name `truexp` would collide with the core crate's).
//!
//! Why `uint32_t` instead of enum types in input structs: a C caller can
//! store any number in an enum; reading an out-of-range value into a Rust
//! enum is undefined behaviour, so inputs are numbers, validated into
//! `TRUEXP_RESULT_OUT_OF_RANGE`. Flags in inputs are `uint8_t` (0 false,
//! anything else true) for the same reason.
#![allow(non_camel_case_types)]

use std::os::raw::c_char;

/// Value of an optional integer field in a typed event meaning "absent"
/// (optional timestamps, stars, unit counts and response times are never
/// negative when present).
pub const TRUEXP_ABSENT: i64 = -1;

/// Number of block slots in `truexp_shop_score` (blocks past it are not copied;
/// `block_total` tells how many the configuration has).
pub const TRUEXP_MAX_BLOCKS: usize = 8;

/// Bytes reserved for a block name in `truexp_block_score`, NUL included;
/// longer names are cut at a UTF-8 character boundary.
pub const TRUEXP_BLOCK_NAME_LEN: usize = 32;

/// A borrowed UTF-8 string: `len` bytes at `ptr`, not NUL-terminated.
///
/// The library copies what it keeps; the bytes only need to live for the
/// call. A required string with a NULL `ptr` gives `TRUEXP_RESULT_NULL_ARGUMENT`;
/// an optional one with a NULL `ptr` means "absent" (`len` is then ignored).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_str {
    /// First byte (NULL only when absent or empty-and-optional).
    pub ptr: *const c_char,
    /// Length in bytes, without any terminating NUL.
    pub len: usize,
}

/// What happened to an accepted event (the `out_outcome` of the ingest functions).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_ingested {
    /// Applied to the state.
    Applied = 0,
    /// Its id was seen before: nothing changed.
    Duplicate = 1,
    /// It names an order not seen yet; it is applied when the order arrives.
    Pending = 2,
}

/// Grade of an overall score.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_grade {
    /// At or above the configured high threshold.
    High = 0,
    /// At or above the configured medium threshold.
    Medium = 1,
    /// Below it.
    Low = 2,
}

/// Who paid for a discount (`truexp_order_discount.funded_by`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_funder {
    /// The platform.
    Platform = 0,
    /// The shop.
    Seller = 1,
}

/// What kind of promotion produced a price (`truexp_order_discount.kind`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_promotion_kind {
    /// The public list price.
    None = 0,
    /// A public promotion anyone can get.
    Public = 1,
    /// A platform campaign price open to everyone.
    PlatformCampaign = 2,
    /// A coupon handed to one buyer.
    PersonalCoupon = 3,
    /// A payment-channel promotion.
    PaymentChannel = 4,
    /// A members-only price.
    MemberOnly = 5,
}

/// Kind of after-sales request (`truexp_refund_requested.kind`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_refund_kind {
    /// Refund without returning the goods.
    RefundOnly = 0,
    /// Return the goods and get the money back.
    ReturnAndRefund = 1,
    /// Exchange for another unit.
    Exchange = 2,
}

/// Why the buyer asked for a refund (`truexp_refund_requested.reason`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_refund_reason {
    /// Poor quality.
    Quality = 0,
    /// Not as described.
    NotAsDescribed = 1,
    /// Arrived damaged.
    Damaged = 2,
    /// Defective.
    Defective = 3,
    /// Expired.
    Expired = 4,
    /// Counterfeit.
    Counterfeit = 5,
    /// Wrong size.
    WrongSize = 6,
    /// No reason (7-day no-reason return).
    NoReason = 7,
    /// Never received.
    NotReceived = 8,
    /// Arrived late.
    Late = 9,
    /// Anything else.
    Other = 10,
}

/// One line of a paid order.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_order_line {
    /// Stock-keeping unit (required).
    pub sku: truexp_str,
    /// Units bought, at least 1.
    pub quantity: i64,
    /// List price of one unit, minor units (fen, cents).
    pub unit_price: i64,
    /// Line-level discount already taken off this line, minor units (0 for none).
    pub line_discount: i64,
}

/// An order-level discount.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_order_discount {
    /// Minor units.
    pub amount: i64,
    /// A `truexp_funder` value.
    pub funded_by: u32,
    /// A `truexp_promotion_kind` value.
    pub kind: u32,
}

/// A buyer paid an order (JSON type `order_paid`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_order_paid {
    /// Event id (required, unique per fact).
    pub id: truexp_str,
    /// Order id (required).
    pub order_id: truexp_str,
    /// Shop id (required).
    pub shop_id: truexp_str,
    /// Buyer id (required).
    pub buyer_id: truexp_str,
    /// Leaf category of the items (required).
    pub category: truexp_str,
    /// `line_count` lines (at least one).
    pub lines: *const truexp_order_line,
    /// Number of lines.
    pub line_count: usize,
    /// `discount_count` order-level discounts (NULL when the count is 0).
    pub discounts: *const truexp_order_discount,
    /// Number of discounts.
    pub discount_count: usize,
    /// `tag_count` order tags such as `cold_chain` (NULL when the count is 0).
    pub tags: *const truexp_str,
    /// Number of tags.
    pub tag_count: usize,
    /// Submission time, or `TRUEXP_ABSENT` (then `paid_at`).
    pub ordered_at: i64,
    /// Payment time (UTC seconds).
    pub paid_at: i64,
    /// Promised ship-by time.
    pub ship_by: i64,
    /// Promised delivery time, or `TRUEXP_ABSENT`.
    pub deliver_by: i64,
    /// Non-zero when the risk system marked the order fake at payment.
    pub fake: u8,
}

/// The parcel was handed to a carrier (JSON type `shipped`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_shipped {
    /// Event id.
    pub id: truexp_str,
    /// Order id.
    pub order_id: truexp_str,
    /// When the seller marked it shipped.
    pub at: i64,
    /// The carrier's first pickup scan, or `TRUEXP_ABSENT`.
    pub pickup_at: i64,
    /// Non-zero when the tracking number was valid.
    pub tracking_valid: u8,
}

/// The buyer signed for the parcel (JSON type `delivered`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_delivered {
    /// Event id.
    pub id: truexp_str,
    /// Order id.
    pub order_id: truexp_str,
    /// When it was signed for.
    pub at: i64,
}

/// A buyer review (JSON type `review`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_review {
    /// Event id.
    pub id: truexp_str,
    /// Order id.
    pub order_id: truexp_str,
    /// The reviewer (the buyer).
    pub reviewer: truexp_str,
    /// When it was written.
    pub at: i64,
    /// Product stars, 1 to 5.
    pub product_stars: i64,
    /// Logistics stars 1 to 5, or `TRUEXP_ABSENT`.
    pub logistics_stars: i64,
    /// Service stars 1 to 5, or `TRUEXP_ABSENT`.
    pub service_stars: i64,
    /// Non-zero when the review system found it suspicious.
    pub suspicious: u8,
}

/// A refund, return or exchange request (JSON type `refund_requested`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_refund_requested {
    /// Event id.
    pub id: truexp_str,
    /// Order id.
    pub order_id: truexp_str,
    /// Refund id, shared by the request and its completion.
    pub refund_id: truexp_str,
    /// When it was requested.
    pub at: i64,
    /// A `truexp_refund_kind` value.
    pub kind: u32,
    /// A `truexp_refund_reason` value.
    pub reason: u32,
    /// Amount asked for, minor units.
    pub amount: i64,
    /// The SKU concerned (NULL `ptr`: the whole order).
    pub sku: truexp_str,
    /// Units concerned, or `TRUEXP_ABSENT`.
    pub units: i64,
}

/// A refund was paid out (JSON type `refund_completed`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_refund_completed {
    /// Event id.
    pub id: truexp_str,
    /// Order id.
    pub order_id: truexp_str,
    /// Refund id, shared with the request.
    pub refund_id: truexp_str,
    /// When the money went back.
    pub at: i64,
    /// Amount refunded, minor units.
    pub amount: i64,
    /// Units returned with it, or `TRUEXP_ABSENT`.
    pub units_returned: i64,
}

/// A buyer chat session with the shop (JSON type `chat`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_chat {
    /// Event id.
    pub id: truexp_str,
    /// Shop id.
    pub shop_id: truexp_str,
    /// Buyer id.
    pub buyer_id: truexp_str,
    /// When the buyer's first message arrived.
    pub started_at: i64,
    /// Seconds until the first human answer, or `TRUEXP_ABSENT`.
    pub first_response_secs: i64,
    /// Satisfaction 1 to 5, or `TRUEXP_ABSENT`.
    pub satisfaction: i64,
    /// Certification of the answering agent (NULL `ptr`: none).
    pub agent_certification: truexp_str,
}

/// Counts from reading a JSON Lines buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct truexp_ingest_report {
    /// Non-blank lines read.
    pub lines: u64,
    /// Events applied or kept pending.
    pub accepted: u64,
    /// Events whose id was already seen.
    pub duplicates: u64,
    /// Lines refused.
    pub rejected: u64,
    /// 1-based number of the first refused line, 0 when none was refused.
    pub first_rejected_line: u64,
}

/// One block of a shop's score.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_block_score {
    /// Block name, NUL-terminated (cut to fit at a character boundary).
    pub name: [c_char; TRUEXP_BLOCK_NAME_LEN],
    /// Block weight in the overall score.
    pub weight: f64,
    /// 0 to 5 (the category's mean block score when not assessed).
    pub score: f64,
    /// True when at least one of its indicators had enough sample.
    pub assessed: bool,
}

/// A shop's score at one moment (filled by `truexp_engine_shop_score`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_shop_score {
    /// Overall 0 to 5, two decimals.
    pub overall: f64,
    /// Stars shown to buyers, rounded to halves.
    pub stars: f64,
    /// Grade of `overall`.
    pub grade: truexp_grade,
    /// Change of `overall` since the previous day.
    pub change: f64,
    /// True when the shop has too few valid orders and gets the growth-stage default.
    pub growth_stage: bool,
    /// Share of category peers with a strictly lower overall score, 0 to 1;
    /// -1 when there is none to compare with.
    pub percentile: f64,
    /// Points deducted for fake orders.
    pub fake_order_penalty: f64,
    /// Problem-order rate numerator: distinct problem orders in the window.
    pub problem_orders: u64,
    /// Problem-order rate denominator: valid paid orders in the window.
    pub problem_valid_orders: u64,
    /// `problem_orders / problem_valid_orders`, 0 when there are no orders.
    pub problem_rate: f64,
    /// Blocks filled in `blocks` (at most `TRUEXP_MAX_BLOCKS`).
    pub block_count: u32,
    /// Blocks in the configuration (may exceed `block_count`).
    pub block_total: u32,
    /// The blocks, in configuration order.
    pub blocks: [truexp_block_score; TRUEXP_MAX_BLOCKS],
}
