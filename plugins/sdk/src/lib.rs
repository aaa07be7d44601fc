//! SDK for truexp industry bonus plugins (附加分), written in Rust.
//!
//! Why this shape: Rust has no stable ABI, so a plugin is a shared library that
//! exports one C function, `truexp_plugin_entry_v1`, returning a static `#[repr(C)]`
//! table (see [`abi`] and `include/truexp_plugin.h`). This crate hides all of that:
//! implement the safe [`Plugin`] trait, call [`declare_plugin!`] once, and build the
//! crate as a `cdylib`. The macro catches panics in every call, so no panic crosses
//! the C boundary, and the plugin crate itself needs no `unsafe`.
//!
//! ```
//! use std::fmt::Write as _;
//! use truexp_plugin::{Award, Input, Plugin, Reason};
//!
//! pub struct Tiny;
//! impl Plugin for Tiny {
//!     const NAME: &'static std::ffi::CStr = c"tiny";
//!     const VERSION: &'static std::ffi::CStr = c"1.0.0";
//!     const CATEGORIES: &'static [&'static std::ffi::CStr] = &[c"pet"];
//!     fn bonus(&self, input: &Input<'_>, reason: &mut Reason<'_>) -> Result<Award, String> {
//!         let _ = write!(reason, "{} orders", input.valid_orders());
//!         Ok(Award::points(1_000))
//!     }
//! }
//! truexp_plugin::declare_plugin!(Tiny);
//!
//! let input = truexp::bonus::BonusInput { valid_orders: 7, ..Default::default() };
//! let bonus = truexp_plugin::evaluate(&Tiny, &input).unwrap();
//! assert_eq!((bonus.points, bonus.reason.as_str()), (1_000, "7 orders"));
//! ```

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod abi;
mod convert;
mod input;
mod reason;

pub use convert::{CInput, CInputRef};
pub use input::{AgentChats, Indicator, Input, TagCount};
pub use reason::Reason;
pub use truexp::bonus::POINTS_SCALE;

use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use truexp::bonus::{Bonus, BonusInput, BonusRule};

/// The largest answer a host accepts from one plugin: 5 points. Larger answers are errors.
pub const MAX_POINTS: i64 = 5 * POINTS_SCALE;

/// What a rule awards: points in fixed point ([`POINTS_SCALE`] = 1 point) and flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Award {
    /// Points, in `0..=MAX_POINTS`.
    pub points: i64,
    /// Rule-defined flags, passed through to the explanation.
    pub flags: u32,
}

impl Award {
    /// An award of `points` with no flags.
    pub fn points(points: i64) -> Award {
        Award { points, flags: 0 }
    }
}

/// An industry bonus rule, as a plugin author writes it.
///
/// Implementations are called from many threads at once and must not block for long.
pub trait Plugin: Sync + 'static {
    /// Unique name, e.g. `c"maternity"` (UTF-8, at most 64 bytes).
    const NAME: &'static CStr;
    /// Version, e.g. `c"1.0.0"`.
    const VERSION: &'static CStr;
    /// Categories the rule applies to (at least one, no duplicates).
    const CATEGORIES: &'static [&'static CStr];

    /// The bonus for one shop. Write the explanation into `reason` (it truncates
    /// silently at the host's buffer size); an `Err` drops this rule's bonus for
    /// this shop and its message replaces the reason.
    fn bonus(&self, input: &Input<'_>, reason: &mut Reason<'_>) -> Result<Award, String>;
}

/// Runs `rule` on the engine's input exactly as a host would through the table
/// (same conversion, panic catching and answer validation) but in-process.
/// This is what plugin unit tests call.
pub fn evaluate<P: Plugin>(rule: &P, input: &BonusInput) -> Result<Bonus, String> {
    let c_input = CInput::new(input);
    let raw = c_input.abi();
    let mut buf = [0u8; REASON_CAP];
    let mut out = abi::BonusOutput {
        points: 0,
        flags: 0,
        reserved: 0,
        reason: buf.as_mut_ptr().cast(),
        reason_cap: buf.len(),
        reason_len: 0,
    };
    // SAFETY: `raw` points into `c_input` and `input`, both alive for the call;
    // `out.reason` points to `buf`, `REASON_CAP` writable bytes alive for the call.
    let status = unsafe { __private::call(rule, &*raw, &mut out) };
    decode(status, &out, &buf)
}

