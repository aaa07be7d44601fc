//! Price protection (价保): what a buyer is owed when the price drops after
//! the purchase.
//!
//! Why a module of small parts: the rules (apportionment, window, comparison
//! price, increments, returns) are each a contract of their own and each is
//! tested on its own; the one-claim API ([`assess_claim`]) and the automatic
//! mode ([`ProtectionBook`]) share one per-line computation ([`assess_line`]),
//! so they cannot disagree.
//!
//! - [`apportion`]: order-level discounts → lines, largest remainder.
//! - [`Window`]: the protection window, exact to the second, end inclusive.
//! - [`assess_line`]: paid unit, comparison, protected quantity, payout,
//!   platform/seller split, zero-payout reason.
//! - [`assess_claim`]: one claim, a pure function.
//! - [`ProtectionBook`]: the engine-owned book for automatic mode.
//!
//! All money is integer minor units; all arithmetic is checked.

mod apportion;
mod assess;
mod book;
mod claim;
mod error;
mod intern;
mod money;
mod window;

pub use apportion::{apportion, line_terms, LineTerms};
pub use assess::{
    assess_line, return_deduction, split, Comparison, LineAssessment, LineHistory, PromotionSet,
    ZeroPayoutReason,
};
pub use book::{
    Applied, DropRun, LinePayout, OrderHandle, ProtectionBook, ReturnWithholding, SkuHandle,
};
pub use claim::{assess_claim, Claim, ClaimOrder, ClaimResult, LineResult, PriceObservation};
pub use error::PriceProtectionError;
pub use money::format_yuan;
pub use window::{anchor_time, window_for, Window, DAY_SECS};
