//! Errors that name what was wrong.
//!
//! Why one small module: every face (Rust, C, CLI) reports the same errors,
//! and each must say which event, which field and which value was refused.

use thiserror::Error;

/// An event was refused. Nothing it carried was applied.
#[derive(Clone, Debug, PartialEq, Eq, Error, serde::Serialize)]
#[error("event {}: field `{field}`: {message}", event_id.as_deref().unwrap_or("<no id>"))]
pub struct EventError {
    /// The event's id, when it could be read.
    pub event_id: Option<String>,
    /// The field at fault (`lines[0].quantity`, `order_id`, ...).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl EventError {
    /// An event whose field holds an impossible value.
    pub fn invalid(event_id: &str, field: &str, message: String) -> Self {
        EventError {
            event_id: Some(event_id.to_owned()),
            field: field.to_owned(),
            message,
        }
    }
}

/// A configuration was refused; it names the key.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("config key `{key}`: {message}")]
pub struct ConfigError {
    /// Dotted path of the key (`blocks[1].indicators[0].weight`).
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            key: key.into(),
            message: message.into(),
        }
    }

    /// serde's refusal of JSON text `json` (a configuration, a standard),
    /// naming the whole path where it stopped (`grades.hihg`,
    /// `blocks[1].indicators[0].weight`); a missing key is named inside the
    /// object that lacks it (serde stops at that object's `}`); `<json>`
    /// for text that is not JSON.
    pub(crate) fn from_json_error(json: &str, e: &serde_json::Error) -> Self {
        let text = e.to_string();
        let at = |object| crate::jsonl::json_path_at_line(json, e.line(), e.column(), object);
        let key = match text.strip_prefix("missing field `") {
            Some(rest) => {
                let field = rest.split('`').next().unwrap_or("");
                let last = at(true);
                match last.as_deref().and_then(|p| p.rsplit_once('.')) {
                    Some((parent, _)) => format!("{parent}.{field}"),
                    None => field.to_owned(),
                }
            }
            None if e.is_syntax() || e.is_eof() => "<json>".to_owned(),
            None => at(false).unwrap_or_else(|| "<json>".to_owned()),
        };
        ConfigError::new(key, text)
    }
}

/// Anything the engine can refuse.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Error {
    /// A bad event.
    #[error(transparent)]
    Event(#[from] EventError),
    /// A bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A query named a shop the engine has never seen.
    #[error("unknown shop `{0}`")]
    UnknownShop(String),
    /// A bonus rule of that name is already registered.
    #[error("a bonus rule named `{0}` is already registered")]
    DuplicateBonusRule(String),
    /// Two engines hold state that cannot be combined (an order paid in both).
    #[error("cannot merge: {0}")]
    Merge(String),
    /// Two engines with different configurations cannot merge.
    #[error("cannot merge engines with different configurations")]
    ConfigMismatch,
    /// Category statistics handed to a scoring round lack what it needs.
    #[error("category `{category}`: no {missing} in the combined statistics")]
    MissingPeerStats {
        /// The category.
        category: String,
        /// Which round's statistics are missing.
        missing: &'static str,
    },
    /// A query argument out of its range.
    #[error("argument `{name}`: {message}")]
    OutOfRange {
        /// The argument.
        name: &'static str,
        /// What is wrong, with the value given.
        message: String,
    },
}
