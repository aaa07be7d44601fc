"""The peers of truexp's benchmark: DuckDB (SQL) and Polars (expressions).

Why this file exists: a benchmark against DuckDB and Polars is only honest if
the peers compute the *same* numbers, and the peers are only a useful oracle
if they compute them independently of truexp's code. So this module restates
truexp's definitions (core/src/order.rs, problem.rs, counters.rs, score.rs)
once in SQL and once in Polars expressions, from the raw events, and
`compare.py` checks every integer of every shop against truexp's output.

Each job runs in its own process (`python peers.py duckdb|polars|convert ...`)
so that its peak RSS is its own; it prints one JSON object with its timings.

Shape of both implementations, mirroring truexp's engine:
  1. per-order facts (latest risk verdict, earliest shipment, latest review,
     refund cases, ...) and problem labels, independent of the scoring day;
  2. per-shop, per-local-day counters (the analogue of truexp's counters), and
     the orders time alone can make problems (no pickup known; open cases, see
     problem.rs `open_cases`) with the moments they would;
  3. per-shop window sums at scoring day T, plus those of the orders in 2 whose
     moment lies before as_of (the only T-dependent part).
The one-shot job does 1-3 from the file; the warm job repeats 3 with the
counters kept in memory (the same head start truexp's warm rescore has).
`pp-polars` restates price protection's automatic mode (see `polars_pp`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

TZ = 8 * 3600  # UTC+8, Config::default().timezone_offset_minutes = 480
DAY = 86400
PICKUP_H = 48
SLOW_REFUND_H = 72
DELIVERY_NORM_H = 120  # default_delivery_norm_hours; no per-category norms by default
BAD_MAX = 2
GOOD_MIN = 4
SAT_MIN = 4
CHAT_SECS = 180
CAP = 3  # max_reviews_per_buyer_month
QUALITY = ("quality", "not_as_described", "damaged", "defective", "expired", "counterfeit")
PROBLEM_WINDOW = 30

# (name, numerator counter, denominator counter, lag days); window 30 days each.
INDICATORS = [
    ("product_negative_rate", "c_pprod", "c_valid", 1),
    ("good_review_rate", "c_good", "c_rev", 1),
    ("pickup_48h_rate", "c_pick", "c_pdue", 3),
    ("delivery_hours", "c_delmin", "c_deliv", 10),
    ("chat_response_3min_rate", "c_fast", "c_chats", 0),
    ("chat_satisfaction", "c_sat", "c_rated", 2),
    ("refund_duration_hours", "c_refmin", "c_ref", 1),
    ("platform_help_rate", "c_help", "c_valid", 0),
]
COUNTERS = [
    "c_valid", "c_fake", "c_pick", "c_pdue", "c_deliv", "c_delmin",
    "c_help", "c_prob", "c_pprod", "c_plog", "c_pas", "c_rev", "c_good", "c_chats", "c_fast",
    "c_rated", "c_sat", "c_ref", "c_refmin",
]
COLUMNS = [
    "valid_orders", "fake_orders", "problem_orders", "problem_valid_orders", "problem_product",
    "problem_logistics", "problem_after_sales",
] + [f"{n}_{k}" for n, *_ in INDICATORS for k in ("num", "den", "from", "to")]

LINES = "STRUCT(quantity BIGINT, unit_price BIGINT, line_discount BIGINT)[]"
DISCOUNTS = "STRUCT(amount BIGINT)[]"

# The event fields the definitions read; every other field is skipped by the readers.
FIELDS = {
    "type": "VARCHAR", "id": "VARCHAR", "order_id": "VARCHAR", "shop_id": "VARCHAR",
    "paid_at": "BIGINT", "ship_by": "BIGINT", "risk": "STRUCT(fake BOOLEAN)", "at": "BIGINT",
    "fake": "BOOLEAN", "pickup_at": "BIGINT", "reviewer": "VARCHAR", "product_stars": "BIGINT",
    "logistics_stars": "BIGINT", "suspicious": "BOOLEAN", "refund_id": "VARCHAR",
    "kind": "VARCHAR", "reason": "VARCHAR", "for_party": "VARCHAR", "started_at": "BIGINT",
    "first_response_secs": "BIGINT", "satisfaction": "BIGINT", "amount": "BIGINT",
    "lines": LINES, "discounts": DISCOUNTS,
}


def windows(t: int) -> dict[str, tuple[int, int]]:
    """Local-day windows [from, to] at scoring day t."""
    w = {n: (t - lag - 29, t - lag) for n, _, _, lag in INDICATORS}
    w["problem"] = (t - PROBLEM_WINDOW + 1, t)
    w["growth"] = (t - 29, t)
    return w


def overdue_cutoff(as_of: int) -> int:
    """An order with no pickup is overdue once as_of > paid_at + 48 h, i.e. paid_at < cutoff."""
    return as_of - PICKUP_H * 3600


def local_day(ts: int) -> int:
    return (ts + TZ) // DAY


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def write_csv(rows, path: str) -> None:
    """rows: iterable of (shop_id, *COLUMNS) with plain ints, any order."""
    rows = sorted(rows, key=lambda r: r[0])
    with open(path, "w") as f:
        f.write("shop_id," + ",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(str(int(v)) if i else str(v) for i, v in enumerate(r)) + "\n")


# --------------------------------------------------------------------------- DuckDB

DUCK_COUNTERS = f"""
CREATE OR REPLACE TEMP TABLE cases AS
WITH rq AS (  -- earliest request per refund case
  SELECT order_id, refund_id, ts AS q_at, kind, reason FROM ev WHERE type = 'refund_requested'
  QUALIFY row_number() OVER (PARTITION BY order_id, refund_id ORDER BY ts, id) = 1),
rc AS (SELECT order_id, refund_id, min(ts) AS c_at FROM ev WHERE type = 'refund_completed'
       GROUP BY order_id, refund_id)
SELECT rq.order_id, q_at, kind, reason, c_at FROM rq JOIN rc USING (order_id, refund_id)
UNION ALL
SELECT order_id, q_at, kind, reason, NULL FROM rq ANTI JOIN rc USING (order_id, refund_id);

CREATE OR REPLACE TEMP TABLE po0 AS
WITH o AS (
  SELECT order_id, shop_id, id AS paid_id, paid_at, ship_by,
         coalesce(risk.fake, false) AS risk_fake, (paid_at + {TZ}) // {DAY} AS pay_day,
         coalesce(list_sum(list_transform(lines,
           lambda l: l.quantity * l.unit_price - coalesce(l.line_discount, 0))), 0)
         - coalesce(list_sum(list_transform(discounts, lambda x: x.amount)), 0) AS o_amount
  FROM ev WHERE type = 'order_paid'),
