"""Bonus plugins load into a Python engine and earn what the CLI shows."""

import os

import pytest

import truexp
from conftest import DEMO, cli_json

PLUGINS = os.environ.get("TRUEXP_PLUGINS")


@pytest.mark.skipif(not PLUGINS, reason="TRUEXP_PLUGINS not set (python/test.sh builds them)")
def test_plugins_match_the_cli():
    e = truexp.Engine(plugins=PLUGINS)
    e.ingest_jsonl(DEMO)
    want = cli_json("score", str(DEMO), "--quiet", "--plugins", PLUGINS)
    got = e.scoreboard().to_pydict()
    assert got["shop_id"] == [s["shop_id"] for s in want["shops"]]
    assert got["overall"] == [s["overall"] for s in want["shops"]]
    assert max(got["add_on_points"]) > 0