/// Reason buffer size the SDK and the host use, in bytes.
pub const REASON_CAP: usize = 512;

/// Checks a bonus call's answer and turns it into the engine's [`Bonus`]:
/// the status must be [`abi::STATUS_OK`], points within `0..=MAX_POINTS`,
/// `reason_len <= reason_cap` and the reason valid UTF-8. `buf` is the reason buffer
/// the caller passed (of `out.reason_cap` bytes).
pub fn decode(status: u32, out: &abi::BonusOutput, buf: &[u8]) -> Result<Bonus, String> {
    let reason = if out.reason_len > buf.len() {
        return Err(format!(
            "reason length {} exceeds the buffer of {} bytes",
            out.reason_len,
            buf.len()
        ));
    } else {
        match std::str::from_utf8(&buf[..out.reason_len]) {
            Ok(s) => s,
            Err(e) => return Err(format!("reason is not valid UTF-8: {e}")),
        }
    };
    match status {
        abi::STATUS_OK => {}
        abi::STATUS_ERROR => return Err(format!("rule failed: {reason}")),
        abi::STATUS_PANIC => return Err(format!("rule panicked: {reason}")),
        abi::STATUS_INVALID_INPUT => return Err(format!("rule refused its input: {reason}")),
        other => return Err(format!("unknown status code {other}: {reason}")),
    }
    if !(0..=MAX_POINTS).contains(&out.points) {
        return Err(format!(
            "points {} out of range 0..={MAX_POINTS} (fixed point, {POINTS_SCALE} = 1 point)",
            out.points
        ));
    }
    Ok(Bonus {
        points: out.points,
        flags: out.flags,
        reason: reason.to_owned(),
    })
}

/// A [`Plugin`] used in-process as an engine [`BonusRule`], without any shared library.
/// Handy for tests and as the benchmark baseline.
pub struct Native<P>(pub P);

impl<P: Plugin + Send> BonusRule for Native<P> {
    fn name(&self) -> &str {
        P::NAME.to_str().unwrap_or("")
    }
    fn version(&self) -> &str {
        P::VERSION.to_str().unwrap_or("")
    }
    fn applies_to(&self, category: &str) -> bool {
        P::CATEGORIES
            .iter()
            .any(|c| c.to_bytes() == category.as_bytes())
    }
    fn bonus(&self, input: &BonusInput) -> Result<Bonus, String> {
        evaluate(&self.0, input)
    }
}

/// Declares the plugin: emits the static table and the exported
/// `truexp_plugin_entry_v1`. Use once per `cdylib` crate.
///
/// `declare_plugin!(MyRule)` for a unit struct, or
/// `declare_plugin!(MyRule, MyRule::new())` with a constant initialiser.
#[macro_export]
macro_rules! declare_plugin {
    ($ty:ident) => {
        $crate::declare_plugin!($ty, $ty);
    };
    ($ty:ty, $init:expr) => {
        const _: () = {
            static RULE: $ty = $init;
            impl $crate::__private::Registered for $ty {
                fn rule() -> &'static Self {
                    &RULE
                }
            }
            const CATEGORY_SLOTS: usize = <$ty as $crate::Plugin>::CATEGORIES.len() + 1;
            static CATEGORIES: $crate::__private::CategoryList<CATEGORY_SLOTS> =
                $crate::__private::CategoryList::new(<$ty as $crate::Plugin>::CATEGORIES);
            static TABLE: $crate::abi::PluginV1 = $crate::abi::PluginV1 {
                abi_version: $crate::abi::ABI_VERSION,
                struct_size: $crate::abi::PLUGIN_V1_SIZE as u32,
                name: <$ty as $crate::Plugin>::NAME.as_ptr(),
                version: <$ty as $crate::Plugin>::VERSION.as_ptr(),
                categories: CATEGORIES.as_ptr(),
                bonus: ::core::option::Option::Some($crate::__private::bonus_trampoline::<$ty>),
            };
            /// The plugin's entry point: returns its static table.
            #[no_mangle]
            pub extern "C" fn truexp_plugin_entry_v1() -> *const $crate::abi::PluginV1 {
                &TABLE
            }
        };
    };
}

/// Support for [`declare_plugin!`]; not a public API.
#[doc(hidden)]
pub mod __private {
    use super::*;
    use std::ffi::c_char;

