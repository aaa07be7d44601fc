"""truexp from Python: the scoreboard of every shop into a pyarrow table.

Run by bench/peers/run.py in the peers' venv when the truexp wheel
(python/test.sh builds it into target/wheels/) is installed there. Loads the
JSON Lines once, then times, best of --repeat, `pa.table(engine.scoreboard(as_of))`
— the Rust scoreboard plus its Arrow export through the PyCapsule interface —
to compare with truexp-bench's warm rescore (the same scoreboard called from Rust).
Prints one JSON object on stdout.
"""

import argparse
import json
import threading
import time

import pyarrow as pa

import truexp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--as-of", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    engine = truexp.Engine()
    t = time.perf_counter()
    report = engine.ingest_jsonl(a.jsonl)
    ingest_s = time.perf_counter() - t
    best = float("inf")
    rows = 0
    for _ in range(max(1, a.repeat)):
        t = time.perf_counter()
        table = pa.table(engine.scoreboard(a.as_of))
        best = min(best, time.perf_counter() - t)
        rows = table.num_rows
    print(json.dumps({
        "tool": "truexp (Python)",
        "version": truexp.__version__,
        "threads": f"1 ingest, {threading.active_count()} Python",
        "rows": rows,
        "rejected": len(report.rejected),
        "jobs": {"ingest_jsonl": ingest_s, "warm_rescore_pyarrow": best},
        "repeat": a.repeat,
    }))


if __name__ == "__main__":
    main()
