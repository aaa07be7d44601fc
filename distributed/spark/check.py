"""Compares the Spark job's answers with the single-process answers, exactly.

usage: check.py EVENTS.parquet SPARK_OUT_DIR CLI_SCORE.json CLI_PRICE_PROTECT.json [AS_OF]

SPARK_OUT_DIR/scoreboard and SPARK_OUT_DIR/price_protection are checked;
price protection against one engine (every row, zero payouts included) and
against `truexp price-protect --auto EVENTS --json` (every paying row, totals).

Reference 1: truexp.Engine().scoreboard(as_of) over every event in one process
(every column, every bit: floats compared by their IEEE bits, NaN-safe).
Reference 2: `truexp score EVENTS --json` of the Rust CLI (rank, shop, overall,
base, change, blocks, percentile, problem counts and rates, add-on points).
Exit status 1 and the first differences printed when anything differs.
"""

import json
import math
import os
import struct
import sys

import pyarrow as pa
import pyarrow.parquet as pq

import truexp


def bits(v):
    return ("f", struct.pack("<d", v)) if isinstance(v, float) else v


def main() -> int:
    events, out, cli_json, cli_pp_json = sys.argv[1:5]
    cli = json.load(open(cli_json))
    cli_pp = json.load(open(cli_pp_json))
    as_of = int(sys.argv[5]) if len(sys.argv) > 5 else cli["as_of"]
    engine = truexp.Engine()
    engine.ingest_arrow(pq.read_table(events))
    want = pa.table(engine.scoreboard(as_of)).to_pylist()
    got = pq.read_table(os.path.join(out, "scoreboard")).sort_by("rank").to_pylist()
    bad = []
    if len(got) != len(want):
        bad.append(f"{len(got)} rows from Spark, {len(want)} from one engine")
    for g, w in zip(got, want):
        if list(g) != list(w):
            bad.append(f"columns differ: {list(g)} vs {list(w)}")
            break
        for k in w:
            if bits(g[k]) != bits(w[k]):
                bad.append(f"rank {w['rank']} shop {w['shop_id']} {k}: spark {g[k]!r} one engine {w[k]!r}")
    # the Rust CLI
    shops = cli["shops"]
    if len(shops) != len(got):
        bad.append(f"{len(got)} rows from Spark, {len(shops)} from the CLI")
    checked = 0
    for i, (g, c) in enumerate(zip(got, shops), 1):
        pairs = {
            "rank": (g["rank"], i),
            "shop_id": (g["shop_id"], c["shop_id"]),
            "overall": (g["overall"], c["overall"]),
            "base": (g["base"], c["base"]),
        }
        for k, v in c.items():
            if k in g and not isinstance(v, (dict, list)):
                pairs[k] = (g[k], v)
        pr = c["problem_rate"]
        pairs["problem_orders"] = (g["problem_orders"], pr["problem_orders"])
        pairs["problem_rate"] = (g["problem_rate"], pr["rate"])
        pairs["problem_rate_display"] = (g["problem_rate_display"], pr["display"])
        pairs["problem_rate_category_mean"] = (g["problem_rate_category_mean"], pr["category_mean"])
        for b in c.get("blocks", []):
            pairs[f"block_{b['name']}"] = (g[f"block_{b['name']}"], b["score"])
        for k, (x, y) in pairs.items():
            checked += 1
            if bits(x) != bits(y) and not (isinstance(x, float) and isinstance(y, (int, float))
                                           and x == y and not math.isnan(x)):
                bad.append(f"rank {i} {g['shop_id']} {k}: spark {x!r} CLI {y!r}")
    # price protection: every (drop, line) row of one engine, as a multiset
    key = lambda r: (r["drop_id"], r["order_id"], r["line"])  # noqa: E731
    pp_want = sorted(pa.table(engine.price_protection()).to_pylist(), key=key)
    pp_got = sorted(pq.read_table(os.path.join(out, "price_protection")).to_pylist(), key=key)
    if len(pp_got) != len(pp_want):
        bad.append(f"price protection: {len(pp_got)} rows from Spark, {len(pp_want)} from one engine")
    for g, w in zip(pp_got, pp_want):
        if g != w:
            bad.append(f"price protection row differs: spark {g} one engine {w}")
            break
    paid = sum(r["payout"] for r in pp_want)
    # the Rust CLI lists paying rows (its `reason` is the table's `zero_reason`)
    paying = [{("reason" if k == "zero_reason" else k): v for k, v in r.items()}
              for r in pp_got if r["payout"] > 0]
    cli_rows = sorted(cli_pp["payouts"], key=key)
    if paying != cli_rows:
        bad.append(f"price protection: {len(paying)} paying rows from Spark, {len(cli_rows)} from "
                   f"the CLI, first difference {next((a, b) for a, b in zip(paying + [None], cli_rows + [None]) if a != b)}")
    if sum(r["payout"] for r in pp_got) != cli_pp["total_payout"]:
        bad.append(f"price protection total: spark {sum(r['payout'] for r in pp_got)} "
                   f"CLI {cli_pp['total_payout']}")
    for b in bad[:20]:
        print("DIFF", b, file=sys.stderr)
    if bad:
        print(f"{len(bad)} differences", file=sys.stderr)
        return 1
    print(f"{out}: {len(got)} shops, {len(got) * len(want[0]) if want else 0} values equal to one engine, "
          f"{checked} values equal to the CLI; price protection: {len(pp_got)} (drop, line) rows "
          f"equal to one engine's ({sum(1 for r in pp_want if r['payout'] > 0)} paying, "
          f"{paid} minor units)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
