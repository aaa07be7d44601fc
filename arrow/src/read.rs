//! Record batches to events: the columnar door of [`Engine::ingest`].
//!
//! Why row by row into the same [`Event`] structs: validation, idempotence
//! and every scoring rule stay in one place (the core crate); a row refused
//! here is refused for the same reason, with the same field name, as the
//! equivalent JSON line.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray, StructArray, UInt64Array,
};
use arrow_cast::{cast_with_options, CastOptions};
use arrow_schema::{ArrowError, DataType};
use serde::de::DeserializeOwned;
use truexp::event::*;
use truexp::{Engine, EventError, IngestReport, Ingested};

use crate::schema::{col, Kind, COLUMNS};
use crate::Error;

/// A column normalised to its canonical type.
enum Col {
    Str(StringArray),
    Int(Int64Array),
    /// A UInt64 column kept as it is: a value above `i64::MAX` is refused
    /// with its row (a cast would fail the whole batch or null it).
    UInt(UInt64Array),
    Bool(BooleanArray),
    /// Offsets, validity and the items, already normalised.
    List(ListCol),
    Struct(StructCol),
}

struct ListCol {
    offsets: Vec<usize>,
    valid: Option<arrow_buffer::NullBuffer>,
    items: Box<Col>,
}

struct StructCol {
    valid: Option<arrow_buffer::NullBuffer>,
    fields: Vec<(&'static str, Option<Col>)>,
}

impl ListCol {
    fn range(&self, row: usize) -> Option<std::ops::Range<usize>> {
        if self.valid.as_ref().is_some_and(|v| v.is_null(row)) {
            return None;
        }
        Some(self.offsets[row]..self.offsets[row + 1])
    }
}

impl StructCol {
    fn is_null(&self, row: usize) -> bool {
        self.valid.as_ref().is_some_and(|v| v.is_null(row))
    }
    fn get(&self, name: &str) -> Option<&Col> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, c)| c.as_ref())
    }
}

pub(crate) fn schema_err(column: &str, message: impl Into<String>) -> Error {
    Error::Schema {
        column: column.to_owned(),
        message: message.into(),
    }
}

pub(crate) fn cast_to(column: &str, array: &ArrayRef, to: &DataType) -> Result<ArrayRef, Error> {
    let opts = CastOptions {
        safe: false,
        ..Default::default()
    };
    cast_with_options(array, to, &opts).map_err(|e| {
        schema_err(
            column,
            format!("cannot read {} as {to}: {e}", array.data_type()),
        )
    })
}

/// Normalises a scalar column; `None` for an all-null (`Null`-typed) column.
fn scalar(column: &str, array: &ArrayRef, kind: Kind) -> Result<Option<Col>, Error> {
    let dt = array.data_type();
    if *dt == DataType::Null {
        return Ok(None);
    }
    let ok = match kind {
        Kind::Str => crate::schema::is_string(dt),
        Kind::Int => dt.is_integer(),
        Kind::Bool => *dt == DataType::Boolean,
        _ => unreachable!("not a scalar kind"),
    };
    if !ok {
        return Err(schema_err(
            column,
            format!("expected {}, got {dt}", crate::schema::data_type(kind)),
        ));
    }
    if kind == Kind::Int && *dt == DataType::UInt64 {
        return Ok(Some(Col::UInt(array.as_primitive::<UInt64Type>().clone())));
    }
    let a = cast_to(column, array, &crate::schema::data_type(kind))?;
    Ok(Some(match kind {
        Kind::Str => Col::Str(a.as_string::<i32>().clone()),
        Kind::Int => Col::Int(a.as_primitive::<Int64Type>().clone()),
        _ => Col::Bool(a.as_boolean().clone()),
    }))
}

/// Normalises a list column: `List`, `LargeList` or `FixedSizeList`.
fn list(
    column: &str,
    array: &ArrayRef,
    item: impl Fn(&ArrayRef) -> Result<Option<Col>, Error>,
) -> Result<Option<Col>, Error> {
    let (offsets, valid, values): (Vec<usize>, _, ArrayRef) = match array.data_type() {
        DataType::Null => return Ok(None),
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            (
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.nulls().cloned(),
                l.values().clone(),
            )
        }
        DataType::LargeList(_) => {
            let l = array.as_list::<i64>();
            (
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.nulls().cloned(),
                l.values().clone(),
            )
        }
        DataType::FixedSizeList(f, n) => {
            let a = cast_to(column, array, &DataType::List(f.clone()))?;
            let _ = n;
            let l = a.as_list::<i32>();
            (
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.nulls().cloned(),
                l.values().clone(),
            )
        }
        other => return Err(schema_err(column, format!("expected a list, got {other}"))),
    };
    let items = match item(&values)? {
        Some(c) => c,
        // a list of nulls: every present item is null; keep the shape
        None => Col::Str(StringArray::new_null(values.len())),
    };
    Ok(Some(Col::List(ListCol {
        offsets,
        valid,
        items: Box::new(items),
    })))
}

