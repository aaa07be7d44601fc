//! Arrow record batches of events: the columnar door against the JSON Lines
//! door, and damaged batches.
//!
//! Input: one byte that sets the batch size and the damage, then JSON Lines
//! (the `jsonl` target's seeds are this target's too). Every line that
//! parses into an event (valid or not: values are checked at ingest) is
//! kept; those events are written into batches of 1–8 rows with
//! `truexp_arrow::events_to_batch`. Checks:
//! - each batch reads back (`events_from_batch`) as the events written;
//! - `ingest_batches` and `ingest_batches_pipelined` give the report
//!   (rows, accepted, duplicates, each refused row with its error) and the
//!   state (scoreboards, counts, pending, deferred errors) that
//!   `Engine::ingest_jsonl` gives for the same events as JSON Lines;
//! - one column of the first batch replaced by a mistyped or all-null
//!   array, or removed: its ingest either refuses the batch, naming that
//!   column (`Error::Schema`) or failing to read it, and changes nothing,
//!   or takes it row by row; never a panic;
//! - an Int64 column read as UInt64 bit for bit: every row whose value was
//!   negative (now above `i64::MAX`) is refused, and only those for that
//!   value.
#![no_main]

mod common;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{
    new_null_array, Array, ArrayRef, Int64Array, RecordBatch, StringArray, UInt64Array,
};
use libfuzzer_sys::fuzz_target;
use truexp::{Engine, Event, IngestReport};
use truexp_arrow::{events_from_batch, events_to_batch, ingest_batch, Error};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, text)) = data.split_first() else {
        return;
    };
    let events: Vec<Event> = (text.split(|&b| b == b'\n'))
        .filter_map(|raw| std::str::from_utf8(raw).ok())
        .filter_map(|line| truexp::parse_event(line.trim()).ok())
        .collect();
    if events.is_empty() {
        return;
    }
    let rows = 1 + (knobs & 7) as usize;
    let batches: Vec<RecordBatch> = events.chunks(rows).map(events_to_batch).collect();
    for (chunk, batch) in events.chunks(rows).zip(&batches) {
        let back = events_from_batch(batch).expect("a batch the writer wrote reads");
        let back: Vec<Event> = (back.into_iter())
            .map(|e| e.expect("a row the writer wrote reads"))
            .collect();
        assert_eq!(back, chunk, "events through a batch and back");
    }

    // the same events as JSON Lines, one per line: row n is line n
    let jsonl: String = (events.iter())
        .map(|e| serde_json::to_string(e).expect("an event serialises") + "\n")
        .collect();
    let mut by_lines = Engine::default();
    let expected = by_lines.ingest_jsonl(jsonl.as_bytes());
    let reference = common::snapshot(&by_lines);
    for pipelined in [false, true] {
        let mut by_batches = Engine::default();
        let stream = batches.iter().cloned().map(Ok);
        let report = if pipelined {
            truexp_arrow::ingest_batches_pipelined(&mut by_batches, stream)
        } else {
            truexp_arrow::ingest_batches(&mut by_batches, stream)
        }
        .expect("the writer's batches are read");
        assert_eq!(report, expected, "report (pipelined: {pipelined})");
        assert_eq!(
            common::snapshot(&by_batches),
            reference,
            "state (pipelined: {pipelined})"
        );
        assert_eq!(by_batches.deferred_errors(), by_lines.deferred_errors());
    }

    // one column of the first batch damaged, into the engine that holds
    // every event (so a refused batch must leave it exactly as it is)
    let batch = &batches[0];
    let schema = batch.schema();
    let at = (knobs >> 3) as usize % schema.fields().len();
    let name = schema.field(at).name().clone();
    let n = batch.num_rows();
    let damaged: Option<ArrayRef> = match knobs >> 6 {
        0 => None,
        1 => Some(new_null_array(schema.field(at).data_type(), n)),
        2 => Some(match batch.column(at).as_primitive_opt::<Int64Type>() {
            Some(ints) => Arc::new(UInt64Array::from_iter(
                ints.iter().map(|v| v.map(|v| v as u64)),
            )),
            None => Arc::new(Int64Array::from(vec![-1; n])),
        }),
        _ => Some(Arc::new(StringArray::from(vec!["x"; n]))),
    };
    let columns: Vec<(String, ArrayRef)> = (schema.fields().iter().zip(batch.columns()))
        .enumerate()
        .filter_map(|(i, (f, c))| match (i == at, &damaged) {
            (false, _) => Some((f.name().clone(), c.clone())),
            (true, Some(d)) => Some((f.name().clone(), d.clone())),
            (true, None) => None,
        })
        .collect();
    let Ok(bad) = RecordBatch::try_from_iter(columns) else {
        return;
    };
    let mut report = IngestReport::default();
    match ingest_batch(&mut by_lines, &bad, 1, &mut report) {
        Ok(()) => {
            assert_eq!(report.lines, n as u64, "every row counted");
            // an Int64 column read as UInt64: the negative values' rows go
            let original = batch.column(at).as_primitive_opt::<Int64Type>();
            if let Some(ints) = original.filter(|_| knobs >> 6 == 2) {
                let negative: Vec<u64> = (0..n)
                    .filter(|&r| ints.is_valid(r) && ints.value(r) < 0)
                    .map(|r| r as u64 + 1)
                    .collect();
                let refused: Vec<u64> = report.rejected.iter().map(|(r, _)| *r).collect();
                for r in &negative {
                    assert!(refused.contains(r), "row {r}: a value above i64::MAX taken");
                }
                for (r, e) in &report.rejected {
                    if e.field == name && e.message.ends_with("expected i64") {
                        assert!(negative.contains(r), "row {r} refused: {e}");
                    }
                }
            }
        }
        Err(e) => {
            if let Error::Schema { column, .. } = &e {
                assert_eq!(*column, name, "the refusal names the damaged column ({e})");
            }
            assert_eq!(
                report,
                IngestReport::default(),
                "a refused batch reports nothing"
            );
            assert_eq!(
                common::snapshot(&by_lines),
                reference,
                "a refused batch ({e}) changed the state"
            );
        }
    }
});