    /// Gives the trampoline the plugin's static instance.
    pub trait Registered: Plugin {
        /// The static rule instance.
        fn rule() -> &'static Self;
    }

    /// A static NULL-terminated array of C strings.
    #[repr(transparent)]
    pub struct CategoryList<const N: usize>([*const c_char; N]);

    // SAFETY: the array holds pointers to static, immutable C strings (or null);
    // it is never written after construction.
    unsafe impl<const N: usize> Sync for CategoryList<N> {}

    impl<const N: usize> CategoryList<N> {
        /// Copies `cats` and appends the NULL terminator; `N` must be `cats.len() + 1`.
        pub const fn new(cats: &'static [&'static CStr]) -> Self {
            assert!(cats.len() + 1 == N, "category slots must be categories + 1");
            let mut out = [std::ptr::null(); N];
            let mut i = 0;
            while i < cats.len() {
                out[i] = cats[i].as_ptr();
                i += 1;
            }
            CategoryList(out)
        }

        /// Pointer to the first element.
        pub const fn as_ptr(&'static self) -> *const *const c_char {
            self.0.as_ptr()
        }
    }

    /// The `bonus` function pointer placed in the table.
    ///
    /// # Safety
    /// `input` and `output` must be null or valid as the header describes, for the call.
    pub unsafe extern "C" fn bonus_trampoline<P: Registered>(
        input: *const abi::BonusInput,
        output: *mut abi::BonusOutput,
    ) -> u32 {
        // SAFETY: forwarded contract of this function.
        unsafe { call(P::rule(), input, output) }
    }

    /// Runs one bonus call with panics caught.
    ///
    /// # Safety
    /// `input` must be null or point to a `truexp_bonus_input` whose pointers are valid
    /// per the header for the whole call; `output` must be null or point to a writable
    /// `truexp_bonus_output` whose `reason` is null or `reason_cap` writable bytes.
    pub unsafe fn call<P: Plugin>(
        rule: &P,
        input: *const abi::BonusInput,
        output: *mut abi::BonusOutput,
    ) -> u32 {
        if output.is_null() {
            return abi::STATUS_INVALID_INPUT;
        }
        // SAFETY: non-null and, by the caller's contract, valid and exclusively ours for the call.
        let out = unsafe { &mut *output };
        let cap = if out.reason.is_null() {
            0
        } else {
            out.reason_cap
        };
        // SAFETY: `out.reason` is `cap` writable bytes (or cap == 0) for the call.
        let mut reason = unsafe { Reason::from_raw(out.reason.cast(), cap) };
        let result = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: caller's contract on `input`; `from_raw` checks null, size, UTF-8.
            match unsafe { Input::from_raw(input) } {
                Ok(input) => rule
                    .bonus(&input, &mut reason)
                    .map_err(|e| (abi::STATUS_ERROR, e)),
                Err(e) => Err((abi::STATUS_INVALID_INPUT, e.to_owned())),
            }
        }));
        let status = match result {
            Ok(Ok(award)) => {
                out.points = award.points;
                out.flags = award.flags;
                abi::STATUS_OK
            }
            Ok(Err((status, message))) => {
                reason.clear();
                reason.push(&message);
                status
            }
            Err(payload) => {
                reason.clear();
                let message = payload
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("(non-string panic payload)");
                reason.push(message);
                // A payload whose destructor panics must not escape either.
                let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
                abi::STATUS_PANIC
            }
        };
        out.reason_len = reason.len();
        status
    }
}

/// A linear ramp on the ratio `num / den`, in integer arithmetic (identical on every
/// platform): 0 at or below `floor_permille`, `max_points` at or above
/// `full_permille`, linear in between. `den == 0` gives 0.
///
/// ```
/// // 77.5% lies halfway between 60% and 95%: half of 1 point.
/// assert_eq!(truexp_plugin::ramp(10_000, 775, 1000, 600, 950), 5_000);
/// ```
pub fn ramp(max_points: i64, num: u64, den: u64, floor_permille: u64, full_permille: u64) -> i64 {
    if den == 0 || max_points <= 0 {
        return 0;
    }
    if full_permille <= floor_permille {
        return if num as u128 * 1000 >= floor_permille as u128 * den as u128 {
            max_points
        } else {
            0
        };
    }
    let above = (num as i128) * 1000 - (floor_permille as i128) * (den as i128);
    if above <= 0 {
        return 0;
    }
    let span = ((full_permille - floor_permille) as i128) * (den as i128);
    let points = (max_points as i128) * above / span;
    points.min(max_points as i128) as i64
}

