#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for development and
# tests: up | down | bootstrap.
#   up         fetch the broker jars with Maven (once: cached in .cache/kafka/<version>/libs and
#              ~/.m2), format a KRaft log dir under .cache/kafka/data-<port> (once), start the
#              broker on 127.0.0.1:$KAFKA_PORT (9092; controller on the next port), wait until a
#              Kafka client gets an answer, print the bootstrap address. Already up is fine.
#   down       stop it (SIGTERM, then SIGKILL after 30 s). Not running is fine.
#   bootstrap  print the bootstrap address.
# Settings: KAFKA_PORT (9092), KAFKA_VERSION (the pinned 4.4.0), KAFKA_HEAP_OPTS (-Xms128m
# -Xmx512m), KAFKA_READY_TIMEOUT (60 s). Quiet on success; on failure says what went wrong
# and shows the end of the broker log (.cache/kafka/broker-<port>.log).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here="$repo/scripts/kafka"
cache="$repo/.cache/kafka"
version="${KAFKA_VERSION:-4.4.0}"
libs="$cache/$version/libs"
port="${KAFKA_PORT:-9092}"
controller_port=$((port + 1))
bootstrap="127.0.0.1:$port"
data="$cache/data-$port"
props="$cache/server-$port.properties"
log="$cache/broker-$port.log"
pidfile="$cache/broker-$port.pid"
heap="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
ready_timeout="${KAFKA_READY_TIMEOUT:-60}"
python="$repo/.venv/bin/python"

die() {
  echo "kafka.sh: $*" >&2
  exit 1
}

show_log() {
  if [ -s "$log" ]; then
    echo "--- last lines of $log ---" >&2
    tail -n 30 "$log" >&2 || true
  fi
}

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    die "$1 is not installed; install it (e.g. sudo apt-get install -y $1)"
  fi
  local out
  if ! out=$(export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq 2>&1 && apt-get install -y -qq --no-install-recommends "$1" 2>&1); then
    echo "$out" >&2
    die "apt-get install $1 failed"
  fi
}

check_java() {
  command -v java >/dev/null \
    || die "Java 17+ is needed to run the broker: run \`make test-deps\` (installs openjdk-17-jre-headless as root)"
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  major=${major#1.}
  if [ -z "$major" ] || [ "${major%%.*}" -lt 17 ]; then
    die "Kafka $version needs Java 17+; $(command -v java) is Java ${major:-unknown}"
  fi
}

# The broker and its runtime dependencies, copied by Maven from Maven Central (scripts/kafka/pom.xml).
fetch_libs() {
  [ -f "$libs/.complete" ] && return 0
  command -v mvn >/dev/null || apt_install maven
  mkdir -p "$cache/$version"
  # A directory of its own: brokers on other ports may be fetching at the same time.
  local tmp mvnlog="$cache/maven-$version.log"
  tmp=$(mktemp -d "$libs.XXXXXX")
  if ! mvn -B -q -f "$here/pom.xml" -Dkafka.version="$version" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
    >"$mvnlog" 2>&1; then
    tail -n 30 "$mvnlog" >&2
    rm -rf "$tmp"
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$version and its dependencies (log: $mvnlog)"
  fi
  if ! ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1; then
    rm -rf "$tmp"
    die "Maven ran but copied no kafka_2.13 jar (log: $mvnlog)"
  fi
  touch "$tmp/.complete"
  # Whoever finishes first wins; -T: never move into an existing directory.
  if [ -f "$libs/.complete" ] || ! { rm -rf "$libs" && mv -T "$tmp" "$libs" 2>/dev/null; }; then
    rm -rf "$tmp"
  fi
  [ -f "$libs/.complete" ] || die "no complete set of jars in $libs"
}

write_properties() {
  cat >"$props" <<EOF
# Written by scripts/kafka.sh: a single-node development broker on loopback.
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
log.dirs=$data
num.partitions=3
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

java_args() {
  # $heap is a list of JVM options: split on purpose.
  # shellcheck disable=SC2206
  jvm=(java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$here/log4j2.xml" -cp "$libs/*")
}

java_cmd() {
  local jvm
  java_args
  "${jvm[@]}" "$@"
}

# A single-node KRaft log dir: a cluster id and the standalone controller as the only voter.
format_storage() {
  [ -f "$data/meta.properties" ] && return 0
  local id out
  if ! out=$(java_cmd kafka.tools.StorageTool random-uuid 2>&1); then
    echo "$out" >&2
    die "kafka.tools.StorageTool random-uuid failed"
  fi
  id=$(tail -n 1 <<<"$out")
  rm -rf "$data"
  if ! out=$(java_cmd kafka.tools.StorageTool format --standalone -t "$id" -c "$props" 2>&1); then
    echo "$out" >&2
    die "could not format the KRaft log dir $data"
  fi
}

pid() {
  [ -f "$pidfile" ] && cat "$pidfile"
}

# Our broker: the pid in the pid file is alive and is a kafka.Kafka JVM (not a reused pid).
running() {
  local p
  p=$(pid) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka '
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_broker() {
  local p
  for p in "$port" "$controller_port"; do
    if port_taken "$p"; then
      die "127.0.0.1:$p is already in use by another process (set KAFKA_PORT to use another port pair)"
    fi
  done
  # Its own session: a Ctrl-C in the terminal that ran `make kafka-up` does not reach it.
  local jvm
  java_args
  # 9>&-: the broker must not inherit (and hold for ever) the lock of `locked`.
  setsid "${jvm[@]}" kafka.Kafka "$props" >"$log" 2>&1 </dev/null 9>&- &
  echo $! >"$pidfile"
}

# Ready when a real Kafka client (kafka-python, as stoker uses) gets metadata from the broker.
wait_ready() {
  [ -x "$python" ] || die "$python is missing: run \`make install\` first"
  local status=0
  "$python" "$here/ready.py" "$bootstrap" "$(pid)" "$ready_timeout" 9>&- || status=$?
  case "$status" in
    0) return 0 ;;
    3)
      show_log
      die "the broker exited during start-up (log: $log)"
      ;;
    *)
      show_log
      die "the broker on $bootstrap did not answer within $ready_timeout s (log: $log)"
      ;;
  esac
}

up() {
  mkdir -p "$cache"
  if ! running; then
    check_java
    fetch_libs
    write_properties
    format_storage
    start_broker
  fi
  wait_ready
  echo "$bootstrap"
}

down() {
  running || {
    rm -f "$pidfile"
    return 0
  }
  local p _
  p=$(pid)
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$p" 2>/dev/null; then
    echo "kafka.sh: the broker (pid $p) did not stop within 30 s; killing it" >&2
    kill -KILL "$p" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
}

# One up/down at a time per port in this checkout.
locked() {
  mkdir -p "$cache"
  exec 9>"$cache/broker-$port.lock"
  flock 9
  "$@"
}

case "${1:-}" in
  up) locked up ;;
  down) locked down ;;
  bootstrap) echo "$bootstrap" ;;
  *)
    echo "usage: $0 up|down|bootstrap" >&2
    exit 2
    ;;
esac
