#!/usr/bin/env bash
# The Spark proof of issue 17: a real Spark standalone cluster on 127.0.0.1
# (one master and two workers, separate JVMs from the pyspark package, 1 core
# each) runs distributed/spark/score_job.py on generated data (a hot shop with
# 20% of the orders, duplicated and shuffled events) with 1, 3 and 8
# partitions (one Spark application), then once more in its own application
# while a worker is killed mid-job; every output
# value must equal the single-process answers exactly (check.py: every column
# of Engine.scoreboard bit for bit, and the Rust CLI's `truexp score --json`).
#
# Needs Java 17+ (`java` on PATH or JAVA_HOME), python3 with venv, cargo.
# Reuses python/.venv (python/test.sh builds it) and adds pyspark to it;
# builds the wheel and the CLI if they are missing. Stops the cluster on exit.
# Sizes: SPARK_TEST_SHOPS / _ORDERS / _DAYS (default 300 / 20000 / 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
shops=${SPARK_TEST_SHOPS:-300}
orders=${SPARK_TEST_ORDERS:-20000}
days=${SPARK_TEST_DAYS:-60}
start_all=$(date +%s)
# shellcheck source=distributed/spark/cluster.sh
. "$root/distributed/spark/cluster.sh"
start_master
start_worker worker1 1 1g
start_worker worker2 1 1g
wait_workers 2
echo "== spark: master $master, 2 workers (1 core, 1g each), pids ${pids[*]}"

echo "== spark: data ($shops shops, $orders orders, $days days; hot shop, duplicates, shuffled)"
"$truexp" generate --shops "$shops" --orders "$orders" --days "$days" --seed 17 --out "$work/gen.jsonl"
"$py" "$here/make_data.py" "$work/gen.jsonl" "$work/events.jsonl" 17
"$truexp" convert "$work/events.jsonl" --out "$work/events.parquet"
"$truexp" score "$work/events.parquet" --json >"$work/cli.json"
"$truexp" price-protect --auto "$work/events.parquet" --json >"$work/cli_pp.json"

job() { # partitions out [extra args]
  local n=$1 out=$2; shift 2
  "$py" "$here/score_job.py" "$work/events.parquet" --out "$out" --partitions "$n" \
    --master "$master" --timings "$out.timings.json" \
    --conf spark.executor.memory=768m --conf spark.ui.enabled=false "$@"
}

status=0
echo "== spark: 1, 3 and 8 partitions (one application, the whole job once per count)"
t=$(date +%s)
job 1,3,8 "$work/out" >"$work/job.log" 2>&1 || { tail -40 "$work/job.log" >&2; exit 1; }
echo "-- $(( $(date +%s) - t ))s wall for the three runs"
grep '^{' "$work/job.log" | sed 's/^/-- steps (cumulative seconds): /'
# each partition's engine built from events once, restored from its snapshot after
grep '^{' "$work/job.log" | "$py" -c '
import json, sys
for line in sys.stdin:
    t = json.loads(line)
    n, built, kept = t["partitions"], t["engine_builds"], t["snapshots"]
    if built != kept or kept < 1:
        sys.exit(f"spark: {n} partitions: {built} engines built for {kept} snapshots "
                 "(one build each expected)")
print("-- one engine build per non-empty partition")
' || status=1
for n in 1 3 8; do
  "$py" "$here/check.py" "$work/events.parquet" "$work/out/partitions=$n" "$work/cli.json" "$work/cli_pp.json" \
    || status=1
done

echo "== spark: 3 partitions, worker2 killed (SIGKILL) after the first round"
t=$(date +%s)
job 3 "$work/outkill" >"$work/jobkill.log" 2>&1 &
jobpid=$!
for _ in $(seq 600); do
  grep -q 'round_totals done' "$work/jobkill.log" && break
  kill -0 "$jobpid" 2>/dev/null || break
  sleep 0.5
done
if grep -q 'round_totals done' "$work/jobkill.log"; then
  kill -9 "$(cat "$work/worker2.pid")"
  echo "-- killed worker2 (pid $(cat "$work/worker2.pid")) after the totals round"
else
  echo "spark: the job ended before the kill" >&2; status=1
fi
wait "$jobpid" || { tail -40 "$work/jobkill.log" >&2; exit 1; }
echo "-- with the kill: $(( $(date +%s) - t ))s wall, steps $(cat "$work/outkill.timings.json")"
# the kill must have cost the job an executor (else it proved nothing)
if grep -i -E 'lost executor|executorlost|removing executor|worker lost' "$work/jobkill.log" \
     | head -5 | sed 's/^/-- driver log: /' | grep .; then :; else
  echo "spark: no lost executor in the driver log after the kill" >&2; status=1
