//! Events to record batches, and JSON Lines to Parquet.
//!
//! Why: the inverse of [`crate::read`], so any event log can be stored
//! columnar and read back into exactly the same events.

#[cfg(feature = "parquet")]
use std::fs::File;
#[cfg(feature = "parquet")]
use std::io::{BufRead, Write};
#[cfg(feature = "parquet")]
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::Field;
#[cfg(feature = "parquet")]
use parquet::arrow::ArrowWriter;
#[cfg(feature = "parquet")]
use parquet::basic::Compression;
#[cfg(feature = "parquet")]
use parquet::errors::ParquetError;
#[cfg(feature = "parquet")]
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use truexp::event::*;
#[cfg(feature = "parquet")]
use truexp::EventError;

use crate::schema::{
    col, discount_fields, event_schema, line_fields, protection_fields, Kind, COLUMNS,
};
#[cfg(feature = "parquet")]
use crate::Error;

/// One builder per column of the event schema.
enum Builder {
    Str(StringBuilder),
    Int(Int64Builder),
    Bool(BooleanBuilder),
    StrList(ListBuilder<StringBuilder>),
    Lines(LinesBuilder),
    Discounts(DiscountsBuilder),
    Protection(ProtectionBuilder),
}

#[derive(Default)]
struct LinesBuilder {
    offsets: Vec<i32>,
    valid: Vec<bool>,
    sku: StringBuilder,
    quantity: Int64Builder,
    unit_price: Int64Builder,
    line_discount: Int64Builder,
}

#[derive(Default)]
struct DiscountsBuilder {
    offsets: Vec<i32>,
    valid: Vec<bool>,
    amount: Int64Builder,
    funded_by: StringBuilder,
    kind: StringBuilder,
}

#[derive(Default)]
struct ProtectionBuilder {
    valid: Vec<bool>,
    window_days: Int64Builder,
    anchor: StringBuilder,
    counted: ListBuilder<StringBuilder>,
    deduct: BooleanBuilder,
}

/// The serde name of a unit enum value (`refund_only`, `platform`, ...).
fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

/// Accumulates events as rows of the event schema.
pub struct EventBatchBuilder {
    cols: Vec<Builder>,
    rows: usize,
}

