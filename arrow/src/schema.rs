//! The Arrow schema of truexp events: one wide table with a `type` column.
//!
//! Why one wide schema rather than one per event type: a Parquet/Hive table
//! of events, a DataFrame or a C++ service's batches hold every kind of
//! event in one stream, in arrival order, exactly like JSON Lines. Each
//! event type uses the columns named like its JSON keys; the others are
//! null. A column absent from a batch reads as all-null, so a producer that
//! only ever sends some event types may leave the other columns out.

use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};

/// The logical kind of a column of the event schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Utf8` (also read: `LargeUtf8`, `Utf8View`, dictionary of strings).
    Str,
    /// `Int64` (also read: any signed or unsigned integer type).
    Int,
    /// `Boolean`.
    Bool,
    /// `List<Utf8>` (also read: `LargeList`, any string type inside).
    StrList,
    /// `List<Struct<sku, quantity, unit_price, line_discount>>`: order lines.
    Lines,
    /// `List<Struct<amount, funded_by, kind>>`: order-level discounts.
    Discounts,
    /// `Struct<window_days, anchor, counted_promotions, deduct_protected_units>`.
    Protection,
}

/// Whether a column of type `dt` is read as a [`Kind::Str`] column.
pub(crate) fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _)
    )
}

/// Every column of the event schema, in schema order, with its kind.
pub const COLUMNS: &[(&str, Kind)] = &[
    ("type", Kind::Str),
    ("id", Kind::Str),
    ("order_id", Kind::Str),
    ("shop_id", Kind::Str),
    ("buyer_id", Kind::Str),
    ("category", Kind::Str),
    ("lines", Kind::Lines),
    ("discounts", Kind::Discounts),
    ("ordered_at", Kind::Int),
    ("paid_at", Kind::Int),
    ("ship_by", Kind::Int),
    ("deliver_by", Kind::Int),
    ("fake", Kind::Bool),
    ("tags", Kind::StrList),
    ("at", Kind::Int),
    ("pickup_at", Kind::Int),
    ("tracking_valid", Kind::Bool),
    ("fake_shipment", Kind::Bool),
    ("reviewer", Kind::Str),
    ("product_stars", Kind::Int),
    ("logistics_stars", Kind::Int),
    ("service_stars", Kind::Int),
    ("suspicious", Kind::Bool),
    ("refund_id", Kind::Str),
    ("kind", Kind::Str),
    ("reason", Kind::Str),
    ("amount", Kind::Int),
    ("sku", Kind::Str),
    ("units", Kind::Int),
    ("units_returned", Kind::Int),
    ("for_party", Kind::Str),
    ("outcome", Kind::Str),
    ("started_at", Kind::Int),
    ("first_response_secs", Kind::Int),
    ("satisfaction", Kind::Int),
    ("agent_certification", Kind::Str),
    ("name", Kind::Str),
    ("certifications", Kind::StrList),
    ("services", Kind::StrList),
    ("price_protection", Kind::Protection),
    ("price", Kind::Int),
    ("promotion", Kind::Str),
    ("agent_id", Kind::Str),
    ("region", Kind::Str),
];

/// Index of a column in [`COLUMNS`] (panics on a name not in the schema:
/// callers use literal names). A `match`, not a search: it runs for every
/// field of every row read.
pub(crate) fn col(name: &str) -> usize {
    match name {
        "type" => 0,
        "id" => 1,
        "order_id" => 2,
        "shop_id" => 3,
        "buyer_id" => 4,
        "category" => 5,
        "lines" => 6,
        "discounts" => 7,
        "ordered_at" => 8,
        "paid_at" => 9,
        "ship_by" => 10,
        "deliver_by" => 11,
        "fake" => 12,
        "tags" => 13,
        "at" => 14,
        "pickup_at" => 15,
        "tracking_valid" => 16,
        "fake_shipment" => 17,
        "reviewer" => 18,
        "product_stars" => 19,
        "logistics_stars" => 20,
        "service_stars" => 21,
        "suspicious" => 22,
        "refund_id" => 23,
        "kind" => 24,
        "reason" => 25,
        "amount" => 26,
        "sku" => 27,
        "units" => 28,
        "units_returned" => 29,
        "for_party" => 30,
        "outcome" => 31,
        "started_at" => 32,
        "first_response_secs" => 33,
        "satisfaction" => 34,
        "agent_certification" => 35,
        "name" => 36,
        "certifications" => 37,
        "services" => 38,
        "price_protection" => 39,
        "price" => 40,
        "promotion" => 41,
        "agent_id" => 42,
        "region" => 43,
        _ => panic!("no column `{name}` in the event schema"),
    }
}

/// The fields of one order line.
pub fn line_fields() -> Fields {
    Fields::from(vec![
        Field::new("sku", DataType::Utf8, true),
        Field::new("quantity", DataType::Int64, true),
        Field::new("unit_price", DataType::Int64, true),
        Field::new("line_discount", DataType::Int64, true),
    ])
}

/// The fields of one order-level discount.
pub fn discount_fields() -> Fields {
    Fields::from(vec![
        Field::new("amount", DataType::Int64, true),
        Field::new("funded_by", DataType::Utf8, true),
        Field::new("kind", DataType::Utf8, true),
    ])
}

/// The fields of a price-protection policy.
pub fn protection_fields() -> Fields {
    Fields::from(vec![
        Field::new("window_days", DataType::Int64, true),
        Field::new("anchor", DataType::Utf8, true),
        Field::new("counted_promotions", str_list_type(), true),
        Field::new("deduct_protected_units", DataType::Boolean, true),
    ])
}

pub(crate) fn str_list_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// The canonical Arrow type of a column kind.
pub fn data_type(kind: Kind) -> DataType {
    match kind {
        Kind::Str => DataType::Utf8,
        Kind::Int => DataType::Int64,
        Kind::Bool => DataType::Boolean,
        Kind::StrList => str_list_type(),
        Kind::Lines => DataType::List(Arc::new(Field::new(
            "item",
            DataType::Struct(line_fields()),
            true,
        ))),
        Kind::Discounts => DataType::List(Arc::new(Field::new(
            "item",
            DataType::Struct(discount_fields()),
            true,
        ))),
        Kind::Protection => DataType::Struct(protection_fields()),
    }
}

/// The event schema: every column nullable, `type` and `id` included (a
/// null there is reported per row, like a missing JSON key).
pub fn event_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(
                COLUMNS
                    .iter()
                    .map(|(name, kind)| Field::new(*name, data_type(*kind), true))
                    .collect::<Vec<_>>(),
            ))
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_unique() {
        for (i, (name, _)) in COLUMNS.iter().enumerate() {
            assert_eq!(col(name), i, "{name}");
        }
        assert_eq!(event_schema().fields().len(), COLUMNS.len());
    }
}
