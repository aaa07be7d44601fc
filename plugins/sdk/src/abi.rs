//! The plugin ABI, version 1: the `#[repr(C)]` mirror of `include/truexp_plugin.h`.
//!
//! Why a hand-kept mirror: the header is the contract C authors read, so it is
//! written for them (with comments on ownership and truncation); these types are
//! checked against it field by field by a test that compiles a generated C file
//! of `offsetof`/`sizeof` assertions with gcc (`plugins/host/tests/header.rs`).
//!
//! Rules: only fixed-width integers, `f64`, pointers and `(ptr, len)` strings
//! cross; tables only grow by appending fields; numbers of status codes never
//! change meaning.

use std::ffi::c_char;

/// The ABI version this SDK speaks; carried in [`PluginV1::abi_version`].
pub const ABI_VERSION: u32 = 1;

/// Name of the single symbol a plugin exports (NUL-terminated, for `dlsym`).
pub const ENTRY_SYMBOL: &[u8] = b"truexp_plugin_entry_v1\0";

/// Fixed-point scale of points: 10 000 units = 1.0 point (same as `truexp::bonus::POINTS_SCALE`).
pub const POINTS_SCALE: i64 = 10_000;

/// Status: the answer in the output is valid.
pub const STATUS_OK: u32 = 0;
/// Status: the rule failed; the reason buffer holds the message.
pub const STATUS_ERROR: u32 = 1;
/// Status: the rule panicked (Rust) or aborted its computation; the reason holds the message.
pub const STATUS_PANIC: u32 = 2;
/// Status: the input was malformed (null pointer, bad UTF-8, too small `struct_size`).
pub const STATUS_INVALID_INPUT: u32 = 3;

/// Bit in [`BonusInput::flags`]: the shop offers price protection.
pub const HAS_PRICE_PROTECTION: u32 = 1;

/// A borrowed UTF-8 string: `ptr` to `len` bytes, not NUL-terminated. `ptr` may be
/// null only when `len == 0`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Str {
    /// First byte.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

impl Str {
    /// The empty string (null pointer, zero length).
    pub const EMPTY: Str = Str {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// Borrows a Rust string; the result is valid as long as `s` is.
    pub fn new(s: &str) -> Str {
        Str {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }
}

/// One sub-indicator's value.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Indicator {
    /// Indicator name.
    pub name: Str,
    /// Raw value (a rate or a duration in hours).
    pub value: f64,
    /// Sample size behind it.
    pub sample: u64,
    /// 1 when assessed, 0 when the sample is too small.
    pub assessed: u32,
    /// Always 0.
    pub reserved: u32,
}

/// Counts over the valid orders carrying one order tag.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TagCount {
    /// The tag.
    pub tag: Str,
    /// Orders carrying it.
    pub orders: u64,
    /// Of those, delivered.
    pub delivered: u64,
    /// Of those, delivered on time.
    pub delivered_on_time: u64,
    /// Of those, with a refund-only request.
    pub refund_only: u64,
    /// Of those, problem orders.
    pub problem_orders: u64,
}

/// Chat sessions answered by agents holding one certification.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct AgentChats {
    /// The certification, or empty for uncertified agents.
    pub certification: Str,
    /// Sessions answered by such agents.
    pub sessions: u64,
    /// Of those, answered by a human within 3 minutes.
    pub answered_within_3min: u64,
    /// Sum of first-response seconds.
    pub total_response_secs: u64,
    /// Sessions rated 4 or 5.
    pub satisfied: u64,
    /// Sessions with any rating.
    pub rated: u64,
}

/// Everything a bonus call sees about one shop. Caller-owned; valid only during the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BonusInput {
    /// `sizeof(truexp_bonus_input)` as the host knows it (inputs may grow by appending).
    pub struct_size: u32,
    /// Bit set: [`HAS_PRICE_PROTECTION`].
    pub flags: u32,
    /// The shop.
    pub shop_id: Str,
    /// Its category.
    pub category: Str,
    /// Certifications the shop holds.
    pub certifications: *const Str,
    /// Number of certifications.
    pub certifications_len: usize,
    /// Service offerings.
    pub services: *const Str,
    /// Number of services.
    pub services_len: usize,
    /// The shop's price-protection window in days (meaningful only with [`HAS_PRICE_PROTECTION`]).
    pub price_protection_days: i64,
    /// The platform's standard price-protection window in days.
    pub platform_price_protection_days: i64,
    /// Valid paid orders in the window.
    pub valid_orders: u64,
    /// Chat sessions in the window.
    pub chat_sessions: u64,
    /// Sub-indicators.
    pub indicators: *const Indicator,
    /// Number of sub-indicators.
    pub indicators_len: usize,
    /// Counts per order tag.
    pub tags: *const TagCount,
    /// Number of tags.
    pub tags_len: usize,
    /// Chats per agent certification.
    pub agent_chats: *const AgentChats,
    /// Number of agent-certification rows.
    pub agent_chats_len: usize,
}

/// Where a bonus call writes its answer. The caller owns `reason` (a buffer of
/// `reason_cap` bytes) and sets `points = 0`, `flags = 0`, `reason_len = 0`.
#[repr(C)]
#[derive(Debug)]
pub struct BonusOutput {
    /// Out: points in fixed point ([`POINTS_SCALE`] = 1 point).
    pub points: i64,
    /// Out: rule-defined flags.
    pub flags: u32,
    /// Always 0.
    pub reserved: u32,
    /// In: caller buffer for the reason (UTF-8, never NUL-terminated by contract).
    pub reason: *mut c_char,
    /// In: its capacity in bytes.
    pub reason_cap: usize,
    /// Out: bytes written, `<= reason_cap`, ending on a UTF-8 character boundary.
    pub reason_len: usize,
}

/// The bonus function: reentrant, called from many threads at once.
pub type BonusFn = unsafe extern "C" fn(input: *const BonusInput, output: *mut BonusOutput) -> u32;

/// Signature of the exported entry symbol `truexp_plugin_entry_v1`.
pub type EntryFn = unsafe extern "C" fn() -> *const PluginV1;

/// The first two fields every table version starts with; read before trusting the rest.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TableHeader {
    /// ABI version.
    pub abi_version: u32,
    /// Size of the whole table in bytes.
    pub struct_size: u32,
}

/// The plugin table, version 1. Static, owned by the plugin, never freed.
#[repr(C)]
#[derive(Debug)]
pub struct PluginV1 {
    /// Must be [`ABI_VERSION`].
    pub abi_version: u32,
    /// `sizeof` of the table as the plugin was built (at least the v1 size).
    pub struct_size: u32,
    /// Unique plugin name, static NUL-terminated UTF-8.
    pub name: *const c_char,
    /// Version, static NUL-terminated UTF-8.
    pub version: *const c_char,
    /// Categories it applies to: static NULL-terminated array of static NUL-terminated UTF-8 strings.
    pub categories: *const *const c_char,
    /// The bonus function (null is refused at load).
    pub bonus: Option<BonusFn>,
}

// SAFETY: the table is immutable static data: pointers to static strings and a
// function pointer. Nothing is written through them, so sharing across threads is sound.
unsafe impl Sync for PluginV1 {}

/// Size of the v1 table, the minimum `struct_size` a host accepts.
pub const PLUGIN_V1_SIZE: usize = std::mem::size_of::<PluginV1>();

/// Size of the v1 input struct.
pub const BONUS_INPUT_V1_SIZE: usize = std::mem::size_of::<BonusInput>();
