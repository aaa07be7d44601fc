//! Each order's partition, for runs that build one engine per partition of
//! shops (the Spark job in `distributed/spark`).
//!
//! Why a table of its own: a follow-up event (shipped, review, refund, ...)
//! names only its order, yet it must reach the engine that holds the order's
//! shop. The run learns every order's partition from the `order_paid` events
//! (millions of rows) and then asks for it once per file of events. Asked
//! through pyarrow's `index_in`, every question hashes the whole table again
//! (~1.9 s per 1.3M events against 5M orders); this table is built once per
//! process, over the ids' bytes in one buffer, and each question costs one
//! probe per event.
//!
//! Limits: at most `u32::MAX - 1` orders and 4 GiB of order id bytes
//! ([`Error::Limit`]); the table holds the ids' bytes plus 16 to 24 bytes per
//! order (8 for its end and partition, 8 to 16 for the at most half-full slots).

use std::hash::{BuildHasher, RandomState};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;

use crate::read::{cast_to, schema_err};
use crate::schema::is_string;
use crate::Error;

/// An empty slot of the hash table.
const EMPTY: u32 = u32::MAX;

/// Every order's partition, first partition kept: `order_id` → `part`.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Int32Array, RecordBatch, StringArray};
/// use truexp_arrow::OrderPartitions;
///
/// let paid = RecordBatch::try_from_iter([
///     ("order_id", Arc::new(StringArray::from(vec!["o1", "o2", "o1"])) as _),
///     ("part", Arc::new(Int32Array::from(vec![3, 0, 7])) as _),
/// ]).unwrap();
/// let mut table = OrderPartitions::default();
/// assert_eq!(table.add(&paid).unwrap(), 2); // o1 paid twice keeps partition 3
/// assert_eq!(table.partition_of("o1"), Some(3));
/// assert_eq!(table.partition_of("o9"), None);
/// ```
#[derive(Debug, Default)]
pub struct OrderPartitions {
    /// Every order id's bytes, one after the other.
    bytes: Vec<u8>,
    /// Where each order's id ends in `bytes` (it starts where the previous ends).
    ends: Vec<u32>,
    /// Each order's partition.
    parts: Vec<u32>,
    /// Open addressing with linear probing: an order's index, or [`EMPTY`];
    /// a power of two long, at most half full.
    slots: Vec<u32>,
    hasher: RandomState,
}

/// The `order_id` column of `batch` as Utf8, or why not.
fn order_ids(batch: &RecordBatch) -> Result<StringArray, Error> {
    let column =
        (batch.column_by_name("order_id")).ok_or_else(|| schema_err("order_id", "missing"))?;
    if !is_string(column.data_type()) {
        return Err(schema_err(
            "order_id",
            format!("expected a string column, got {}", column.data_type()),
        ));
    }
    Ok(cast_to("order_id", column, &DataType::Utf8)?
        .as_string::<i32>()
        .clone())
}

