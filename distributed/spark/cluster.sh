# Sourced by test.sh and bench.sh: the Python venv with pyspark and the
# truexp wheel, the release CLI, Java, and a standalone cluster on 127.0.0.1
# (start_master, start_worker NAME CORES MEMORY [CPUS], wait_workers N); `stop`
# (installed as the EXIT trap) kills every process started and removes $work.
# Expects $root (the repository) and CARGO_TARGET_DIR to be set.

venv=$root/python/.venv
py=$venv/bin/python
here=$root/distributed/spark

if [ ! -x "$py" ]; then
  python3 -m venv "$venv"
fi
if ! "$py" -c 'import pyspark, pyarrow, pandas' 2>/dev/null \
   || ! cmp -s "$here/requirements.txt" "$venv/.spark-requirements"; then
  echo "== spark: installing $(grep -v '^#' "$here/requirements.txt" | tr '\n' ' ')into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.spark-requirements"
fi
if ! "$py" -c 'import truexp; truexp.merge_peer_stats' 2>/dev/null; then
  echo "== spark: building the truexp wheel"
  "$venv/bin/pip" install -q --disable-pip-version-check maturin==1.16.0
  rm -f "$CARGO_TARGET_DIR"/wheels/truexp-*.whl
  "$venv/bin/maturin" build --release --quiet -m python/Cargo.toml --out "$CARGO_TARGET_DIR/wheels"
  "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$CARGO_TARGET_DIR"/wheels/truexp-*.whl
fi
cargo build --release -q -p truexp-cli
truexp=$CARGO_TARGET_DIR/release/truexp

if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi
export JAVA_HOME
export SPARK_HOME
SPARK_HOME=$("$py" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=$py
# the master and workers only pass messages: the JIT's first tier suffices
# (as for the driver, see DRIVER_JVM_OPTIONS in score_job.py), and on a
# 2-CPU machine their second-tier compiles take CPU from the executors
export SPARK_DAEMON_JAVA_OPTS="${SPARK_DAEMON_JAVA_OPTS:--XX:TieredStopAtLevel=1}"
echo "== spark: pyspark $("$py" -c 'import pyspark; print(pyspark.__version__)'), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"

work=$(mktemp -d)
pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop EXIT

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_master() {
  port=$(free_port)
  master=spark://127.0.0.1:$port
  "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$port" --webui-port "$(free_port)" >"$work/master.log" 2>&1 &
  pids+=($!)
}
start_worker() { # name cores memory [cpus: pin the worker, its executors and their Python workers]
  mkdir -p "$work/$1"
  local pin=()
  [ -n "${4:-}" ] && pin=(taskset -c "$4")
  "${pin[@]}" "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker "$master" \
    --host 127.0.0.1 --cores "$2" --memory "$3" --work-dir "$work/$1" \
    --webui-port "$(free_port)" >"$work/$1.log" 2>&1 &
  pids+=($!)
  echo $! >"$work/$1.pid"
}
wait_workers() { # how many have registered with the master
  for _ in $(seq 120); do
    [ "$(grep -l 'Successfully registered with master' "$work"/worker*.log 2>/dev/null | wc -l)" -eq "$1" ] && return 0
    sleep 1
  done
  echo "spark: workers did not register" >&2; tail -20 "$work"/*.log >&2; return 1
}
