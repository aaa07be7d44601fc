//! Record batches in: round trips, lenient physical types, errors with row,
//! event id and field; answers out.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{
    Array, ArrayRef, Int32Array, Int64Array, LargeStringArray, ListArray, RecordBatch, StringArray,
    StringViewArray, StructArray, UInt64Array,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Schema};
use truexp::{Engine, Event, Timestamp};
use truexp_arrow::{
    events_from_batch, events_to_batch, ingest_batches, ingest_batches_pipelined,
    problem_orders_batch, scoreboard_batch, Error,
};

const EVENTS: &[&str] = &[
    r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"name":"One","category":"pet","certifications":["pet_doctor"],"services":["x"],"price_protection":{"window_days":15,"anchor":"payment","counted_promotions":["none","member_only"],"deduct_protected_units":true}}"#,
    r#"{"type":"shop_profile","id":"p2","shop_id":"s2","at":1790000000,"category":"pet"}"#,
    r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":2,"unit_price":1990,"line_discount":10},{"sku":"k2","quantity":1,"unit_price":500}],"discounts":[{"amount":100,"funded_by":"seller","kind":"personal_coupon"}],"ordered_at":1789999990,"paid_at":1790000000,"ship_by":1790172800,"deliver_by":1790400000,"risk":{"fake":true},"tags":["cold_chain"],"region":"fujian"}"#,
    r#"{"type":"order_paid","id":"e1b","order_id":"o2","shop_id":"s1","buyer_id":"b2","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":1990}],"paid_at":1790000000,"ship_by":1790172800}"#,
    r#"{"type":"risk_verdict","id":"e2","order_id":"o1","at":1790000100,"fake":false}"#,
    r#"{"type":"shipped","id":"e3","order_id":"o1","at":1790000200,"pickup_at":1790000300,"tracking_valid":false}"#,
    r#"{"type":"delivered","id":"e4","order_id":"o1","at":1790100000}"#,
    r#"{"type":"tracking_anomaly","id":"e5","order_id":"o1","at":1790000400,"fake_shipment":true}"#,
    r#"{"type":"review","id":"e6","order_id":"o1","reviewer":"b1","at":1790200000,"product_stars":2,"logistics_stars":3,"service_stars":4,"suspicious":false}"#,
    r#"{"type":"refund_requested","id":"e7","order_id":"o1","refund_id":"r1","at":1790200100,"kind":"return_and_refund","reason":"not_as_described","amount":1000,"sku":"k1","units":1}"#,
    r#"{"type":"refund_completed","id":"e8","order_id":"o1","refund_id":"r1","at":1790300000,"amount":1000,"units_returned":1}"#,
    r#"{"type":"platform_intervention","id":"e9","order_id":"o1","at":1790300100}"#,
    r#"{"type":"dispute_ruled","id":"e10","order_id":"o1","at":1790300200,"for_party":"buyer"}"#,
    r#"{"type":"complaint","id":"e11","order_id":"o1","at":1790300300}"#,
    r#"{"type":"chargeback","id":"e12","order_id":"o1","at":1790300400}"#,
    r#"{"type":"atoz_claim","id":"e13","order_id":"o1","at":1790300500,"outcome":"granted"}"#,
    r#"{"type":"seller_cancelled","id":"e14","order_id":"o2","at":1790000500}"#,
    r#"{"type":"chat","id":"e15","shop_id":"s1","buyer_id":"b1","started_at":1790000600,"first_response_secs":30,"satisfaction":5,"agent_certification":"pet_doctor","agent_id":"amy"}"#,
    r#"{"type":"price_change","id":"e16","sku":"k1","price":1500,"promotion":"public","at":1790000700}"#,
];

fn events() -> Vec<Event> {
    EVENTS
        .iter()
        .map(|l| truexp::parse_event(l).unwrap())
        .collect()
}

#[test]
fn every_event_type_round_trips() {
    let events = events();
    let batch = events_to_batch(&events);
    assert_eq!(batch.schema(), truexp_arrow::event_schema());
    let back: Vec<Event> = events_from_batch(&batch)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(back, events);
}

