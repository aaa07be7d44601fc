//! # truexp-arrow
//!
//! The columnar faces of [truexp](truexp): Arrow record batches and Parquet
//! files in, Arrow record batches out. The core crate stays free of Arrow;
//! this crate turns each row into a [`truexp::Event`] and calls
//! [`truexp::Engine::ingest`], so validation, idempotence and every score
//! are exactly those of JSON Lines.
//!
//! ## The event schema
//!
//! One wide table, one row per event, tagged by a `type` column holding the
//! JSON Lines type name (`order_paid`, `review`, ...). Every other column is
//! named like the JSON key it carries and is null for event types without
//! that key ([`schema::event_schema`], documented in `docs/arrow.md`):
//!
//! | column | Arrow type | used by |
//! |---|---|---|
//! | `type` | Utf8 | every event (required) |
//! | `id` | Utf8 | every event (required) |
//! | `order_id` | Utf8 | every order event |
//! | `shop_id`, `buyer_id` | Utf8 | `order_paid`, `chat`; `shop_id` also `shop_profile` |
//! | `category` | Utf8 | `order_paid`, `shop_profile` |
//! | `lines` | List<Struct<sku Utf8, quantity Int64, unit_price Int64, line_discount Int64>> | `order_paid` |
//! | `discounts` | List<Struct<amount Int64, funded_by Utf8, kind Utf8>> | `order_paid` |
//! | `ordered_at`, `paid_at`, `ship_by`, `deliver_by` | Int64 (UTC s) | `order_paid` |
//! | `fake` | Boolean | `order_paid` (risk.fake), `risk_verdict` |
//! | `tags` | List<Utf8> | `order_paid` |
//! | `at` | Int64 (UTC s) | every event with an `at` |
//! | `pickup_at` / `tracking_valid` | Int64 / Boolean | `shipped` |
//! | `fake_shipment` | Boolean | `tracking_anomaly` |
//! | `reviewer`, `product_stars`, `logistics_stars`, `service_stars`, `suspicious` | Utf8, Int64 ×3, Boolean | `review` |
//! | `refund_id`, `kind`, `reason`, `amount`, `sku`, `units` | Utf8 ×3, Int64, Utf8, Int64 | `refund_requested` |
//! | `refund_id`, `amount`, `units_returned` | Utf8, Int64, Int64 | `refund_completed` |
//! | `for_party` | Utf8 | `dispute_ruled` |
//! | `outcome` | Utf8 | `atoz_claim` |
//! | `started_at`, `first_response_secs`, `satisfaction`, `agent_certification` | Int64 ×3, Utf8 | `chat` |
//! | `agent_id` | Utf8 | `chat` |
//! | `region` (last column) | Utf8 | `order_paid` (delivery region, for exclusion windows) |
//! | `name`, `certifications`, `services` | Utf8, List<Utf8> ×2 | `shop_profile` |
//! | `price_protection` | Struct<window_days Int64, anchor Utf8, counted_promotions List<Utf8>, deduct_protected_units Boolean> | `shop_profile` |
//! | `sku`, `price`, `promotion` | Utf8, Int64, Utf8 | `price_change` |
//!
//! Enumerations (`kind`, `reason`, `funded_by`, `promotion`, ...) are their
//! JSON names. Reading is lenient about physical types: any string type
//! (`LargeUtf8`, `Utf8View`, dictionaries), any integer type, `LargeList`
//! and all-null (`Null`) columns are accepted; columns the schema does not
//! name are ignored; a missing column reads as all-null. A null where JSON
//! would need a key is reported like a missing key. JSON defaults apply to
//! nulls (`tracking_valid` true, `line_discount` 0, discount `kind` public,
//! `promotion` none, policy `anchor` order, ...).
//!
//! ## Errors
//!
//! A refused row is reported with its 1-based row number across the stream,
//! the event id and the field, in the same [`truexp::IngestReport`] JSON
//! Lines uses (`lines` counts rows). A batch whose column has a type the
//! schema cannot read fails the call with [`Error::Schema`] naming the column.
//!
//! ```
//! use truexp::Engine;
//! use truexp_arrow::{events_to_batch, ingest_batches, scoreboard_batch};
//! let events: Vec<truexp::Event> = [
//!     r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}"#,
//!     r#"{"type":"review","id":"r1","order_id":"o1","reviewer":"b","at":1790000000,"product_stars":5}"#,
//! ].iter().map(|l| truexp::parse_event(l).unwrap()).collect();
//! let batch = events_to_batch(&events);
//! let mut engine = Engine::default();
//! let report = ingest_batches(&mut engine, [Ok(batch)]).unwrap();
//! assert_eq!((report.lines, report.accepted), (2, 2));
//! let board = scoreboard_batch(&engine.scoreboard(truexp::Timestamp::constant(1_790_100_000)), engine.config());
//! assert_eq!(board.num_rows(), 1);
//! ```

#![warn(missing_docs)]

pub mod answers;
pub mod imported;
pub mod read;
pub mod routing;
pub mod schema;
pub mod write;

#[cfg(feature = "parquet")]
use std::fs::File;
#[cfg(feature = "parquet")]
use std::path::Path;

#[cfg(feature = "parquet")]
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
#[cfg(feature = "parquet")]
use parquet::arrow::ProjectionMask;
#[cfg(feature = "parquet")]
use truexp::{Engine, IngestReport};

