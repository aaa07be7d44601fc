"""Category statistics in rounds: shops split among engines score exactly as one engine.

This is the protocol a distributed job (Spark) follows: each partition holds
some shops with all of their events, every round's statistics go through JSON
text and are merged by category, then each partition scores its own shops.
"""

import json

import pyarrow as pa
import pytest

import truexp
from conftest import DEMO

DAY = 86_400


def split_by_shop(parts: int) -> list[truexp.Engine]:
    lines = [l for l in DEMO.read_text().splitlines() if l.strip()]
    events = [json.loads(l) for l in lines]
    shop_of_order = {e["order_id"]: e["shop_id"] for e in events if e["type"] == "order_paid"}
    chunks: list[list[str]] = [[] for _ in range(parts)]
    for line, e in zip(lines, events):
        shop = e.get("shop_id") or shop_of_order.get(e.get("order_id"))
        part = sum(shop.encode()) % parts if shop else 0
        chunks[part].append(line)
    engines = []
    for chunk in chunks:
        engine = truexp.Engine()
        report = engine.ingest_jsonl(("\n".join(chunk) + "\n").encode())
        assert report.rejected == []
        engines.append(engine)
    return engines


def combined_rounds(engines: list[truexp.Engine], as_of: int) -> str:
    combined = None
    for stage in ["totals", "blocks", "percentiles"]:
        parts = [e.peer_stats(as_of, stage, combined) for e in engines]
        combined = truexp.merge_peer_stats(([combined] if combined else []) + parts)
    return combined


@pytest.mark.parametrize("parts", [1, 3])
def test_split_shops_score_like_one_engine(engine, parts):
    as_of = engine.latest_event_time
    engines = split_by_shop(parts)
    today = combined_rounds(engines, as_of)
    yesterday = combined_rounds(engines, as_of - DAY)
    rows = []
    for e in engines:
        rows += pa.table(e.scores_with_peers(as_of, today, yesterday)).to_pylist()
    rows.sort(key=lambda r: (-r["overall"], r["shop_id"]))
    want = pa.table(engine.scoreboard(as_of)).to_pylist()
    assert len(rows) == len(want) == 200
    for got, exp in zip(rows, want):
        del got["rank"], exp["rank"]
        assert got == exp


def test_bad_rounds_are_value_errors(engine):
    as_of = engine.latest_event_time
    with pytest.raises(ValueError, match="stage `bogus`"):
        engine.peer_stats(as_of, "bogus")
    with pytest.raises(ValueError, match="combined"):
        engine.peer_stats(as_of, "blocks", "{not json")
    with pytest.raises(truexp.TruexpError, match="no totals"):
        engine.peer_stats(as_of, "blocks", "{}")
