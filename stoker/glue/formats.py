"""Glue's formats and format options, as Spark reader and writer options.

Glue names: ``withHeader``, ``separator``, ``quoteChar``, ``escaper``, ``multiline`` (or
``multiLine``), ``writeHeader``, ``compression``, ``blockSize``, ``pageSize``,
``useGlueParquetWriter``,
Avro's ``version``. Avro is Spark's external ``spark-avro`` module: its jar must be on the
driver's ``spark.jars`` (:func:`require_source` says so before a read or write).
Options that only tune Glue's own readers (``optimizePerformance``, ``groupFiles`` …) are
accepted and change nothing: Spark plans the same read. Any other option fails, naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stoker.glue.errors import NotSupported

#: Glue format -> Spark data source.
FORMATS = {"csv": "csv", "json": "json", "parquet": "parquet", "glueparquet": "parquet",
           "orc": "orc", "avro": "avro"}  # fmt: skip
#: Spark data sources outside Spark's own jars: the class that proves the module is loaded,
#: and the jar(s) that bring it.
EXTERNAL = {
    "avro": ("org.apache.spark.sql.avro.AvroFileFormat", "spark-avro_2.13 jar"),
    "kafka": ("org.apache.spark.sql.kafka010.KafkaSourceProvider",
              "spark-sql-kafka-0-10_2.13 jar and its dependencies"),
}  # fmt: skip
#: Accepted everywhere, with no effect on what is read or written (performance hints).
_HINTS = frozenset({
    "optimizePerformance", "strictCheckForQuoting", "useGlueParquetWriter", "groupFiles",
    "groupSize", "recurse", "compressionType",
})  # fmt: skip


@dataclass(frozen=True)
class Format:
    """One read or write: the Spark source and its options."""

    name: str
    spark: str
    options: dict[str, str]


def spark_format(call: str, fmt: str | None) -> str:
    if fmt is None:
        raise NotSupported(call, "a file source without format=", "give format='csv' etc.")
    spark = FORMATS.get(fmt.lower())
    if spark is None:
        raise NotSupported(call, f"format {fmt!r}", "supported: " + ", ".join(FORMATS))
    return spark


def require_source(call: str, session: Any, spark: str) -> None:
    """Fail clearly when ``spark`` is an external module whose jar the driver lacks."""
    if spark not in EXTERNAL:
        return
    name, jars = EXTERNAL[spark]
    jvm = session.sparkContext._jvm
    try:
        jvm.org.apache.spark.util.Utils.classForName(name, True, False)
    except Exception as exc:  # py4j's error: the class is not on the driver's classpath
        raise NotSupported(
            call, f"{spark!r} without Spark's {spark} module",
            f"add the {jars} to [spark] conf spark.jars "
            "(scripts/jdbc-drivers.sh fetches them from Maven Central)",
        ) from exc  # fmt: skip


def read_format(call: str, fmt: str | None, options: Mapping[str, Any]) -> Format:
    """Spark reader options for Glue ``format_options`` (CSV is read as text: typed later)."""
    spark = spark_format(call, fmt)
    out: dict[str, str] = {}
    for key, value in options.items():
        if key in _HINTS:
            continue
        out.update(_reader_option(call, spark, key, value))
    if spark == "csv":
        out.setdefault("header", "false")
        out["inferSchema"] = "false"  # Glue types CSV values itself (choice types)
    return Format(str(fmt).lower(), spark, out)


def write_format(call: str, fmt: str | None, options: Mapping[str, Any]) -> Format:
    """Spark writer options for Glue ``format_options``; Glue's CSV writer writes a header."""
    spark = spark_format(call, fmt or "json")
    out: dict[str, str] = {"header": "true"} if spark == "csv" else {}
    for key, value in options.items():
        if key in _HINTS:
            continue
        out.update(_writer_option(call, spark, key, value))
    return Format(str(fmt or "json").lower(), spark, out)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _reader_option(call: str, spark: str, key: str, value: Any) -> dict[str, str]:
    if spark == "csv":
        csv = {"withHeader": "header", "separator": "sep", "escaper": "escape",
               "multiline": "multiLine", "multiLine": "multiLine"}  # fmt: skip
        if key == "quoteChar":
            # Glue's quoteChar -1 turns quoting off; Spark's way is the NUL character.
            return {"quote": "\u0000" if str(value) == "-1" else str(value)}
        if key in csv:
            return {csv[key]: _text(value)}
    if spark == "json" and key in ("multiline", "multiLine"):
        return {"multiLine": _text(value)}
    if key in ("compression", "blockSize", "pageSize") or (spark == "avro" and key == "version"):
        return {}  # Spark reads what it finds: compression is in the file
    raise NotSupported(call, f"format option {key!r} for {spark}")


def _writer_option(call: str, spark: str, key: str, value: Any) -> dict[str, str]:
    if key == "compression":
        return {"compression": str(value).lower()}
    if spark == "csv":
        csv = {"writeHeader": "header", "separator": "sep", "escaper": "escape",
               "quoteChar": "quote", "withHeader": "header"}  # fmt: skip
        if key in csv:
            return {csv[key]: _text(value)}
    if spark == "parquet" and key in ("blockSize", "pageSize"):
        return {f"parquet.{key[:-4].lower()}.size": str(value)}
    if key in ("blockSize", "pageSize") or (spark == "avro" and key == "version"):
        return {}  # Glue's Avro version (1.7/1.8) picks its writer; Spark's has one
    raise NotSupported(call, f"format option {key!r} for {spark} output")
