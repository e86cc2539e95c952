#!/usr/bin/env bash
# A Java runtime for Spark (17 or newer), installed on Debian/Ubuntu when missing.
#   scripts/java.sh             `make run`: install it if we can, else say how and go on
#                               (the daemon starts without Java: pythonshell runs work and
#                               /health says why the warm pool cannot start)
#   scripts/java.sh --required  `make test`: exit 1 when there is none afterwards
# Java is looked up as Spark's own scripts do: $JAVA_HOME/bin/java, else `java` on PATH.
# Quiet when a suitable Java is there.
set -euo pipefail

required=${1:-}
min=17

java_major() {
  local java out major minor
  if [ -n "${JAVA_HOME:-}" ]; then java="$JAVA_HOME/bin/java"; else java=$(command -v java || true); fi
  [ -n "$java" ] && [ -x "$java" ] || { echo 0; return; }
  out=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' | head -n 1)
  major=${out%% *}; minor=${out##* }
  [ "$major" = 1 ] && major=$minor  # 1.8 is Java 8
  echo "${major:-0}"
}

give_up() {
  echo "java.sh: $1" >&2
  echo "java.sh: Spark needs Java $min+: install it (Debian/Ubuntu: apt-get install" \
       "openjdk-17-jre-headless) or set JAVA_HOME to one" >&2
  if [ "$required" = --required ]; then exit 1; fi
  echo "java.sh: starting anyway; warm pool and isolated runs fail until Java is there" >&2
  exit 0
}

[ "$(java_major)" -ge "$min" ] && exit 0
if [ -n "${JAVA_HOME:-}" ]; then
  give_up "JAVA_HOME=$JAVA_HOME has no Java $min+ (unset it to use the system's)"
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  give_up "no Java $min+ on PATH, and installing one needs root and apt-get"
fi

export DEBIAN_FRONTEND=noninteractive
echo "java.sh: installing a Java runtime for Spark with apt-get (once)" >&2
apt-get update -qq >/dev/null 2>&1 || true
for package in openjdk-17-jre-headless openjdk-21-jre-headless default-jre-headless; do
  if apt-cache show "$package" >/dev/null 2>&1; then
    if out=$(apt-get install -y -qq --no-install-recommends "$package" 2>&1); then
      hash -r
      [ "$(java_major)" -ge "$min" ] && exit 0
      give_up "installed $package, but it is not Java $min+"
    fi
    echo "$out" >&2
    give_up "apt-get install $package failed"
  fi
done
give_up "apt-get knows none of openjdk-17-jre-headless, openjdk-21-jre-headless, default-jre-headless"
