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
//! - [`assess_claim`]: one claim, a pure function (the caller gives each
//!   line's history as it stood at the claim).
//! - `timeline`: a line's dated refunds, returns and payouts, walked in
//!   time order so that automatic mode judges each drop on the line as it
//!   stood then (a payout is fixed when made).
//! - [`ProtectionBook`]: the engine-owned book for automatic mode: feed it
//!   events with [`ProtectionBook::apply`], then run price drops with
//!   [`ProtectionBook::run_price_drop`], [`ProtectionBook::run_all_drops`]
//!   or the allocation-free [`ProtectionBook::run_all_drops_with`].
//!
//! All money is integer minor units; all arithmetic is checked; bad input
//! is a [`PriceProtectionError`] naming the field and the value.
//!
//! ```
//! # use truexp::Timestamp;
//! use truexp::event::{OrderDiscount, Funder, OrderLine, PriceProtectionPolicy, PromotionKind, ProtectionAnchor};
//! use truexp::price_protection::{assess_claim, Claim, ClaimOrder, PriceObservation, ZeroPayoutReason};
//! use truexp::Money;
//!
//! // Three lines of 10.00, a 10.00 platform coupon: shares 3.34 / 3.33 / 3.33.
//! let line = |sku: &str| OrderLine { sku: sku.into(), quantity: 1, unit_price: Money::from(1000), line_discount: Money::ZERO };
//! let claim = Claim {
//!     order: ClaimOrder {
//!         order_id: "o1".into(),
//!         lines: vec![line("a"), line("b"), line("c")],
//!         discounts: vec![OrderDiscount { amount: Money::from(1000), funded_by: Funder::Platform, kind: PromotionKind::PlatformCampaign }],
//!         ordered_at: Some(Timestamp::constant(1_790_000_000)), paid_at: Timestamp::constant(1_790_000_000), received_at: None,
//!     },
//!     policy: PriceProtectionPolicy {
//!         window_days: 7, anchor: ProtectionAnchor::Order,
//!         counted_promotions: truexp::event::default_counted_promotions(),
//!         deduct_protected_units: false,
//!     },
//!     observations: vec![
//!         PriceObservation { sku: "a".into(), price: Money::from(600), promotion: PromotionKind::PlatformCampaign, at: Timestamp::constant(1_790_000_010) },
//!         PriceObservation { sku: "b".into(), price: Money::from(500), promotion: PromotionKind::PaymentChannel, at: Timestamp::constant(1_790_000_010) },
//!     ],
//!     history: vec![],
//!     claimed_at: Timestamp::constant(1_790_000_100),
//!     funding: Default::default(),
//!     fake: false,
//! };
//! let r = assess_claim(&claim).unwrap();
//! assert_eq!(r.lines[0].assessment.paid_unit, Money::from(666));
//! assert_eq!(r.lines[0].assessment.payout, Money::from(66));
//! // a campaign price: split by who funded the discounts (a seller's own
//! // price cut would be the seller's alone); the only discount was the platform's
//! assert_eq!(r.lines[0].assessment.platform_part, Money::from(66));
//! assert_eq!(r.lines[1].assessment.reason, Some(ZeroPayoutReason::ExcludedPromotion));
//! assert_eq!(r.lines[2].assessment.reason, Some(ZeroPayoutReason::PriceNotLower));
//! ```

mod apportion;
mod assess;
mod book;
mod claim;
mod error;
mod funding;
mod intern;
mod money;
mod timeline;
mod window;

pub use apportion::{apportion, line_terms, LineTerms};
pub use assess::{
    assess_line, refund_deduction, return_deduction, split, Comparison, LineAssessment,
    LineHistory, PromotionSet, ZeroPayoutReason,
};
pub use book::{
    Applied, DeductionCause, DeductionRecord, DropRun, LinePayout, ProtectionBook, RefundDeduction,
    ReturnWithholding,
};
pub use claim::{assess_claim, Claim, ClaimOrder, ClaimResult, LineResult, PriceObservation};
pub use error::PriceProtectionError;
pub use funding::{Funding, Payer};
pub use money::format_yuan;
pub use window::{anchor_time, window_for, Window};