fn structure(
    column: &str,
    array: &ArrayRef,
    fields: &[(&'static str, Kind)],
) -> Result<Option<Col>, Error> {
    let s: &StructArray = match array.data_type() {
        DataType::Null => return Ok(None),
        DataType::Struct(_) => array.as_struct(),
        other => {
            return Err(schema_err(
                column,
                format!("expected a struct, got {other}"),
            ))
        }
    };
    let mut out = Vec::with_capacity(fields.len());
    for &(name, kind) in fields {
        let path = format!("{column}.{name}");
        let c = match s.column_by_name(name) {
            None => None,
            Some(a) => match kind {
                Kind::StrList => list(&path, a, |v| scalar(&path, v, Kind::Str))?,
                _ => scalar(&path, a, kind)?,
            },
        };
        out.push((name, c));
    }
    Ok(Some(Col::Struct(StructCol {
        valid: s.nulls().cloned(),
        fields: out,
    })))
}

const LINE: &[(&str, Kind)] = &[
    ("sku", Kind::Str),
    ("quantity", Kind::Int),
    ("unit_price", Kind::Int),
    ("line_discount", Kind::Int),
];
const DISCOUNT: &[(&str, Kind)] = &[
    ("amount", Kind::Int),
    ("funded_by", Kind::Str),
    ("kind", Kind::Str),
];
const PROTECTION: &[(&str, Kind)] = &[
    ("window_days", Kind::Int),
    ("anchor", Kind::Str),
    ("counted_promotions", Kind::StrList),
    ("deduct_protected_units", Kind::Bool),
];

/// A batch with its event columns normalised; columns the schema does not
/// know are ignored.
pub(crate) struct Columns {
    cols: Vec<Option<Col>>,
    rows: usize,
}

impl Columns {
    pub(crate) fn new(batch: &RecordBatch) -> Result<Self, Error> {
        let schema = batch.schema();
        let mut cols = Vec::with_capacity(COLUMNS.len());
        for &(name, kind) in COLUMNS {
            let Ok(i) = schema.index_of(name) else {
                cols.push(None);
                continue;
            };
            let a = batch.column(i);
            cols.push(match kind {
                Kind::Str | Kind::Int | Kind::Bool => scalar(name, a, kind)?,
                Kind::StrList => list(name, a, |v| scalar(name, v, Kind::Str))?,
                Kind::Lines => list(name, a, |v| structure(name, v, LINE))?,
                Kind::Discounts => list(name, a, |v| structure(name, v, DISCOUNT))?,
                Kind::Protection => structure(name, a, PROTECTION)?,
            });
        }
        if cols[col("type")].is_none() {
            return Err(schema_err("type", "the batch has no `type` column"));
        }
        Ok(Columns {
            cols,
            rows: batch.num_rows(),
        })
    }

    fn get(&self, name: &str) -> Option<&Col> {
        self.cols[col(name)].as_ref()
    }
}

fn str_at(c: Option<&Col>, row: usize) -> Option<&str> {
    match c {
        Some(Col::Str(a)) if a.is_valid(row) => Some(a.value(row)),
        _ => None,
    }
}

/// An integer cell; `Err` holds a value above `i64::MAX` (a UInt64 column).
fn int_at(c: Option<&Col>, row: usize) -> Result<Option<i64>, u64> {
    match c {
        Some(Col::Int(a)) if a.is_valid(row) => Ok(Some(a.value(row))),
        Some(Col::UInt(a)) if a.is_valid(row) => {
            let v = a.value(row);
            i64::try_from(v).map(Some).map_err(|_| v)
        }
        _ => Ok(None),
    }
}

fn bool_at(c: Option<&Col>, row: usize) -> Option<bool> {
    match c {
        Some(Col::Bool(a)) if a.is_valid(row) => Some(a.value(row)),
        _ => None,
    }
}

/// Reads one row as an event; `id` of the error is the row's id when readable.
struct Row<'a> {
    c: &'a Columns,
    row: usize,
    id: Option<&'a str>,
}

impl<'a> Row<'a> {
    fn err(&self, field: &str, message: String) -> EventError {
        EventError {
            event_id: self.id.map(str::to_owned),
            field: field.to_owned(),
            message,
        }
    }
    fn missing(&self, field: &str) -> EventError {
        self.err(field, format!("missing field `{field}`"))
    }
    fn opt_str(&self, name: &str) -> Option<String> {
        str_at(self.c.get(name), self.row).map(str::to_owned)
    }
    fn str(&self, name: &str) -> Result<String, EventError> {
        self.opt_str(name).ok_or_else(|| self.missing(name))
    }
    /// An integer cell of `field`: one above `i64::MAX` is refused with
    /// serde's wording for the same value in a JSON line.
    fn int_in(
        &self,
        field: &str,
        cell: Result<Option<i64>, u64>,
    ) -> Result<Option<i64>, EventError> {
        cell.map_err(|v| self.err(field, format!("invalid value: integer `{v}`, expected i64")))
    }
    fn opt_int(&self, name: &str) -> Result<Option<i64>, EventError> {
        self.int_in(name, int_at(self.c.get(name), self.row))
    }
    fn int(&self, name: &str) -> Result<i64, EventError> {
        self.opt_int(name)?.ok_or_else(|| self.missing(name))
    }
    /// A moment in column `name`, checked for [`Timestamp`]'s range like
    /// a JSON field (the event-time check comes with validation).
    fn opt_time(&self, name: &str) -> Result<Option<Timestamp>, EventError> {
        (self.opt_int(name)?.map(Timestamp::new).transpose())
            .map_err(|e| self.err(name, e.to_string()))
    }
    fn time(&self, name: &str) -> Result<Timestamp, EventError> {
        self.opt_time(name)?.ok_or_else(|| self.missing(name))
    }
    /// Money in column `name` (`field` for the error), checked for the
    /// money range like a JSON field.
    fn money_in(&self, field: &str, value: Option<i64>) -> Result<Money, EventError> {
        // serde's wording, with the bare key (as before money was checked)
        let key = field.rsplit('.').next().unwrap_or(field);
        let v = value.ok_or_else(|| self.err(field, format!("missing field `{key}`")))?;
        Money::new(v).map_err(|e| self.err(field, e.to_string()))
    }
    fn money(&self, name: &str) -> Result<Money, EventError> {
        self.money_in(name, self.opt_int(name)?)
    }
    fn flag(&self, name: &str, default: bool) -> bool {
        bool_at(self.c.get(name), self.row).unwrap_or(default)
    }
    fn opt_enum<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, EventError> {
        self.opt_str(name)
            .map(|s| parse_enum(&s).map_err(|m| self.err(name, m)))
            .transpose()
    }
    fn enum_<T: DeserializeOwned>(&self, name: &str) -> Result<T, EventError> {
        self.opt_enum(name)?.ok_or_else(|| self.missing(name))
    }
    fn str_list(&self, name: &str) -> Result<Vec<String>, EventError> {
        match self.c.get(name) {
            Some(Col::List(l)) => list_strings(l, self.row, |i| {
                self.err(&format!("{name}[{i}]"), "must not be null".into())
            }),
            _ => Ok(Vec::new()),
        }
    }

    fn lines(&self) -> Result<Vec<OrderLine>, EventError> {
        let Some(Col::List(l)) = self.c.get("lines") else {
            return Err(self.missing("lines"));
        };
        let Some(range) = l.range(self.row) else {
            return Err(self.missing("lines"));
        };
        let Col::Struct(s) = l.items.as_ref() else {
            return Err(self.err("lines", "every line is null".into()));
        };
        range
            .enumerate()
            .map(|(n, i)| {
                let f = |name: &str| format!("lines[{n}].{name}");
                if s.is_null(i) {
                    return Err(self.err(&format!("lines[{n}]"), "must not be null".into()));
                }
                let int = |name: &str| self.int_in(&f(name), int_at(s.get(name), i));
                Ok(OrderLine {
                    sku: str_at(s.get("sku"), i)
                        .ok_or_else(|| self.err(&f("sku"), "missing field `sku`".into()))?
                        .to_owned(),
                    quantity: int("quantity")?.ok_or_else(|| {
                        self.err(&f("quantity"), "missing field `quantity`".into())
                    })?,
                    unit_price: self.money_in(&f("unit_price"), int("unit_price")?)?,
                    line_discount: match int("line_discount")? {
                        Some(d) => self.money_in(&f("line_discount"), Some(d))?,
                        None => Money::ZERO,
                    },
                })
            })
            .collect()
    }

    fn discounts(&self) -> Result<Vec<OrderDiscount>, EventError> {
        let Some(Col::List(l)) = self.c.get("discounts") else {
            return Ok(Vec::new());
        };
        let Some(range) = l.range(self.row) else {
            return Ok(Vec::new());
        };
        let Col::Struct(s) = l.items.as_ref() else {
            return match range.is_empty() {
                true => Ok(Vec::new()),
                false => Err(self.err("discounts[0]", "must not be null".into())),
            };
        };
        range
            .enumerate()
            .map(|(n, i)| {
                let f = |name: &str| format!("discounts[{n}].{name}");
                if s.is_null(i) {
                    return Err(self.err(&format!("discounts[{n}]"), "must not be null".into()));
                }
                let funded = str_at(s.get("funded_by"), i)
                    .ok_or_else(|| self.err(&f("funded_by"), "missing field `funded_by`".into()))?;
                Ok(OrderDiscount {
                    amount: self.money_in(
                        &f("amount"),
                        self.int_in(&f("amount"), int_at(s.get("amount"), i))?,
                    )?,
                    funded_by: parse_enum(funded).map_err(|m| self.err(&f("funded_by"), m))?,
                    kind: match str_at(s.get("kind"), i) {
                        Some(k) => parse_enum(k).map_err(|m| self.err(&f("kind"), m))?,
                        None => PromotionKind::Public,
                    },
                })
            })
            .collect()
    }

    fn protection(&self) -> Result<Option<PriceProtectionPolicy>, EventError> {
        let Some(Col::Struct(s)) = self.c.get("price_protection") else {
            return Ok(None);
        };
        let i = self.row;
        if s.is_null(i) {
            return Ok(None);
        }
        let f = |name: &str| format!("price_protection.{name}");
        let counted = match s.get("counted_promotions") {
            Some(Col::List(l)) if l.range(i).is_some() => list_strings(l, i, |n| {
                self.err(
                    &f(&format!("counted_promotions[{n}]")),
                    "must not be null".into(),
                )
            })?
            .iter()
            .enumerate()
            .map(|(n, p)| {
                parse_enum(p).map_err(|m| self.err(&f(&format!("counted_promotions[{n}]")), m))
            })
            .collect::<Result<Vec<_>, _>>()?,
            _ => default_counted_promotions(),
        };
        Ok(Some(PriceProtectionPolicy {
            window_days: (self.int_in(&f("window_days"), int_at(s.get("window_days"), i))?)
                .ok_or_else(|| self.err(&f("window_days"), "missing field `window_days`".into()))?,
            anchor: match str_at(s.get("anchor"), i) {
                Some(a) => parse_enum(a).map_err(|m| self.err(&f("anchor"), m))?,
                None => ProtectionAnchor::Order,
            },
            counted_promotions: counted,
            deduct_protected_units: bool_at(s.get("deduct_protected_units"), i).unwrap_or(false),
        }))
    }

    fn note(&self) -> Result<OrderNote, EventError> {
        Ok(OrderNote {
            id: self.str("id")?,
            order_id: self.str("order_id")?,
            at: self.time("at")?,
        })
    }

    fn event(&self) -> Result<Event, EventError> {
        let ty = self.opt_str("type").ok_or_else(|| self.missing("type"))?;
        let e = match ty.as_str() {
            "order_paid" => Event::OrderPaid(OrderPaid {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                shop_id: self.str("shop_id")?,
                buyer_id: self.str("buyer_id")?,
                category: self.str("category")?,
                lines: self.lines()?,
                discounts: self.discounts()?,
                ordered_at: self.opt_time("ordered_at")?,
                paid_at: self.time("paid_at")?,
                ship_by: self.time("ship_by")?,
                deliver_by: self.opt_time("deliver_by")?,
                risk: RiskFlags {
                    fake: self.flag("fake", false),
                },
                tags: self.str_list("tags")?,
                region: self.opt_str("region"),
            }),
            "risk_verdict" => Event::RiskVerdict(RiskVerdict {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                at: self.time("at")?,
                fake: bool_at(self.c.get("fake"), self.row).ok_or_else(|| self.missing("fake"))?,
            }),
            "shipped" => Event::Shipped(Shipped {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                at: self.time("at")?,
                pickup_at: self.opt_time("pickup_at")?,
                tracking_valid: self.flag("tracking_valid", true),
            }),
            "delivered" => Event::Delivered(Delivered {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                at: self.time("at")?,
            }),
            "tracking_anomaly" => Event::TrackingAnomaly(TrackingAnomaly {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                at: self.time("at")?,
                fake_shipment: self.flag("fake_shipment", false),
            }),
            "review" => Event::Review(Review {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                reviewer: self.str("reviewer")?,
                at: self.time("at")?,
                product_stars: self.int("product_stars")?,
                logistics_stars: self.opt_int("logistics_stars")?,
                service_stars: self.opt_int("service_stars")?,
                suspicious: self.flag("suspicious", false),
            }),
            "refund_requested" => Event::RefundRequested(RefundRequested {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                refund_id: self.str("refund_id")?,
                at: self.time("at")?,
                kind: self.enum_("kind")?,
                reason: self.enum_("reason")?,
                amount: self.money("amount")?,
                sku: self.opt_str("sku"),
                units: self.opt_int("units")?,
            }),
            "refund_completed" => Event::RefundCompleted(RefundCompleted {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                refund_id: self.str("refund_id")?,
                at: self.time("at")?,
                amount: self.money("amount")?,
                units_returned: self.opt_int("units_returned")?,
            }),
            "platform_intervention" => Event::PlatformIntervention(self.note()?),
            "complaint" => Event::Complaint(self.note()?),
            "chargeback" => Event::Chargeback(self.note()?),
            "seller_cancelled" => Event::SellerCancelled(self.note()?),
            "dispute_ruled" => Event::DisputeRuled(DisputeRuled {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                at: self.time("at")?,
                for_party: self.enum_("for_party")?,
            }),
            "appeal_granted" => Event::AppealGranted(AppealGranted {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                at: self.time("at")?,
                scope: self.enum_("kind")?,
                reason: self.opt_enum("reason")?,
            }),
            "atoz_claim" => Event::AtozClaim(AtozClaim {
                id: self.str("id")?,
                order_id: self.str("order_id")?,
                at: self.time("at")?,
                outcome: self.enum_("outcome")?,
            }),
            "chat" => Event::Chat(ChatSession {
                id: self.str("id")?,
                shop_id: self.str("shop_id")?,
                buyer_id: self.str("buyer_id")?,
                started_at: self.time("started_at")?,
                first_response_secs: self.opt_int("first_response_secs")?,
                satisfaction: self.opt_int("satisfaction")?,
                agent_certification: self.opt_str("agent_certification"),
                agent_id: self.opt_str("agent_id"),
            }),
            "shop_profile" => Event::ShopProfile(ShopProfile {
                id: self.str("id")?,
                shop_id: self.str("shop_id")?,
                at: self.time("at")?,
                name: self.opt_str("name"),
                category: self.str("category")?,
                certifications: self.str_list("certifications")?,
                services: self.str_list("services")?,
                price_protection: self.protection()?,
            }),
            "price_change" => Event::PriceChange(PriceChange {
                id: self.str("id")?,
                sku: self.str("sku")?,
                price: self.money("price")?,
                promotion: self.opt_enum("promotion")?.unwrap_or(PromotionKind::None),
                at: self.time("at")?,
            }),
            other => {
                return Err(self.err("type", format!("unknown event type `{other}`")));
            }
        };
        Ok(e)
    }
}

fn list_strings(
    l: &ListCol,
    row: usize,
    null_item: impl Fn(usize) -> EventError,
) -> Result<Vec<String>, EventError> {
    let Some(range) = l.range(row) else {
        return Ok(Vec::new());
    };
    range
        .enumerate()
        .map(|(n, i)| {
            str_at(Some(&l.items), i)
                .map(str::to_owned)
                .ok_or_else(|| null_item(n))
        })
        .collect()
}

/// A snake_case enum value by its serde name (`refund_only`, `platform`, ...).
fn parse_enum<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| e.to_string())
}

