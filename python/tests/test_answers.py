"""The Python answers equal the Rust API's (through the CLI's --json) on the demo data."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import truexp
from conftest import DEMO, cli_json


def test_scoreboard_equals_the_cli(engine):
    table = pa.table(engine.scoreboard())
    want = cli_json("score", str(DEMO), "--quiet")
    assert engine.latest_event_time == want["as_of"]
    shops = want["shops"]
    assert table.num_rows == len(shops) == 200
    rows = table.to_pylist()
    for rank, (got, exp) in enumerate(zip(rows, shops), start=1):
        assert got["rank"] == rank
        assert got["shop_id"] == exp["shop_id"]
        assert got["category"] == exp["category"]
        assert got["overall"] == exp["overall"]
        assert got["stars"] == exp["stars"]
        assert got["grade"] == exp["grade"]
        assert got["change"] == exp["change"]
        assert got["growth_stage"] == exp["growth_stage"]
        assert got["base"] == exp["base"]
        assert got["fake_orders"] == exp["fake_orders"]
        assert got["valid_orders"] == exp["valid_orders"]
        assert got["percentile"] == exp["percentile"]
        assert got["problem_rate_display"] == exp["problem_rate"]["display"]
        assert got["problem_orders"] == exp["problem_rate"]["problem_orders"]
        for block in exp["blocks"]:
            assert got[f"block_{block['name']}"] == block["score"]
            assert got[f"block_{block['name']}_assessed"] == block["assessed"]
        assert got["add_on_points"] == pytest.approx(sum(a["points"] for a in exp["add_ons"]))


def test_scoreboard_at_an_earlier_moment(engine):
    as_of = engine.latest_event_time - 5 * 86400
    got = engine.scoreboard(as_of).to_pydict()
    want = cli_json("score", str(DEMO), "--quiet", "--as-of", str(as_of))
    assert got["shop_id"] == [s["shop_id"] for s in want["shops"]]
    assert got["overall"] == [s["overall"] for s in want["shops"]]


def test_score_and_explain_equal_the_cli(engine):
    for shop in ["s0", "s2", "s3", "s7"]:
        want = cli_json("explain", str(DEMO), shop, "--quiet")
        assert engine.explain(shop) == want
        assert engine.score(shop) == want["score"]


def test_problem_orders_equal_the_cli(engine):
    want = cli_json("problems", str(DEMO), "s2", "--quiet")
    rows = pa.table(engine.problem_orders("s2")).to_pylist()
    flat = [
        (o["order_id"], o["paid_at"], o["amount"], l["reason"], l["family"], l["event"], l["at"])
        for o in want["orders"]
        for l in o["labels"]
    ]
    assert len(flat) > 0
    assert [
        (r["order_id"], r["paid_at"], r["amount"], r["reason"], r["family"], r["event"], r["at"])
        for r in rows
    ] == flat
    assert {r["shop_id"] for r in rows} == {"s2"}


def test_standard_and_good_service_list_equal_the_cli(engine):
    for preset in ["amazon", "ebay", "tmall"]:
        want = cli_json("standard", str(DEMO), "s1", "--preset", preset, "--quiet")
        assert engine.standard("s1", preset) == want
    assert engine.good_service_list() == cli_json("list", str(DEMO), "--quiet")
    assert engine.good_service_list("pet") == cli_json("list", str(DEMO), "--category", "pet", "--quiet")


def test_price_protection_equals_the_cli(demo):
    engine = truexp.Engine()
    engine.ingest_jsonl(demo)
    table = pa.table(engine.price_protection())
    want = cli_json("price-protect", "--auto", str(demo))
    paid = table.filter(pc.is_null(table["zero_reason"])).to_pylist()
    assert len(paid) == len(want["payouts"]) > 0
    for got, exp in zip(paid, want["payouts"]):
        for key in ["drop_id", "drop_at", "order_id", "line", "sku", "quantity", "paid_unit",
                    "comparison", "protected_quantity", "payout", "platform_part", "seller_part"]:
            assert got[key] == exp[key], key
    assert sum(r["payout"] for r in paid) == want["total_payout"]
    zero = table.filter(pc.invert(pc.is_null(table["zero_reason"])))
    counts = {}
    for r in zero.column("zero_reason").to_pylist():
        counts[r] = counts.get(r, 0) + 1
    assert counts == want["zero_payouts"]
    # drops run once
    assert engine.price_protection().num_rows == 0
    # protection later refunds take back: the CLI's list, row for row
    deductions = pa.table(engine.price_protection_deductions()).to_pylist()
    assert len(deductions) == len(want["deductions"]) > 0
    assert deductions == want["deductions"]
    assert sum(d["deducted"] for d in deductions) == want["total_deducted"]


def test_tables_without_pyarrow(engine):
    t = engine.scoreboard()
    assert len(t) == t.num_rows == 200
    d = t.to_pydict()
    rows = t.to_pylist()
    assert list(d) == t.column_names
    assert rows[0]["shop_id"] == d["shop_id"][0]
    assert "truexp.Table(200 rows" in repr(t)
    # every export is a fresh stream
    assert pa.table(t).equals(pa.table(t))
    assert pa.schema(t) == pa.table(t).schema


def test_live_scoreboard_changes_equal_the_cli(demo):
    e = truexp.Engine()
    e.ingest_jsonl(str(demo))
    first = e.scoreboard_changes()
    want = cli_json("score", str(demo), "--quiet")
    assert [c["shop_id"] for c in first["changes"]] == [s["shop_id"] for s in want["shops"]]
    assert [c["now"]["overall"] for c in first["changes"]] == [s["overall"] for s in want["shops"]]
    assert all(c["before"] is None for c in first["changes"])
    again = e.scoreboard_changes(since=first["version"])
    assert again["changes"] == [] and again["version"] == first["version"]
    later = e.scoreboard_changes(since=first["version"], as_of=first["as_of"] + 86400)
    assert later["version"] > first["version"] and later["changes"]


def test_at_risk_equals_the_cli(engine):
    want = cli_json("at-risk", str(DEMO), "--preset", "amazon,ebay", "--quiet")
    got = engine.at_risk(presets="amazon,ebay")
    assert got == want
    assert len(got) > 0
    one = engine.at_risk(shop_id="s1", presets="tmall", within_orders=0, within_points=0.0)
    assert one == cli_json(
        "at-risk", str(DEMO), "--shop", "s1", "--preset", "tmall", "--within", "0",
        "--within-points", "0", "--quiet",
    )
    with pytest.raises(ValueError, match="walmart"):
        engine.at_risk(presets="walmart")
    with pytest.raises(truexp.UnknownShopError):
        engine.at_risk(shop_id="nope")


def test_what_if_equals_the_cli(engine):
    late = next(
        o["order_id"]
        for o in cli_json("problems", str(DEMO), "s2", "--quiet")["orders"]
        if any(label["reason"] == "no_pickup_in_time" for label in o["labels"])
    )
    change = f"{late}=picked_up_in_time"
    want = cli_json("what-if", str(DEMO), "s2", "--resolve", change, "--next-days", "2", "--quiet")
    scenario = {
        "changes": [{"order_id": late, "resolution": {"kind": "picked_up_in_time"}}],
        "next_days": {"days": 2},
    }
    assert engine.what_if("s2", scenario) == want
    assert engine.what_if("s2", [change], next_days=2) == want
    plain = engine.what_if("s2", [change])
    assert plain["changes"] == [{"order_id": late, "resolution": {"kind": "picked_up_in_time"}, "changed": True}]
    assert plain["problem_orders"][1] == plain["problem_orders"][0] - 1
    with pytest.raises(ValueError, match="unknown resolution"):
        engine.what_if("s2", [f"{late}=won"])
    with pytest.raises(truexp.TruexpError, match="unknown order `nope`"):
        engine.what_if("s2", ["nope=dispute_won"])


def test_agent_metrics_equal_the_cli():
    agents = DEMO.parent / "agents.jsonl"
    e = truexp.Engine()
    e.ingest_jsonl(str(agents))
    got = e.agent_metrics("s1")
    assert got == cli_json("agents", str(agents), "s1", "--quiet")
    assert got["agents"], got
    with pytest.raises(truexp.UnknownShopError):
        e.agent_metrics("nope")


def test_history_equals_the_cli(engine):
    got = engine.history("s1", days=5)
    assert got == cli_json("history", str(DEMO), "s1", "--days", "5", "--quiet")
    assert len(got["points"]) == 5
    with pytest.raises(truexp.TruexpError, match="days"):
        engine.history("s1", days=0)


def test_a_moment_outside_time_is_a_value_error(engine):
    # UTC seconds within years -9999..=9999 (truexp.Timestamp's range)
    for bad in (-(2**63), 2**63 - 1, 253_402_300_800):
        with pytest.raises(ValueError, match="timestamp range"):
            engine.scoreboard(as_of=bad)
        with pytest.raises(ValueError, match="timestamp range"):
            engine.explain("s1", as_of=bad)
    assert engine.scoreboard(as_of=253_402_300_799).num_rows == engine.scoreboard().num_rows
