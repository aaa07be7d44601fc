//! A test plugin that panics on demand.
//!
//! Why it exists: to prove that the SDK's declaration macro catches a panic inside
//! a bonus call and turns it into an error result, instead of letting it unwind
//! across the C boundary (which would abort the host). It panics for shops whose
//! id starts with `panic`, and otherwise awards 0.1 point.
#![forbid(unsafe_code)]

use std::ffi::CStr;
use std::fmt::Write as _;
use truexp_plugin::{Award, Input, Plugin, Reason};

/// The rule.
pub struct Panicky;

impl Plugin for Panicky {
    const NAME: &'static CStr = c"panicky";
    const VERSION: &'static CStr = c"0.0.1";
    const CATEGORIES: &'static [&'static CStr] = &[c"pet", c"home"];

    fn bonus(&self, input: &Input<'_>, reason: &mut Reason<'_>) -> Result<Award, String> {
        if input.shop_id().starts_with("panic") {
            panic!("deliberate panic for shop {}", input.shop_id());
        }
        if input.shop_id().starts_with("fail") {
            return Err(format!("deliberate failure for shop {}", input.shop_id()));
        }
        let _ = write!(reason, "calm shop {}", input.shop_id());
        Ok(Award::points(1_000))
    }
}

truexp_plugin::declare_plugin!(Panicky);