impl Columns {
    /// The event of row `row` (0-based), unvalidated.
    pub(crate) fn event(&self, row: usize) -> Result<Event, EventError> {
        let r = Row {
            c: self,
            row,
            id: str_at(self.get("id"), row),
        };
        r.event()
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }
}

/// The events of a batch, one result per row (unvalidated: [`Engine::ingest`]
/// and [`Event::validate`] check values). Fails only when a column has a type
/// the schema cannot read, or the `type` column is missing.
pub fn events_from_batch(batch: &RecordBatch) -> Result<Vec<Result<Event, EventError>>, Error> {
    let c = Columns::new(batch)?;
    Ok((0..c.rows()).map(|r| c.event(r)).collect())
}

/// Ingests one batch. Rows are numbered from `first_row` (1-based numbering
/// across a stream: pass the count of rows already read plus one). Refused
/// rows are added to `report.rejected` with their row number, like lines of
/// JSON Lines; `report.lines` counts rows.
pub fn ingest_batch(
    engine: &mut Engine,
    batch: &RecordBatch,
    first_row: u64,
    report: &mut IngestReport,
) -> Result<(), Error> {
    let rows = valid_events(batch)?;
    let mut number = first_row;
    // validated, then applied with reading ahead (as a stream is)
    engine.ingest_validated_all(&rows, |outcome| {
        count(report, number, outcome);
        number += 1;
    });
    Ok(())
}

