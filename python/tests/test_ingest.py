"""Ingestion from JSON Lines, Parquet and any Arrow producer; errors with the detail."""

import json

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import truexp
from conftest import DEMO


def board(engine: truexp.Engine) -> pa.Table:
    return pa.table(engine.scoreboard())


@pytest.fixture(scope="module")
def reference(engine):
    return board(engine)


def test_jsonl_bytes_equal_a_path(reference):
    e = truexp.Engine()
    r = e.ingest_jsonl(DEMO.read_bytes())
    assert (r.rows, r.accepted, r.duplicates, r.rejected) == (76814, 76814, 0, [])
    assert board(e).equals(reference)
    again = e.ingest_jsonl(DEMO)
    assert again.duplicates == 76814 and again.accepted == 0


def test_parquet_file(demo_parquet, reference):
    e = truexp.Engine()
    r = e.ingest_parquet(demo_parquet)
    assert (r.rows, r.accepted, r.rejected) == (76814, 76814, [])
    assert board(e).equals(reference)


def test_pyarrow_table_and_reader(demo_parquet, reference):
    table = pq.read_table(demo_parquet)
    e = truexp.Engine()
    assert e.ingest_arrow(table).accepted == 76814
    assert board(e).equals(reference)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1000))
    e2 = truexp.Engine()
    assert e2.ingest_arrow(reader).rows == 76814
    assert board(e2).equals(reference)


def test_a_single_record_batch(demo_parquet):
    batch = pq.read_table(demo_parquet).slice(0, 500).combine_chunks().to_batches()[0]
    e = truexp.Engine()
    assert e.ingest_arrow(batch).accepted == 500


def test_polars_frame(demo_parquet, reference):
    df = pl.read_parquet(demo_parquet)  # string views, large lists
    e = truexp.Engine()
    r = e.ingest_arrow(df)
    assert (r.rows, r.rejected) == (76814, [])
    assert board(e).equals(reference)
    # and the answer back into Polars
    out = pl.DataFrame(e.scoreboard())
    assert out.height == 200
    assert out["shop_id"].to_list() == reference["shop_id"].to_pylist()


def test_duckdb_result(demo_parquet, reference):
    rel = duckdb.sql(f"select * from read_parquet('{demo_parquet}')")
    e = truexp.Engine()
    r = e.ingest_arrow(rel)
    assert (r.rows, r.rejected) == (76814, [])
    assert board(e).equals(reference)


def test_a_narrow_frame_of_some_event_types(reference):
    # only the columns these events use; Python ints become int64
    df = pl.DataFrame(
        {
            "type": ["shop_profile", "order_paid"],
            "id": ["p1", "o1"],
            "shop_id": ["x1", "x1"],
            "order_id": [None, "ord1"],
            "buyer_id": [None, "b1"],
            "category": ["pet", "pet"],
            "at": [1790000000, None],
            "paid_at": [None, 1790000000],
            "ship_by": [None, 1790100000],
            "lines": [None, [{"sku": "k", "quantity": 1, "unit_price": 990}]],
        }
    )
    e = truexp.Engine()
    r = e.ingest_arrow(df)
    assert (r.accepted, r.rejected) == (2, [])
    assert e.score("x1", 1790200000)["growth_stage"] is True


def test_refused_rows_carry_row_event_and_field():
    t = pa.table(
        {
            "type": ["delivered", "review", "teleported"],
            "id": ["d1", "r1", "t1"],
            "order_id": ["o1", "o1", "o1"],
            "reviewer": [None, "b", None],
            "at": [None, 1790000000, 1790000000],
            "product_stars": [None, 9, None],
        }
    )
    e = truexp.Engine()
    r = e.ingest_arrow(t)
    got = [(x.row, x.event_id, x.field) for x in r.rejected]
    assert got == [(1, "d1", "at"), (2, "r1", "product_stars"), (3, "t1", "type")]
    assert "stars must be 1 to 5, got 9" in r.rejected[1].message
    assert str(r.rejected[0]) == "row 1: event d1: field `at`: missing field `at`"
    with pytest.raises(truexp.EventError) as info:
        truexp.Engine().ingest_arrow(t, strict=True)
    err = info.value
    assert (err.row, err.event_id, err.field) == (1, "d1", "at")
    assert isinstance(err, truexp.TruexpError)


def test_json_errors_are_exceptions_with_the_detail():
    e = truexp.Engine()
    with pytest.raises(truexp.EventError) as info:
        e.ingest_json('{"type":"review","id":"r7","order_id":"o","reviewer":"b","at":1790000000,"product_stars":9}')
    assert (info.value.event_id, info.value.field) == ("r7", "product_stars")
    assert info.value.row is None
    r = e.ingest_jsonl(b'{"type":"delivered","id":"d1"}\n\n{bad\n')
    assert [(x.row, x.event_id, x.field) for x in r.rejected] == [(1, "d1", "order_id"), (3, None, "<json>")]
    with pytest.raises(truexp.EventError) as info:
        e.ingest_jsonl(b'{"type":"delivered","id":"d1"}\n', strict=True)
    assert info.value.row == 1
    assert e.ingest_json('{"type":"delivered","id":"d9","order_id":"o9","at":1790000000}') == "pending"
    assert [p.event_id for p in e.pending()] == ["d9"]


def test_unreadable_columns_and_non_arrow_objects():
    t = pa.table({"type": ["delivered"], "id": ["d1"], "at": ["yesterday"]})
    with pytest.raises(truexp.ArrowSchemaError) as info:
        truexp.Engine().ingest_arrow(t)
    assert info.value.column == "at"
    with pytest.raises(truexp.ArrowSchemaError) as info:
        truexp.Engine().ingest_arrow(pa.table({"id": ["x"]}))
    assert info.value.column == "type"
    with pytest.raises(TypeError):
        truexp.Engine().ingest_arrow([{"type": "delivered"}])


def test_queries_and_config_errors(engine):
    with pytest.raises(truexp.UnknownShopError) as info:
        engine.score("nope")
    assert info.value.shop_id == "nope"
    cfg = truexp.default_config()
    cfg["blocks"][0]["weight"] = -1.0
    with pytest.raises(truexp.ConfigError) as info:
        truexp.Engine(config=cfg)
    assert info.value.key == "blocks[0].weight"
    with pytest.raises(truexp.ConfigError):
        truexp.Engine(config="{}")
    with pytest.raises(truexp.PluginError):
        truexp.Engine(plugins="/nonexistent/plugins")


def test_config_changes_scores(reference):
    cfg = truexp.default_config()
    assert truexp.Engine(config=json.dumps(cfg)) is not None
    cfg["blocks"][0]["weight"], cfg["blocks"][2]["weight"] = 0.5, 0.25
    e = truexp.Engine(config=cfg)
    e.ingest_jsonl(DEMO)
    assert not board(e)["overall"].equals(reference["overall"])


def test_event_schema_is_the_documented_one():
    schema = pa.schema(truexp.event_schema())
    assert schema.names[:3] == ["type", "id", "order_id"]
    assert schema.field("lines").type == pa.list_(
        pa.struct(
            [("sku", pa.string()), ("quantity", pa.int64()), ("unit_price", pa.int64()), ("line_discount", pa.int64())]
        )
    )
