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
//!
//! Money is `int64_t` minor units (fen, cents); an amount outside
//! ±(2^53 − 1), the core's money range, is `TRUEXP_RESULT_OUT_OF_RANGE`
//! naming the field.
#![allow(non_camel_case_types)]

use std::os::raw::c_char;

/// A C enum whose numbers are its explicit discriminants.
///
/// Implemented by [`c_enum!`] only, which derives `ALL` and `TryFrom<u32>`
/// from the discriminants: reordering variants in the source cannot change a
/// number a C caller relies on, and forgetting a variant in the list fails
/// to compile (the list is checked by an exhaustive `match`).
pub trait CEnum: Copy + Sized + 'static {
    /// The C name of the type.
    const NAME: &'static str;
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The value's number.
    fn number(self) -> u32;
}

/// Derives [`CEnum`] and `TryFrom<u32>` (the error is the refused number)
/// for `#[repr(u32)]` enums with explicit discriminants. cbindgen reads the
/// enum declarations themselves, so they stay plain Rust; this macro only
/// adds the conversions.
macro_rules! c_enum {
    ($($ty:ident { $($variant:ident),+ $(,)? })+) => {$(
        impl CEnum for $ty {
            const NAME: &'static str = stringify!($ty);
            const ALL: &'static [Self] = &[$($ty::$variant),+];
            fn number(self) -> u32 {
                // Exhaustive: a variant missing from the macro's list fails here.
                match self {
                    $($ty::$variant => $ty::$variant as u32,)+
                }
            }
        }
        impl TryFrom<u32> for $ty {
            type Error = u32;
            fn try_from(value: u32) -> Result<Self, u32> {
                $(if value == $ty::$variant as u32 {
                    return Ok($ty::$variant);
                })+
                Err(value)
            }
        }
    )+};
}
#[allow(unused_imports)] // used by result.rs; unused where the benchmark includes this file
pub(crate) use c_enum;

c_enum! {
    truexp_ingested { Applied, Duplicate, Pending }
    truexp_grade { High, Medium, Low }
    truexp_funder { Platform, Seller }
    truexp_promotion_kind { None, Public, PlatformCampaign, PersonalCoupon, PaymentChannel, MemberOnly }
    truexp_refund_kind { RefundOnly, ReturnAndRefund, Exchange }
    truexp_refund_reason {
        Quality, NotAsDescribed, Damaged, Defective, Expired, Counterfeit, WrongSize,
        NoReason, NotReceived, Late, Other,
    }
    truexp_protection_anchor { Order, Payment, Receipt }
    truexp_zero_payout_reason {
        None, OutsideWindow, ExcludedPromotion, PriceNotLower, FullyReturned, AlreadyCompensated,
        FullyRefunded, FakeOrder,
    }
}

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
/// an optional one with a NULL `ptr` and `len` 0 means "absent" (NULL with
/// another `len` gives `TRUEXP_RESULT_NULL_ARGUMENT`).
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
    /// 1-based number of the first refused line, 0 when none was refused
    /// (`truexp_last_rejected_json` lists every refused line).
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

/// What a shop's price-protection window is counted from
/// (`truexp_protection_policy.anchor`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_protection_anchor {
    /// Order submission (`ordered_at`, or `paid_at` when absent).
    Order = 0,
    /// Payment (`paid_at`).
    Payment = 1,
    /// Signed receipt (`received_at`); the window is not open before it.
    Receipt = 2,
}

/// Why a line's price-protection payout is zero (`reason` of
/// `truexp_claim_line` and `truexp_line_payout`). The first rule that
/// applies, in the order FAKE_ORDER (claims only), OUTSIDE_WINDOW,
/// FULLY_RETURNED, FULLY_REFUNDED, EXCLUDED_PROMOTION, PRICE_NOT_LOWER,
/// ALREADY_COMPENSATED, gives the reason.
/// Numbers are stable: new reasons are appended.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum truexp_zero_payout_reason {
    /// No reason: the payout is positive.
    None = 0,
    /// The claim (or drop) time is outside the protection window, or the
    /// window is not open yet.
    OutsideWindow = 1,
    /// The lower price comes only from promotion kinds the policy does not count.
    ExcludedPromotion = 2,
    /// No counted price is lower than the paid unit price (or none was observed).
    PriceNotLower = 3,
    /// Every unit was returned.
    FullyReturned = 4,
    /// Earlier claims already paid this difference, or earlier payouts and
    /// refunds together took what remained paid on the line.
    AlreadyCompensated = 5,
    /// The money refunded on the line covers its whole paid amount (a
    /// cancellation or refund-only of the whole line).
    FullyRefunded = 6,
    /// The claim says the risk system holds the order fake (brushing):
    /// fake orders get no protection (`truexp_claim.fake`; automatic mode
    /// leaves fake orders out of its runs instead).
    FakeOrder = 7,
}