/// A batch's events, each validated (or its error).
fn valid_events(batch: &RecordBatch) -> Result<Vec<Result<ValidEvent, EventError>>, Error> {
    let c = Columns::new(batch)?;
    Ok((0..c.rows())
        .map(|r| c.event(r).and_then(ValidEvent::new))
        .collect())
}

/// Counts row `number`'s outcome in `report`.
fn count(report: &mut IngestReport, number: u64, outcome: Result<Ingested, EventError>) {
    report.lines += 1;
    match outcome {
        Ok(Ingested::Duplicate) => report.duplicates += 1,
        Ok(_) => report.accepted += 1,
        Err(e) => report.rejected.push((number, e)),
    }
}

/// Like [`ingest_batches`], with the batches read, turned into events and
/// validated on another thread while the calling thread applies the
/// previous batch (events are freed on a third). The engine sees exactly the
/// sequence [`ingest_batches`] gives it: same report, same state.
pub fn ingest_batches_pipelined<I>(engine: &mut Engine, batches: I) -> Result<IngestReport, Error>
where
    I: IntoIterator<Item = Result<RecordBatch, ArrowError>>,
    I::IntoIter: Send,
{
    let mut report = IngestReport::default();
    ingest_batches_pipelined_into(engine, batches, &mut report).map(|()| report)
}

