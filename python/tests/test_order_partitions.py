"""truexp.OrderPartitions: the order -> partition table the Spark job routes
follow-up events with."""

import pyarrow as pa
import polars as pl
import pytest

import truexp


def test_first_partition_kept_and_unknown_or_null_ids_give_null():
    table = truexp.OrderPartitions()
    assert table.add(pa.table({"order_id": ["o1", "o2"], "part": pa.array([3, 0], pa.int32())})) == 2
    # an order paid again elsewhere keeps its first partition; polars input works too
    assert table.add(pl.DataFrame({"order_id": ["o1", "o3"], "part": [7, 5]})) == 1
    assert len(table) == 3 and table.size_bytes > 0
    got = pa.table(table.partitions_of(pa.table({"order_id": ["o3", None, "o9", "o1", "o2"]})))
    assert got.column_names == ["part"] and got.schema.field("part").type == pa.int32()
    assert got["part"].to_pylist() == [5, None, None, 3, 0]


def test_many_orders_across_batches_equal_a_dict():
    ids = [f"order-{i}" for i in range(50_000)]
    parts = [(i * 7) % 16 for i in range(50_000)]
    table = truexp.OrderPartitions()
    stream = pa.table({"order_id": ids, "part": parts}).to_batches(max_chunksize=4096)
    assert table.add(pa.Table.from_batches(stream)) == len(ids)
    asked = ids[::-3] + ["nope"]
    got = pa.table(table.partitions_of(pa.table({"order_id": pa.array(asked, pa.large_string())})))
    want = dict(zip(ids, parts))
    assert got["part"].to_pylist() == [want.get(i) for i in asked]


@pytest.mark.parametrize(
    "bad, column, says",
    [
        (pa.table({"order_id": ["a", None], "part": [1, 2]}), "order_id", "null in row 2"),
        (pa.table({"order_id": ["a", "b"], "part": [1, -4]}), "part", "row 2: -4"),
        (pa.table({"order_id": ["a"]}), "part", "missing"),
        (pa.table({"order_id": [1], "part": [1]}), "order_id", "expected a string column"),
    ],
)
def test_a_bad_table_is_refused_with_its_column_and_nothing_added(bad, column, says):
    table = truexp.OrderPartitions()
    table.add(pa.table({"order_id": ["z"], "part": [9]}))
    with pytest.raises(truexp.ArrowSchemaError) as e:
        table.add(bad)
    assert e.value.column == column and e.value.message.startswith(says)
    assert len(table) == 1
    got = pa.table(table.partitions_of(pa.table({"order_id": ["a", "z"]})))
    assert got["part"].to_pylist() == [None, 9]
