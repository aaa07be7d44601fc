"""Shared fixtures: the demo data, the Rust CLI to compare with, a loaded engine."""

import json
import os
import pathlib
import subprocess

import pytest

import truexp

ROOT = pathlib.Path(os.environ.get("TRUEXP_ROOT", pathlib.Path(__file__).resolve().parents[2]))
DEMO = ROOT / "examples" / "data" / "demo.jsonl"
BIN = pathlib.Path(os.environ.get("TRUEXP_BIN", ROOT / "target" / "release" / "truexp"))


def cli(*args: str) -> str:
    """Runs the Rust CLI and returns its stdout (fails the test on a non-zero exit)."""
    out = subprocess.run([str(BIN), *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def cli_json(*args: str):
    return json.loads(cli(*args, "--json"))


@pytest.fixture(scope="session")
def demo() -> pathlib.Path:
    return DEMO


@pytest.fixture(scope="session")
def engine() -> truexp.Engine:
    e = truexp.Engine()
    report = e.ingest_jsonl(str(DEMO))
    assert report.rejected == []
    return e


@pytest.fixture(scope="session")
def demo_parquet(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("pq") / "demo.parquet"
    report = truexp.jsonl_to_parquet(DEMO, out)
    assert report.rejected == []
    assert report.accepted == 76814
    return out
