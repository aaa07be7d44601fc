"""truexp on Apache Spark: the scoreboard of every shop from partitioned event Parquet.

Each shop's score depends only on its own events plus per-category statistics
built in three mergeable rounds (``core/src/peers.rs``). So the job

1. reads the events (Parquet, the schema of ``docs/arrow.md``), gives every
   event its shop (follow-ups carry only ``order_id``: joined to the shop of
   their ``order_paid``; ``price_change`` and orphan follow-ups have none and
   move no score) and repartitions by shop into ``--partitions`` partitions,
   where one ``truexp.Engine`` per partition is built from its Arrow batches
   (``mapInArrow``; kept as snapshot rows, see below);
2. per round (``totals``, ``blocks``, ``percentiles``) returns each
   partition's statistics for ``as_of`` and ``as_of - 1 day`` as
   JSON text, and the driver merges them (``truexp.merge_peer_stats``) and
   broadcasts the result to the next round;
3. scores each partition's shops from the merged statistics
   (``Engine.scores_with_peers``) and computes the global rank in Spark
   (overall descending, then shop id), writing the scoreboard (with each
   shop's problem-order count and rate) as Parquet to ``OUT/scoreboard``;
4. runs price protection's automatic mode in each partition
   (``Engine.price_protection``) and writes every (drop, eligible line) row
   to ``OUT/price_protection``. A SKU is sold by its shop, so a shop's
   partition holds every line of its SKUs; a ``price_change`` (which names
   only its SKU) is routed to every shop whose orders have a line of that
   SKU, so each line meets every drop of its SKU in exactly one partition,
   as in one process.

Each partition's engine is built once: its state leaves the building task as
snapshot bytes (``Engine.snapshot_bytes``, rows of at most 64 MiB carrying the
partition number and their place, checked when put together again), the rows
are persisted, and every later step restores the engine from them
(``Engine.from_snapshot_bytes``) instead of ingesting the events again.
``mapInArrow`` keeps partitions as they are, so a partition's rows reach one
task; if an executor is lost, Spark rebuilds its partitions' snapshots from
lineage (the events are read and routed again).

Run: ``spark-submit score_job.py EVENTS --out DIR [--partitions N] [--as-of T]``
or ``python score_job.py ... --master spark://host:7077``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Iterator

import pyarrow as pa

DAY = 86_400
STAGES = ["totals", "blocks", "percentiles"]
# a snapshot row's largest chunk: well inside Arrow's 2 GiB binary offsets
CHUNK_BYTES = 64 << 20
# The driver JVM only plans and schedules, yet HotSpot's second JIT tier (C2)
# compiles its code as for a long-running server: ~15 CPU-seconds in a 1M-order
# run of bench.sh, taken from the executors when they have every CPU. The first
# tier (C1) suffices there. Executors keep C2: their row work (reading,
# routing, the Arrow hand-over) took 336 CPU-seconds with C1 against 193 with
# C2 at full size, far more than C2's ~40 s of compiling per executor.
DRIVER_JVM_OPTIONS = "-XX:TieredStopAtLevel=1"


def _nested_from_json(batch: pa.RecordBatch, nested: dict) -> pa.RecordBatch:
    """`batch` with each column of `nested` (name -> Arrow type), which
    Spark sent as JSON text, parsed back into that type by pyarrow's JSON
    reader (one `{"v": ...}` line per row, built with compute kernels)."""
    import pyarrow.compute as pc
    import pyarrow.json as pajson

    for name, typ in nested.items():
        i = batch.schema.get_field_index(name)
        col = batch.column(i)
        lit = lambda v, t=col.type: pa.scalar(v, t)  # noqa: E731 (string or large_string)
        text = pc.if_else(pc.is_null(col), lit("null"), col)
        lines = pc.binary_join_element_wise(lit('{"v":'), text, lit("}\n"), lit(""))
        width = pa.int64() if pa.types.is_large_string(lines.type) else pa.int32()
        offsets = pa.Array.from_buffers(
            width, len(lines) + 1, [None, lines.buffers()[1]], offset=lines.offset)
        start, end = offsets[0].as_py(), offsets[len(lines)].as_py()
        data = lines.buffers()[2].slice(start, end - start)
        parsed = pajson.read_json(
            pa.BufferReader(data),
            read_options=pajson.ReadOptions(use_threads=False, block_size=max(1 << 20, end - start + 1)),
            parse_options=pajson.ParseOptions(explicit_schema=pa.schema([pa.field("v", typ)])),
        ).column("v").combine_chunks()
        if len(parsed) != batch.num_rows:
            raise ValueError(f"{name}: {len(parsed)} values parsed back for {batch.num_rows} rows")
        batch = batch.set_column(i, pa.field(name, typ), parsed)
    return batch


def _engine(batches: Iterator[pa.RecordBatch], columns: list[str], nested: dict | None = None):
    """One engine from a partition's batches (helper columns dropped; the
    `nested` columns parsed back from JSON text), or None when empty."""
    import truexp

    batches = [b.select(columns) for b in batches if b.num_rows]
    if nested:
        batches = [_nested_from_json(b, nested) for b in batches]
    if not batches:
        return None
    engine = truexp.Engine()
    report = engine.ingest_arrow(pa.Table.from_batches(batches))
    if report.rejected:
        raise ValueError(f"truexp refused {len(report.rejected)} events, first: {report.rejected[0]}")
    return engine


def _snapshot_rows(engine, part: int) -> Iterator[pa.RecordBatch]:
    """A partition's engine as snapshot rows: (part, seq, count, latest, chunk)."""
    data = engine.snapshot_bytes(b"partition %d" % part)
    count = max(1, -(-len(data) // CHUNK_BYTES))
    latest = engine.latest_event_time
    for seq in range(count):
        yield pa.record_batch({
            "part": pa.array([part], pa.int64()),
            "seq": pa.array([seq], pa.int64()),
            "count": pa.array([count], pa.int64()),
            "latest": pa.array([latest], pa.int64()),
            "chunk": pa.array([data[seq * CHUNK_BYTES:(seq + 1) * CHUNK_BYTES]], pa.binary()),
        })


def _restore(batches: Iterator[pa.RecordBatch]):
    """The engine of one partition's snapshot rows, or None for a partition
    without any; refuses rows of several partitions, missing or repeated
    chunks, and a snapshot whose token names another partition."""
    import truexp

    rows = sorted(
        (r for b in batches if b.num_rows for r in b.to_pylist()), key=lambda r: r["seq"])
    if not rows:
        return None
    part, count = rows[0]["part"], rows[0]["count"]
    if any(r["part"] != part or r["count"] != count for r in rows) \
            or [r["seq"] for r in rows] != list(range(count)):
        raise ValueError(
            f"snapshot rows of partition {part} do not fit together: "
            f"{[(r['part'], r['seq'], r['count']) for r in rows]}")
    engine, token = truexp.Engine.from_snapshot_bytes(b"".join(r["chunk"] for r in rows))
    if token != b"partition %d" % part:
        raise ValueError(f"snapshot rows of partition {part} hold {token!r}")
    return engine


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("events", help="events Parquet file or directory (docs/arrow.md schema)")
    ap.add_argument("--out", required=True,
                    help="output directory: OUT/scoreboard and OUT/price_protection (Parquet)")
    ap.add_argument("--partitions", default="0",
                    help="shop partitions (default: spark.default.parallelism); a comma list "
                         "such as 1,3,8 runs the whole job once per count in one application, "
                         "writing OUT/partitions=N (the test of partition independence)")
    ap.add_argument("--as-of", type=int, default=None,
                    help="UTC seconds (default: the latest applied event time)")
    ap.add_argument("--master", default=None, help="Spark master URL (spark-submit sets it)")
    ap.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                    help="Spark configuration (repeatable), as spark-submit --conf")
    ap.add_argument("--timings", default=None, help="write per-step wall times as JSON here")
    ap.add_argument("--driver-jvm-options", default=DRIVER_JVM_OPTIONS,
                    help="Java options of the driver JVM when this script launches it "
                         "(default: %(default)s, the JIT's first tier only; '' keeps "
                         "Spark's); --conf spark.driver.extraJavaOptions takes precedence")
    args = ap.parse_args(argv)
    counts = [int(n) for n in args.partitions.split(",")]

    from pyspark.sql import SparkSession

    # executors run the Python that runs this script unless told otherwise
    # (on a cluster: PYSPARK_PYTHON / spark.pyspark.python naming a Python with truexp)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("truexp-score")
    if args.master:
        builder = builder.master(args.master)
    given = dict(kv.partition("=")[::2] for kv in args.conf)
    if args.driver_jvm_options:
        given.setdefault("spark.driver.extraJavaOptions", args.driver_jvm_options)
    for key, value in given.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    all_timings = []
    for n in counts:
        out = args.out if len(counts) == 1 else os.path.join(args.out, f"partitions={n}")
        timings = run(spark, args.events, out, n, args.as_of)
        if timings is None:
            return 1
        print(json.dumps(timings), flush=True)
        all_timings.append(timings)
    if args.timings:
        with open(args.timings, "w") as f:
            json.dump(all_timings[0] if len(counts) == 1 else all_timings, f)
    spark.stop()
    return 0


def run(spark, events_path: str, out: str, partitions: int, as_of: int | None):
    """The whole job once: the scoreboard of `events_path` written to `out`; step timings."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import (ArrayType, BinaryType, LongType, MapType, StringType,
                                   StructField, StructType)

    import truexp

    sc = spark.sparkContext
    partitions = partitions or sc.defaultParallelism
    # the order->shop join shuffles too: as many partitions as the shops get
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    t0 = time.monotonic()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = round(time.monotonic() - t0, 3)
        print(f"truexp-score: {name} done at {timings[name]}s ({partitions} partitions)",
              file=sys.stderr, flush=True)

    events = spark.read.parquet(events_path)
    columns = events.columns
    # every event's shop: its own shop_id, else the shop of its order
    orders = (events.where(F.col("type") == "order_paid")
              .select(F.col("order_id").alias("_oid"), F.col("shop_id").alias("_oshop"))
              .dropDuplicates(["_oid"]))
    keyed = (events.where(F.col("type") != "price_change")
             .join(orders, events["order_id"] == orders["_oid"], "left")
             .withColumn("_shop", F.coalesce(F.col("shop_id"), F.col("_oshop")))
             .drop("_oid", "_oshop"))
    # a price drop goes to every shop selling its SKU (null: no line to pay)
    sku_shops = (events.where(F.col("type") == "order_paid")
                 .select(F.col("shop_id").alias("_sshop"), F.explode("lines").alias("_line"))
                 .select("_sshop", F.col("_line.sku").alias("_sku"))
                 .dropDuplicates())
    drops = events.where(F.col("type") == "price_change")
    drops = (drops.join(sku_shops, drops["sku"] == sku_shops["_sku"], "left")
             .withColumn("_shop", F.col("_sshop"))
             .drop("_sku", "_sshop"))
    keyed = keyed.unionByName(drops)
    # Spark's JVM turns nested columns (lists of structs, ...) into Arrow
    # about 7x slower than flat ones (30 s against 4 s for the 780k events
    # of bench.sh): they cross to Python as JSON text and pyarrow parses
    # them back (see _nested_from_json)
    from pyspark.sql.pandas.types import to_arrow_type

    nested = {f.name: to_arrow_type(f.dataType) for f in events.schema.fields
              if isinstance(f.dataType, (ArrayType, StructType, MapType))}
    parts = (keyed.repartition(partitions, "_shop")
             .select(*[F.to_json(c).alias(c) if c in nested else F.col(c) for c in columns]))
    lap("read_and_route")

    # each partition's engine, built once, kept as snapshot rows
    builds = sc.accumulator(0)

    def build(batches, builds=builds):
        from pyspark import TaskContext

        engine = _engine(batches, columns, nested)
        if engine is None:
            return
        builds.add(1)
        yield from _snapshot_rows(engine, TaskContext.get().partitionId())

    snap_schema = StructType([StructField("part", LongType()), StructField("seq", LongType()),
                              StructField("count", LongType()), StructField("latest", LongType()),
                              StructField("chunk", BinaryType())])
    snaps = parts.mapInArrow(build, snap_schema).persist()
    built = snaps.where(F.col("seq") == 0).select("latest").collect()
    if not built:
        print("no events", file=sys.stderr)
        return None
    lap("build_engines")
    if as_of is None:
        latest = [r.latest for r in built if r.latest is not None]
        if not latest:
            print("no events", file=sys.stderr)
            return None
        as_of = max(latest)
    days = [as_of, as_of - DAY]

    # three rounds; each partition's part for today and yesterday, merged on the driver
    round_schema = StructType([StructField("today", StringType()),
                               StructField("yesterday", StringType())])
    combined: list[str | None] = [None, None]
    for stage in STAGES:
        before = sc.broadcast(combined)

        def one_round(batches, stage=stage, before=before):
            engine = _restore(batches)
            if engine is None:
                return
            got = [engine.peer_stats(t, stage, c) for t, c in zip(days, before.value)]
            yield pa.record_batch({"today": pa.array([got[0]], pa.string()),
                                   "yesterday": pa.array([got[1]], pa.string())})

        rows = snaps.mapInArrow(one_round, round_schema).collect()
        combined = [
            truexp.merge_peer_stats(([c] if c else []) + [getattr(r, k) for r in rows])
            for c, k in zip(combined, ["today", "yesterday"])
        ]
        before.unpersist()
        lap(f"round_{stage}")

    final = sc.broadcast(combined)
    # the scoreboard's columns and types, from an empty engine
    board_schema = pa.table(truexp.Engine().scores_with_peers(as_of, combined[0], combined[1])).schema
    spark_schema = _spark_schema(board_schema)

    def score(batches, final=final):
        engine = _restore(batches)
        if engine is None:
            return
        table = pa.table(engine.scores_with_peers(as_of, final.value[0], final.value[1]))
        yield from table.cast(board_schema).to_batches()

    scored = snaps.mapInArrow(score, spark_schema).drop("rank").persist()
    # global rank, overall desc then shop_id, without one big sort partition:
    # shops above each overall value counted on the driver (few distinct values),
    # ties ordered by shop id within their overall value
    counts = sorted(((r["overall"], r["n"]) for r in
                     scored.groupBy("overall").agg(F.count("*").alias("n")).collect()),
                    reverse=True)
    offsets, above = [], 0
    for overall, n in counts:
        offsets.append((overall, above))
        above += n
    offset_df = spark.createDataFrame(offsets, "overall double, _above long")
    ranked = (scored.join(F.broadcast(offset_df), "overall")
              .withColumn("rank", F.col("_above") + F.row_number().over(
                  Window.partitionBy("overall").orderBy("shop_id")))
              .select(*board_schema.names))
    ranked.write.mode("overwrite").parquet(os.path.join(out, "scoreboard"))
    lap("score_and_write")
    scored.unpersist()

    # price protection, automatic mode: every drop a partition holds over its lines
    pp_schema = pa.table(truexp.Engine().price_protection()).schema

    def protect(batches):
        engine = _restore(batches)
        if engine is None:
            return
        yield from pa.table(engine.price_protection()).cast(pp_schema).to_batches()

    payouts = snaps.mapInArrow(protect, _spark_schema(pp_schema))
    payouts.write.mode("overwrite").parquet(os.path.join(out, "price_protection"))
    lap("price_protection")
    snaps.unpersist()

    final.unpersist()
    # engines built from events (one per non-empty partition, more when a
    # lost executor's partitions were rebuilt) and snapshots restored from
    timings.update(as_of=as_of, partitions=partitions, shops=above,
                   engine_builds=builds.value, snapshots=len(built))
    return timings



def _spark_schema(schema: pa.Schema):
    """The Spark struct type of a flat answer schema (scoreboard, payouts)."""
    from pyspark.sql.types import (BooleanType, DoubleType, LongType, StringType,
                                   StructField, StructType)

    kinds = {pa.int64(): LongType(), pa.float64(): DoubleType(), pa.bool_(): BooleanType(),
             pa.string(): StringType(), pa.large_string(): StringType(),
             pa.utf8(): StringType()}
    fields = []
    for f in schema:
        if f.type not in kinds:
            raise TypeError(f"answer column {f.name}: no Spark type for {f.type}")
        fields.append(StructField(f.name, kinds[f.type], f.nullable))
    return StructType(fields)


if __name__ == "__main__":
    sys.exit(main())
