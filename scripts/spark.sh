#!/usr/bin/env bash
# A Spark standalone cluster (one master, one worker) from the installed pyspark, for
# development and tests: up | down | url.
#   up    start the master on 127.0.0.1:$SPARK_MASTER_PORT (7077; web UI on
#         $SPARK_MASTER_WEBUI_PORT, 8080) and one worker offering $SPARK_WORKER_CORES cores
#         (all of this machine's) and $SPARK_WORKER_MEMORY (2g) (web UI on
#         $SPARK_WORKER_WEBUI_PORT, 8081), wait until both are ALIVE, print the master URL
#         (the value of `[spark] master`). Already up is fine.
#   down  stop the worker first (it ends its executors), then the master: SIGTERM, SIGKILL
#         after 10 s. Not running is fine.
#   url   print the master URL.
# Pids, logs and the worker's work directory live in $SPARK_STATE_DIR
# (.cache/spark/<master port>); $SPARK_SH_PYTHON is the Python with pyspark (.venv/bin/python).
# The pyspark wheel has no sbin scripts: both daemons are started with its bin/spark-class. Quiet on success; on failure says what went wrong and
# shows the end of the logs.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python="${SPARK_SH_PYTHON:-$repo/.venv/bin/python}"
port="${SPARK_MASTER_PORT:-7077}"
master_ui="${SPARK_MASTER_WEBUI_PORT:-8080}"
worker_ui="${SPARK_WORKER_WEBUI_PORT:-8081}"
cores="${SPARK_WORKER_CORES:-$(nproc)}"
memory="${SPARK_WORKER_MEMORY:-2g}"
state="${SPARK_STATE_DIR:-$repo/.cache/spark/$port}"
ready_timeout="${SPARK_READY_TIMEOUT:-60}"
url="spark://127.0.0.1:$port"
export SPARK_LOCAL_IP=127.0.0.1

die() {
  echo "spark.sh: $*" >&2
  exit 1
}

show_logs() {
  local log
  for log in "$state/master.log" "$state/worker.log"; do
    if [ -s "$log" ]; then
      echo "--- last lines of $log ---" >&2
      tail -n 30 "$log" >&2 || true
    fi
  done
}

spark_class() {
  [ -x "$python" ] || die "$python is missing: run \`make install\` first"
  local home
  home=$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))') \
    || die "pyspark is not importable with $python"
  [ -x "$home/bin/spark-class" ] || die "$home/bin/spark-class is missing or not executable"
  echo "$home/bin/spark-class"
}

# $1: master or worker. Running: the pid in its file is alive and is that Spark daemon.
running() {
  local p class
  [ "$1" = master ] && class=deploy.master.Master || class=deploy.worker.Worker
  p=$(cat "$state/$1.pid" 2>/dev/null) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "$class"
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# $1: master or worker, then its arguments. Its own session: a Ctrl-C in the terminal that
# ran `make spark-up` does not reach it; spark-class execs the JVM, so the pid is the JVM's.
start() {
  local name=$1 class
  shift
  class=$(spark_class)
  # 9>&-: the daemon must not inherit (and hold for ever) the lock of `locked`.
  setsid "$class" "$@" >"$state/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$state/$name.pid"
}

# Both ALIVE in the master's JSON status, or a daemon died, or the time is up.
wait_ready() {
  local status=0
  "$python" - "$master_ui" "$ready_timeout" "$(cat "$state/master.pid")" \
    "$(cat "$state/worker.pid")" <<'PY' 9>&- || status=$?
import json, os, sys, time, urllib.request
ui, timeout, pids = sys.argv[1], float(sys.argv[2]), [int(p) for p in sys.argv[3:]]
end = time.monotonic() + timeout
while time.monotonic() < end:
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit(3)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as answer:
            found = json.loads(answer.read())
        if found.get("status") == "ALIVE" and any(
            w.get("state") == "ALIVE" for w in found.get("workers", [])
        ):
            sys.exit(0)
    except (OSError, ValueError):
        pass
    time.sleep(0.2)
sys.exit(4)
PY
  case "$status" in
    0) return 0 ;;
    3)
      show_logs
      die "a Spark daemon exited during start-up (logs in $state)"
      ;;
    *)
      show_logs
      die "the master on $url and its worker were not ALIVE within $ready_timeout s (logs in $state)"
      ;;
  esac
}

up() {
  command -v java >/dev/null \
    || die "Java 17+ is needed to run Spark: run \`make test-deps\` (installs openjdk-17-jre-headless as root)"
  mkdir -p "$state/work"
  if ! running master; then
    for p in "$port" "$master_ui"; do
      port_taken "$p" && die "127.0.0.1:$p is already in use by another process (set SPARK_MASTER_PORT / SPARK_MASTER_WEBUI_PORT)"
    done
    start master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
      --webui-port "$master_ui"
  fi
  if ! running worker; then
    port_taken "$worker_ui" && die "127.0.0.1:$worker_ui is already in use by another process (set SPARK_WORKER_WEBUI_PORT)"
    start worker org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --webui-port "$worker_ui" \
      --cores "$cores" --memory "$memory" --work-dir "$state/work" "$url"
  fi
  wait_ready
  echo "$url"
}

# $1: master or worker.
stop() {
  running "$1" || {
    rm -f "$state/$1.pid"
    return 0
  }
  local p _
  p=$(cat "$state/$1.pid")
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$p" 2>/dev/null; then
    echo "spark.sh: the $1 (pid $p) did not stop within 10 s; killing it" >&2
    kill -KILL "$p" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$state/$1.pid"
}

down() {
  stop worker
  stop master
}

# One up/down at a time per state directory.
locked() {
  mkdir -p "$state"
  exec 9>"$state/lock"
  flock 9
  "$@"
}

case "${1:-}" in
  up) locked up ;;
  down) locked down ;;
  url) echo "$url" ;;
  *)
    echo "usage: $0 up|down|url" >&2
    exit 2
    ;;
esac