pub use answers::{deductions_batch, payouts_batch, problem_orders_batch, scoreboard_batch};
pub use imported::{imported, validated, Imported};
pub use read::{
    events_from_batch, ingest_batch, ingest_batches, ingest_batches_pipelined,
    ingest_batches_pipelined_into,
};
pub use routing::OrderPartitions;
pub use schema::event_schema;
pub use write::{events_to_batch, EventBatchBuilder};
#[cfg(feature = "parquet")]
pub use write::{jsonl_file_to_parquet, jsonl_to_parquet, write_parquet, ConvertReport};

/// Why a stream or a file could not be read (row-level refusals are not
/// errors: they go to the [`truexp::IngestReport`]).
#[derive(Debug)]
pub enum Error {
    /// A column has a type the event schema cannot read, or `type` is missing.
    Schema {
        /// The column (`lines.quantity` for a field inside a list of structs).
        column: String,
        /// What is wrong with it.
        message: String,
    },
    /// The Arrow stream failed.
    Arrow(arrow_schema::ArrowError),
    /// The Parquet file could not be read or written.
    #[cfg(feature = "parquet")]
    Parquet(parquet::errors::ParquetError),
    /// The file could not be opened, read or written.
    Io(std::io::Error),
    /// A stated limit would be passed (what, and the limit).
    Limit(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Schema { column, message } => write!(f, "column `{column}`: {message}"),
            Error::Arrow(e) => write!(f, "arrow: {e}"),
            #[cfg(feature = "parquet")]
            Error::Parquet(e) => write!(f, "parquet: {e}"),
            Error::Io(e) => write!(f, "{e}"),
            Error::Limit(what) => write!(f, "limit: {what}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<arrow_schema::ArrowError> for Error {
    fn from(e: arrow_schema::ArrowError) -> Self {
        Error::Arrow(e)
    }
}
#[cfg(feature = "parquet")]
impl From<parquet::errors::ParquetError> for Error {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Error::Parquet(e)
    }
}
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// Rows per batch when reading Parquet.
#[cfg(feature = "parquet")]
pub const READ_BATCH_ROWS: usize = 8192;

#[cfg(feature = "parquet")]
/// A Parquet reader over the event columns of `input` (a `File`, or the
/// file's bytes in memory as `bytes::Bytes`) only: columns of the file the
/// event schema does not name are never decoded (column projection).
///
/// A damaged file is an error, never a panic: the parquet crate's decoder
/// panics on some damaged files (fuzz target `parquet`: parquet 57.3 unwraps
/// a missing field of the file's metadata), so its panics, while the
/// metadata is read here and while each batch is decoded, are caught and
/// returned as [`Error::Parquet`] / an `ArrowError::ParquetError` batch that
/// ends the stream. The process's panic hook still sees them (by default a
/// line on stderr).
pub fn parquet_reader<R: parquet::file::reader::ChunkReader + 'static>(
    input: R,
) -> Result<ParquetEvents, Error> {
    let open = || -> Result<_, Error> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(input)?;
        let names: Vec<&str> = schema::COLUMNS.iter().map(|(n, _)| *n).collect();
        let roots: Vec<usize> = builder
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| names.contains(&f.name().as_str()))
            .map(|(i, _)| i)
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        Ok(builder
            .with_projection(mask)
            .with_batch_size(READ_BATCH_ROWS)
            .build()?)
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(open)) {
        Ok(reader) => Ok(ParquetEvents {
            reader: Some(reader?),
        }),
        Err(panic) => Err(Error::Parquet(parquet::errors::ParquetError::General(
            decoder_failed(&*panic),
        ))),
    }
}

#[cfg(feature = "parquet")]
/// The batches of a Parquet file of events ([`parquet_reader`]): a decoder
/// panic on a damaged page ends the stream with an error batch.
pub struct ParquetEvents {
    /// `None` once the decoder has failed.
    reader: Option<parquet::arrow::arrow_reader::ParquetRecordBatchReader>,
}

#[cfg(feature = "parquet")]
impl Iterator for ParquetEvents {
    type Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let reader = self.reader.as_mut()?;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.next())) {
            Ok(batch) => batch,
            Err(panic) => {
                self.reader = None;
                Some(Err(arrow_schema::ArrowError::ParquetError(decoder_failed(
                    &*panic,
                ))))
            }
        }
    }
}

#[cfg(feature = "parquet")]
/// What a caught decoder panic says.
fn decoder_failed(panic: &(dyn std::any::Any + Send)) -> String {
    let what = imported::panic_text(panic);
    format!("the file is damaged: the Parquet decoder failed ({what})")
}

#[cfg(feature = "parquet")]
/// Reads a Parquet file of events (the event schema, or any superset of some
/// of its columns) into `engine`. Rows are numbered from 1 in file order.
pub fn ingest_parquet(engine: &mut Engine, path: impl AsRef<Path>) -> Result<IngestReport, Error> {
    let mut report = IngestReport::default();
    ingest_parquet_into(engine, path, &mut report).map(|()| report)
}

#[cfg(feature = "parquet")]
/// [`ingest_parquet`], counting into `report` as it goes (see
/// [`ingest_batches_pipelined_into`]: a damaged page leaves what the rows
/// before it did in `report`).
pub fn ingest_parquet_into(
    engine: &mut Engine,
    path: impl AsRef<Path>,
    report: &mut IngestReport,
) -> Result<(), Error> {
    let reader = parquet_reader(File::open(path)?)?;
    // decoding and building events on one thread, applying on the caller's
    ingest_batches_pipelined_into(engine, reader, report)
}
