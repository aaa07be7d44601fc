#!/usr/bin/env bash
# Spark figures of issue 17 on this machine: the same job (score_job.py:
# scoreboard + price protection) on a standalone cluster with one worker and
# then with two (1 core each), against the single-process CLI on the same
# Parquet. Prints a Markdown table: wall time of the job (inside the driver,
# from its --timings) and of the whole application, and the peak memory of
# each worker's process tree (the worker JVM, its executor JVM and the
# executor's Python workers), sampled every 0.2 s.
#
# usage: distributed/spark/bench.sh [SHOPS ORDERS DAYS]   (default 5000 500000 90)
# The data is `truexp generate --seed 7` of that size: `bench/run --shops S
# --orders N --days D` runs DuckDB and Polars on the same events.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
shops=${1:-5000}
orders=${2:-500000}
days=${3:-90}
partitions=${SPARK_BENCH_PARTITIONS:-4}
memory=${SPARK_BENCH_WORKER_MEMORY:-4g}
# shellcheck source=distributed/spark/cluster.sh
. "$root/distributed/spark/cluster.sh"

echo "== spark bench: $shops shops, $orders orders, $days days; $partitions partitions" >&2
"$truexp" generate --shops "$shops" --orders "$orders" --days "$days" --seed 7 --out "$work/events.jsonl"
"$truexp" convert "$work/events.jsonl" --out "$work/events.parquet" >&2

# peak RSS (KiB) of the process tree under each pid in $work/*.pid, until $work/sampling is removed
sample() {
  "$py" - "$work" <<'PY'
import glob, os, subprocess, sys, time
work = sys.argv[1]
peak = {}
while os.path.exists(os.path.join(work, "sampling")):
    rows = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,rss="], capture_output=True, text=True).stdout
    kids, rss = {}, {}
    for line in rows.split("\n"):
        if line.strip():
            pid, ppid, kb = map(int, line.split())
            kids.setdefault(ppid, []).append(pid)
            rss[pid] = kb
    for f in glob.glob(os.path.join(work, "worker*.pid")):
        name = os.path.basename(f)[:-4]
        todo, total = [int(open(f).read())], 0
        while todo:
            p = todo.pop()
            total += rss.get(p, 0)
            todo += kids.get(p, [])
        peak[name] = max(peak.get(name, 0), total)
    time.sleep(0.2)
print(" ".join(f"{k}={v}" for k, v in sorted(peak.items())))
PY
}

elapsed() { "$py" -c 'import sys, time; print(time.time() - float(sys.argv[1]))' "$1"; }
t=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/cli.rss" "$truexp" score "$work/events.parquet" --json >"$work/cli.json" 2>/dev/null
cli_s=$(elapsed "$t")
t=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/clipp.rss" "$truexp" price-protect --auto "$work/events.parquet" --json >"$work/cli_pp.json" 2>/dev/null
clipp_s=$(elapsed "$t")

start_master
run() { # workers
  touch "$work/sampling"
  sample >"$work/peak.$1" &
  local sampler=$!
  local t
  t=$(date +%s.%N)
  "$py" "$here/score_job.py" "$work/events.parquet" --out "$work/out$1" --partitions "$partitions" \
    --master "$master" --timings "$work/timings.$1.json" \
    --conf spark.executor.memory="$memory" --conf spark.ui.enabled=false >"$work/job.$1.log" 2>&1 \
    || { tail -30 "$work/job.$1.log" >&2; exit 1; }
  elapsed "$t" >"$work/wall.$1"
  rm -f "$work/sampling"
  wait "$sampler"
  "$py" "$here/check.py" "$work/events.parquet" "$work/out$1" "$work/cli.json" "$work/cli_pp.json" >&2
}
# A worker of "1 core" runs an executor JVM and its Python workers, which
# overlap (the JVM converts rows to Arrow while Python ingests): unpinned,
# one such worker already keeps both CPUs of a 2-CPU machine busy, and a
# second has no CPU left to add. Each worker is pinned to a CPU of its own
# (SPARK_BENCH_PIN=0: not pinned), so "1 worker" is one CPU's work.
pin1="" pin2=""
if [ "${SPARK_BENCH_PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  pin1=0 pin2=1
fi
# SPARK_BENCH_ONLY_TWO=1: skip the 1-worker run (full-size data: it would
# take as long again)
runs="1 2"
start_worker worker1 1 "$memory" "$pin1"
if [ "${SPARK_BENCH_ONLY_TWO:-0}" = 1 ]; then
  runs=2
else
  wait_workers 1
  run 1
fi
start_worker worker2 1 "$memory" "$pin2"
wait_workers 2
run 2

job_s() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["price_protection"])' "$1"; }
echo
echo "| run | job wall (driver) | application wall | peak RSS |"
echo "|---|---|---|---|"
printf '| one process: `truexp score` (Parquet) | %.1f s | — | %s MiB |\n' "$cli_s" "$(( $(cat "$work/cli.rss") / 1024 ))"
printf '| one process: `truexp price-protect --auto` (Parquet) | %.1f s | — | %s MiB |\n' "$clipp_s" "$(( $(cat "$work/clipp.rss") / 1024 ))"
for n in $runs; do
  peaks=$(sed -E 's/=([0-9]+)/ \1/g' "$work/peak.$n" | awk '{for (i = 1; i < NF; i += 2) printf "%s%s %d MiB", (i > 1 ? ", " : ""), $i, $(i + 1) / 1024}')
  printf '| Spark, %d worker(s) of 1 core, %d partitions | %.1f s | %.1f s | %s |\n' \
    "$n" "$partitions" "$(job_s "$work/timings.$n.json")" "$(cat "$work/wall.$n")" "$peaks"
done
if [ "$runs" = "1 2" ]; then
  "$py" -c 'import json,sys; a, b = (json.load(open(f))["price_protection"] for f in sys.argv[1:]); print(f"\nSpeed-up from 1 to 2 workers (job wall): {a / b:.2f}x")' \
    "$work/timings.1.json" "$work/timings.2.json"
fi
echo "Workers pinned to CPUs: ${pin1:-no}${pin2:+ and $pin2}"
for n in $runs; do echo "Steps with $n worker(s) (cumulative seconds): $(cat "$work/timings.$n.json")"; done
