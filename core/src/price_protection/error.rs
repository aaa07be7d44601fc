//! Errors of the price-protection module.
//!
//! Why one enum that names the field and the value: a payout that cannot be
//! computed must tell the operator *which* input was refused (`lines[2].quantity`,
//! `history[0].units_returned`, ...) and with what value, never wrap or guess.

use thiserror::Error;

use crate::error::EventError;

/// Why a price-protection computation or a book update was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PriceProtectionError {
    /// An input value is impossible (negative, too large, inconsistent).
    #[error("field `{field}`: value {value}: {message}")]
    Invalid {
        /// The field at fault, e.g. `lines[0].line_discount`.
        field: String,
        /// The refused value, as written.
        value: String,
        /// What is wrong with it.
        message: String,
    },
    /// A checked arithmetic step overflowed 64-bit minor units.
    #[error("arithmetic overflow computing `{field}`")]
    Overflow {
        /// What was being computed (names the input field it comes from).
        field: String,
    },
    /// A price observation is for a SKU the order does not contain.
    #[error("field `{field}`: SKU `{sku}` is not in the order")]
    ForeignSku {
        /// The field at fault, e.g. `observations[1].sku`.
        field: String,
        /// The SKU observed.
        sku: String,
    },
    /// An order-scoped event names an order the book has never seen.
    #[error("unknown order `{0}`")]
    UnknownOrder(String),
    /// An `OrderPaid` for an order id the book already holds.
    #[error("order `{0}` was already paid once")]
    DuplicateOrder(String),
    /// The book holds more orders, lines, SKUs or shops than 32-bit handles allow.
    #[error("capacity exceeded: too many {0}")]
    Capacity(&'static str),
    /// The event itself failed validation.
    #[error(transparent)]
    Event(#[from] EventError),
}

impl PriceProtectionError {
    /// An impossible value in `field`.
    pub(crate) fn invalid(
        field: impl Into<String>,
        value: impl ToString,
        message: impl Into<String>,
    ) -> Self {
        PriceProtectionError::Invalid {
            field: field.into(),
            value: value.to_string(),
            message: message.into(),
        }
    }

    /// Overflow while computing `field`.
    pub(crate) fn overflow(field: impl Into<String>) -> Self {
        PriceProtectionError::Overflow {
            field: field.into(),
        }
    }
}

/// Shorthand used across the module.
pub type Result<T> = std::result::Result<T, PriceProtectionError>;