#[test]
fn batches_score_like_json_lines() {
    let mut json = Engine::default();
    let r = json.ingest_jsonl(EVENTS.join("\n").as_bytes());
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    let events = events();
    let mut arrow = Engine::default();
    // split into two batches: rows are numbered across them
    let report = ingest_batches(
        &mut arrow,
        [
            Ok(events_to_batch(&events[..5])),
            Ok(events_to_batch(&events[5..])),
        ],
    )
    .unwrap();
    assert_eq!((report.lines, report.accepted), (r.lines, r.accepted));
    let as_of = Timestamp::constant(1_790_400_000);
    assert_eq!(json.scoreboard(as_of), arrow.scoreboard(as_of));
    let board = scoreboard_batch(&arrow.scoreboard(as_of), arrow.config());
    assert_eq!(board.num_rows(), 2);
    let ids = board
        .column_by_name("shop_id")
        .unwrap()
        .as_string::<i32>()
        .clone();
    assert!(ids.iter().any(|s| s == Some("s1")));
    assert!(board.column_by_name("block_product").is_some());
    let problems = arrow.problem_orders("s1", as_of).unwrap();
    let pb = problem_orders_batch("s1", &problems);
    let labels: usize = problems.iter().map(|p| p.labels.len()).sum();
    assert!(labels > 0);
    assert_eq!(pb.num_rows(), labels);
    assert_eq!(
        pb.column_by_name("order_id")
            .unwrap()
            .as_string::<i32>()
            .value(0),
        "o1"
    );
}

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

#[test]
fn lenient_physical_types_and_missing_columns() {
    // strings as LargeUtf8 / Utf8View, times as Int32, extra column ignored,
    // most columns absent
    let b = batch(vec![
        (
            "type",
            Arc::new(LargeStringArray::from(vec!["delivered", "complaint"])),
        ),
        ("id", Arc::new(StringViewArray::from(vec!["d1", "c1"]))),
        ("order_id", Arc::new(StringArray::from(vec!["o1", "o1"]))),
        (
            "at",
            Arc::new(Int32Array::from(vec![1_790_000_000, 1_790_000_001])),
        ),
        ("comment", Arc::new(StringArray::from(vec!["x", "y"]))),
    ]);
    let events: Vec<Event> = events_from_batch(&b)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(events[0].kind_name(), "delivered");
    assert_eq!(events[1].id(), "c1");
    assert_eq!(events[1].latest_time(), Timestamp::constant(1_790_000_001));
}

#[test]
fn refused_rows_name_row_event_and_field() {
    let b = batch(vec![
        (
            "type",
            Arc::new(StringArray::from(vec![
                Some("review"),
                Some("delivered"),
                Some("review"),
                None,
                Some("teleported"),
                Some("refund_requested"),
            ])),
        ),
        (
            "id",
            Arc::new(StringArray::from(vec![
                Some("r1"),
                Some("d1"),
                Some("r2"),
                Some("x1"),
                Some("t1"),
                Some("q1"),
            ])),
        ),
        (
            "order_id",
            Arc::new(StringArray::from(vec![
                Some("o"),
                Some("o"),
                Some("o"),
                Some("o"),
                Some("o"),
                Some("o"),
            ])),
        ),
        (
            "reviewer",
            Arc::new(StringArray::from(vec!["b", "b", "b", "b", "b", "b"])),
        ),
        (
            "at",
            Arc::new(Int64Array::from(vec![
                Some(1_790_000_000),
                None,
                Some(1_790_000_000),
                Some(1_790_000_000),
                Some(1_790_000_000),
                Some(1_790_000_000),
            ])),
        ),
        (
            "product_stars",
            Arc::new(Int64Array::from(vec![
                Some(5),
                None,
                Some(9),
                None,
                None,
                None,
            ])),
        ),
        ("refund_id", Arc::new(StringArray::from(vec!["r"; 6]))),
        ("amount", Arc::new(Int64Array::from(vec![1; 6]))),
        ("reason", Arc::new(StringArray::from(vec!["quality"; 6]))),
        (
            "kind",
            Arc::new(StringArray::from(vec!["refund_sometimes"; 6])),
        ),
    ]);
    let mut engine = Engine::default();
    // first batch of three rows shifts the numbering of the second
    let first = events_to_batch(&events()[..3]);
    let report = ingest_batches(&mut engine, [Ok(first.clone()), Ok(b.clone())]).unwrap();
    // built and validated on another thread: the same report, the same state
    let mut piped = Engine::default();
    let piped_report = ingest_batches_pipelined(&mut piped, [Ok(first), Ok(b)]).unwrap();
    assert_eq!(piped_report, report);
    let as_of = Timestamp::constant(1_790_400_000);
    assert_eq!(piped.scoreboard(as_of), engine.scoreboard(as_of));
    let got: Vec<(u64, Option<&str>, &str)> = report
        .rejected
        .iter()
        .map(|(n, e)| (*n, e.event_id.as_deref(), e.field.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (5, Some("d1"), "at"),
            (6, Some("r2"), "product_stars"),
            (7, Some("x1"), "type"),
            (8, Some("t1"), "type"),
            (9, Some("q1"), "kind"),
        ]
    );
    assert_eq!(report.lines, 9);
    assert_eq!(report.accepted, 4);
    let msg = report.rejected[1].1.to_string();
    assert!(msg.contains("stars must be 1 to 5, got 9"), "{msg}");
    assert!(report.rejected[0].1.message.contains("missing field `at`"));
    assert!(report.rejected[4].1.message.contains("refund_sometimes"));
}

