//! Reading events from JSON Lines.
//!
//! Why its own module: a parse error from serde says *where* (line, column)
//! but not always *which field*; operators need the event id and the field.
//! On the (rare) failure path we look again at the line to recover both,
//! so the fast path stays a single typed `serde_json` parse.

use crate::error::EventError;
use crate::event::Event;

/// Parses one JSON object into an [`Event`] and validates it. A text longer
/// than [`crate::MAX_LINE_BYTES`] is refused unread, as a line of JSON
/// Lines is.
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
///
/// Fast path: the top-level `"type"` is found by a scan and the line parsed
/// straight into that variant's struct; serde's internally tagged enum would
/// buffer the whole object first. Any doubt falls back to the tagged enum,
/// whose errors are the reference.
pub(crate) fn parse_unvalidated(line: &str) -> Result<Event, EventError> {
    if line.len() > crate::MAX_LINE_BYTES {
        return Err(crate::ingest::overlong());
    }
    if let Some(Ok(event)) = top_level_type(line).and_then(|kind| parse_as_variant(kind, line)) {
        return Ok(event);
    }
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
        field_path_at(line, err.column()).unwrap_or_else(|| "<json>".to_owned())
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

/// Parses `line` directly as the struct of the variant named `kind` (its
/// `"type"` key is ignored as an unknown field). `None` for an unknown kind.
fn parse_as_variant(kind: &str, line: &str) -> Option<Result<Event, serde_json::Error>> {
    use crate::event::*;
    fn as_<T: serde::de::DeserializeOwned>(
        line: &str,
        wrap: fn(T) -> Event,
    ) -> Option<Result<Event, serde_json::Error>> {
        Some(serde_json::from_str::<T>(line).map(wrap))
    }
    match kind {
        "order_paid" => as_(line, Event::OrderPaid),
        "risk_verdict" => as_(line, Event::RiskVerdict),
        "shipped" => as_(line, Event::Shipped),
        "delivered" => as_(line, Event::Delivered),
        "tracking_anomaly" => as_(line, Event::TrackingAnomaly),
        "review" => as_(line, Event::Review),
        "refund_requested" => as_(line, Event::RefundRequested),
        "refund_completed" => as_(line, Event::RefundCompleted),
        "platform_intervention" => as_(line, Event::PlatformIntervention),
        "complaint" => as_(line, Event::Complaint),
        "chargeback" => as_(line, Event::Chargeback),
        "seller_cancelled" => as_(line, Event::SellerCancelled),
        "dispute_ruled" => as_(line, Event::DisputeRuled),
        "atoz_claim" => as_(line, Event::AtozClaim),
        "chat" => as_(line, Event::Chat),
        "shop_profile" => as_(line, Event::ShopProfile),
        "price_change" => as_(line, Event::PriceChange),
        "appeal_granted" => as_(line, Event::AppealGranted),
        _ => None,
    }
}

/// Parses `line` as the struct of the variant named `kind`, for its error position.
fn reparse_as_variant(kind: &str, line: &str) -> Option<serde_json::Error> {
    parse_as_variant(kind, line).and_then(Result::err)
}

/// The string value of the top-level `"type"` key, found by a string-aware
/// scan (nested objects and string contents are skipped); `None` when absent,
/// repeated, escaped or not a plain string.
fn top_level_type(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut found = None;
    let mut expect_key = false;
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                expect_key = depth == 1;
            }
            b'[' => depth += 1,
            b'}' | b']' => depth = depth.checked_sub(1)?,
            b',' => expect_key = depth == 1,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if j >= b.len() {
                    return None;
                }
                if expect_key && &b[start..j] == b"type" {
                    // `:` then the value string
                    let mut k = j + 1;
                    while k < b.len() && (b[k] == b':' || b[k].is_ascii_whitespace()) {
                        k += 1;
                    }
                    if k >= b.len() || b[k] != b'"' || found.is_some() {
                        return None;
                    }
                    let vs = k + 1;
                    let ve = vs + b[vs..].iter().position(|&c| c == b'"' || c == b'\\')?;
                    if b[ve] != b'"' {
                        return None;
                    }
                    found = Some(&line[vs..ve]);
                    i = ve;
                }
                expect_key = false;
                i = j.max(i);
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The path of the value at byte column `column` (1-based, where serde
/// stopped): its key and the keys and array positions around it,
/// `lines[1].unit_price` or `tags[2]`; the top-level object's key alone
/// for a top-level field. `None` when no key encloses that place.
fn field_path_at(line: &str, column: usize) -> Option<String> {
    json_path_at(line, column, true)
}

/// In a JSON text of many lines (a configuration file), where serde stopped
/// at `line`:`column` (both 1-based, as `serde_json::Error` gives them):
/// the path of the value there ([`field_path_at`]), or with `object` the
/// path of the last key read in the object that serde was closing (a
/// missing key's error stops on that object's `}`).
pub(crate) fn json_path_at_line(
    text: &str,
    line: usize,
    column: usize,
    object: bool,
) -> Option<String> {
    let start: usize = (text.split_inclusive('\n').take(line.saturating_sub(1)))
        .map(str::len)
        .sum();
    match object {
        false => json_path_at(text, start + column, true),
        true => json_path_at(text, (start + column).saturating_sub(1), false),
    }
}

/// [`field_path_at`] at byte column `column` of `line` (one line or many),
/// stepping back into the value serde just read when `step_back`.
fn json_path_at(line: &str, column: usize, step_back: bool) -> Option<String> {
    enum Frame<'a> {
        Object {
            key: Option<&'a str>,
            expect_key: bool,
        },
        Array(usize),
    }
    let b = line.as_bytes();
    // serde stops just past the value (a custom error, such as the money
    // range, after peeking at the `}` behind a number): step back over
    // closing brackets and space, so the place is inside the value
    let mut stop = column.min(b.len());
    while step_back && stop > 0 && matches!(b[stop - 1], b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
    {
        stop -= 1;
    }
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut i = 0;
    while i < stop {
        match b[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n)) => *n += 1,
                Some(Frame::Object { key, expect_key }) => {
                    *key = None;
                    *expect_key = true;
                }
                None => {}
            },
            b'"' => {
                let open = i + 1;
                let mut j = open;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut() {
                    if *expect_key {
                        *key = line.get(open..j.min(b.len()));
                        *expect_key = false;
                    }
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array(n) => path.push_str(&format!("[{n}]")),
        }
    }
    (!path.is_empty()).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_is_held_to_the_line_limit() {
        let tags = "\"t\",".repeat(crate::MAX_LINE_BYTES / 4);
        let line = format!(
            r#"{{"type":"delivered","id":"d1","order_id":"o","at":1790000000,"x":[{tags}0]}}"#
        );
        let err = parse_event(&line).unwrap_err();
        assert_eq!((err.field.as_str(), err.event_id), ("<line>", None));
        assert!(err.message.contains("longer than"), "{}", err.message);
        let mut engine = crate::Engine::default();
        assert!(engine.ingest_json(&line).is_err());
        assert_eq!(engine.event_count(), 0);
    }

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
    fn money_outside_its_range_is_refused_naming_the_field() {
        let line = |amount: &str| {
            format!(
                r#"{{"type":"refund_completed","id":"x","order_id":"o","refund_id":"r","at":1790000000,"amount":{amount}}}"#
            )
        };
        assert!(parse_event(&line("9007199254740991")).is_ok());
        for bad in ["9007199254740992", "-9007199254740992"] {
            let err = parse_event(&line(bad)).unwrap_err();
            assert_eq!(
                (err.event_id.as_deref(), err.field.as_str()),
                (Some("x"), "amount")
            );
            assert!(err.message.contains("outside the money range"), "{err}");
        }
        // a nested value is named by its path
        let order = |price: &str| {
            format!(
                r#"{{"type":"order_paid","id":"p","order_id":"o","shop_id":"s","buyer_id":"b","category":"c","lines":[{{"sku":"k","quantity":1,"unit_price":5}},{{"sku":"k2","quantity":1,"unit_price":{price}}}],"paid_at":1790000000,"ship_by":1790000010,"tags":["a"]}}"#
            )
        };
        for bad in ["9007199254740992", "\"12\"", "1.5"] {
            let err = parse_event(&order(bad)).unwrap_err();
            assert_eq!(err.field, "lines[1].unit_price", "{bad}: {err}");
        }
        let tags = r#"{"type":"order_paid","id":"p","order_id":"o","shop_id":"s","buyer_id":"b","category":"c","lines":[{"sku":"k","quantity":1,"unit_price":5}],"paid_at":1790000000,"ship_by":1790000010,"tags":["a",{"b":1}]}"#;
        assert_eq!(parse_event(tags).unwrap_err().field, "tags[1]");
        // in range, but not times the quantity: validation names the line
        let order = r#"{"type":"order_paid","id":"p","order_id":"o","shop_id":"s","buyer_id":"b","category":"c","lines":[{"sku":"k","quantity":2,"unit_price":9007199254740991}],"paid_at":1790000000,"ship_by":1790000010}"#;
        let err = parse_event(order).unwrap_err();
        assert_eq!(err.field, "lines[0].unit_price");
        assert!(err.message.contains("outside the money range"), "{err}");
    }

    #[test]
    fn a_moment_outside_time_is_refused_naming_the_field() {
        let line =
            |at: &str| format!(r#"{{"type":"delivered","id":"d","order_id":"o","at":{at}}}"#);
        // out of `Timestamp`'s range: refused at parse; inside it but not a
        // time an event may carry: refused by validation; both name `at`
        for (bad, says) in [
            ("9223372036854775807", "outside the timestamp range"),
            ("-377705116801", "outside the timestamp range"),
            ("253402300799", "outside 2000-01-01..2100-01-01"),
        ] {
            let err = parse_event(&line(bad)).unwrap_err();
            assert_eq!(
                (err.event_id.as_deref(), err.field.as_str()),
                (Some("d"), "at"),
                "{bad}"
            );
            assert!(err.message.contains(says), "{bad}: {err}");
        }
        assert!(parse_event(&line("1790000000")).is_ok());
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
    fn the_type_scan_sees_only_the_top_level_key() {
        assert_eq!(
            top_level_type(r#"{"id":"a","type":"review"}"#),
            Some("review")
        );
        assert_eq!(
            top_level_type(r#"{ "type" : "chat" , "x":1}"#),
            Some("chat")
        );
        assert_eq!(
            top_level_type(r#"{"x":{"type":"chat"},"type":"review"}"#),
            Some("review")
        );
        assert_eq!(
            top_level_type(r#"{"x":"\"type\":\"chat\"","type":"review"}"#),
            Some("review")
        );
        assert_eq!(top_level_type(r#"{"type":"a","type":"b"}"#), None);
        assert_eq!(top_level_type(r#"{"x":{"type":"chat"}}"#), None);
        assert_eq!(top_level_type(r#"{"type":"re\u0076iew"}"#), None);
        assert_eq!(
            top_level_type(r#"{"name":"type","type":"chat"}"#),
            Some("chat")
        );
    }

    #[test]
    fn fast_and_tagged_parses_agree() {
        for line in [
            r#"{"type":"delivered","id":"d1","order_id":"o","at":1790000000}"#,
            r#"{"id":"c1","type":"chat","shop_id":"s","buyer_id":"b","started_at":1790000000,"first_response_secs":12}"#,
            r#"{"type":"complaint","id":"x","order_id":"o","at":1790000000}"#,
        ] {
            let tagged: Event = serde_json::from_str(line).unwrap();
            assert_eq!(parse_unvalidated(line).unwrap(), tagged);
        }
    }

    #[test]
    fn garbage_is_a_syntax_error() {
        let err = parse_event("{not json").unwrap_err();
        assert_eq!(err.event_id, None);
        assert_eq!(err.field, "<json>");
    }
}
