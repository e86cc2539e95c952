#!/usr/bin/env bash
# JDBC drivers for Spark's JDBC sources (SQLite, PostgreSQL) and Spark's external spark-avro
# and Kafka data sources (Glue's format "avro", connection type "kafka"), from Maven Central, checked against Maven Central's
# SHA-1 and cached in .cache/jdbc. Prints the jars, comma-separated:
# what `[spark] conf` "spark.jars" takes (the tests pass it to their daemons).
#   scripts/jdbc-drivers.sh        fetch what is missing, print the list
# Quiet but for the list; on failure says what could not be fetched.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="$repo/.cache/jdbc"
central="https://repo1.maven.org/maven2"
# group/artifact/version, as Maven Central lays them out.
drivers=(
  "org/xerial/sqlite-jdbc/3.54.1.0"
  "org/postgresql/postgresql/42.7.14"
  # The newest spark-avro for Scala 2.13 on Maven Central; pyspark 4.3's Avro 1.12 jars
  # are what it needs beside it.
  "org/apache/spark/spark-avro_2.13/4.2.0"
  # Spark's Kafka source for Glue's streaming reads (connection_type "kafka"), with the
  # dependencies pyspark's own jars lack.
  "org/apache/spark/spark-sql-kafka-0-10_2.13/4.2.0"
  "org/apache/spark/spark-token-provider-kafka-0-10_2.13/4.2.0"
  "org/apache/kafka/kafka-clients/3.9.2"
  "org/apache/commons/commons-pool2/2.13.1"
)

fetch() {
  local coords=$1 artifact version jar url
  artifact=$(basename "$(dirname "$coords")")
  version=$(basename "$coords")
  jar="$cache/$artifact-$version.jar"
  if [ ! -s "$jar" ]; then
    url="$central/$coords/$artifact-$version.jar"
    curl -fsSL --retry 3 -o "$jar.part" "$url" \
      || { echo "jdbc-drivers.sh: cannot fetch $url" >&2; exit 1; }
    expected=$(curl -fsSL --retry 3 "$url.sha1" | cut -c1-40) \
      || { echo "jdbc-drivers.sh: cannot fetch $url.sha1" >&2; exit 1; }
    actual=$(sha1sum "$jar.part" | cut -c1-40)
    if [ "$expected" != "$actual" ]; then
      rm -f "$jar.part"
      echo "jdbc-drivers.sh: $artifact-$version.jar has SHA-1 $actual, Maven Central says $expected" >&2
      exit 1
    fi
    mv "$jar.part" "$jar"
  fi
  printf '%s' "$jar"
}

mkdir -p "$cache"
jars=()
for coords in "${drivers[@]}"; do
  jars+=("$(fetch "$coords")")
done
(IFS=,; echo "${jars[*]}")