/// `truexp_protection_policy.counted_promotions` bit of a promotion kind:
/// `1u << kind` for a `truexp_promotion_kind` value `kind` (bits 0 to 5).
pub const TRUEXP_PROMOTION_BIT_NONE: u32 = 1 << 0;
/// Bit of `TRUEXP_PROMOTION_KIND_PUBLIC`.
pub const TRUEXP_PROMOTION_BIT_PUBLIC: u32 = 1 << 1;
/// Bit of `TRUEXP_PROMOTION_KIND_PLATFORM_CAMPAIGN`.
pub const TRUEXP_PROMOTION_BIT_PLATFORM_CAMPAIGN: u32 = 1 << 2;
/// Bit of `TRUEXP_PROMOTION_KIND_PERSONAL_COUPON`.
pub const TRUEXP_PROMOTION_BIT_PERSONAL_COUPON: u32 = 1 << 3;
/// Bit of `TRUEXP_PROMOTION_KIND_PAYMENT_CHANNEL`.
pub const TRUEXP_PROMOTION_BIT_PAYMENT_CHANNEL: u32 = 1 << 4;
/// Bit of `TRUEXP_PROMOTION_KIND_MEMBER_ONLY`.
pub const TRUEXP_PROMOTION_BIT_MEMBER_ONLY: u32 = 1 << 5;
/// The promotion kinds a policy counts unless it says otherwise (the JSON
/// default): none, public and platform campaign.
pub const TRUEXP_COUNTED_PROMOTIONS_DEFAULT: u32 = TRUEXP_PROMOTION_BIT_NONE
    | TRUEXP_PROMOTION_BIT_PUBLIC
    | TRUEXP_PROMOTION_BIT_PLATFORM_CAMPAIGN;

/// A shop's price-protection (价保) policy.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_protection_policy {
    /// Window length in days, 1 to 3650 (typically 7, 15, 30 or 90).
    pub window_days: i64,
    /// A `truexp_protection_anchor` value.
    pub anchor: u32,
    /// Bit mask of the promotion kinds whose prices count as comparison
    /// prices: bit `1u << kind` per `truexp_promotion_kind` (the
    /// `TRUEXP_PROMOTION_BIT_*` constants); bits above 5 give
    /// `TRUEXP_RESULT_OUT_OF_RANGE`. 0 counts nothing (every line then gets
    /// EXCLUDED_PROMOTION or PRICE_NOT_LOWER), so a zeroed struct is not the
    /// default: use `TRUEXP_COUNTED_PROMOTIONS_DEFAULT`.
    pub counted_promotions: u32,
    /// Non-zero: units protected by earlier claims are deducted from the
    /// protected quantity (and the payout is not reduced by earlier payouts).
    pub deduct_protected_units: u8,
}

/// A price seen for a SKU of the claimed order.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_price_observation {
    /// The SKU (required; must be one of the order's lines).
    pub sku: truexp_str,
    /// Price of one unit, minor units (not negative).
    pub price: i64,
    /// A `truexp_promotion_kind` value: what produced the price.
    pub promotion: u32,
    /// When it was observed (UTC seconds, not after `claimed_at`).
    pub at: i64,
}

/// What happened to an order line before a claim.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct truexp_line_history {
    /// Units returned so far (0 to the line's quantity).
    pub units_returned: i64,
    /// Units covered by earlier protection payouts (0 to the line's quantity).
    pub protected_units: i64,
    /// Protection already paid on the line by earlier claims, minor units,
    /// net of amounts withheld from return refunds.
    pub already_paid: i64,
    /// Money refunded on the line so far, minor units (0 to the line's paid
    /// amount): refund-only, partial refunds, cancellations and the refunds
    /// of returns. No payout takes the line past what remains paid.
    pub refunded: i64,
}

/// One price-protection claim (input of `truexp_price_protect_claim`).
/// Every string and array is only read during the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_claim {
    /// Order id (required).
    pub order_id: truexp_str,
    /// `line_count` order lines (at least one).
    pub lines: *const truexp_order_line,
    /// Number of lines.
    pub line_count: usize,
    /// `discount_count` order-level discounts (NULL when the count is 0).
    pub discounts: *const truexp_order_discount,
    /// Number of discounts.
    pub discount_count: usize,
    /// Order submission time, or `TRUEXP_ABSENT` (then `paid_at`).
    pub ordered_at: i64,
    /// Payment time (UTC seconds).
    pub paid_at: i64,
    /// Signed-receipt time, or `TRUEXP_ABSENT` while not received.
    pub received_at: i64,
    /// The shop's policy.
    pub policy: truexp_protection_policy,
    /// `observation_count` prices in effect at claim time (NULL when the count is 0).
    pub observations: *const truexp_price_observation,
    /// Number of observations.
    pub observation_count: usize,
    /// Per line, in line order, exactly `line_count` entries; or none at all
    /// (`history_count` 0: nothing happened to any line yet).
    pub history: *const truexp_line_history,
    /// Number of history entries: 0 or `line_count`.
    pub history_count: usize,
    /// When the claim is made (UTC seconds).
    pub claimed_at: i64,
    /// Non-zero: the risk system holds the order fake (brushing), and every
    /// line gets nothing with `TRUEXP_ZERO_PAYOUT_REASON_FAKE_ORDER`. 0 (a
    /// zeroed field): the caller vouches for the order. Added after
    /// `claimed_at`: a caller built against an older header must be
    /// rebuilt (the struct grew).
    pub fake: u8,
}