/// [`ingest_batches_pipelined`], counting into `report` as it goes: when a
/// batch fails the stream, `report` still says what the batches before it
/// did (those stay ingested), so a caller can tell its user where to resume.
pub fn ingest_batches_pipelined_into<I>(
    engine: &mut Engine,
    batches: I,
    report: &mut IngestReport,
) -> Result<(), Error>
where
    I: IntoIterator<Item = Result<RecordBatch, ArrowError>>,
    I::IntoIter: Send,
{
    type Rows = Vec<Result<ValidEvent, EventError>>;
    let batches = batches.into_iter();
    // two batches ahead at most: memory stays a few batches of events
    let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<Result<Rows, Error>>(2);
    let (free_tx, free_rx) = std::sync::mpsc::channel::<Rows>();
    let mut outcome = Ok(());
    std::thread::scope(|s| {
        s.spawn(move || {
            for batch in batches {
                let rows = batch.map_err(Error::from).and_then(|b| valid_events(&b));
                let failed = rows.is_err();
                if ready_tx.send(rows).is_err() || failed {
                    return;
                }
            }
        });
        s.spawn(move || free_rx.into_iter().for_each(drop));
        for rows in ready_rx {
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            };
            engine.ingest_validated_all(&rows, |outcome| {
                let number = report.lines + 1;
                count(report, number, outcome)
            });
            let _ = free_tx.send(rows);
        }
        drop(free_tx);
    });
    outcome
}

/// Ingests a stream of batches (a Parquet reader, an Arrow C stream, ...).
/// Rows are numbered from 1 across the whole stream. A batch that cannot be
/// read (wrong column type, stream error) stops the stream with an error;
/// the batches before it stay ingested.
pub fn ingest_batches<I>(engine: &mut Engine, batches: I) -> Result<IngestReport, Error>
where
    I: IntoIterator<Item = Result<RecordBatch, ArrowError>>,
{
    let mut report = IngestReport::default();
    for batch in batches {
        let batch = batch?;
        let first = report.lines + 1;
        ingest_batch(engine, &batch, first, &mut report)?;
    }
    Ok(report)
}
