//! Reading events from JSON Lines.
//!
//! Why its own module: a parse error from serde says *where* (line, column)
//! but not always *which field*; operators need the event id and the field.
//! On the (rare) failure path we look again at the line to recover both,
//! so the fast path stays a single typed `serde_json` parse.

use crate::error::EventError;
use crate::event::Event;

/// Parses one JSON object into an [`Event`] and validates it.
///
/// ```
/// let e = truexp::parse_event(r#"{"type":"review","id":"r1","order_id":"o1","reviewer":"b1","at":0,"product_stars":9}"#);
/// let err = e.unwrap_err();
/// assert_eq!(err.event_id.as_deref(), Some("r1"));
/// assert_eq!(err.field, "product_stars");
/// ```
pub fn parse_event(line: &str) -> Result<Event, EventError> {
    let event = parse_unvalidated(line)?;
    event.validate()?;
    Ok(event)
}

/// Parses without [`Event::validate`], for callers that validate next anyway.
pub(crate) fn parse_unvalidated(line: &str) -> Result<Event, EventError> {
    serde_json::from_str(line).map_err(|e| describe_parse_error(line, &e))
}

fn describe_parse_error(line: &str, err: &serde_json::Error) -> EventError {
    let value = serde_json::from_str::<serde_json::Value>(line).ok();
    let event_id = value
        .as_ref()
        .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_owned));
    // The tagged enum buffers the object, so its errors carry no position.
    // Parsing the line again as the variant's own struct gives one.
    let kind = value
        .as_ref()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned));
    let positioned = kind.and_then(|k| reparse_as_variant(&k, line));
    let err = positioned.as_ref().unwrap_or(err);
    let text = err.to_string();
    // serde's own wording: "missing field `x` at line 1 column 80".
    let field = if let Some(rest) = text.strip_prefix("missing field `") {
        rest.split('`').next().unwrap_or("").to_owned()
    } else if err.is_syntax() || err.is_eof() {
        "<json>".to_owned()
    } else {
        key_before(line, err.column()).unwrap_or_else(|| "<json>".to_owned())
    };
    let message = match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    };
    EventError {
        event_id,
        field,
        message,
    }
}

/// Parses `line` as the struct of the variant named `kind`, for its error position.
fn reparse_as_variant(kind: &str, line: &str) -> Option<serde_json::Error> {
    use crate::event::*;
    fn try_as<T: serde::de::DeserializeOwned>(line: &str) -> Option<serde_json::Error> {
        serde_json::from_str::<T>(line).err()
    }
    match kind {
        "order_paid" => try_as::<OrderPaid>(line),
        "risk_verdict" => try_as::<RiskVerdict>(line),
        "shipped" => try_as::<Shipped>(line),
        "delivered" => try_as::<Delivered>(line),
        "tracking_anomaly" => try_as::<TrackingAnomaly>(line),
        "review" => try_as::<Review>(line),
        "refund_requested" => try_as::<RefundRequested>(line),
        "refund_completed" => try_as::<RefundCompleted>(line),
        "platform_intervention" | "complaint" | "chargeback" | "seller_cancelled" => {
            try_as::<OrderNote>(line)
        }
        "dispute_ruled" => try_as::<DisputeRuled>(line),
        "atoz_claim" => try_as::<AtozClaim>(line),
        "chat" => try_as::<ChatSession>(line),
        "shop_profile" => try_as::<ShopProfile>(line),
        "price_change" => try_as::<PriceChange>(line),
        _ => None,
    }
}

/// The last object key that starts before byte column `column` (1-based).
fn key_before(line: &str, column: usize) -> Option<String> {
    let bytes = line.as_bytes();
    let mut end = column.min(bytes.len());
    while end > 0 {
        // find a ':' and the quoted key just before it
        let colon = bytes[..end].iter().rposition(|&b| b == b':')?;
        let mut k = colon;
        while k > 0 && bytes[k - 1].is_ascii_whitespace() {
            k -= 1;
        }
        if k > 0 && bytes[k - 1] == b'"' {
            let close = k - 1;
            if let Some(open) = bytes[..close].iter().rposition(|&b| b == b'"') {
                return Some(line[open + 1..close].to_owned());
            }
        }
        end = colon;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_missing_field_and_id() {
        let err = parse_event(r#"{"type":"delivered","id":"d1"}"#).unwrap_err();
        assert_eq!(err.event_id.as_deref(), Some("d1"));
        assert_eq!(err.field, "order_id");
    }

    #[test]
    fn names_field_with_wrong_type() {
        let err = parse_event(r#"{"type":"delivered","id":"d2","order_id":"o","at":"yesterday"}"#)
            .unwrap_err();
        assert_eq!(err.event_id.as_deref(), Some("d2"));
        assert_eq!(err.field, "at");
    }

    #[test]
    fn names_overflowing_amount() {
        let line = r#"{"type":"refund_completed","id":"x","order_id":"o","refund_id":"r","at":1,"amount":99999999999999999999}"#;
        let err = parse_event(line).unwrap_err();
        assert_eq!(err.field, "amount");
        assert_eq!(err.event_id.as_deref(), Some("x"));
    }

    #[test]
    fn names_negative_quantity() {
        let line = r#"{"type":"order_paid","id":"p","order_id":"o","shop_id":"s","buyer_id":"b","category":"c","lines":[{"sku":"k","quantity":-2,"unit_price":100}],"paid_at":0,"ship_by":10}"#;
        let err = parse_event(line).unwrap_err();
        assert_eq!(err.field, "lines[0].quantity");
    }

    #[test]
    fn unknown_type_is_reported() {
        let err = parse_event(r#"{"type":"teleported","id":"t"}"#).unwrap_err();
        assert_eq!(err.event_id.as_deref(), Some("t"));
        assert!(err.message.contains("teleported"), "{}", err.message);
    }

    #[test]
    fn garbage_is_a_syntax_error() {
        let err = parse_event("{not json").unwrap_err();
        assert_eq!(err.event_id, None);
        assert_eq!(err.field, "<json>");
    }
}