impl Default for EventBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// The values of one row, by column index.
enum Cell<'a> {
    Null,
    Str(&'a str),
    Owned(String),
    Int(i64),
    Bool(bool),
    StrList(&'a [String]),
    Lines(&'a [OrderLine]),
    Discounts(&'a [OrderDiscount]),
    Protection(&'a PriceProtectionPolicy),
}

impl EventBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        let cols = COLUMNS
            .iter()
            .map(|(_, kind)| match kind {
                Kind::Str => Builder::Str(StringBuilder::new()),
                Kind::Int => Builder::Int(Int64Builder::new()),
                Kind::Bool => Builder::Bool(BooleanBuilder::new()),
                Kind::StrList => Builder::StrList(ListBuilder::new(StringBuilder::new())),
                Kind::Lines => Builder::Lines(LinesBuilder {
                    offsets: vec![0],
                    ..Default::default()
                }),
                Kind::Discounts => Builder::Discounts(DiscountsBuilder {
                    offsets: vec![0],
                    ..Default::default()
                }),
                Kind::Protection => Builder::Protection(ProtectionBuilder::default()),
            })
            .collect();
        EventBatchBuilder { cols, rows: 0 }
    }

    /// Rows appended since the last [`EventBatchBuilder::finish`].
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when no row is waiting.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one event as a row.
    pub fn push<'a>(&mut self, event: &'a Event) {
        let mut row: Vec<Cell<'a>> = (0..COLUMNS.len()).map(|_| Cell::Null).collect();
        let mut set = |name: &str, c: Cell<'a>| row[col(name)] = c;
        set("type", Cell::Str(event.kind_name()));
        set("id", Cell::Str(event.id()));
        if let Some(o) = event.order_id() {
            set("order_id", Cell::Str(o));
        }
        match event {
            Event::OrderPaid(o) => {
                set("shop_id", Cell::Str(&o.shop_id));
                set("buyer_id", Cell::Str(&o.buyer_id));
                set("category", Cell::Str(&o.category));
                set("lines", Cell::Lines(&o.lines));
                set("discounts", Cell::Discounts(&o.discounts));
                if let Some(t) = o.ordered_at {
                    set("ordered_at", Cell::Int(t.as_secs()));
                }
                set("paid_at", Cell::Int(o.paid_at.as_secs()));
                set("ship_by", Cell::Int(o.ship_by.as_secs()));
                if let Some(t) = o.deliver_by {
                    set("deliver_by", Cell::Int(t.as_secs()));
                }
                set("fake", Cell::Bool(o.risk.fake));
                set("tags", Cell::StrList(&o.tags));
                if let Some(r) = &o.region {
                    set("region", Cell::Str(r));
                }
            }
            Event::RiskVerdict(r) => {
                set("at", Cell::Int(r.at.as_secs()));
                set("fake", Cell::Bool(r.fake));
            }
            Event::Shipped(s) => {
                set("at", Cell::Int(s.at.as_secs()));
                if let Some(t) = s.pickup_at {
                    set("pickup_at", Cell::Int(t.as_secs()));
                }
                set("tracking_valid", Cell::Bool(s.tracking_valid));
            }
            Event::Delivered(d) => set("at", Cell::Int(d.at.as_secs())),
            Event::TrackingAnomaly(t) => {
                set("at", Cell::Int(t.at.as_secs()));
                set("fake_shipment", Cell::Bool(t.fake_shipment));
            }
            Event::Review(r) => {
                set("reviewer", Cell::Str(&r.reviewer));
                set("at", Cell::Int(r.at.as_secs()));
                set("product_stars", Cell::Int(r.product_stars));
                if let Some(s) = r.logistics_stars {
                    set("logistics_stars", Cell::Int(s));
                }
                if let Some(s) = r.service_stars {
                    set("service_stars", Cell::Int(s));
                }
                set("suspicious", Cell::Bool(r.suspicious));
            }
            Event::RefundRequested(r) => {
                set("refund_id", Cell::Str(&r.refund_id));
                set("at", Cell::Int(r.at.as_secs()));
                set("kind", Cell::Owned(name(&r.kind)));
                set("reason", Cell::Owned(name(&r.reason)));
                set("amount", Cell::Int(r.amount.minor_units()));
                if let Some(s) = &r.sku {
                    set("sku", Cell::Str(s));
                }
                if let Some(u) = r.units {
                    set("units", Cell::Int(u));
                }
            }
            Event::RefundCompleted(r) => {
                set("refund_id", Cell::Str(&r.refund_id));
                set("at", Cell::Int(r.at.as_secs()));
                set("amount", Cell::Int(r.amount.minor_units()));
                if let Some(u) = r.units_returned {
                    set("units_returned", Cell::Int(u));
                }
            }
            Event::PlatformIntervention(n)
            | Event::Complaint(n)
            | Event::Chargeback(n)
            | Event::SellerCancelled(n) => set("at", Cell::Int(n.at.as_secs())),
            Event::DisputeRuled(d) => {
                set("at", Cell::Int(d.at.as_secs()));
                set("for_party", Cell::Owned(name(&d.for_party)));
            }
            Event::AtozClaim(a) => {
                set("at", Cell::Int(a.at.as_secs()));
                set("outcome", Cell::Owned(name(&a.outcome)));
            }
            Event::AppealGranted(a) => {
                set("at", Cell::Int(a.at.as_secs()));
                // the appeal's scope in `kind`, the label appealed in `reason`
                set("kind", Cell::Owned(name(&a.scope)));
                if let Some(r) = &a.reason {
                    set("reason", Cell::Owned(name(r)));
                }
            }
            Event::Chat(c) => {
                set("shop_id", Cell::Str(&c.shop_id));
                set("buyer_id", Cell::Str(&c.buyer_id));
                set("started_at", Cell::Int(c.started_at.as_secs()));
                if let Some(s) = c.first_response_secs {
                    set("first_response_secs", Cell::Int(s));
                }
                if let Some(s) = c.satisfaction {
                    set("satisfaction", Cell::Int(s));
                }
                if let Some(a) = &c.agent_certification {
                    set("agent_certification", Cell::Str(a));
                }
                if let Some(a) = &c.agent_id {
                    set("agent_id", Cell::Str(a));
                }
            }
            Event::ShopProfile(p) => {
                set("shop_id", Cell::Str(&p.shop_id));
                set("at", Cell::Int(p.at.as_secs()));
                if let Some(n) = &p.name {
                    set("name", Cell::Str(n));
                }
                set("category", Cell::Str(&p.category));
                set("certifications", Cell::StrList(&p.certifications));
                set("services", Cell::StrList(&p.services));
                if let Some(pp) = &p.price_protection {
                    set("price_protection", Cell::Protection(pp));
                }
            }
            Event::PriceChange(p) => {
                set("sku", Cell::Str(&p.sku));
                set("price", Cell::Int(p.price.minor_units()));
                set("promotion", Cell::Owned(name(&p.promotion)));
                set("at", Cell::Int(p.at.as_secs()));
            }
        }
        for (b, cell) in self.cols.iter_mut().zip(row) {
            append(b, cell);
        }
        self.rows += 1;
    }

    /// The rows appended so far as a batch of the event schema; the builder
    /// is empty again afterwards.
    pub fn finish(&mut self) -> RecordBatch {
        let arrays: Vec<ArrayRef> = self.cols.iter_mut().map(finish).collect();
        self.rows = 0;
        RecordBatch::try_new(event_schema(), arrays).expect("columns match the event schema")
    }
}

fn append(b: &mut Builder, cell: Cell) {
    match (b, cell) {
        (Builder::Str(b), Cell::Str(s)) => b.append_value(s),
        (Builder::Str(b), Cell::Owned(s)) => b.append_value(s),
        (Builder::Str(b), _) => b.append_null(),
        (Builder::Int(b), Cell::Int(v)) => b.append_value(v),
        (Builder::Int(b), _) => b.append_null(),
        (Builder::Bool(b), Cell::Bool(v)) => b.append_value(v),
        (Builder::Bool(b), _) => b.append_null(),
        (Builder::StrList(b), Cell::StrList(v)) => {
            for s in v {
                b.values().append_value(s);
            }
            b.append(true);
        }
        (Builder::StrList(b), _) => b.append(false),
        (Builder::Lines(b), cell) => {
            if let Cell::Lines(lines) = cell {
                for l in lines {
                    b.sku.append_value(&l.sku);
                    b.quantity.append_value(l.quantity);
                    b.unit_price.append_value(l.unit_price.minor_units());
                    b.line_discount.append_value(l.line_discount.minor_units());
                }
                b.valid.push(true);
            } else {
                b.valid.push(false);
            }
            b.offsets.push(b.sku.len() as i32);
        }
        (Builder::Discounts(b), cell) => {
            if let Cell::Discounts(ds) = cell {
                for d in ds {
                    b.amount.append_value(d.amount.minor_units());
                    b.funded_by.append_value(name(&d.funded_by));
                    b.kind.append_value(name(&d.kind));
                }
                b.valid.push(true);
            } else {
                b.valid.push(false);
            }
            b.offsets.push(b.amount.len() as i32);
        }
        (Builder::Protection(b), cell) => {
            if let Cell::Protection(p) = cell {
                b.window_days.append_value(p.window_days);
                b.anchor.append_value(name(&p.anchor));
                for k in &p.counted_promotions {
                    b.counted.values().append_value(name(k));
                }
                b.counted.append(true);
                b.deduct.append_value(p.deduct_protected_units);
                b.valid.push(true);
            } else {
                b.window_days.append_null();
                b.anchor.append_null();
                b.counted.append(false);
                b.deduct.append_null();
                b.valid.push(false);
            }
        }
    }
}

fn list_of(
    fields: arrow_schema::Fields,
    children: Vec<ArrayRef>,
    offsets: Vec<i32>,
    valid: Vec<bool>,
) -> ArrayRef {
    let values = StructArray::new(fields.clone(), children, None);
    let field = Arc::new(Field::new(
        "item",
        arrow_schema::DataType::Struct(fields),
        true,
    ));
    Arc::new(ListArray::new(
        field,
        OffsetBuffer::new(offsets.into()),
        Arc::new(values),
        Some(NullBuffer::from(valid)),
    ))
}

fn finish(b: &mut Builder) -> ArrayRef {
    match b {
        Builder::Str(b) => Arc::new(b.finish()),
        Builder::Int(b) => Arc::new(b.finish()),
        Builder::Bool(b) => Arc::new(b.finish()),
        Builder::StrList(b) => Arc::new(b.finish()),
        Builder::Lines(b) => {
            let children: Vec<ArrayRef> = vec![
                Arc::new(b.sku.finish()),
                Arc::new(b.quantity.finish()),
                Arc::new(b.unit_price.finish()),
                Arc::new(b.line_discount.finish()),
            ];
            let offsets = std::mem::replace(&mut b.offsets, vec![0]);
            list_of(
                line_fields(),
                children,
                offsets,
                std::mem::take(&mut b.valid),
            )
        }
        Builder::Discounts(b) => {
            let children: Vec<ArrayRef> = vec![
                Arc::new(b.amount.finish()),
                Arc::new(b.funded_by.finish()),
                Arc::new(b.kind.finish()),
            ];
            let offsets = std::mem::replace(&mut b.offsets, vec![0]);
            list_of(
                discount_fields(),
                children,
                offsets,
                std::mem::take(&mut b.valid),
            )
        }
        Builder::Protection(b) => {
            let children: Vec<ArrayRef> = vec![
                Arc::new(b.window_days.finish()),
                Arc::new(b.anchor.finish()),
                Arc::new(b.counted.finish()),
                Arc::new(b.deduct.finish()),
            ];
            Arc::new(StructArray::new(
                protection_fields(),
                children,
                Some(NullBuffer::from(std::mem::take(&mut b.valid))),
            ))
        }
    }
}

/// Events as one batch of the event schema.
pub fn events_to_batch<'a>(events: impl IntoIterator<Item = &'a Event>) -> RecordBatch {
    let mut b = EventBatchBuilder::new();
    for e in events {
        b.push(e);
    }
    b.finish()
}