v AS (  -- latest later verdict by (ts, event id)
  SELECT order_id, ts AS v_at, id AS v_id, fake AS v_fake FROM ev WHERE type = 'risk_verdict'
  QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ts DESC, id DESC) = 1),
s AS (  -- earliest shipment by (ts, event id)
  SELECT order_id, ts AS s_at, pickup_at FROM ev WHERE type = 'shipped'
  QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ts, id) = 1),
d AS (SELECT order_id, min(ts) AS d_at FROM ev WHERE type = 'delivered' GROUP BY order_id),
a AS (SELECT DISTINCT order_id FROM ev WHERE type = 'tracking_anomaly'),
r AS (  -- latest review by (ts, event id)
  SELECT order_id, ts AS r_at, id AS r_id, reviewer, product_stars, logistics_stars,
         coalesce(suspicious, false) AS suspicious
  FROM ev WHERE type = 'review'
  QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ts DESC, id DESC) = 1),
rf AS (
  SELECT order_id,
         bool_or(reason IN {QUALITY}) AS quality,
         -- problem.rs classify_refs: a refund-only completed before the order shipped (no
         -- shipment, or the earliest one after the completion) is the buyer cancelling
         bool_or(kind = 'refund_only' AND coalesce(s_at <= c_at, false)) AS refund_only,
         bool_or(coalesce(c_at - q_at > {SLOW_REFUND_H * 3600}, false)) AS slow_refund,
         -- problem.rs open_cases: the earliest request of a case not completed
         min(q_at) FILTER (c_at IS NULL) AS open_q
  FROM cases LEFT JOIN s USING (order_id) GROUP BY order_id),
iv AS (SELECT DISTINCT order_id FROM ev WHERE type = 'platform_intervention'),
dp AS (SELECT order_id, for_party FROM ev WHERE type = 'dispute_ruled'
       QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ts DESC, id DESC) = 1),
cp AS (SELECT DISTINCT order_id FROM ev WHERE type = 'complaint')
  SELECT o.*, s.s_at, s.pickup_at, d.d_at, r.r_at, r.r_id, r.reviewer, r.product_stars,
         CASE WHEN v.v_id IS NOT NULL AND (v.v_at, v.v_id) > (o.paid_at, o.paid_id)
              THEN v.v_fake ELSE o.risk_fake END AS fake,
         (r.r_id IS NOT NULL AND NOT r.suspicious) AS honest_review,
         coalesce(r.product_stars <= {BAD_MAX}, false) AS bad_prod_review,
         coalesce(r.logistics_stars <= {BAD_MAX}, false) AS bad_log_review,
         coalesce(rf.quality, false) AS l_prod0,
         coalesce(s.pickup_at > o.paid_at + {PICKUP_H * 3600}, false) AS late_pickup,
         coalesce(s.s_at > o.ship_by, false)
           OR a.order_id IS NOT NULL
           OR coalesce(d.d_at - o.paid_at > {DELIVERY_NORM_H * 3600}, false) AS l_log0,
         iv.order_id IS NOT NULL OR coalesce(dp.for_party = 'buyer', false)
           OR coalesce(rf.refund_only, false) OR coalesce(rf.slow_refund, false)
           OR cp.order_id IS NOT NULL AS l_as,
         iv.order_id IS NOT NULL AS helped,
         -- problem.rs open_cases: not shipped, a late shipment after its ship-by; shipped and
         -- never received, slow delivery after payment + the delivery norm (unless withdrawn
         -- by then, see `po`); a refund open, a slow refund after its request + 72 h
         CASE WHEN s.s_at IS NULL THEN o.ship_by
              WHEN d.d_at IS NULL THEN o.paid_at + {DELIVERY_NORM_H * 3600} END AS open_cut,
         rf.open_q + {SLOW_REFUND_H * 3600} AS refund_at
  FROM o LEFT JOIN v USING (order_id) LEFT JOIN s USING (order_id) LEFT JOIN d USING (order_id)
       LEFT JOIN a USING (order_id) LEFT JOIN r USING (order_id) LEFT JOIN rf USING (order_id)
       LEFT JOIN iv USING (order_id) LEFT JOIN dp USING (order_id) LEFT JOIN cp USING (order_id);

-- still due for pickup (problem.rs pickup_due): not cancelled by the seller, nor refunded in
-- full, before the pickup and no later than the 48 h deadline
CREATE OR REPLACE TEMP TABLE po AS
WITH cut AS (
  SELECT order_id, o_amount,
         CASE WHEN pickup_at IS NULL THEN paid_at + {PICKUP_H * 3600}
              ELSE least(paid_at + {PICKUP_H * 3600}, pickup_at - 1) END AS cutoff
  FROM po0),
sc AS (SELECT order_id, min(ts) AS x_at FROM ev WHERE type = 'seller_cancelled' GROUP BY order_id),
rd AS (  -- earliest completion of each refund case by (ts, event id), request or not
  SELECT order_id, ts AS c_at, amount AS c_amount FROM ev WHERE type = 'refund_completed'
  QUALIFY row_number() OVER (PARTITION BY order_id, refund_id ORDER BY ts, id) = 1),
undue AS (
  SELECT order_id FROM cut JOIN sc USING (order_id) WHERE x_at <= cutoff
  UNION
  SELECT order_id FROM cut JOIN rd USING (order_id) WHERE c_at <= cutoff
  GROUP BY order_id, o_amount HAVING sum(c_amount) >= o_amount),
gone AS (  -- withdrawn by the open logistics case's deadline (problem.rs withdrawn_by, open_cases)
  SELECT order_id FROM po0 JOIN sc USING (order_id) WHERE x_at <= open_cut
  UNION
  SELECT order_id FROM po0 JOIN rd USING (order_id) WHERE c_at <= open_cut
  GROUP BY order_id, o_amount HAVING sum(c_amount) >= o_amount)
SELECT * EXCLUDE (d0, l_log0, l_prod0, late_pickup, bad_prod_review, bad_log_review, open_cut,
                 withdrawn),
       d0 AS due,
       -- the deadline of the open logistics case (late shipment or slow delivery), if any
       CASE WHEN NOT withdrawn THEN open_cut END AS log_at,
       l_prod0 OR (counted AND bad_prod_review) AS l_prod,
       -- a late pickup counts only when due; a rating only within the monthly cap
       l_log0 OR (counted AND bad_log_review) OR (late_pickup AND d0) AS l_log
FROM (
  SELECT po0.*, undue.order_id IS NULL AS d0, gone.order_id IS NOT NULL AS withdrawn,
         -- per buyer, shop and local month: the first {CAP} honest reviews by (ts, event id)
         honest_review AND NOT fake AND row_number() OVER (
           PARTITION BY shop_id, reviewer, honest_review AND NOT fake,
                        date_trunc('month', epoch_ms((r_at + {TZ}) * 1000))
           ORDER BY r_at, r_id) <= {CAP} AS counted
  FROM po0 LEFT JOIN undue USING (order_id) LEFT JOIN gone USING (order_id));