/// Displays fixed-point points with two decimals (`12_500` shows as `1.25`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Points(pub i64);

impl std::fmt::Display for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let hundredths = self.0.unsigned_abs() / (POINTS_SCALE as u64 / 100);
        write!(f, "{sign}{}.{:02}", hundredths / 100, hundredths % 100)
    }
}

/// Displays `num / den` as a percentage with one decimal (`-` when `den == 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Percent(pub u64, pub u64);

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.1 == 0 {
            return f.write_str("-");
        }
        let permille = (self.0 as u128 * 1000 / self.1 as u128) as u64;
        write!(f, "{}.{}%", permille / 10, permille % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_edges() {
        assert_eq!(ramp(10_000, 0, 0, 0, 500), 0);
        assert_eq!(ramp(10_000, 600, 1000, 600, 950), 0);
        assert_eq!(ramp(10_000, 950, 1000, 600, 950), 10_000);
        assert_eq!(ramp(10_000, 1000, 1000, 600, 950), 10_000);
        assert_eq!(ramp(4_000, 1, 4, 0, 500), 2_000);
        assert_eq!(ramp(10_000, u64::MAX, u64::MAX, 0, 1000), 10_000);
    }

    struct Echo;
    impl Plugin for Echo {
        const NAME: &'static CStr = c"echo";
        const VERSION: &'static CStr = c"0";
        const CATEGORIES: &'static [&'static CStr] = &[c"pet"];
        fn bonus(&self, input: &Input<'_>, reason: &mut Reason<'_>) -> Result<Award, String> {
            use std::fmt::Write as _;
            let _ = write!(reason, "{}", input.shop_id());
            Ok(Award::points(1))
        }
    }

    /// Calls `Echo` on a hand-made raw input and returns (status, reason).
    fn raw_call(input: *const abi::BonusInput) -> (u32, String) {
        let mut buf = [0u8; 64];
        let mut out = abi::BonusOutput {
            points: 0,
            flags: 0,
            reserved: 0,
            reason: buf.as_mut_ptr().cast(),
            reason_cap: buf.len(),
            reason_len: 0,
        };
        // SAFETY: `input` is null or a valid input built by the test; `out` is valid.
        let status = unsafe { __private::call(&Echo, input, &mut out) };
        (
            status,
            String::from_utf8(buf[..out.reason_len].to_vec()).unwrap(),
        )
    }

    #[test]
    fn malformed_inputs_are_refused_not_trusted() {
        let shop = BonusInput {
            shop_id: "s".into(),
            ..Default::default()
        };
        let c = CInput::new(&shop);
        assert_eq!(raw_call(&*c.abi()), (abi::STATUS_OK, "s".into()));
        assert_eq!(raw_call(std::ptr::null()).0, abi::STATUS_INVALID_INPUT);

        let mut small = *c.abi();
        small.struct_size = 8;
        let (status, reason) = raw_call(&small);
        assert_eq!(status, abi::STATUS_INVALID_INPUT);
        assert!(reason.contains("struct_size"), "{reason}");

        let mut dangling = *c.abi();
        dangling.tags = std::ptr::null();
        dangling.tags_len = 3;
        assert_eq!(
            raw_call(&dangling),
            (abi::STATUS_INVALID_INPUT, "bad tags array".into())
        );

        let bad = [0xffu8, 0xfe];
        let mut not_utf8 = *c.abi();
        not_utf8.shop_id = abi::Str {
            ptr: bad.as_ptr(),
            len: 2,
        };
        assert_eq!(raw_call(&not_utf8).0, abi::STATUS_INVALID_INPUT);

        // A null output pointer is refused without touching anything.
        // SAFETY: null output is part of the contract (refused).
        let status = unsafe { __private::call(&Echo, &*c.abi(), std::ptr::null_mut()) };
        assert_eq!(status, abi::STATUS_INVALID_INPUT);
    }

    #[test]
    fn display_helpers() {
        assert_eq!(Points(12_500).to_string(), "1.25");
        assert_eq!(Points(3).to_string(), "0.00");
        assert_eq!(Percent(1, 3).to_string(), "33.3%");
        assert_eq!(Percent(1, 0).to_string(), "-");
    }
}