#[cfg(feature = "parquet")]
mod parquet_io {
    use super::*;

    /// What [`jsonl_to_parquet`] did.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct ConvertReport {
        /// Events written.
        pub rows: u64,
        /// Lines refused (1-based line number and why); they are not written.
        pub rejected: Vec<(u64, EventError)>,
    }

    /// Rows per row group / batch written by [`jsonl_to_parquet`].
    pub const BATCH_ROWS: usize = 65_536;

    fn writer_properties() -> WriterProperties {
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_size(BATCH_ROWS * 4)
            .build()
    }

    /// Writes batches (of the event schema, or any schema) as one Parquet file,
    /// Snappy-compressed like [`jsonl_to_parquet`]. No validation: this is how a
    /// test writes a file with refusable rows.
    pub fn write_parquet<'a, W: Write + Send>(
        out: W,
        batches: impl IntoIterator<Item = &'a RecordBatch>,
    ) -> Result<(), Error> {
        let mut batches = batches.into_iter().peekable();
        let schema = match batches.peek() {
            Some(b) => b.schema(),
            None => event_schema(),
        };
        let mut writer = ArrowWriter::try_new(out, schema, Some(writer_properties()))?;
        for b in batches {
            writer.write(b)?;
        }
        writer.close()?;
        Ok(())
    }

    /// Converts JSON Lines to Parquet in the event schema. Every line is read,
    /// parsed and validated as [`truexp::Engine::ingest_jsonl`] does it
    /// ([`truexp::read_jsonl`], on every core: a line over
    /// [`truexp::MAX_LINE_BYTES`] or not UTF-8 is refused without being
    /// held); refused lines are reported and left out; blank lines are
    /// skipped.
    ///
    /// A read error fails the conversion (ingestion reports it as a refused
    /// line and keeps what came before; a file written from part of the
    /// input would look whole).
    pub fn jsonl_to_parquet<W: Write + Send>(
        reader: impl BufRead,
        out: W,
    ) -> Result<ConvertReport, Error> {
        let mut reader = KeepReadError {
            inner: reader,
            error: None,
        };
        let mut writer = ArrowWriter::try_new(out, event_schema(), Some(writer_properties()))?;
        let mut b = EventBatchBuilder::new();
        let mut report = ConvertReport::default();
        let mut failed = None;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        truexp::read_jsonl(
            &mut reader,
            threads,
            |_| {},
            |number, event| {
                if failed.is_some() {
                    return;
                }
                match event {
                    Ok(e) => {
                        b.push(e);
                        report.rows += 1;
                    }
                    Err(e) => report.rejected.push((number, e.clone())),
                }
                if b.len() >= BATCH_ROWS {
                    failed = writer.write(&b.finish()).err();
                }
            },
        );
        if let Some(e) = reader.error {
            return Err(Error::Io(e));
        }
        if let Some(e) = failed {
            return Err(e.into());
        }
        if !b.is_empty() {
            writer.write(&b.finish())?;
        }
        writer.close()?;
        Ok(report)
    }

    /// A reader that keeps the first read error it meets (other than an
    /// interruption, which is retried), for [`jsonl_to_parquet`] to fail on.
    struct KeepReadError<R> {
        inner: R,
        error: Option<std::io::Error>,
    }

    /// Keeps `e` in `kept` unless it is an interruption (retried by the
    /// reader's caller) and hands back an error like it.
    fn keep(kept: &mut Option<std::io::Error>, e: std::io::Error) -> std::io::Error {
        let handed = std::io::Error::new(e.kind(), e.to_string());
        if e.kind() != std::io::ErrorKind::Interrupted {
            kept.get_or_insert(e);
        }
        handed
    }

    impl<R: BufRead> std::io::Read for KeepReadError<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Self { inner, error } = self;
            inner.read(buf).map_err(|e| keep(error, e))
        }
    }

    impl<R: BufRead> BufRead for KeepReadError<R> {
        fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
            // one call to the reader: a second would read again at the end of
            // the input (a terminal would need a second end-of-input)
            let Self { inner, error } = self;
            inner.fill_buf().map_err(|e| keep(error, e))
        }

        fn consume(&mut self, n: usize) {
            self.inner.consume(n)
        }
    }

    /// [`jsonl_to_parquet`] from file `input` to file `out`, written under a
    /// temporary name beside `out` and renamed when complete (a failed
    /// conversion leaves no partial file, and an existing `out` stays as it
    /// was until then, also when reading `input` fails partway). Refuses an
    /// `out` that is `input` itself. I/O errors name the file.
    pub fn jsonl_file_to_parquet(input: &Path, out: &Path) -> Result<ConvertReport, Error> {
        let named = |path: &Path| {
            let path = path.display().to_string();
            move |e: std::io::Error| {
                Error::Io(std::io::Error::new(e.kind(), format!("{path}: {e}")))
            }
        };
        let reader = File::open(input).map_err(named(input))?;
        let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
        if same(input, out) {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{}: the output is the input file", out.display()),
            )));
        }
        let mut tmp = out.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        let written = File::create(&tmp).map_err(named(&tmp)).and_then(|w| {
            jsonl_to_parquet(std::io::BufReader::with_capacity(1 << 20, reader), w).map_err(|e| {
                match e {
                    // its only I/O error of its own is the input's
                    Error::Io(e) => named(input)(e),
                    // the writer's come wrapped
                    Error::Parquet(ParquetError::External(e)) => {
                        match e.downcast::<std::io::Error>() {
                            Ok(io) => named(out)(*io),
                            Err(e) => Error::Parquet(ParquetError::External(e)),
                        }
                    }
                    other => other,
                }
            })
        });
        let renamed = written.and_then(|r| {
            std::fs::rename(&tmp, out).map_err(named(out))?;
            Ok(r)
        });
        if renamed.is_err() {
            std::fs::remove_file(&tmp).ok();
        }
        renamed
    }
}
#[cfg(feature = "parquet")]
pub use parquet_io::*;
