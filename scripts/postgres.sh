#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: up | down | url.
#   up    install PostgreSQL from Debian if needed, create the cluster under .cache/postgres,
#         start it on 127.0.0.1:$STOKER_TEST_PG_PORT (54329), create database stoker_test,
#         print its SQLAlchemy URL. Already up is fine.
#   down  stop the cluster (not running is fine).
#   url   print the SQLAlchemy URL.
# Quiet on success; on failure says what went wrong (and shows the server log).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="$repo/.cache/postgres"
data="$cache/data"
log="$cache/postgres.log"
port="${STOKER_TEST_PG_PORT:-54329}"
db=stoker_test
url="postgresql+psycopg://postgres@127.0.0.1:$port/$db"
# A Unix socket path may not exceed 107 bytes; a deep checkout falls back to /tmp.
sockdir="$cache/run"
if [ "${#sockdir}" -gt 90 ]; then sockdir="/tmp/stoker-pg-$port"; fi

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

bindir() {
  # The newest major version whose initdb exists (globs sort 10 before 9: sort -V).
  local found
  found=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | while read -r f; do
    if [ -x "$f" ]; then dirname "$f"; fi
  done | tail -n 1)
  [ -n "$found" ] && echo "$found"
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to user postgres.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

install_postgres() {
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed; run: sudo apt-get install -y postgresql"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available"
  local out
  if ! out=$(export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq 2>&1 && apt-get install -y -qq --no-install-recommends postgresql 2>&1); then
    echo "$out" >&2
    die "apt-get install postgresql failed"
  fi
}

pg() {
  local tool=$1
  shift
  as_owner "$BIN/$tool" "$@"
}

running() {
  [ -f "$data/PG_VERSION" ] && pg pg_ctl status -D "$data" >/dev/null 2>&1
}

init_cluster() {
  mkdir -p "$cache" "$sockdir"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$cache" "$sockdir"
    runuser -u postgres -- test -w "$cache" \
      || die "user postgres cannot write $cache (is a parent directory closed to other users?)"
  fi
  [ -f "$data/PG_VERSION" ] && return 0
  local out
  if ! out=$(pg initdb -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    --no-instructions 2>&1); then
    echo "$out" >&2
    die "initdb failed"
  fi
}

start_cluster() {
  # Tests need speed, not durability: the cluster is thrown away.
  local opts="-c listen_addresses=127.0.0.1 -p $port -k $sockdir"
  opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if ! pg pg_ctl start -D "$data" -l "$log" -w -t 60 -o "$opts" >/dev/null 2>&1; then
    tail -n 20 "$log" >&2 2>/dev/null || true
    die "PostgreSQL did not start on 127.0.0.1:$port (log: $log)"
  fi
}

wait_ready() {
  local _
  for _ in $(seq 1 60); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
      return 0
    fi
    sleep 0.5
  done
  die "PostgreSQL on 127.0.0.1:$port did not accept connections within 30 s (log: $log)"
}

create_database() {
  local exists
  exists=$("$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$db'")
  if [ "$exists" != 1 ]; then
    "$BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" \
      || die "could not create database $db"
  fi
}

up() {
  BIN=$(bindir) || {
    install_postgres
    BIN=$(bindir) || die "PostgreSQL was installed but no initdb found in /usr/lib/postgresql/*/bin"
  }
  if ! running; then
    init_cluster
    start_cluster
  fi
  wait_ready
  create_database
  echo "$url"
}

down() {
  BIN=$(bindir) || return 0
  running || return 0
  pg pg_ctl stop -D "$data" -m fast -w -t 60 >/dev/null || die "could not stop PostgreSQL ($data)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  url) echo "$url" ;;
  *)
    echo "usage: $0 up|down|url" >&2
    exit 2
    ;;
esac