/// The `order_id` and `part` columns of `batch`, checked (see
/// [`OrderPartitions::add`]); its rows are numbered from `first_row` + 1 in
/// errors (the rows of the batches before it come first).
fn paid_columns(batch: &RecordBatch, first_row: usize) -> Result<(StringArray, Int64Array), Error> {
    let ids = order_ids(batch)?;
    let given = batch
        .column_by_name("part")
        .ok_or_else(|| schema_err("part", "missing"))?;
    if !given.data_type().is_integer() {
        return Err(schema_err(
            "part",
            format!("expected an integer column, got {}", given.data_type()),
        ));
    }
    let part = arrow_cast::cast(given, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone();
    if let Some(row) = (0..ids.len()).find(|&r| ids.is_null(r)) {
        return Err(schema_err(
            "order_id",
            format!("null in row {}", first_row + row + 1),
        ));
    }
    if let Some(row) = (0..part.len())
        .find(|&r| part.is_null(r) || !(0..=i64::from(i32::MAX)).contains(&part.value(r)))
    {
        // the cast to Int64 turns a UInt64 above i64::MAX into a null
        let value = match (given.is_null(row), part.is_null(row)) {
            (true, _) => "null".to_owned(),
            (false, true) => format!("a value above {}", i64::MAX),
            (false, false) => part.value(row).to_string(),
        };
        return Err(schema_err(
            "part",
            format!(
                "row {}: {value} is not a partition (0..={})",
                first_row + row + 1,
                i32::MAX
            ),
        ));
    }
    Ok((ids, part))
}

impl OrderPartitions {
    /// Learns the partitions of a batch with columns `order_id` (any string
    /// type, no nulls) and `part` (any integer type, `0..=i32::MAX`, no
    /// nulls); other columns are ignored. An order already known keeps its
    /// partition (the first one added wins, as an order paid twice keeps its
    /// first `order_paid`). Returns how many orders were new. On an error
    /// (a missing or mistyped column, a null, a partition out of range, a
    /// limit) nothing of the batch is added.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<usize, Error> {
        self.add_all(std::slice::from_ref(batch))
    }

    /// [`add`](Self::add) for several batches, in order: either all of them
    /// are added or, on an error in any, none. Errors number rows across
    /// the batches, from 1.
    pub fn add_all(&mut self, batches: &[RecordBatch]) -> Result<usize, Error> {
        let mut first_row = 0;
        let columns = batches
            .iter()
            .map(|b| {
                let columns = paid_columns(b, first_row);
                first_row += b.num_rows();
                columns
            })
            .collect::<Result<Vec<_>, _>>()?;
        let new_bytes: u64 = columns
            .iter()
            .map(|(ids, _)| {
                let offsets = ids.value_offsets();
                (offsets[ids.len()] - offsets[0]) as u64
            })
            .sum();
        let new_orders: u64 = columns.iter().map(|(ids, _)| ids.len() as u64).sum();
        if self.bytes.len() as u64 + new_bytes > u64::from(u32::MAX) {
            return Err(Error::Limit(format!(
                "order partitions: more than 4 GiB of order ids ({} held, {new_bytes} more)",
                self.bytes.len()
            )));
        }
        if self.ends.len() as u64 + new_orders >= u64::from(EMPTY) {
            return Err(Error::Limit(format!(
                "order partitions: more than {} orders",
                EMPTY - 1
            )));
        }
        // room for every row at once (an upper bound: repeats are not added)
        let rows = new_orders as usize;
        if (self.ends.len() + rows) * 2 > self.slots.len() {
            self.grow_to(((self.ends.len() + rows) * 2).next_power_of_two());
        }
        self.bytes.reserve(new_bytes as usize);
        self.ends.reserve(rows);
        self.parts.reserve(rows);
        Ok(columns
            .iter()
            .map(|(ids, part)| self.insert(ids, part))
            .sum())
    }

    /// Adds checked columns; returns how many orders were new.
    fn insert(&mut self, ids: &StringArray, part: &Int64Array) -> usize {
        let mut added = 0;
        for row in 0..ids.len() {
            let id = ids.value(row).as_bytes();
            let hash = self.hasher.hash_one(id);
            if self.find(id, hash).is_some() {
                continue;
            }
            // at most half full: a probe run stays short
            if (self.ends.len() + 1) * 2 > self.slots.len() {
                self.grow();
            }
            let index = self.ends.len() as u32;
            self.bytes.extend_from_slice(id);
            self.ends.push(self.bytes.len() as u32);
            self.parts.push(part.value(row) as u32);
            let mask = self.slots.len() - 1;
            let mut slot = hash as usize & mask;
            while self.slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = index;
            added += 1;
        }
        added
    }

    /// The id of the order at `index`.
    fn id(&self, index: u32) -> &[u8] {
        let i = index as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The index of `id` (whose hash is `hash`), if known.
    fn find(&self, id: &[u8], hash: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            match self.slots[slot] {
                EMPTY => return None,
                index if self.id(index) == id => return Some(index),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Doubles the slots (at least 1,024) and places every order again.
    fn grow(&mut self) {
        self.grow_to((self.slots.len() * 2).max(1024));
    }

    /// `len` slots (a power of two), every order placed again.
    fn grow_to(&mut self, len: usize) {
        self.slots = vec![EMPTY; len];
        let mask = len - 1;
        for index in 0..self.ends.len() as u32 {
            let mut slot = self.hasher.hash_one(self.id(index)) as usize & mask;
            while self.slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = index;
        }
    }

    /// The partition of one order, if known.
    pub fn partition_of(&self, order_id: &str) -> Option<u32> {
        let id = order_id.as_bytes();
        self.find(id, self.hasher.hash_one(id))
            .map(|i| self.parts[i as usize])
    }

    /// The partition of each row's `order_id` in `batch` (null where the
    /// id is null or not known).
    pub fn lookup(&self, batch: &RecordBatch) -> Result<Int32Array, Error> {
        let ids = order_ids(batch)?;
        Ok(ids
            .iter()
            .map(|id| id.and_then(|id| self.partition_of(id)).map(|p| p as i32))
            .collect())
    }

    /// How many orders are known.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether no order is known.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held (capacities of the id buffer, the ends, the partitions and
    /// the slots).
    pub fn size_bytes(&self) -> usize {
        self.bytes.capacity()
            + 4 * (self.ends.capacity() + self.parts.capacity() + self.slots.len())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, Int32Array, Int64Array, LargeStringArray, RecordBatch, StringArray,
    };

    use super::*;

    fn batch(ids: Vec<Option<&str>>, parts: Vec<Option<i64>>) -> RecordBatch {
        RecordBatch::try_from_iter([
            ("order_id", Arc::new(StringArray::from(ids)) as ArrayRef),
            ("part", Arc::new(Int64Array::from(parts)) as ArrayRef),
        ])
        .unwrap()
    }

    #[test]
    fn every_order_found_after_growing_and_the_first_partition_kept() {
        let n = 20_000;
        let ids: Vec<String> = (0..n).map(|i| format!("order-{i}")).collect();
        let mut table = OrderPartitions::default();
        // in two batches, the second repeating half of the first with other partitions
        let first = batch(
            ids[..n / 2].iter().map(|s| Some(s.as_str())).collect(),
            (0..n / 2).map(|i| Some(i as i64 % 16)).collect(),
        );
        assert_eq!(table.add(&first).unwrap(), n / 2);
        let second = batch(
            ids[n / 4..].iter().map(|s| Some(s.as_str())).collect(),
            (n / 4..n).map(|_| Some(99)).collect(),
        );
        assert_eq!(table.add(&second).unwrap(), n - n / 2);
        assert_eq!(table.len(), n);
        for (i, id) in ids.iter().enumerate() {
            let want = if i < n / 2 { i as u32 % 16 } else { 99 };
            assert_eq!(table.partition_of(id), Some(want), "{id}");
        }
        assert_eq!(table.partition_of("order-x"), None);
        assert_eq!(table.partition_of(""), None);
        assert!(table.slots.len() >= 2 * n);
    }

    #[test]
    fn lookup_gives_null_for_unknown_and_null_ids_and_reads_other_string_types() {
        let mut table = OrderPartitions::default();
        table
            .add(&batch(vec![Some("a"), Some("")], vec![Some(1), Some(2)]))
            .unwrap();
        let asked = RecordBatch::try_from_iter([(
            "order_id",
            Arc::new(LargeStringArray::from(vec![
                Some("a"),
                None,
                Some("zz"),
                Some(""),
            ])) as ArrayRef,
        )])
        .unwrap();
        let got = table.lookup(&asked).unwrap();
        assert_eq!(got, Int32Array::from(vec![Some(1), None, None, Some(2)]));
    }

    #[test]
    fn rows_are_numbered_across_batches_and_huge_values_named() {
        let mut table = OrderPartitions::default();
        let good = batch(vec![Some("a"), Some("b")], vec![Some(1), Some(2)]);
        let bad = batch(vec![Some("c"), None], vec![Some(1), Some(2)]);
        match table.add_all(&[good.clone(), bad]) {
            Err(Error::Schema { message, .. }) => assert_eq!(message, "null in row 4"),
            other => panic!("{other:?}"),
        }
        assert_eq!(table.len(), 0);
        let huge = RecordBatch::try_from_iter([
            (
                "order_id",
                Arc::new(StringArray::from(vec!["c"])) as ArrayRef,
            ),
            (
                "part",
                Arc::new(arrow_array::UInt64Array::from(vec![u64::MAX])) as ArrayRef,
            ),
        ])
        .unwrap();
        match table.add_all(&[good, huge]) {
            Err(Error::Schema { message, .. }) => {
                assert!(message.starts_with("row 3: a value above"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bad_batch_is_refused_whole_with_its_column_and_row() {
        let mut table = OrderPartitions::default();
        table.add(&batch(vec![Some("a")], vec![Some(1)])).unwrap();
        for (bad, column, says) in [
            (
                batch(vec![Some("b"), None], vec![Some(1), Some(2)]),
                "order_id",
                "null in row 2",
            ),
            (
                batch(vec![Some("b"), Some("c")], vec![Some(1), None]),
                "part",
                "row 2: null",
            ),
            (batch(vec![Some("b")], vec![Some(-1)]), "part", "row 1: -1"),
            (
                batch(vec![Some("b")], vec![Some(1 << 31)]),
                "part",
                "row 1: 2147483648",
            ),
        ] {
            match table.add(&bad) {
                Err(Error::Schema { column: c, message }) => {
                    assert_eq!(c, column);
                    assert!(message.starts_with(says), "{message}");
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(table.len(), 1);
            assert_eq!(table.partition_of("b"), None);
        }
        let no_part = RecordBatch::try_from_iter([(
            "order_id",
            Arc::new(StringArray::from(vec!["b"])) as ArrayRef,
        )])
        .unwrap();
        assert!(
            matches!(table.add(&no_part), Err(Error::Schema { column, .. }) if column == "part")
        );
        let numeric_ids = RecordBatch::try_from_iter([
            ("order_id", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
            ("part", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
        ])
        .unwrap();
        assert!(
            matches!(table.lookup(&numeric_ids), Err(Error::Schema { column, .. }) if column == "order_id")
        );
        assert_eq!(table.partition_of("a"), Some(1));
        // several batches: a bad one refuses the good ones before it too
        let good = batch(vec![Some("b")], vec![Some(2)]);
        let bad = batch(vec![None], vec![Some(2)]);
        assert!(table.add_all(&[good.clone(), bad]).is_err());
        assert_eq!((table.len(), table.partition_of("b")), (1, None));
        assert_eq!(table.add_all(&[good.clone(), good]).unwrap(), 1);
        assert_eq!(table.partition_of("b"), Some(2));
    }
}
