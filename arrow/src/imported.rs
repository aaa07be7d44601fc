//! Record batches from a foreign producer, checked before they are read.
//!
//! Why: arrays imported through the Arrow C data interface (a C or C++
//! service's `ArrowArrayStream`, a Python object's `__arrow_c_stream__`)
//! are built by arrow-rs without checking their contents, so a producer's
//! bytes that are not UTF-8 in a string column, or a child shorter than its
//! parent, would reach the engine unchecked (and a later answer could not
//! be written or read back). A producer can also break the stream
//! protocol (no `get_next`, an error with no message) in ways arrow-rs
//! answers with a panic. [`Imported`] turns each of these into an error
//! for the batch, naming the column, and ends the stream there.

use std::panic::{catch_unwind, AssertUnwindSafe};

use arrow_array::{Array, RecordBatch};
use arrow_schema::ArrowError;

/// Batches of a foreign stream, each fully validated (offsets, lengths,
/// UTF-8, nested children); a panic while the stream is read becomes an
/// error. The first error ends the stream.
#[derive(Debug)]
pub struct Imported<I> {
    batches: I,
    done: bool,
}

/// `batches` (read from the Arrow C data interface) checked as [`Imported`] says.
pub fn imported<I>(batches: I) -> Imported<I::IntoIter>
where
    I: IntoIterator<Item = Result<RecordBatch, ArrowError>>,
{
    Imported {
        batches: batches.into_iter(),
        done: false,
    }
}

impl<I> Iterator for Imported<I>
where
    I: Iterator<Item = Result<RecordBatch, ArrowError>>,
{
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = match catch_unwind(AssertUnwindSafe(|| self.batches.next())) {
            Ok(next) => next.map(|batch| batch.and_then(validated)),
            Err(panic) => Some(Err(ArrowError::CDataInterface(format!(
                "the producer's stream could not be read: {}",
                panic_text(&*panic)
            )))),
        };
        self.done = !matches!(next, Some(Ok(_)));
        next
    }
}

/// `batch` once every column's data is valid, or an error naming the first
/// column that is not.
pub fn validated(batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        column.to_data().validate_full().map_err(|e| {
            let why = match e {
                ArrowError::InvalidArgumentError(why) => why,
                other => other.to_string(),
            };
            ArrowError::CDataInterface(format!("column `{}`: {why}", field.name()))
        })?;
    }
    Ok(batch)
}

/// A panic's message, when it carries one.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    (panic.downcast_ref::<&str>().copied())
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, BinaryArray, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    /// A `type` column whose second value is not UTF-8, built the way an
    /// unchecked import builds it (the bytes of a binary array as a string
    /// array).
    fn bad_utf8_batch() -> RecordBatch {
        let bytes = BinaryArray::from(vec![b"review".as_slice(), b"rev\xffiew".as_slice()]);
        let data = bytes.to_data().into_builder().data_type(DataType::Utf8);
        // SAFETY (test only): the layout of Binary and Utf8 is the same;
        // only the UTF-8 promise is broken, which is what is tested.
        let strings = StringArray::from(unsafe { data.build_unchecked() });
        let schema = Schema::new(vec![Field::new("type", DataType::Utf8, true)]);
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(strings) as ArrayRef]).unwrap()
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_naming_the_column() {
        let err = validated(bad_utf8_batch()).unwrap_err().to_string();
        assert!(err.contains("column `type`"), "{err}");
        assert!(err.to_lowercase().contains("utf"), "{err}");
    }

    #[test]
    fn a_panicking_stream_ends_with_an_error() {
        let good = RecordBatch::new_empty(Arc::new(Schema::empty()));
        let mut calls = 0;
        let stream = std::iter::from_fn(move || {
            calls += 1;
            match calls {
                1 => Some(Ok(good.clone())),
                2 => panic!("get_next is NULL"),
                _ => Some(Ok(good.clone())),
            }
        });
        let out: Vec<_> = imported(stream).collect();
        assert_eq!(
            out.len(),
            2,
            "the batch before, then the error; then nothing"
        );
        assert!(out[0].is_ok());
        let err = out[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("get_next is NULL"), "{err}");
    }

    #[test]
    fn a_failing_stream_ends_at_its_error() {
        let stream = vec![
            Err(ArrowError::CDataInterface("gone".into())),
            Ok(RecordBatch::new_empty(Arc::new(Schema::empty()))),
        ];
        let out: Vec<_> = imported(stream).collect();
        assert_eq!(out.len(), 1);
    }
}
