//! truexp: a service-quality scoring engine for online marketplaces.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bonus;
pub mod error;
pub mod event;
mod jsonl;
pub mod price_protection;

pub use error::{ConfigError, Error, EventError};
pub use event::{Event, Money, Timestamp};
pub use jsonl::parse_event;
