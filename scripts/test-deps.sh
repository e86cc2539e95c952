#!/usr/bin/env bash
# System packages the test suite needs on a fresh Debian machine, installed only when absent:
# Java 17+ (Spark, through scripts/java.sh), the JDBC drivers (scripts/jdbc-drivers.sh), Glue's
# Jupyter kernel's venv (scripts/glue-kernel.sh), systemd-analyze (unit file test), promtool
# (Prometheus rules and dashboard tests, Debian's prometheus), chromium (the console's browser
# tests, driven by Playwright), the venv module for $PYTHON.
# PostgreSQL is installed by scripts/postgres.sh. Quiet when everything is there.
set -euo pipefail

"$(dirname "$0")/java.sh" --required
# JDBC drivers for the bookmark tests' JDBC sources (cached in .cache/jdbc).
"$(dirname "$0")/jdbc-drivers.sh" >/dev/null

python=${PYTHON:-python3}
missing=()

if ! command -v systemd-analyze >/dev/null; then
  missing+=(systemd)
fi
if ! command -v promtool >/dev/null; then
  missing+=(prometheus)
fi
if ! command -v chromium >/dev/null; then
  missing+=(chromium)
fi
# Debian's python3 ships venv/ensurepip separately.
if [ "$(command -v "$python")" = /usr/bin/python3 ] && ! "$python" -c 'import ensurepip' 2>/dev/null; then
  missing+=(python3-venv)
fi

# Glue's Jupyter kernel in a venv of its own (tests/acceptance/test_glue_kernel.py), once
# the venv module is there.
glue_kernel() { PYTHON="$python" "$(dirname "$0")/glue-kernel.sh" >/dev/null; }

if [ "${#missing[@]}" -eq 0 ]; then
  glue_kernel
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "test-deps.sh: missing packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
if ! out=$(export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq 2>&1 && apt-get install -y -qq --no-install-recommends "${missing[@]}" 2>&1); then
  echo "$out" >&2
  echo "test-deps.sh: apt-get install ${missing[*]} failed" >&2
  exit 1
fi
glue_kernel