/// Money in an Int64 column is checked against the money range like a
/// JSON field: a refused row names the field; its neighbours are taken.
#[test]
fn money_outside_its_range_is_refused_naming_the_field() {
    let b = batch(vec![
        (
            "type",
            Arc::new(StringArray::from(vec!["refund_completed"; 3])),
        ),
        ("id", Arc::new(StringArray::from(vec!["c1", "c2", "c3"]))),
        ("order_id", Arc::new(StringArray::from(vec!["o"; 3]))),
        (
            "refund_id",
            Arc::new(StringArray::from(vec!["r1", "r2", "r3"])),
        ),
        ("at", Arc::new(Int64Array::from(vec![1_790_000_000; 3]))),
        (
            "amount",
            Arc::new(Int64Array::from(vec![(1 << 53) - 1, 1 << 53, -(1 << 53)])),
        ),
    ]);
    let mut engine = Engine::default();
    let report = ingest_batches(&mut engine, [Ok(b)]).unwrap();
    let got: Vec<(u64, Option<&str>, &str)> = (report.rejected.iter())
        .map(|(n, e)| (*n, e.event_id.as_deref(), e.field.as_str()))
        .collect();
    assert_eq!(got, [(2, Some("c2"), "amount"), (3, Some("c3"), "amount")]);
    let msg = report.rejected[0].1.to_string();
    assert!(
        msg.contains("9007199254740992") && msg.contains("money range"),
        "{msg}"
    );
    assert_eq!(report.accepted, 1);
}

/// A moment in an Int64 column is checked against `Timestamp`'s range like
/// a JSON field: a refused row names the field; its neighbours are taken.
#[test]
fn a_moment_outside_time_is_refused_naming_the_field() {
    let b = batch(vec![
        ("type", Arc::new(StringArray::from(vec!["delivered"; 3]))),
        ("id", Arc::new(StringArray::from(vec!["d1", "d2", "d3"]))),
        ("order_id", Arc::new(StringArray::from(vec!["o"; 3]))),
        (
            "at",
            Arc::new(Int64Array::from(vec![1_790_000_000, i64::MIN, i64::MAX])),
        ),
    ]);
    let mut engine = Engine::default();
    let report = ingest_batches(&mut engine, [Ok(b)]).unwrap();
    let got: Vec<(u64, Option<&str>, &str)> = (report.rejected.iter())
        .map(|(n, e)| (*n, e.event_id.as_deref(), e.field.as_str()))
        .collect();
    assert_eq!(got, [(2, Some("d2"), "at"), (3, Some("d3"), "at")]);
    let msg = report.rejected[1].1.to_string();
    assert!(
        msg.contains("9223372036854775807") && msg.contains("timestamp range"),
        "{msg}"
    );
    assert_eq!(report.accepted, 1);
}

