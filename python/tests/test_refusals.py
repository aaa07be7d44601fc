"""Bad input from Python is refused with a precise exception and changes
nothing: Arrow data that breaks its own promises, a conversion onto its
input, a plugin directory that partly clashes, unknown shops."""

import os
import shutil

import pyarrow as pa
import pytest

import truexp
from conftest import DEMO

PLUGINS = os.environ.get("TRUEXP_PLUGINS")

PROFILE = {
    "type": ["shop_profile"],
    "id": ["p9"],
    "shop_id": ["s9"],
    "category": ["pet"],
    "at": [1790000000],
}


def test_arrow_strings_that_are_not_utf8_are_refused_naming_the_column():
    # the bytes of a binary array viewed as strings: what an unchecked
    # producer can hand over through the C data interface
    bad = pa.array([b"s\xff9"], pa.binary()).view(pa.string())
    table = pa.table({**{k: pa.array(v) for k, v in PROFILE.items()}, "shop_id": bad})
    e = truexp.Engine()
    with pytest.raises(truexp.ArrowSchemaError, match="column `shop_id`"):
        e.ingest_arrow(table)
    assert e.event_count == 0
    e.ingest_arrow(pa.table(PROFILE))  # still usable
    assert e.event_count == 1


def test_an_array_that_is_not_a_table_is_a_type_error():
    e = truexp.Engine()
    with pytest.raises(TypeError, match="struct array"):
        e.ingest_arrow(pa.array([1, 2, 3]))
    assert e.event_count == 0


def test_converting_a_file_onto_itself_is_refused_and_keeps_it(tmp_path):
    events = tmp_path / "events.jsonl"
    shutil.copy(DEMO, events)
    with pytest.raises(OSError, match="the output is the input file"):
        truexp.jsonl_to_parquet(events, events)
    assert events.read_bytes() == DEMO.read_bytes()


def test_a_read_error_fails_the_conversion_and_writes_nothing(tmp_path):
    unreadable = tmp_path / "a-directory.jsonl"
    unreadable.mkdir()
    out = tmp_path / "out.parquet"
    with pytest.raises(OSError, match="a-directory.jsonl"):
        truexp.jsonl_to_parquet(unreadable, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-directory.jsonl"]


def test_a_missing_parquet_file_is_an_os_error_naming_it(tmp_path):
    missing = tmp_path / "missing.parquet"
    with pytest.raises(OSError, match="missing.parquet"):
        truexp.Engine().ingest_parquet(missing)


def test_unknown_shops_and_bad_standards_raise_their_own_errors(engine):
    with pytest.raises(truexp.UnknownShopError):
        engine.standard("no-such-shop", preset="amazon")
    with pytest.raises(truexp.ConfigError):
        engine.standard(engine.shop_ids()[0], standard={"no_such_key": 1})


def test_no_negative_zero_in_add_on_points(engine):
    points = engine.scoreboard().to_pydict()["add_on_points"]
    assert all(str(p) != "-0.0" for p in points)


def test_partitions_read_as_python_lists():
    parts = truexp.OrderPartitions()
    parts.add(pa.table({"order_id": ["a", "b"], "part": [1, 3]}))
    got = parts.partitions_of(pa.table({"order_id": ["b", "x", "a"]}))
    assert got.to_pydict() == {"part": [3, None, 1]}
    assert got.to_pylist() == [{"part": 3}, {"part": None}, {"part": 1}]


@pytest.mark.skipif(not PLUGINS, reason="TRUEXP_PLUGINS not set (python/test.sh builds them)")
def test_a_plugin_directory_loads_all_or_none(tmp_path):
    pet = tmp_path / "pet"
    pet.mkdir()
    shutil.copy(os.path.join(PLUGINS, "libtruexp_plugin_pet.so"), pet)
    e = truexp.Engine(plugins=str(pet))
    with pytest.raises(truexp.PluginError, match="pet"):
        e.load_plugins(PLUGINS)  # pet again, with the others
    # none of the others was added: loading them all but pet now works
    rest = tmp_path / "rest"
    shutil.copytree(PLUGINS, rest)
    os.remove(rest / "libtruexp_plugin_pet.so")
    assert sorted(e.load_plugins(str(rest))) == ["fresh", "jewelry", "maternity"]


def test_a_stream_that_fails_midway_says_what_went_in():
    def profiles(first: int) -> pa.RecordBatch:
        ids = [f"p{first}", f"p{first + 1}"]
        return pa.RecordBatch.from_pydict(
            {
                "type": ["shop_profile"] * 2,
                "id": ids,
                "shop_id": [f"s{first}", f"s{first + 1}"],
                "category": ["pet"] * 2,
                "at": [1790000000] * 2,
            }
        )

    def batches():
        yield profiles(0)
        yield profiles(2)
        raise RuntimeError("the upstream table is gone")

    schema = profiles(0).schema
    e = truexp.Engine()
    with pytest.raises(truexp.ArrowSchemaError, match="upstream table is gone") as info:
        e.ingest_arrow(pa.RecordBatchReader.from_batches(schema, batches()))
    assert (info.value.report.rows, info.value.report.accepted) == (4, 4)
    assert e.event_count == 4
