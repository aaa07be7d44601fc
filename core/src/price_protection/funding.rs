//! Who funds a payout: the platform, the seller, or both in proportion to
//! who funded the order's discounts — chosen by the kind of price that
//! triggered the payout.
//!
//! Why its own rule: a seller who cuts their own price owes the difference
//! to buyers who paid more (the platform did not cause it), while a drop to
//! a platform campaign price is the platform's doing or a shared one. The
//! platform decides, so the choice is configuration, per kind of price.

use serde::{Deserialize, Serialize};

use super::apportion::LineTerms;
use super::assess::split;
use crate::event::{Money, PromotionKind};

/// Who pays a payout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    /// The seller pays it all.
    Seller,
    /// The platform pays it all.
    Platform,
    /// Split in proportion to who funded the line's discounts (platform
    /// part rounded down; no discounts → all seller).
    #[default]
    DiscountShare,
}

/// Who pays, by the kind of the price that triggered the payout.
/// **\[ours\]**: the published rules say who may claim, not who pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Funding {
    /// A drop to the seller's own price (promotion `none` or `public`).
    pub seller_price_cut: Payer,
    /// A drop to a platform campaign price.
    pub platform_campaign: Payer,
    /// Any other kind a policy counts (coupons, payment channels, members).
    pub other: Payer,
}

impl Default for Funding {
    fn default() -> Self {
        Funding {
            seller_price_cut: Payer::Seller,
            platform_campaign: Payer::DiscountShare,
            other: Payer::DiscountShare,
        }
    }
}

impl Funding {
    /// True for the default choice (kept out of a configuration's JSON, so
    /// that its fingerprint does not change).
    pub fn is_default(&self) -> bool {
        *self == Funding::default()
    }

    /// Who pays a payout triggered by a price of `kind`.
    pub fn payer(&self, kind: PromotionKind) -> Payer {
        match kind {
            PromotionKind::None | PromotionKind::Public => self.seller_price_cut,
            PromotionKind::PlatformCampaign => self.platform_campaign,
            PromotionKind::PersonalCoupon
            | PromotionKind::PaymentChannel
            | PromotionKind::MemberOnly => self.other,
        }
    }

    /// `(platform, seller)` parts of `payout`, triggered by a price of
    /// `kind`, on a line with `terms` (their discount shares).
    pub fn split(&self, kind: PromotionKind, payout: Money, terms: &LineTerms) -> (Money, Money) {
        match self.payer(kind) {
            Payer::Seller => (Money::ZERO, payout.max(Money::ZERO)),
            Payer::Platform => (payout.max(Money::ZERO), Money::ZERO),
            Payer::DiscountShare => split(payout, terms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::m;

    fn terms() -> LineTerms {
        LineTerms {
            quantity: 1,
            paid_amount: m(9_000),
            discount_total: m(1_000),
            platform_discount: m(600),
        }
    }

    #[test]
    fn each_kind_goes_to_its_payer() {
        let f = Funding::default();
        assert_eq!(
            f.split(PromotionKind::Public, m(500), &terms()),
            (m(0), m(500))
        );
        assert_eq!(
            f.split(PromotionKind::None, m(500), &terms()),
            (m(0), m(500))
        );
        assert_eq!(
            f.split(PromotionKind::PlatformCampaign, m(500), &terms()),
            (m(300), m(200))
        );
        assert_eq!(
            f.split(PromotionKind::PersonalCoupon, m(500), &terms()),
            (m(300), m(200))
        );
        let platform = Funding {
            platform_campaign: Payer::Platform,
            seller_price_cut: Payer::DiscountShare,
            other: Payer::Seller,
        };
        assert_eq!(
            platform.split(PromotionKind::PlatformCampaign, m(500), &terms()),
            (m(500), m(0))
        );
        assert_eq!(
            platform.split(PromotionKind::Public, m(500), &terms()),
            (m(300), m(200))
        );
        assert_eq!(
            platform.split(PromotionKind::MemberOnly, m(500), &terms()),
            (m(0), m(500))
        );
        assert!(Funding::default().is_default() && !platform.is_default());
    }

    #[test]
    fn reads_from_json_with_defaults() {
        let f: Funding = serde_json::from_str(r#"{"platform_campaign":"platform"}"#).unwrap();
        assert_eq!(f.platform_campaign, Payer::Platform);
        assert_eq!(f.seller_price_cut, Payer::Seller);
        assert!(serde_json::from_str::<Funding>(r#"{"seller":"platform"}"#).is_err());
        assert!(serde_json::from_str::<Funding>(r#"{"other":"nobody"}"#).is_err());
    }
}