/// A UInt64 column is read as it is: a value above `i64::MAX` refuses its
/// row only, naming the field (nested ones by their path) with the words a
/// JSON line gets; the batch's other rows are taken. Before, the cast to
/// Int64 failed the whole batch without a row.
#[test]
fn a_uint64_above_i64_refuses_its_row_naming_the_field() {
    let big = u64::MAX;
    let b = batch(vec![
        (
            "type",
            Arc::new(StringArray::from(vec!["refund_requested"; 3])),
        ),
        ("id", Arc::new(StringArray::from(vec!["q1", "q2", "q3"]))),
        ("order_id", Arc::new(StringArray::from(vec!["o"; 3]))),
        (
            "refund_id",
            Arc::new(StringArray::from(vec!["r1", "r2", "r3"])),
        ),
        (
            "at",
            Arc::new(UInt64Array::from(vec![1_790_000_000, 1_790_000_000, big])),
        ),
        ("kind", Arc::new(StringArray::from(vec!["refund_only"; 3]))),
        ("reason", Arc::new(StringArray::from(vec!["quality"; 3]))),
        ("amount", Arc::new(UInt64Array::from(vec![100; 3]))),
        (
            "units",
            Arc::new(UInt64Array::from(vec![Some(1), Some(big), None])),
        ),
    ]);
    let mut engine = Engine::default();
    let report = ingest_batches(&mut engine, [Ok(b)]).unwrap();
    let got: Vec<(u64, Option<&str>, &str)> = (report.rejected.iter())
        .map(|(n, e)| (*n, e.event_id.as_deref(), e.field.as_str()))
        .collect();
    assert_eq!(got, [(2, Some("q2"), "units"), (3, Some("q3"), "at")]);
    // the same words as the JSON line with that value
    let json = truexp::parse_event(&format!(
        r#"{{"type":"refund_requested","id":"q2","order_id":"o","refund_id":"r2","at":1790000000,"kind":"refund_only","reason":"quality","amount":100,"units":{big}}}"#
    ))
    .unwrap_err();
    assert_eq!(report.rejected[0].1.message, json.message);
    assert_eq!(report.accepted, 1);

    // nested: a line's quantity
    let line_fields = vec![
        Field::new("sku", DataType::Utf8, true),
        Field::new("quantity", DataType::UInt64, true),
        Field::new("unit_price", DataType::UInt64, true),
    ];
    let lines = StructArray::new(
        line_fields.clone().into(),
        vec![
            Arc::new(StringArray::from(vec!["k1", "k2", "k1"])) as ArrayRef,
            Arc::new(UInt64Array::from(vec![1, big, 2])),
            Arc::new(UInt64Array::from(vec![500, 500, 500])),
        ],
        None,
    );
    let list = ListArray::new(
        Arc::new(Field::new(
            "item",
            DataType::Struct(line_fields.into()),
            true,
        )),
        OffsetBuffer::from_lengths([2, 1]),
        Arc::new(lines),
        None,
    );
    let b = batch(vec![
        ("type", Arc::new(StringArray::from(vec!["order_paid"; 2]))),
        ("id", Arc::new(StringArray::from(vec!["p1", "p2"]))),
        ("order_id", Arc::new(StringArray::from(vec!["o1", "o2"]))),
        ("shop_id", Arc::new(StringArray::from(vec!["s"; 2]))),
        ("buyer_id", Arc::new(StringArray::from(vec!["b"; 2]))),
        ("category", Arc::new(StringArray::from(vec!["pet"; 2]))),
        ("lines", Arc::new(list)),
        (
            "paid_at",
            Arc::new(Int64Array::from(vec![1_790_000_000; 2])),
        ),
        (
            "ship_by",
            Arc::new(Int64Array::from(vec![1_790_100_000; 2])),
        ),
    ]);
    let mut engine = Engine::default();
    let report = ingest_batches(&mut engine, [Ok(b)]).unwrap();
    assert_eq!(report.rejected.len(), 1);
    let (row, e) = &report.rejected[0];
    assert_eq!((*row, e.event_id.as_deref()), (1, Some("p1")));
    assert_eq!(e.field, "lines[1].quantity");
    assert!(e.message.contains(&big.to_string()), "{}", e.message);
    assert_eq!(report.accepted, 1);
}

#[test]
fn nested_field_errors_name_the_line() {
    let mut events = events();
    let Event::OrderPaid(o) = &mut events[2] else {
        panic!()
    };
    o.lines[1].quantity = 0;
    let b = events_to_batch(&events[2..3]);
    let mut engine = Engine::default();
    let report = ingest_batches(&mut engine, [Ok(b)]).unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].1.field, "lines[1].quantity");
    assert_eq!(report.rejected[0].1.event_id.as_deref(), Some("e1"));
}

#[test]
fn an_unreadable_column_type_is_a_schema_error() {
    let b = batch(vec![
        ("type", Arc::new(StringArray::from(vec!["delivered"]))),
        ("id", Arc::new(StringArray::from(vec!["d1"]))),
        ("at", Arc::new(StringArray::from(vec!["yesterday"]))),
    ]);
    match events_from_batch(&b) {
        Err(Error::Schema { column, .. }) => assert_eq!(column, "at"),
        other => panic!("{other:?}"),
    }
    // in a stream, the batches before an unreadable one stay ingested, on
    // one thread or pipelined
    let good = events_to_batch(&events()[..4]);
    let stream = || [Ok(good.clone()), Ok(b.clone()), Ok(good.clone())];
    let mut one = Engine::default();
    let mut piped = Engine::default();
    assert!(matches!(
        ingest_batches(&mut one, stream()),
        Err(Error::Schema { .. })
    ));
    assert!(matches!(
        ingest_batches_pipelined(&mut piped, stream()),
        Err(Error::Schema { .. })
    ));
    assert_eq!(one.order_count(), 2);
    assert_eq!(piped.order_count(), 2);
    let no_type = batch(vec![("id", Arc::new(StringArray::from(vec!["d1"])))]);
    assert!(matches!(
        events_from_batch(&no_type),
        Err(Error::Schema { column, .. }) if column == "type"
    ));
}

#[test]
fn answer_columns_have_stable_types() {
    let engine = Engine::default();
    let b = scoreboard_batch(
        &engine.scoreboard(Timestamp::constant(1_790_000_000)),
        engine.config(),
    );
    assert_eq!(b.num_rows(), 0);
    assert_eq!(
        b.schema().field_with_name("overall").unwrap().data_type(),
        &DataType::Float64
    );
    let r = b.column_by_name("rank").unwrap();
    assert_eq!(r.as_primitive::<Int64Type>().len(), 0);
}
