"""Snapshots from Python: a restored engine answers like the one that wrote it."""

import pyarrow as pa
import pytest

import truexp
from conftest import DEMO


def test_round_trip_with_token_and_continued_ingestion(tmp_path):
    lines = [l for l in DEMO.read_text().splitlines() if l.strip()]
    cut = len(lines) * 2 // 3
    first, rest = ("\n".join(lines[:cut]) + "\n").encode(), ("\n".join(lines[cut:]) + "\n").encode()

    whole = truexp.Engine()
    whole.ingest_jsonl(first + rest)
    part = truexp.Engine()
    part.ingest_jsonl(first)
    path = tmp_path / "state.snapshot"
    part.write_snapshot(path, b"partition-0:offset=%d" % cut)
    part.write_snapshot(path, b"again")  # the previous file is kept
    assert (tmp_path / "state.snapshot.prev").exists()

    restored, token = truexp.Engine.from_snapshot(path)
    assert token == b"again"
    as_of = part.latest_event_time
    assert pa.table(restored.scoreboard(as_of)) == pa.table(part.scoreboard(as_of))
    restored.ingest_jsonl(rest)
    as_of = whole.latest_event_time
    assert pa.table(restored.scoreboard(as_of)) == pa.table(whole.scoreboard(as_of))
    assert pa.table(restored.price_protection()) == pa.table(whole.price_protection())


def test_damaged_or_foreign_snapshots_are_refused(tmp_path):
    engine = truexp.Engine()
    engine.ingest_jsonl(DEMO)
    path = tmp_path / "s"
    engine.write_snapshot(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(data))
    with pytest.raises(truexp.SnapshotError, match="checksum"):
        truexp.Engine.from_snapshot(bad)
    cfg = truexp.default_config()
    cfg["max_reviews_per_buyer_month"] = 4
    with pytest.raises(truexp.SnapshotError, match="configuration"):
        truexp.Engine.from_snapshot(path, config=cfg)
    with pytest.raises(truexp.SnapshotError, match="no_such_file"):
        truexp.Engine.from_snapshot(tmp_path / "no_such_file")
    with pytest.raises(truexp.SnapshotError, match="token"):
        engine.write_snapshot(tmp_path / "big", b"x" * ((1 << 20) + 1))


def test_snapshot_bytes_round_trip_and_refusals():
    engine = truexp.Engine()
    engine.ingest_jsonl(DEMO)
    data = engine.snapshot_bytes(b"part-3")
    assert isinstance(data, bytes)
    assert data == engine.snapshot_bytes(b"part-3")  # same state, same bytes
    restored, token = truexp.Engine.from_snapshot_bytes(data)
    assert token == b"part-3"
    as_of = engine.latest_event_time
    assert pa.table(restored.scoreboard(as_of)) == pa.table(engine.scoreboard(as_of))
    assert pa.table(restored.price_protection()) == pa.table(engine.price_protection())
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0x01
    with pytest.raises(truexp.SnapshotError, match="checksum"):
        truexp.Engine.from_snapshot_bytes(bytes(damaged))
    with pytest.raises(truexp.SnapshotError):
        truexp.Engine.from_snapshot_bytes(data[: len(data) // 3])
    with pytest.raises(truexp.SnapshotError, match="token"):
        engine.snapshot_bytes(b"x" * ((1 << 20) + 1))