DROP TABLE po0;

-- orders that time alone turns into problem orders (rates.rs Engine::overdue): those with no
-- pickup known, once overdue (`aw_*`: counters.rs AWAITING_* flags), and those with open
-- cases, once a deadline passes (`*_at`: problem.rs OpenDeadlines, the moment each adds
-- the order, a logistics label or an after-sales label it does not have already)
CREATE OR REPLACE TABLE timed AS
SELECT * FROM (
  SELECT shop_id, pay_day AS day, paid_at,
         aw AND NOT (l_prod OR l_log OR l_as) AS aw_no_label, aw AS aw_no_log,
         CASE WHEN NOT (l_prod OR l_log OR l_as) THEN least(log_at, refund_at) END AS p_at,
         CASE WHEN NOT l_log THEN log_at END AS l_at,
         CASE WHEN NOT l_as THEN refund_at END AS a_at
  FROM (SELECT *, due AND pickup_at IS NULL AND NOT l_log AS aw FROM po WHERE NOT fake))
WHERE aw_no_log OR l_at IS NOT NULL OR a_at IS NOT NULL;  -- no label implies no logistics label

CREATE OR REPLACE TABLE daily AS
WITH valid AS (SELECT * FROM po WHERE NOT fake),
by_pay AS (
  SELECT shop_id, pay_day AS day,
    count(*) AS c_valid, 0 AS c_fake,
    count(*) FILTER (due AND pickup_at <= paid_at + {PICKUP_H * 3600}) AS c_pick,
    count(*) FILTER (due) AS c_pdue,
    count(d_at) AS c_deliv,
    coalesce(sum(greatest(d_at - paid_at, 0) // 60), 0) AS c_delmin,
    count(*) FILTER (helped) AS c_help,
    count(*) FILTER (l_prod OR l_log OR l_as) AS c_prob,
    count(*) FILTER (l_prod) AS c_pprod, count(*) FILTER (l_log) AS c_plog,
    count(*) FILTER (l_as) AS c_pas
  FROM valid GROUP BY ALL),
fakes AS (SELECT shop_id, pay_day AS day, count(*) AS c_fake FROM po WHERE fake GROUP BY ALL),
capped AS (SELECT shop_id, (r_at + {TZ}) // {DAY} AS day, product_stars FROM valid WHERE counted),
revs AS (SELECT shop_id, day, count(*) AS c_rev, count(*) FILTER (product_stars >= {GOOD_MIN}) AS c_good
         FROM capped GROUP BY ALL),
refs AS (
  SELECT valid.shop_id, (c_at + {TZ}) // {DAY} AS day, count(*) AS c_ref,
         sum(greatest(c_at - q_at, 0) // 60) AS c_refmin
  FROM cases JOIN valid USING (order_id) WHERE c_at IS NOT NULL GROUP BY ALL),
chats AS (
  SELECT shop_id, (started_at + {TZ}) // {DAY} AS day, count(*) AS c_chats,
         count(*) FILTER (first_response_secs <= {CHAT_SECS}) AS c_fast,
         count(satisfaction) AS c_rated, count(*) FILTER (satisfaction >= {SAT_MIN}) AS c_sat
  FROM ev WHERE type = 'chat' GROUP BY ALL),
u AS (
  SELECT shop_id, day, c_valid, 0 AS c_fake, c_pick, c_pdue, c_deliv,
         c_delmin, c_help, c_prob, c_pprod, c_plog, c_pas,
         0 AS c_rev, 0 AS c_good, 0 AS c_chats, 0 AS c_fast, 0 AS c_rated, 0 AS c_sat,
         0 AS c_ref, 0 AS c_refmin FROM by_pay
  UNION ALL BY NAME SELECT shop_id, day, c_fake FROM fakes
  UNION ALL BY NAME SELECT shop_id, day, c_rev, c_good FROM revs
  UNION ALL BY NAME SELECT shop_id, day, c_ref, c_refmin FROM refs
  UNION ALL BY NAME SELECT shop_id, day, c_chats, c_fast, c_rated, c_sat FROM chats)
SELECT shop_id, day, {", ".join(f"sum(coalesce({c}, 0))::BIGINT AS {c}" for c in COUNTERS)}
FROM u GROUP BY shop_id, day;

CREATE OR REPLACE TABLE shops AS
SELECT DISTINCT shop_id FROM ev WHERE type IN ('order_paid', 'shop_profile', 'chat');

DROP TABLE po;
DROP TABLE cases;
"""


def duck_window_sql(as_of: int) -> str:
    t = local_day(as_of)
    w = windows(t)
    lo, hi = w["problem"]

    def s(col: str, key: str) -> str:
        lo, hi = w[key]
        return f"coalesce(sum({col}) FILTER (day BETWEEN {lo} AND {hi}), 0)::BIGINT"

    cols = [
        s("c_valid", "growth"), s("c_fake", "growth"),
        f"{s('c_prob', 'problem')} + coalesce(any_value(od.no_label), 0)",
        s("c_valid", "problem"), s("c_pprod", "problem"),
        f"{s('c_plog', 'problem')} + coalesce(any_value(od.no_log), 0)",
        f"{s('c_pas', 'problem')} + coalesce(any_value(od.no_as), 0)",
    ]
    for name, num, den, _ in INDICATORS:
        cols += [s(num, name), s(den, name), str(w[name][0]), str(w[name][1])]
    # rates.rs Engine::overdue: an order counts once, by its overdue pickup (paid before the
    # cutoff) or by an open case whose deadline lies strictly before as_of, whichever holds
    cut = overdue_cutoff(as_of)
    return (
        "SELECT shops.shop_id, " + ", ".join(cols)
        + " FROM shops LEFT JOIN daily USING (shop_id) LEFT JOIN ("
        "SELECT shop_id,"
        f" count(*) FILTER ((aw_no_label AND paid_at < {cut}) OR p_at < {as_of}) AS no_label,"
        f" count(*) FILTER ((aw_no_log AND paid_at < {cut}) OR l_at < {as_of}) AS no_log,"
        f" count(*) FILTER (a_at < {as_of}) AS no_as"
        f" FROM timed WHERE day BETWEEN {lo} AND {hi}"
        " GROUP BY shop_id) od USING (shop_id) GROUP BY shops.shop_id"
    )


def run_duckdb(args) -> dict:
    import duckdb

    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    jobs = {}
    start = time.perf_counter()
    if args.parquet:
        src = f"read_parquet('{args.parquet}')"
        job = "one_shot_parquet"
    else:
        cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in FIELDS.items()) + "}"
        src = f"read_json('{args.jsonl}', format='newline_delimited', columns={cols})"
        job = "one_shot_jsonl"
    con.execute(f'CREATE TABLE ev AS SELECT * RENAME ("at" AS ts) FROM {src}')
    jobs["load"] = time.perf_counter() - start
    con.execute(DUCK_COUNTERS)
    rows_t = con.execute(duck_window_sql(args.as_of)).fetchall()
    jobs[job] = time.perf_counter() - start
    rss_one_shot = peak_rss_kib()
    jobs["warm_rescore"] = best_of(
        args.repeat, lambda: con.execute(duck_window_sql(args.as_of)).fetchall())[0]
    jobs["warm_next_day"], rows_t1 = best_of(
        args.repeat, lambda: con.execute(duck_window_sql(args.as_of + DAY)).fetchall()
    )
    if args.out_dir:
        tag = "duckdb_parquet" if args.parquet else "duckdb"
        write_csv(rows_t, os.path.join(args.out_dir, f"{tag}_T.csv"))
        write_csv(rows_t1, os.path.join(args.out_dir, f"{tag}_T1.csv"))
    return {
        "tool": "duckdb", "version": duckdb.__version__, "threads": int(threads),
        "jobs": jobs, "peak_rss_kib_one_shot": rss_one_shot, "peak_rss_kib": peak_rss_kib(),
        "shops": len(rows_t), "source": "parquet" if args.parquet else "jsonl",
    }


# --------------------------------------------------------------------------- Polars


def polars_schema():
    import polars as pl

    m = {"VARCHAR": pl.String, "BIGINT": pl.Int64, "BOOLEAN": pl.Boolean}
    nested = {
        LINES: pl.List(pl.Struct({"quantity": pl.Int64, "unit_price": pl.Int64,
                                  "line_discount": pl.Int64})),
        DISCOUNTS: pl.List(pl.Struct({"amount": pl.Int64})),
    }
    return {
        k: nested[v] if v in nested
        else (pl.Struct({"fake": pl.Boolean}) if v.startswith("STRUCT") else m[v])
        for k, v in FIELDS.items()
    }


def polars_counters(ev):
    """Per-shop, per-local-day counters from the raw events (a DataFrame)."""
    import polars as pl

    c = pl.col
    day = lambda e: (e + TZ) // DAY  # noqa: E731
    kind = lambda k: ev.lazy().filter(c("type") == k)  # noqa: E731

    o = kind("order_paid").select(
        "order_id", "shop_id", c("id").alias("paid_id"), "paid_at", "ship_by",
        c("risk").struct.field("fake").fill_null(False).alias("risk_fake"),
        day(c("paid_at")).alias("pay_day"),
        (c("lines").list.eval(
            pl.element().struct.field("quantity") * pl.element().struct.field("unit_price")
            - pl.element().struct.field("line_discount").fill_null(0)).list.sum().fill_null(0)
         - c("discounts").list.eval(pl.element().struct.field("amount")).list.sum().fill_null(0)
         ).alias("o_amount"),
    )
    v = kind("risk_verdict").sort("at", "id").group_by("order_id").agg(
        c("at").last().alias("v_at"), c("id").last().alias("v_id"), c("fake").last().alias("v_fake")
    )
    s = kind("shipped").sort("at", "id").group_by("order_id").agg(
        c("at").first().alias("s_at"), c("pickup_at").first()
    )
    d = kind("delivered").group_by("order_id").agg(c("at").min().alias("d_at"))
    a = kind("tracking_anomaly").select("order_id").unique().with_columns(anomaly=pl.lit(True))
    r = kind("review").sort("at", "id").group_by("order_id").agg(
        c("at").last().alias("r_at"), c("id").last().alias("r_id"), c("reviewer").last(),
        c("product_stars").last(), c("logistics_stars").last(),
        c("suspicious").last().fill_null(False),
    )
    rq = kind("refund_requested").sort("at", "id").group_by("order_id", "refund_id").agg(
        c("at").first().alias("q_at"), c("kind").first(), c("reason").first()
    )
    rc = kind("refund_completed").group_by("order_id", "refund_id").agg(c("at").min().alias("c_at"))
    cases = rq.join(rc, on=["order_id", "refund_id"], how="left")
    shipped = s.select("order_id", "s_at")
    rf = cases.join(shipped, on="order_id", how="left").group_by("order_id").agg(
        c("reason").is_in(list(QUALITY)).any().alias("quality"),
        # problem.rs classify_refs: a refund-only completed before the order shipped (no
        # shipment, or the earliest one after the completion) is the buyer cancelling
        ((c("kind") == "refund_only") & (c("s_at") <= c("c_at")).fill_null(False))
        .any().alias("refund_only"),
        ((c("c_at") - c("q_at")) > SLOW_REFUND_H * 3600).fill_null(False).any().alias("slow_refund"),
        # problem.rs open_cases: the earliest request of a case not completed
        c("q_at").filter(c("c_at").is_null()).min().alias("open_q"),
    )
    flag = lambda k, name: kind(k).select("order_id").unique().with_columns(pl.lit(True).alias(name))  # noqa: E731
    iv = flag("platform_intervention", "helped")
    cp = flag("complaint", "complained")
    dp = kind("dispute_ruled").sort("at", "id").group_by("order_id").agg(c("for_party").last())

    t_bool = lambda e: e.fill_null(False)  # noqa: E731
    po = o
    for t in (v, s, d, a, r, rf, iv, dp, cp):
        po = po.join(t, on="order_id", how="left")
    # still due for pickup (problem.rs pickup_due): not cancelled by the seller, nor refunded
    # in full, before the pickup and no later than the 48 h deadline
    deadline = c("paid_at") + PICKUP_H * 3600
    po = po.with_columns(
        cutoff=pl.when(c("pickup_at").is_null()).then(deadline)
        .otherwise(pl.min_horizontal(deadline, c("pickup_at") - 1)),
        # problem.rs open_cases: not shipped, a late shipment after its ship-by; shipped and
        # never received, slow delivery after payment + the delivery norm (unless withdrawn
        # by then); a refund open, a slow refund after its request + 72 h
        open_cut=pl.when(c("s_at").is_null()).then(c("ship_by"))
        .when(c("d_at").is_null()).then(c("paid_at") + DELIVERY_NORM_H * 3600),
        refund_at=c("open_q") + SLOW_REFUND_H * 3600,
    )
    sc = kind("seller_cancelled").group_by("order_id").agg(c("at").min().alias("x_at"))
    rd = kind("refund_completed").sort("at", "id").group_by("order_id", "refund_id").agg(
        c("at").first().alias("c_at"), c("amount").first().alias("c_amount"))

    def refunded_by(cut: str, name: str):
        # completed refunds (at least one) up to `cut` add up to the paid amount
        return (
            rd.join(po.select("order_id", cut, "o_amount"), on="order_id")
            .filter(c("c_at") <= c(cut)).group_by("order_id")
            .agg((c("c_amount").sum() >= c("o_amount").first()).alias(name))
        )

    po = (po.join(sc, on="order_id", how="left")
          .join(refunded_by("cutoff", "full"), on="order_id", how="left")
          .join(refunded_by("open_cut", "full_open"), on="order_id", how="left"))
    # problem.rs withdrawn_by: cancelled by the seller, or refunded in full, by the cutoff
    withdrawn = lambda cut, full: t_bool(c("x_at") <= c(cut)) | t_bool(c(full))  # noqa: E731
    po = po.with_columns(
        due=~withdrawn("cutoff", "full"),
        # the deadline of the open logistics case (late shipment or slow delivery), if any
        log_at=pl.when(~withdrawn("open_cut", "full_open")).then(c("open_cut")),
    )
    later = (c("v_at") > c("paid_at")) | ((c("v_at") == c("paid_at")) & (c("v_id") > c("paid_id")))
    honest = c("r_id").is_not_null() & ~c("suspicious").fill_null(False)
    po = po.with_columns(
        fake=pl.when(c("v_id").is_not_null() & later).then(c("v_fake")).otherwise(c("risk_fake")),
        honest_review=t_bool(honest),
    )
    # per buyer, shop and local month: the first CAP honest reviews by (ts, event id) count,
    # in the good-review rate and in the bad-review labels alike
    month = pl.from_epoch(c("r_at") + TZ, time_unit="s").dt.truncate("1mo")
    eligible = c("honest_review") & ~c("fake")
    po = po.with_columns(month=month, eligible=eligible).sort("r_at", "r_id").with_columns(
        counted=c("eligible")
        & (pl.int_range(pl.len()).over("shop_id", "reviewer", "month", "eligible") < CAP)
    )
    po = po.with_columns(
        l_prod=t_bool(c("counted") & (c("product_stars") <= BAD_MAX)) | t_bool(c("quality")),
        l_log=t_bool(c("counted") & (c("logistics_stars") <= BAD_MAX))
        | t_bool(c("s_at") > c("ship_by"))
        | (t_bool(c("pickup_at") > c("paid_at") + PICKUP_H * 3600) & c("due"))
        | t_bool(c("anomaly"))
        | t_bool(c("d_at") - c("paid_at") > DELIVERY_NORM_H * 3600),
        l_as=t_bool(c("helped")) | t_bool(c("for_party") == "buyer") | t_bool(c("refund_only"))
        | t_bool(c("slow_refund")) | t_bool(c("complained")),
    ).with_columns(helped=t_bool(c("helped")), any_label=c("l_prod") | c("l_log") | c("l_as"))
    valid = po.filter(~c("fake"))
    n = lambda e: e.cast(pl.Int64).sum()  # noqa: E731
    no_pickup = c("pickup_at").is_null()
    by_pay = valid.group_by("shop_id", c("pay_day").alias("day")).agg(
        c_valid=pl.len().cast(pl.Int64),
        c_pick=n(t_bool(c("pickup_at") <= c("paid_at") + PICKUP_H * 3600) & c("due")),
        c_pdue=n(c("due")),
        c_deliv=n(c("d_at").is_not_null()),
        c_delmin=((c("d_at") - c("paid_at")).clip(lower_bound=0) // 60).sum(),
        c_help=n(c("helped")), c_prob=n(c("any_label")), c_pprod=n(c("l_prod")),
        c_plog=n(c("l_log")), c_pas=n(c("l_as")),
    )
    fakes = po.filter(c("fake")).group_by("shop_id", c("pay_day").alias("day")).agg(
        c_fake=pl.len().cast(pl.Int64)
    )
    capped = valid.filter(c("counted"))
    revs = capped.group_by("shop_id", day(c("r_at")).alias("day")).agg(
        c_rev=pl.len().cast(pl.Int64), c_good=n(c("product_stars") >= GOOD_MIN)
    )
    refs = (
        cases.filter(c("c_at").is_not_null()).join(valid.select("order_id", "shop_id"), on="order_id")
        .group_by("shop_id", day(c("c_at")).alias("day"))
        .agg(c_ref=pl.len().cast(pl.Int64),
             c_refmin=((c("c_at") - c("q_at")).clip(lower_bound=0) // 60).sum())
    )
    chats = kind("chat").group_by("shop_id", day(c("started_at")).alias("day")).agg(
        c_chats=pl.len().cast(pl.Int64),
        c_fast=n(t_bool(c("first_response_secs") <= CHAT_SECS)),
        c_rated=n(c("satisfaction").is_not_null()),
        c_sat=n(t_bool(c("satisfaction") >= SAT_MIN)),
    )
    daily = (
        pl.concat([by_pay, fakes, revs, refs, chats], how="diagonal_relaxed")
        .group_by("shop_id", "day")
        .agg([c(k).fill_null(0).sum().cast(pl.Int64) for k in COUNTERS])
    )
    shops = (
        ev.lazy().filter(c("type").is_in(["order_paid", "shop_profile", "chat"]))
        .select("shop_id").unique()
    )
    # orders that time alone turns into problem orders (rates.rs Engine::overdue): those with
    # no pickup known, once overdue (`aw_*`: counters.rs AWAITING_* flags), and those with
    # open cases, once a deadline passes (`*_at`: problem.rs OpenDeadlines, the moment each
    # adds the order, a logistics label or an after-sales label it does not have already)
    aw = no_pickup & c("due") & ~c("l_log")  # no label implies no logistics label
    timed = valid.select(
        "shop_id", c("pay_day").alias("day"), "paid_at",
        aw_no_label=aw & ~c("any_label"), aw_no_log=aw,
        p_at=pl.when(~c("any_label")).then(pl.min_horizontal("log_at", "refund_at")),
        l_at=pl.when(~c("l_log")).then(c("log_at")),
        a_at=pl.when(~c("l_as")).then(c("refund_at")),
    ).filter(c("aw_no_log") | c("l_at").is_not_null() | c("a_at").is_not_null())
    return pl.collect_all([daily, shops, timed])


def polars_windows(daily, shops, timed, as_of: int):
    import polars as pl

    c = pl.col
    t = local_day(as_of)
    w = windows(t)
    cut = overdue_cutoff(as_of)
    n = lambda e: e.fill_null(False).cast(pl.Int64).sum()  # noqa: E731
    # rates.rs Engine::overdue: an order counts once, by its overdue pickup (paid before the
    # cutoff) or by an open case whose deadline lies strictly before as_of, whichever holds
    overdue = (
        timed.lazy()
        .filter(c("day").is_between(*w["problem"]))
        .group_by("shop_id")
        .agg(od_no_label=n((c("aw_no_label") & (c("paid_at") < cut)) | (c("p_at") < as_of)),
             od_no_log=n((c("aw_no_log") & (c("paid_at") < cut)) | (c("l_at") < as_of)),
             od_no_as=n(c("a_at") < as_of))
    )
    s = lambda col, key: c(col).filter(c("day").is_between(*w[key])).sum()  # noqa: E731
    aggs = [
        s("c_valid", "growth"), s("c_fake", "growth").alias("fake_orders"),
        s("c_prob", "problem").alias("p"),
        s("c_valid", "problem").alias("pv"), s("c_pprod", "problem"),
        s("c_plog", "problem").alias("pl"),
        s("c_pas", "problem"),
    ]
    for name, num, den, _ in INDICATORS:
        aggs += [s(num, name).alias(f"{name}_num"), s(den, name).alias(f"{name}_den"),
                 pl.lit(w[name][0]).alias(f"{name}_from"), pl.lit(w[name][1]).alias(f"{name}_to")]
    per_shop = daily.lazy().group_by("shop_id").agg(aggs)
    out = (
        shops.lazy().join(per_shop, on="shop_id", how="left")
        .join(overdue, on="shop_id", how="left").fill_null(0)
        .with_columns(p=c("p") + c("od_no_label"), pl=c("pl") + c("od_no_log"),
                      c_pas=c("c_pas") + c("od_no_as"))
        .drop("od_no_label", "od_no_log", "od_no_as")
        .collect()
    )
    return out.rows()


def run_polars(args) -> dict:
    import polars as pl

    jobs = {}
    start = time.perf_counter()
    if args.parquet:
        ev = pl.read_parquet(args.parquet)
        job = "one_shot_parquet"
    else:
        ev = pl.read_ndjson(args.jsonl, schema=polars_schema())
        job = "one_shot_jsonl"
    jobs["load"] = time.perf_counter() - start
    daily, shops, timed = polars_counters(ev)
    rows_t = polars_windows(daily, shops, timed, args.as_of)
    jobs[job] = time.perf_counter() - start
    rss_one_shot = peak_rss_kib()
    jobs["warm_rescore"] = best_of(
        args.repeat, lambda: polars_windows(daily, shops, timed, args.as_of))[0]
    jobs["warm_next_day"], rows_t1 = best_of(
        args.repeat, lambda: polars_windows(daily, shops, timed, args.as_of + DAY))
    if args.out_dir:
        tag = "polars_parquet" if args.parquet else "polars"
        write_csv(rows_t, os.path.join(args.out_dir, f"{tag}_T.csv"))
        write_csv(rows_t1, os.path.join(args.out_dir, f"{tag}_T1.csv"))
    return {
        "tool": "polars", "version": pl.__version__, "threads": pl.thread_pool_size(),
        "jobs": jobs, "peak_rss_kib_one_shot": rss_one_shot, "peak_rss_kib": peak_rss_kib(),
        "shops": len(rows_t), "source": "parquet" if args.parquet else "jsonl",
    }


# --------------------------------------------------------------------------- price protection

DEFAULT_COUNTED = ["none", "public", "platform_campaign"]


def pp_schema():
    import polars as pl

    return {
        "type": pl.String, "id": pl.String, "order_id": pl.String, "shop_id": pl.String,
        "lines": pl.List(pl.Struct({"sku": pl.String, "quantity": pl.Int64,
                                    "unit_price": pl.Int64, "line_discount": pl.Int64})),
        "discounts": pl.List(pl.Struct({"amount": pl.Int64})),
        "ordered_at": pl.Int64, "paid_at": pl.Int64, "at": pl.Int64,
        "price_protection": pl.Struct({
            "window_days": pl.Int64, "anchor": pl.String,
            "counted_promotions": pl.List(pl.String), "deduct_protected_units": pl.Boolean}),
        "refund_id": pl.String, "sku": pl.String, "units_returned": pl.Int64,
        "amount": pl.Int64, "price": pl.Int64, "promotion": pl.String,
        "risk": pl.Struct({"fake": pl.Boolean}), "fake": pl.Boolean,
    }


def polars_pp(ev):
    """Total price-protection payout per order line over every drop (automatic mode).

    Restates truexp::price_protection (book.rs, assess.rs, apportion.rs) for a
    book fed every event and then run over all queued drops: order discounts
    shared over lines by largest remainder; the shop's latest policy (by
    (at, event id)); window [anchor, anchor + days] with the anchor at order,
    payment or first receipt; returns (units_returned of a completed refund,
    on the line of its request's SKU, else line 0, at the completion's time);
    refunded money (the earliest completion of each refund case by (at, event
    id), at its time, on the order's first line of the SKU its earliest
    request named, else shared over the order's lines by paid amount,
    largest remainder, ties to the lower line; a line's total kept at most
    its paid amount); drops of the line's SKU in (at, event id) order; orders
    the risk system holds fake at run time (the latest verdict by (at, event
    id) at or after payment, else the payment's own flag) get nothing.

    A payout is fixed when made (timeline.rs): a drop sees the refunds and
    returns completed no later than itself. Lines with neither are a closed
    form: without `deduct_protected_units` each drop pays the increment up
    to diff x units, so a line's total is the maximum of that over its
    drops; with it, the first paying drop (owed > 0: a drop worth less than
    a minor unit pays and protects nothing) protects every unit and later
    drops pay nothing. Lines with a refund or a return are walked drop by
    drop in Python, their facts applied in time order (returns by units,
    then refunds, at equal times; a return withholds the protection paid on
    its units, assess.rs `withhold_return`, and after each refund or return
    the protection over what the buyer paid is taken back, assess.rs
    `deduct_over_paid`), each drop capped at paid - max(refunded, returned
    units' share) - already paid.
    """
    import polars as pl

    c = pl.col
    kind = lambda k: ev.lazy().filter(c("type") == k)  # noqa: E731
    v = kind("risk_verdict").sort("at", "id").group_by("order_id").agg(
        c("at").last().alias("v_at"), c("id").last().alias("v_id"), c("fake").last().alias("v_fake"))
    later = c("v_at") >= c("paid_at")  # the book's rule (book.rs `verdict`)
    fake = (
        kind("order_paid").join(v, on="order_id", how="left")
        .filter(pl.when(c("v_id").is_not_null() & later).then(c("v_fake"))
                .otherwise(c("risk").struct.field("fake").fill_null(False)).fill_null(False))
        .select("order_id")
    )
    orders = kind("order_paid").join(fake, on="order_id", how="anti").select(
        "order_id", "shop_id", "lines", c("ordered_at").fill_null(c("paid_at")).alias("ordered_at"),
        "paid_at",
        c("discounts").list.eval(pl.element().struct.field("amount")).list.sum().fill_null(0)
        .alias("disc"),
    )
    lines = (
        orders.explode("lines")
        .with_columns(idx=pl.int_range(pl.len()).over("order_id"))
        .unnest("lines")
        .with_columns(amount=c("unit_price") * c("quantity") - c("line_discount").fill_null(0))
        .with_columns(weight=c("amount").sum().over("order_id"))
        .with_columns(
            base=(c("disc") * c("amount")) // c("weight"),
            rem=(c("disc") * c("amount")) % c("weight"),
        )
        .with_columns(left=c("disc") - c("base").sum().over("order_id"))
        .sort("order_id", c("rem"), "idx", descending=[False, True, False])
        .with_columns(rank=pl.int_range(pl.len()).over("order_id"))
        .with_columns(paid=c("amount") - c("base") - (c("rank") < c("left")).cast(pl.Int64))
        .select("order_id", "idx", "shop_id", "sku", "quantity", "ordered_at", "paid_at", "paid")
    )
    recv = kind("delivered").group_by("order_id").agg(c("at").min().alias("recv_at"))
    req_sku = kind("refund_requested").select("refund_id", c("sku").alias("req_sku"))
    first_line = lines.group_by("order_id", "sku").agg(c("idx").min().alias("ret_idx"))
    # dated returns: units returned at the refund's completion time
    returns = (
        kind("refund_completed").filter(c("units_returned") > 0)
        .select("order_id", "refund_id", "units_returned", c("at").alias("f_at"))
        .join(req_sku, on="refund_id", how="left")
        .join(first_line, left_on=["order_id", "req_sku"], right_on=["order_id", "sku"], how="left")
        .select("order_id", c("ret_idx").fill_null(0).alias("idx"), "f_at",
                pl.lit(0, pl.Int64).alias("f_rank"), c("units_returned").alias("f_val"))
    )
    # refunded money per line (book.rs `set_refunds_at`): each refund case's
    # earliest completion, placed by the SKU of its earliest request
    case_key = ["order_id", "refund_id"]
    done = kind("refund_completed").sort("at", "id").group_by(case_key).agg(
        c("amount").first().alias("r_amount"), c("at").first().alias("f_at"))
    asked = kind("refund_requested").sort("at", "id").group_by(case_key).agg(
        c("sku").first().alias("r_sku"))
    money = (
        done.join(asked, on=case_key, how="left")
        .join(first_line, left_on=["order_id", "r_sku"], right_on=["order_id", "sku"], how="left")
    )
    on_line = (
        money.filter(c("ret_idx").is_not_null())
        .select("order_id", c("ret_idx").alias("idx"), "f_at", c("r_amount").alias("share"))
    )
    weights = lines.select("order_id", "idx", "paid").with_columns(
        weight=c("paid").sum().over("order_id"))
    shared = (
        money.filter(c("ret_idx").is_null()).select(*case_key, "r_amount", "f_at")
        .join(weights, on="order_id")
        .filter(c("weight") > 0)  # lines that cost nothing take none of it
        .with_columns(
            base=(c("r_amount") * c("paid")) // c("weight"),
            rem=(c("r_amount") * c("paid")) % c("weight"),
        )
        .with_columns(left=c("r_amount") - c("base").sum().over(case_key))
        .sort("order_id", "refund_id", c("rem"), "idx", descending=[False, False, True, False])
        .with_columns(rank=pl.int_range(pl.len()).over(case_key))
        .select("order_id", "idx", "f_at",
                share=c("base") + (c("rank") < c("left")).cast(pl.Int64))
    )
    # dated refunds: each case's share of the line at its completion time
    refunds = pl.concat([on_line, shared]).filter(c("share") > 0).select(
        "order_id", "idx", "f_at", pl.lit(1, pl.Int64).alias("f_rank"), c("share").alias("f_val"))
    facts = pl.concat([refunds, returns.with_columns(c("f_val").cast(pl.Int64))])
    policy = (
        kind("shop_profile").sort("at", "id").group_by("shop_id").agg(c("price_protection").last())
        .filter(c("price_protection").is_not_null())
        .unnest("price_protection")
        .select(
            "shop_id", (c("window_days") * DAY).alias("window"), "anchor",
            c("counted_promotions").fill_null(pl.lit(DEFAULT_COUNTED)).alias("counted"),
            c("deduct_protected_units").fill_null(False).alias("deduct"),
        )
    )
    held = (
        lines.join(policy, on="shop_id")
        .join(recv, on="order_id", how="left")
        .with_columns(
            unit=c("paid") // c("quantity"),
            start=pl.when(c("anchor") == "payment").then(c("paid_at"))
            .when(c("anchor") == "receipt").then(c("recv_at"))
            .otherwise(c("ordered_at")),
        )
        .filter(c("start").is_not_null())
    )
    drops = kind("price_change").select(
        "sku", c("at").alias("t"), c("id").alias("drop_id"), "price",
        c("promotion").fill_null("none"),
    )
    candidates = lambda h: (  # noqa: E731
        h.join(drops, on="sku")
        .filter(
            (c("t") >= c("start")) & (c("t") <= c("start") + c("window"))
            # exact comparison: the paid unit price is never floored first
            & c("counted").list.contains(c("promotion"))
            & (c("price") * c("quantity") < c("paid"))
        )
    )
    # Lines with no refund or return: nothing to date, a closed form.
    dated_keys = facts.select("order_id", "idx").unique()
    plain = held.join(dated_keys, on=["order_id", "idx"], how="anti")
    hits = (
        candidates(plain)
        .with_columns(owed=((c("paid") - c("price") * c("quantity")) * c("quantity")) // c("quantity"))
        # a drop whose owed amount floors to nothing protects no unit: with
        # `deduct_protected_units` the first drop that *pays* is the one that counts
        .filter(c("owed") > 0)
        .sort("t", "drop_id")
    )
    per_line = hits.group_by("order_id", "idx").agg(
        c("shop_id").first(),
        pl.when(c("deduct").first()).then(c("owed").first()).otherwise(c("owed").max())
        .clip(lower_bound=0).alias("payout"),
        # a drop pays when it raises the running maximum (the first drop only, with deduct)
        pl.when(c("deduct").first()).then(pl.lit(1, pl.Int64))
        .otherwise((c("owed") > c("owed").cum_max().shift(1).fill_null(0).clip(lower_bound=0))
                   .cast(pl.Int64).sum())
        .alias("paid_drops"),
    ).filter(c("payout") > 0)
    # Lines with a refund or a return: walked in time order (timeline.rs), each
    # drop judged on the line as it stood then.
    dated = held.join(dated_keys, on=["order_id", "idx"], how="semi")
    dated_hits = (
        candidates(dated)
        .select("order_id", "idx", "shop_id", "quantity", "paid", "deduct", "t", "drop_id", "price")
        .sort("order_id", "idx", "t", "drop_id")
        .collect()
    )
    line_facts = {}
    for o, i, at, rank, val in (
        facts.join(dated_hits.lazy().select("order_id", "idx").unique(), on=["order_id", "idx"],
                   how="semi")
        .sort("order_id", "idx", "f_at", "f_rank", "f_val").collect().iter_rows()
    ):
        line_facts.setdefault((o, i), []).append((at, rank, val))
    rows = []

    class Line:
        """A dated line's running history (assess.rs `LineHistory`)."""

        def __init__(self, key, shop, q, paid):
            self.key, self.shop, self.q, self.paid = key, shop, q, paid
            self.facts, self.k = line_facts.get(key, []), 0
            self.ret = self.prot = self.already = self.refunded = 0
            self.total = self.paying = self.deducted = 0

        def walk_to(self, t):
            """Applies the refunds and returns up to `t` (all: t None)."""
            q, paid = self.q, self.paid
            while self.k < len(self.facts) and (t is None or self.facts[self.k][0] <= t):
                _, rank, val = self.facts[self.k]
                self.k += 1
                if rank == 1:
                    self.refunded = min(self.refunded + val, paid)
                else:  # assess.rs `withhold_return`
                    held_now = max(q - self.ret, 0)
                    u = min(max(val, 0), held_now)
                    ph = min(self.prot, held_now)
                    back = min(u, ph)
                    w = 0 if back == 0 else self.already if back == ph else self.already * back // ph
                    self.already -= w
                    self.deducted += w
                    self.prot = ph - back
                    self.ret += u
                # assess.rs `deduct_over_paid`: a later refund takes back the
                # protection that would leave the buyer over what they paid
                over = max(self.refunded, paid * self.ret // q) + self.already - paid
                taken = min(max(over, 0), self.already)
                self.already -= taken
                self.deducted += taken

        def close(self):
            self.walk_to(None)  # what the refunds after the last drop take back
            if self.total > 0:
                rows.append((self.key[0], self.key[1], self.shop, self.total, self.paying,
                             self.deducted))

    line = None
    for o, i, shop, q, paid, deduct, t, _drop, price in dated_hits.iter_rows():
        if line is None or line.key != (o, i):
            if line is not None:
                line.close()
            line = Line((o, i), shop, q, paid)
        line.walk_to(t)
        held_now = q - line.ret
        if held_now <= 0 or (line.refunded > 0 and line.refunded >= paid):
            continue
        protected = max(held_now - line.prot, 0) if deduct else held_now
        ent = (paid - price * q) * protected // q
        owed = ent if deduct else ent - line.already
        remaining = max(paid - max(line.refunded, paid * line.ret // q) - line.already, 0)
        pay = min(owed, remaining)
        if pay <= 0:
            continue
        line.already += pay
        line.prot = line.prot + protected if deduct else max(line.prot, protected)
        line.total += pay
        line.paying += 1
    if line is not None:
        line.close()
    per_line = per_line.with_columns(deducted=pl.lit(0, pl.Int64)).collect()
    walked = pl.DataFrame(rows, schema={"order_id": pl.String, "idx": per_line.schema["idx"],
                                        "shop_id": pl.String, "payout": pl.Int64,
                                        "paid_drops": pl.Int64, "deducted": pl.Int64},
                          orient="row")
    return pl.concat([per_line, walked.cast(per_line.schema)])


def run_pp_polars(args) -> dict:
    import polars as pl

    jobs = {}
    start = time.perf_counter()
    ev = pl.read_ndjson(args.jsonl, schema=pp_schema())
    jobs["pp_load"] = time.perf_counter() - start
    t = time.perf_counter()
    lines = polars_pp(ev)
    jobs["pp_run"] = time.perf_counter() - t
    jobs["pp_total"] = time.perf_counter() - start
    rss = peak_rss_kib()
    if args.out_dir:
        rows = sorted(lines.select("order_id", "idx", "payout", "paid_drops", "deducted").rows())
        with open(os.path.join(args.out_dir, "polars_pp.csv"), "w") as f:
            f.write("order_id,line,payout,paid_drops,deducted\n")
            for r in rows:
                f.write(",".join(str(v) for v in r) + "\n")
    return {
        "tool": "polars", "version": pl.__version__, "threads": pl.thread_pool_size(),
        "jobs": jobs, "peak_rss_kib_one_shot": rss, "peak_rss_kib": rss,
        "lines_paid": lines.height, "total_payout": int(lines["payout"].sum() or 0),
        "total_deducted": int(lines["deducted"].sum() or 0),
        "source": "jsonl",
    }


# --------------------------------------------------------------------------- conversion


def run_convert(args) -> dict:
    """JSONL -> Parquet through pyarrow (reported separately, not part of any peer job)."""
    import pyarrow as pa
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    m = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "BOOLEAN": pa.bool_()}
    nested = {
        LINES: pa.list_(pa.struct([("quantity", pa.int64()), ("unit_price", pa.int64()),
                                   ("line_discount", pa.int64())])),
        DISCOUNTS: pa.list_(pa.struct([("amount", pa.int64())])),
    }
    schema = pa.schema([
        (k, nested[v] if v in nested
         else (pa.struct([("fake", pa.bool_())]) if v.startswith("STRUCT") else m[v]))
        for k, v in FIELDS.items()
    ])
    start = time.perf_counter()
    table = pj.read_json(
        args.jsonl,
        read_options=pj.ReadOptions(block_size=1 << 24),
        parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )
    pq.write_table(table, args.parquet, compression="zstd")
    return {
        "tool": "pyarrow", "version": pa.__version__, "threads": pa.cpu_count(),
        "jobs": {"convert_parquet": time.perf_counter() - start},
        "peak_rss_kib": peak_rss_kib(), "rows": table.num_rows,
        "parquet_bytes": os.path.getsize(args.parquet),
    }


def best_of(n: int, f):
    best, last = float("inf"), None
    for _ in range(max(1, n)):
        t = time.perf_counter()
        last = f()
        best = min(best, time.perf_counter() - t)
    return best, last


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("tool", choices=["duckdb", "polars", "convert", "pp-polars"])
    p.add_argument("--jsonl")
    p.add_argument("--parquet")
    p.add_argument("--as-of", type=int)
    p.add_argument("--out-dir")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    if args.tool == "convert":
        out = run_convert(args)
    elif args.tool == "pp-polars":
        out = run_pp_polars(args)
    else:
        if args.tool == "duckdb" and args.parquet is None and args.jsonl is None:
            p.error("--jsonl or --parquet is required")
        if args.as_of is None:
            p.error("--as-of is required")
        if args.jsonl and args.parquet and args.tool != "convert":
            args.jsonl = None if args.parquet else args.jsonl
        out = run_duckdb(args) if args.tool == "duckdb" else run_polars(args)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
