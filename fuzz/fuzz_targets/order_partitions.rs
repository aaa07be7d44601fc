//! `truexp_arrow::OrderPartitions`: the table the Spark job routes
//! follow-up events with, fed record batches of (order_id, part).
//!
//! Input (`arbitrary`): up to 32 operations — add one or two batches of
//! rows (ids from a small alphabet so that they repeat, or any string;
//! partitions any i64, so also negative and past `i32::MAX`; nulls), or look
//! up a batch of ids. Checks against a model (a `HashMap`, the first
//! partition of an id kept): every lookup equals the model's answer (null for
//! null and unknown ids); an add returns the number of new ids; a call with a
//! null id, a null or out-of-range partition in any of its batches is
//! refused whole and changes nothing; `len` equals the model's.
#![no_main]

use std::collections::HashMap;
use std::sync::Arc;

use arbitrary::Arbitrary;
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use libfuzzer_sys::fuzz_target;
use truexp_arrow::OrderPartitions;

#[derive(Arbitrary, Debug)]
enum Id {
    Small(u8),
    Text(String),
}

impl Id {
    fn text(&self) -> String {
        match self {
            Id::Small(n) => format!("o{}", n % 48),
            Id::Text(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Part {
    Small(u8),
    Any(i64),
}

impl Part {
    fn value(&self) -> i64 {
        match self {
            Part::Small(n) => i64::from(*n % 16),
            Part::Any(v) => *v,
        }
    }
}

type Rows = Vec<(Option<Id>, Option<Part>)>;

#[derive(Arbitrary, Debug)]
enum Op {
    Add(Rows),
    AddTwo(Rows, Rows),
    Lookup(Vec<Option<Id>>),
}

/// A row as the model sees it: order id and partition, either null.
type PlainRow = (Option<String>, Option<i64>);

fn batch(rows: &Rows) -> (RecordBatch, Vec<PlainRow>) {
    let plain: Vec<PlainRow> = rows
        .iter()
        .map(|(id, part)| (id.as_ref().map(Id::text), part.as_ref().map(Part::value)))
        .collect();
    let ids: StringArray = plain.iter().map(|(id, _)| id.clone()).collect();
    let parts: Int64Array = plain.iter().map(|(_, p)| *p).collect();
    let batch = RecordBatch::try_from_iter([
        ("order_id", Arc::new(ids) as ArrayRef),
        ("part", Arc::new(parts) as ArrayRef),
    ])
    .expect("two columns of one length");
    (batch, plain)
}

fn valid(rows: &[(Option<String>, Option<i64>)]) -> bool {
    rows.iter()
        .all(|(id, p)| id.is_some() && p.is_some_and(|p| (0..=i64::from(i32::MAX)).contains(&p)))
}

fuzz_target!(|ops: Vec<Op>| {
    let mut table = OrderPartitions::default();
    let mut model: HashMap<String, i32> = HashMap::new();
    for op in ops.iter().take(32) {
        let adds = match op {
            Op::Add(rows) => vec![batch(rows)],
            Op::AddTwo(a, b) => vec![batch(a), batch(b)],
            Op::Lookup(ids) => {
                let asked: StringArray = ids.iter().map(|id| id.as_ref().map(Id::text)).collect();
                let asked_batch =
                    RecordBatch::try_from_iter([("order_id", Arc::new(asked.clone()) as ArrayRef)])
                        .expect("one column");
                let got = table.lookup(&asked_batch).expect("a string column is read");
                assert_eq!(got.len(), asked.len());
                for i in 0..asked.len() {
                    let want = (!asked.is_null(i))
                        .then(|| model.get(asked.value(i)).copied())
                        .flatten();
                    let have = (!got.is_null(i)).then(|| got.value(i));
                    assert_eq!(have, want, "row {i}");
                    if !asked.is_null(i) {
                        assert_eq!(table.partition_of(asked.value(i)), want.map(|p| p as u32));
                    }
                }
                continue;
            }
        };
        let batches: Vec<RecordBatch> = adds.iter().map(|(b, _)| b.clone()).collect();
        let all_valid = adds.iter().all(|(_, rows)| valid(rows));
        let before = table.len();
        match table.add_all(&batches) {
            Ok(added) => {
                assert!(all_valid, "a null or out-of-range row was accepted");
                let mut new = 0;
                for (_, rows) in &adds {
                    for (id, p) in rows {
                        let (id, p) = (id.clone().expect("valid"), p.expect("valid"));
                        if let std::collections::hash_map::Entry::Vacant(slot) = model.entry(id) {
                            slot.insert(p as i32);
                            new += 1;
                        }
                    }
                }
                assert_eq!(added, new);
            }
            Err(e) => {
                assert!(!all_valid, "a valid call refused: {e}");
                assert_eq!(table.len(), before, "a refused call changed the table");
            }
        }
        assert_eq!(table.len(), model.len());
    }
    assert!(table.size_bytes() >= table.len() * 8);
});
