"""truexp on Apache Spark: the scoreboard of every shop from partitioned event Parquet.

Each shop's score depends only on its own events plus per-category statistics
built in three mergeable rounds (``core/src/peers.rs``). So the job

1. reads the events (Parquet, the schema of ``docs/arrow.md``) in splits of
   whole row groups, with pyarrow inside Spark tasks (no event becomes a JVM
   row), and gives every event its partition: a shop's events the shop's
   (CRC-32 of its id modulo ``--partitions``), follow-ups (only
   ``order_id``) their order's, a ``price_change`` every partition selling
   its SKU, from routing tables a first pass over the splits builds and the
   driver broadcasts; orphans go to partition 0 and move no score. The
   pieces (Arrow IPC) are shuffled to their partition, where one
   ``truexp.Engine`` per partition is built from them (kept as snapshot
   rows, see below);
2. per round (``totals``, ``blocks``, ``percentiles``) returns each
   partition's statistics for ``as_of`` and ``as_of - 1 day`` as
   JSON text, and the driver merges them (``truexp.merge_peer_stats``) and
   broadcasts the result to the next round;
3. in one pass over the partitions, scores each partition's shops from the
   merged statistics (``Engine.scores_with_peers``) and runs price
   protection's automatic mode there (``Engine.price_protection``); computes
   the global rank in Spark (overall descending, then shop id), writing the
   scoreboard (with each shop's problem-order count and rate) as Parquet to
   ``OUT/scoreboard``, and every (drop, eligible line) row to
   ``OUT/price_protection``. A SKU is sold by its shop, so a shop's
   partition holds every line of its SKUs; a ``price_change`` (which names
   only its SKU) is routed to every shop whose orders have a line of that
   SKU, so each line meets every drop of its SKU in exactly one partition,
   as in one process.

Each partition's engine is built once: its state leaves the building task as
snapshot bytes (``Engine.snapshot_bytes``, rows of at most 64 MiB carrying the
partition number and their place, checked when put together again), the rows
are persisted, and every later step restores the engine from them
(``Engine.from_snapshot_bytes``) instead of ingesting the events again.
The rows are an RDD partitioned by partition number, so a partition's rows
reach one task; if an executor is lost, Spark rebuilds its partitions' snapshots from
lineage (the lost pieces are cut again from the same splits).

Run: ``spark-submit score_job.py EVENTS --out DIR [--partitions N] [--as-of T]``
or ``python score_job.py ... --master spark://host:7077``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from typing import Iterator

import pyarrow as pa

DAY = 86_400
STAGES = ["totals", "blocks", "percentiles"]
# a snapshot row's largest chunk: well inside Arrow's 2 GiB binary offsets
CHUNK_BYTES = 64 << 20
# the answers' rows (Arrow IPC of at most ANSWER_ROWS rows each) by kind
ANSWER_BOARD, ANSWER_PAYOUTS = "scoreboard", "price_protection"
ANSWER_ROWS = 1 << 16
# The JVMs only plan, schedule and move bytes, yet HotSpot's second JIT tier
# (C2) compiles their code as for a long-running server: ~15 CPU-seconds for
# the driver in a 1M-order run of bench.sh, and ~12-14 per executor at full
# size (each executor compiles the same code again, so two workers pay it
# twice), taken from the Python workers when they have every CPU. The first
# tier (C1) suffices since no event becomes a JVM row: at full size, 16
# partitions, C1 executors did ~30 CPU-seconds of task work against ~28 with
# C2, and saved ~12 of compiling each (1 worker 188.8 -> 179.0 s, 2 workers
# 125.1 -> 113.3 s). (When Spark read the events as rows, C2 paid: 193 task
# CPU-seconds against 336 with C1.)
DRIVER_JVM_OPTIONS = "-XX:TieredStopAtLevel=1"
EXECUTOR_JVM_OPTIONS = "-XX:TieredStopAtLevel=1"


def _filesystem(events_path: str):
    """The pyarrow filesystem and root path of `events_path` (a local path,
    or a URI such as s3://bucket/events that pyarrow.fs understands)."""
    import pyarrow.fs as pafs

    if "://" in events_path:
        return pafs.FileSystem.from_uri(events_path)
    return pafs.LocalFileSystem(), os.path.abspath(events_path)


class EventsError(ValueError):
    """The events cannot be read as the event schema (names the path and column)."""


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _routing_schema(schema: pa.Schema, events_path: str) -> pa.Schema:
    """`schema` checked for the columns routing reads: `type` (strings) is
    required; `order_id`, `shop_id` and `sku` (strings) and `lines` (a list
    of structs with a string `sku`) are added as all-null when absent, as
    truexp's reader reads a missing column; one of another type is refused
    here, on the driver, rather than in a task."""
    if "type" not in schema.names:
        raise EventsError(f"{events_path}: no `type` column (docs/arrow.md); columns: "
                          f"{', '.join(schema.names) or 'none'}")
    for name in ["type", "order_id", "shop_id", "sku"]:
        if name in schema.names and not _is_text(schema.field(name).type):
            raise EventsError(f"{events_path}: column `{name}` is {schema.field(name).type}, "
                              f"expected strings (docs/arrow.md)")
        if name not in schema.names:
            schema = schema.append(pa.field(name, pa.string()))
    if "lines" in schema.names:
        t = schema.field("lines").type
        item = t.value_type if pa.types.is_list(t) or pa.types.is_large_list(t) else None
        if item is None or not pa.types.is_struct(item) or item.get_field_index("sku") < 0 \
                or not _is_text(item.field("sku").type):
            raise EventsError(f"{events_path}: column `lines` is {t}, expected a list of "
                              f"structs with a string `sku` (docs/arrow.md)")
    else:
        schema = schema.append(pa.field("lines", pa.list_(pa.struct([("sku", pa.string())]))))
    return schema


def _splits(events_path: str, count: int):
    """The events' dataset schema and its row groups in about `count` splits
    of similar row counts, each a list of (file, row group ids, partition
    expression) in file order; Hive partition keys become columns, as in
    Spark's reader."""
    import pyarrow.dataset as ds

    fs, root = _filesystem(events_path)
    dataset = ds.dataset(root, filesystem=fs, format="parquet", partitioning="hive")
    schema = _routing_schema(dataset.schema, events_path)
    groups = [(f.path, rg.id, rg.num_rows, f.partition_expression)
              for f in dataset.get_fragments() for rg in f.row_groups]
    total = sum(g[2] for g in groups)
    per_split = max(1, -(-total // max(1, count)))
    splits, rows = [[]], 0
    for path, rg, n, expr in groups:
        if rows >= per_split:
            splits.append([])
            rows = 0
        split = splits[-1]
        if split and split[-1][0] == path:
            split[-1][1].append(rg)
        else:
            split.append((path, [rg], expr))
        rows += n
    return schema, [s for s in splits if s]


# what the routing pass reads of each event
ROUTING_COLUMNS = ["type", "order_id", "shop_id", "lines"]


def _read_split(events_path: str, schema: pa.Schema, split,
                columns: list[str] | None = None) -> Iterator[pa.Table]:
    """The events of one split, a table per file (in the dataset's schema;
    only `columns` if given)."""
    import pyarrow.dataset as ds

    fs, _ = _filesystem(events_path)
    fmt = ds.ParquetFileFormat()
    for path, row_groups, expr in split:
        fragment = fmt.make_fragment(path, fs, partition_expression=expr, row_groups=row_groups)
        yield fragment.to_table(schema=schema, columns=columns)


def shop_partition(shop_ids: pa.Array, partitions: int) -> pa.Array:
    """The partition of each shop id (int32; null for a null id): CRC-32 of
    its UTF-8 bytes modulo `partitions`, the same in every process."""
    import zlib

    import pyarrow.compute as pc

    shop_ids = pc.cast(shop_ids, pa.string())
    known = pc.drop_null(pc.unique(shop_ids))
    parts = pa.array([zlib.crc32(s.encode()) % partitions for s in known.to_pylist()],
                     pa.int32())
    return pc.take(parts, pc.index_in(shop_ids, value_set=known))


def _routes_of(table: pa.Table, partitions: int) -> tuple[pa.Table, pa.Table]:
    """What one table of events tells about routing: (order_id, part) of
    every order_paid, and the distinct (sku, part) of their lines (the
    partition of the shop selling the SKU)."""
    import pyarrow.compute as pc

    paid = table.filter(pc.equal(table["type"], "order_paid"))
    part = shop_partition(paid["shop_id"].combine_chunks(), partitions)
    orders = pa.table({"order_id": pc.cast(paid["order_id"].combine_chunks(), pa.string()),
                       "part": part})
    lines = paid["lines"].combine_chunks()
    skus = pa.table({"sku": pc.cast(pc.list_flatten(lines).field("sku"), pa.string()),
                     "part": pc.take(part, pc.list_parent_indices(lines))})
    return orders, skus.group_by(["sku", "part"], use_threads=False).aggregate([])


def _route(table: pa.Table, orders, skus: pa.Table, partitions: int) -> pa.Table:
    """`table` with a `_part` column: a shop's events go to the shop's
    partition, a follow-up (no shop_id) to its order's (`orders`, a
    truexp.OrderPartitions), a price_change once
    to every partition whose shops sell its SKU; an event with none of these
    (an orphan follow-up, a drop nobody's orders hold) to partition 0, where
    it moves no score, as in one process."""
    import pyarrow.compute as pc

    is_drop = pc.fill_null(pc.equal(table["type"], "price_change"), False)
    rest = table.filter(pc.invert(is_drop))
    own = shop_partition(rest["shop_id"].combine_chunks(), partitions)
    via = pa.table(orders.partitions_of(rest.select(["order_id"])))["part"]
    part = pc.fill_null(pc.coalesce(own, via), 0)
    routed = [rest.append_column("_part", part)]
    drops = table.filter(is_drop)
    if drops.num_rows:
        at = pa.table({"sku": pc.cast(drops["sku"], pa.string()),
                       "_row": pa.array(range(drops.num_rows), pa.int64())})
        pairs = at.join(skus, "sku", join_type="left outer", use_threads=False)
        routed.append(drops.take(pairs["_row"]).append_column(
            "_part", pc.fill_null(pc.cast(pairs["part"], pa.int32()), 0)))
    return pa.concat_tables(routed)


def _ipc(table: pa.Table) -> bytes:
    """`table` as Arrow IPC stream bytes (LZ4-compressed buffers)."""
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def _pieces(table: pa.Table, orders, skus: pa.Table,
            partitions: int) -> Iterator[tuple[int, bytes]]:
    """`table` cut by partition: (partition, its events as Arrow IPC)."""
    import pyarrow.compute as pc

    routed = _route(table, orders, skus, partitions)
    routed = routed.take(pc.sort_indices(routed["_part"]))
    part = routed["_part"]
    routed = routed.drop_columns(["_part"])
    start = 0
    counts = pc.value_counts(part)
    for p, n in sorted(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())):
        yield p, _ipc(routed.slice(start, n))
        start += n


def _engine(pieces: Iterator[bytes]):
    """One engine from a partition's events (Arrow IPC pieces), or None when
    it has none."""
    import truexp

    tables = [t for t in map(_from_ipc, pieces) if t.num_rows]
    if not tables:
        return None
    engine = truexp.Engine()
    report = engine.ingest_arrow(pa.concat_tables(tables))
    if report.rejected:
        raise ValueError(f"truexp refused {len(report.rejected)} events, first: {report.rejected[0]}")
    return engine


def _snapshot_rows(engine, part: int) -> Iterator[tuple]:
    """A partition's engine as snapshot rows: (part, seq, count, chunk)."""
    data = engine.snapshot_bytes(b"partition %d" % part)
    count = max(1, -(-len(data) // CHUNK_BYTES))
    for seq in range(count):
        yield part, seq, count, data[seq * CHUNK_BYTES:(seq + 1) * CHUNK_BYTES]


def _held():
    """What this Python worker keeps between tasks: a module in
    ``sys.modules`` (a task's functions arrive pickled by value, with fresh
    globals, but a reused Python worker keeps its imported modules). Its
    ``engines`` (by run and partition, see _restore) and ``routing`` (see
    _routing)."""
    import types

    held = sys.modules.get("_truexp_spark_held")
    if held is None:
        held = types.ModuleType("_truexp_spark_held")
        held.engines, held.routing = {}, None
        sys.modules[held.__name__] = held
    return held


def _kept_engines() -> dict:
    """The engines this Python worker keeps between a run's steps, by (run,
    partition)."""
    return _held().engines


def _routing(tables):
    """The routing tables of broadcast `tables` (a key unique to the run,
    each split's (order_id, part) as Arrow IPC in split order, the (sku,
    part) pairs) as a truexp.OrderPartitions (an order paid twice keeps its
    first partition) and the pairs' table, built once per Python worker and
    run."""
    import truexp

    held = _held()
    key, split_orders, skus = tables.value
    if held.routing is None or held.routing[0] != key:
        held.routing = None
        orders = truexp.OrderPartitions()
        orders.add(pa.concat_tables([_from_ipc(data) for data in split_orders]))
        held.routing = (key, orders, _from_ipc(skus))
    return held.routing[1:]


def _restore(rows: Iterator[tuple], run: str | None = None, work=None):
    """The engine of one partition's snapshot rows (part, seq, count, chunk),
    or None for a partition
    without any; refuses rows of several partitions, missing or repeated
    chunks, and a snapshot whose token names another partition. With `run`,
    an engine this worker restored for the same run and partition is reused
    (the rows are still checked) and a new one kept; engines of other runs
    are dropped. `work` (an accumulator of sums by name) counts the engines
    restored and the task seconds spent receiving rows and restoring."""
    import truexp

    started = time.monotonic()
    rows = sorted(rows, key=lambda r: r[1])
    received = time.monotonic()
    if not rows:
        return None
    part, count = rows[0][0], rows[0][2]
    if any(r[0] != part or r[2] != count for r in rows) \
            or [r[1] for r in rows] != list(range(count)):
        raise ValueError(
            f"snapshot rows of partition {part} do not fit together: "
            f"{[r[:3] for r in rows]}")
    if work is not None:
        work.add({"rows_seconds": received - started})
    kept = _kept_engines() if run is not None else {}
    engine = kept.get((run, part))
    if engine is not None:
        return engine
    engine, token = truexp.Engine.from_snapshot_bytes(b"".join(r[3] for r in rows))
    if work is not None:
        work.add({"restores": 1, "restore_seconds": time.monotonic() - received})
    if token != b"partition %d" % part:
        raise ValueError(f"snapshot rows of partition {part} hold {token!r}")
    if run is not None:
        for key in [k for k in kept if k[0] != run]:
            del kept[key]
        kept[(run, part)] = engine
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
    ap.add_argument("--keep-engines", action=argparse.BooleanOptionalAction, default=False,
                    help="Python workers keep each partition's engine once restored for the "
                         "later steps of a run instead of restoring it from the snapshot rows "
                         "again: faster, but a worker holds the engines of the partitions it "
                         "ran until the next run or the application ends (default: off; at "
                         "5M orders 14%% faster, peak memory of one worker 8.6 GB)")
    ap.add_argument("--driver-jvm-options", default=DRIVER_JVM_OPTIONS,
                    help="Java options of the driver JVM when this script launches it "
                         "(default: %(default)s, the JIT's first tier only; '' keeps "
                         "Spark's); --conf spark.driver.extraJavaOptions takes precedence")
    ap.add_argument("--executor-jvm-options", default=EXECUTOR_JVM_OPTIONS,
                    help="Java options of the executor JVMs (default: %(default)s, the JIT's "
                         "first tier only; '' keeps Spark's or the cluster's); --conf "
                         "spark.executor.extraJavaOptions takes precedence")
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
    if args.executor_jvm_options:
        given.setdefault("spark.executor.extraJavaOptions", args.executor_jvm_options)
    for key, value in given.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    all_timings = []
    for n in counts:
        out = args.out if len(counts) == 1 else os.path.join(args.out, f"partitions={n}")
        try:
            timings = run(spark, args.events, out, n, args.as_of, args.keep_engines)
        except EventsError as e:
            print(f"truexp-score: {e}", file=sys.stderr)
            spark.stop()
            return 2
        if timings is None:
            return 1
        print(json.dumps(timings), flush=True)
        all_timings.append(timings)
    if args.timings:
        with open(args.timings, "w") as f:
            json.dump(all_timings[0] if len(counts) == 1 else all_timings, f)
    spark.stop()
    return 0


def run(spark, events_path: str, out: str, partitions: int, as_of: int | None,
        keep_engines: bool = False):
    """The whole job once: the scoreboard of `events_path` written to `out`; step timings.
    `keep_engines`: the Python workers keep the engines they restore for the
    later steps of this run (see _restore)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark import StorageLevel
    from pyspark.sql.types import BinaryType, StringType, StructField, StructType

    import truexp

    sc = spark.sparkContext
    partitions = partitions or sc.defaultParallelism
    # the rank's grouping shuffles: as many partitions as the shops get
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    t0 = time.monotonic()
    timings: dict[str, float] = {}
    run_key = f"{sc.applicationId}/{uuid.uuid4().hex}" if keep_engines else None
    work = sc.accumulator({}, _sums())

    def lap(name: str) -> None:
        timings[name] = round(time.monotonic() - t0, 3)
        print(f"truexp-score: {name} done at {timings[name]}s ({partitions} partitions)",
              file=sys.stderr, flush=True)

    # Spark schedules, pyarrow reads: each split's row groups are read in a
    # Python task, never as JVM rows (Spark's row-wise scan, join, shuffle and
    # Arrow hand-over of the 44 event columns cost more than truexp's own
    # ingestion: bench/RESULTS.md, Spark)
    schema, splits = _splits(events_path, max(partitions, sc.defaultParallelism))
    if not splits:
        print("no events", file=sys.stderr)
        return None

    # routing tables from every split: each order's partition, each SKU's partitions
    def routes(split):
        found = [_routes_of(t, partitions)
                 for t in _read_split(events_path, schema, split, ROUTING_COLUMNS)]
        yield _ipc(pa.concat_tables([o for o, _ in found])), _ipc(pa.concat_tables([k for _, k in found]))

    found = sc.parallelize(splits, len(splits)).mapPartitions(
        lambda it: (r for split in it for r in routes(split))).collect()
    lap("routes_collected")
    # the orders as they came, in split order (an order paid twice keeps its
    # first partition in file order: each worker's OrderPartitions keeps the
    # first), the SKUs' pairs merged
    skus = pa.concat_tables([_from_ipc(k) for _, k in found]) \
        .group_by(["sku", "part"], use_threads=False).aggregate([])
    tables = sc.broadcast((uuid.uuid4().hex, [o for o, _ in found], _ipc(skus)))
    del found, skus
    lap("read_and_route")

    # each split cut by partition, the pieces shuffled to their partition,
    # each partition's engine built once from them and kept as snapshot rows
    builds = sc.accumulator(0)

    def cut(it, tables=tables):
        orders, skus = _routing(tables)
        for split in it:
            for table in _read_split(events_path, schema, split):
                yield from _pieces(table, orders, skus, partitions)

    built = sc.accumulator({}, _by_partition())

    def build(part, it, builds=builds, built=built):
        _held().routing = None  # the cut's tables, not needed any more
        engine = _engine(piece for _, piece in it)
        if engine is None:
            return
        builds.add(1)
        built.add({part: engine.latest_event_time})
        yield from _snapshot_rows(engine, part)

    # The snapshot rows stay an RDD of pickled tuples: each later step hands
    # them to its Python task as they are stored. As a DataFrame, each pass
    # turned the columnar cache into Arrow batches (~1.5x as long over the
    # 1.7 GB of a full-size run) and a worker held ~2.5 GB more. Counted by
    # the JVM side of the RDD (`_jrdd`, PySpark's handle of it), so the
    # count builds every engine without handing the rows to Python again.
    snaps = (sc.parallelize(splits, len(splits)).mapPartitions(cut)
             .partitionBy(partitions, lambda p: p)
             .mapPartitionsWithIndex(build)
             .persist(StorageLevel.MEMORY_AND_DISK))
    snaps._jrdd.count()
    if not built.value:
        snaps.unpersist()
        print("no events", file=sys.stderr)
        return None
    lap("build_engines")
    if as_of is None:
        latest = [t for t in built.value.values() if t is not None]
        if not latest:
            snaps.unpersist()
            print("no events", file=sys.stderr)
            return None
        as_of = max(latest)
    days = [as_of, as_of - DAY]

    # three rounds; each partition's part for today and yesterday, merged on the driver
    combined: list[str | None] = [None, None]
    for stage in STAGES:
        before = sc.broadcast(combined)

        def one_round(rows, stage=stage, before=before):
            engine = _restore(rows, run_key, work)
            if engine is None:
                return
            t = time.monotonic()
            got = [engine.peer_stats(d, stage, c) for d, c in zip(days, before.value)]
            work.add({"peer_stats_seconds": time.monotonic() - t})
            yield got

        parts = snaps.mapPartitions(one_round).collect()
        combined = [
            truexp.merge_peer_stats(([c] if c else []) + [p[day] for p in parts])
            for day, c in enumerate(combined)
        ]
        before.unpersist()
        lap(f"round_{stage}")

    final = sc.broadcast(combined)
    # the scoreboard's columns and types, from an empty engine
    board_schema = pa.table(truexp.Engine().scores_with_peers(as_of, combined[0], combined[1])).schema

    # one pass scores each partition's shops and runs its price drops (a
    # restore each, not two): both answers leave the task as Arrow IPC rows,
    # kept until both are written
    pp_schema = pa.table(truexp.Engine().price_protection()).schema

    def score_and_protect(rows, final=final):
        engine = _restore(rows, run_key, work)
        if engine is None:
            return
        # scoring first: the drops mark payouts in the book, which no score reads
        t = time.monotonic()
        board = pa.table(engine.scores_with_peers(as_of, final.value[0], final.value[1]))
        scored_at = time.monotonic()
        # an engine whose drops have run is no longer the snapshot's: with
        # --keep-engines, a retry of this task must restore its own
        kept = _kept_engines()
        for key in [k for k, e in kept.items() if e is engine]:
            del kept[key]
        payouts = pa.table(engine.price_protection())
        work.add({"score_seconds": scored_at - t,
                  "price_protection_seconds": time.monotonic() - scored_at})
        for kind, table, schema in [(ANSWER_BOARD, board, board_schema),
                                    (ANSWER_PAYOUTS, payouts, pp_schema)]:
            for batch in table.cast(schema).to_batches(max_chunksize=ANSWER_ROWS):
                yield kind, _ipc(pa.Table.from_batches([batch]))

    answer_schema = StructType([StructField("kind", StringType()),
                                StructField("data", BinaryType())])
    answers = spark.createDataFrame(snaps.mapPartitions(score_and_protect),
                                    answer_schema).persist()

    def answers_of(kind: str, schema: pa.Schema):
        def decode(batches):
            for b in batches:
                for data in b.column("data").to_pylist():
                    yield from _from_ipc(data).to_batches()
        # a task per core: each decode task pays a fixed ~0.1-0.3 s, and
        # the answers are small next to the snapshots
        return (answers.where(F.col("kind") == kind)
                .coalesce(min(partitions, sc.defaultParallelism))
                .mapInArrow(decode, _spark_schema(schema)))

    scored = answers_of(ANSWER_BOARD, board_schema).drop("rank").persist()
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
    answers_of(ANSWER_PAYOUTS, pp_schema).write.mode("overwrite") \
        .parquet(os.path.join(out, "price_protection"))
    lap("price_protection")
    # the snapshot rows last: an executor lost before the payouts were
    # written has its answers recomputed from them, not from the events
    answers.unpersist()
    snaps.unpersist()

    final.unpersist()
    tables.unpersist()
    # engines built from events (one per non-empty partition, more when a
    # lost executor's partitions were rebuilt), snapshots restored from, and
    # restores (four per snapshot without --keep-engines; with it, one per
    # snapshot and Python worker that ran one of its steps)
    timings.update(as_of=as_of, partitions=partitions, shops=above,
                   engine_builds=builds.value, snapshots=len(built.value),
                   restores=work.value.get("restores", 0))
    # task seconds summed over the steps after the build: receiving the
    # snapshot rows, restoring the engines from them, the statistics
    # rounds, scoring and price protection
    timings.update({k: round(v, 3) for k, v in work.value.items() if k != "restores"})
    return timings



def _by_partition():
    """An accumulator's parameter: values by partition (a partition built
    again after a lost executor reports the same value again)."""
    from pyspark.accumulators import AccumulatorParam

    class ByPartition(AccumulatorParam):
        def zero(self, value):
            return {}

        def addInPlace(self, a, b):
            a.update(b)
            return a

    return ByPartition()


def _sums():
    """An accumulator's parameter: numbers summed by name."""
    from pyspark.accumulators import AccumulatorParam

    class Sums(AccumulatorParam):
        def zero(self, value):
            return {}

        def addInPlace(self, a, b):
            for k, v in b.items():
                a[k] = a.get(k, 0) + v
            return a

    return Sums()


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