fi
"$py" "$here/check.py" "$work/events.parquet" "$work/outkill" "$work/cli.json" "$work/cli_pp.json" \
  || status=1

echo "== spark: the same events as a Hive-partitioned table (type=.../, row groups of 4,000), 3 partitions, --keep-engines"
# every follow-up now lies in another file and split than its order_paid
"$py" - "$work/events.parquet" "$work/events_hive" <<'PY'
import sys
import pyarrow.dataset as ds
import pyarrow.parquet as pq
src, dst = sys.argv[1:3]
table = pq.read_table(src)
ds.write_dataset(table, dst, format="parquet", partitioning=["type"], partitioning_flavor="hive",
                 max_rows_per_group=4000, max_rows_per_file=12000, min_rows_per_group=0)
files = [f for f in ds.dataset(dst, format="parquet", partitioning="hive").get_fragments()]
print(f"-- {len(files)} files, {sum(f.num_row_groups for f in files)} row groups")
PY
t=$(date +%s)
job 3 "$work/outhive" --keep-engines --conf spark.default.parallelism=6 >"$work/jobhive.log" 2>&1 \
  || { tail -40 "$work/jobhive.log" >&2; exit 1; }
echo "-- $(( $(date +%s) - t ))s wall, steps $(cat "$work/outhive.timings.json")"
"$py" "$here/check.py" "$work/events.parquet" "$work/outhive" "$work/cli.json" "$work/cli_pp.json" \
  || status=1

echo "== spark: events the job cannot route are refused on the driver, naming the path and column"
"$py" - "$here" "$work/events.parquet" "$work/bad" <<'PY' || status=1
import os, sys
import pyarrow as pa
import pyarrow.parquet as pq
sys.path.insert(0, sys.argv[1])
import score_job
events = pq.read_table(sys.argv[2])
bad = sys.argv[3]
os.makedirs(bad)
rows = pa.array(range(events.num_rows), pa.int64())
cases = {
    "no_type": (events.drop_columns(["type"]), "no `type` column"),
    "int_shop": (events.set_column(events.schema.get_field_index("shop_id"), "shop_id", rows),
                 "column `shop_id` is int64, expected strings"),
    "flat_lines": (events.set_column(events.schema.get_field_index("lines"), "lines",
                                     pa.array(["x"] * events.num_rows)),
                   "column `lines` is string, expected a list of structs"),
}
for name, (table, says) in cases.items():
    path = os.path.join(bad, name + ".parquet")
    pq.write_table(table, path)
    try:
        score_job._splits(path, 4)
    except score_job.EventsError as e:
        if not str(e).startswith(os.path.abspath(path) + ": " + says) and not str(e).startswith(path + ": " + says):
            sys.exit(f"spark: {name}: refused with {e}")
    else:
        sys.exit(f"spark: {name}: not refused")
# a dataset without shop_id or sku (e.g. no shop events at all) reads them as null
partial = events.drop_columns(["sku"])
pq.write_table(partial, os.path.join(bad, "partial.parquet"))
schema, _ = score_job._splits(os.path.join(bad, "partial.parquet"), 4)
assert schema.field("sku").type == pa.string(), schema
print(f"-- {len(cases)} bad tables refused by the splits' check")
PY
if "$py" "$here/score_job.py" "$work/bad/int_shop.parquet" --out "$work/outbad" --partitions 3 \
     --master "$master" --conf spark.ui.enabled=false >"$work/jobbad.log" 2>&1; then
  echo "spark: a job on events with an int64 shop_id succeeded" >&2; status=1
else
  code=$?
  sed -i 's/^/   /' "$work/jobbad.log"
  if [ "$code" -eq 2 ] && grep -q 'truexp-score: .*int_shop.parquet: column `shop_id` is int64' "$work/jobbad.log"; then
    echo "-- the job refused them, exit 2: $(grep 'truexp-score: ' "$work/jobbad.log" | sed 's/^ *//')"
  else
    echo "spark: the job on bad events ended with $code, not the refusal:" >&2
    tail -5 "$work/jobbad.log" >&2; status=1
  fi
fi

echo "== spark: $(( $(date +%s) - start_all ))s in all"
if [ "$status" -ne 0 ]; then
  echo "spark: failed (see the messages above)" >&2
  exit 1
fi