/// The answer for one line of a claim (output of `truexp_price_protect_claim`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_claim_line {
    /// Index of the line in `truexp_claim.lines`.
    pub line: usize,
    /// Units bought on the line.
    pub quantity: i64,
    /// First second of the protection window, or `TRUEXP_ABSENT` when the
    /// window is not open (receipt anchor, not received yet).
    pub window_start: i64,
    /// Last second of the window (inclusive), or `TRUEXP_ABSENT`.
    pub window_end: i64,
    /// Paid unit price after line and apportioned order discounts, minor units.
    pub paid_unit: i64,
    /// Lowest counted price observed, or `TRUEXP_ABSENT` when none was.
    pub comparison: i64,
    /// Units protected by this claim.
    pub protected_quantity: i64,
    /// What this claim pays, minor units (the increment over earlier claims).
    pub payout: i64,
    /// Platform-funded part of `payout`.
    pub platform_part: i64,
    /// Seller-funded part of `payout` (`payout - platform_part`).
    pub seller_part: i64,
    /// Why `payout` is zero; `TRUEXP_ZERO_PAYOUT_REASON_NONE` when positive.
    pub reason: truexp_zero_payout_reason,
    /// The line's history after this claim: pass it as the line's
    /// `truexp_claim.history` entry of the next claim on the same order.
    pub history_after: truexp_line_history,
}

/// A price changed (JSON type `price_change`): queued for automatic price
/// protection (`truexp_engine_run_price_drops`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_price_change {
    /// Event id.
    pub id: truexp_str,
    /// The SKU (required, not empty).
    pub sku: truexp_str,
    /// The price one unit now sells for, minor units (not negative).
    pub price: i64,
    /// A `truexp_promotion_kind` value: what produced the price.
    pub promotion: u32,
    /// When it was observed (UTC seconds).
    pub at: i64,
}

/// One line's result for one price drop in automatic mode, handed to a
/// `truexp_payout_cb`.
///
/// Lifetime: the strings point into memory owned by the engine and are
/// valid **only during the callback**; copy what you keep. They are not
/// NUL-terminated.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct truexp_line_payout {
    /// Order id.
    pub order_id: truexp_str,
    /// Index of the line in the order.
    pub line: usize,
    /// The line's SKU.
    pub sku: truexp_str,
    /// Units bought on the line.
    pub quantity: i64,
    /// Event id of the `price_change` that triggered this result.
    pub drop_id: truexp_str,
    /// Time of that price change (the claim time of this result).
    pub drop_at: i64,
    /// First second of the line's protection window.
    pub window_start: i64,
    /// Last second of the window (inclusive).
    pub window_end: i64,
    /// Paid unit price, minor units.
    pub paid_unit: i64,
    /// The comparison price, or `TRUEXP_ABSENT` when the drop's promotion
    /// kind is not counted by the shop's policy.
    pub comparison: i64,
    /// Units protected.
    pub protected_quantity: i64,
    /// What is paid for this drop, minor units (the increment over earlier payouts).
    pub payout: i64,
    /// Platform-funded part of `payout`.
    pub platform_part: i64,
    /// Seller-funded part of `payout`.
    pub seller_part: i64,
    /// Why `payout` is zero; `TRUEXP_ZERO_PAYOUT_REASON_NONE` when positive
    /// (never OUTSIDE_WINDOW: only lines whose window contains the drop are reported).
    pub reason: truexp_zero_payout_reason,
}

/// Receives each line result of `truexp_engine_run_price_drops`, with the
/// caller's `ctx`. Called on the calling thread while the engine is locked
/// for writing: it must not call any function on the same engine (that
/// deadlocks), must return normally (no C++ exception, no `longjmp`), and
/// must not keep the pointer or the strings it points to after returning.
pub type truexp_payout_cb =
    Option<unsafe extern "C" fn(ctx: *mut std::os::raw::c_void, payout: *const truexp_line_payout)>;
