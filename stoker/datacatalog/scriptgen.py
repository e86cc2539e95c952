"""Glue-style job scripts in the shape Glue's "Add job" wizard generates, as a pure function.

The script: getResolvedOptions, a SparkContext and its GlueContext, ``Job.init``, the
source with ``transformation_ctx="datasource0"``, ApplyMapping, ResolveChoice
(``make_struct``), DropNullFields, the sink, ``job.commit()``, with the ``## @type``
annotations Glue writes above each step. Literals are written with ``json.dumps`` (a valid
Python string literal) so no path or name can break out of its string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from stoker.domain.datacatalog import Column, catalog_name
from stoker.errors import InvalidInput

EndpointKind = Literal["catalog", "path", "jdbc"]
#: The catalog's Hive type names as Glue's ApplyMapping writes them.
_GLUE_TYPES = {"bigint": "long", "smallint": "short", "tinyint": "byte", "integer": "int"}
_JDBC_TYPES = {"postgresql": "postgresql", "mysql": "mysql", "sqlserver": "sqlserver",
               "oracle": "oracle", "redshift": "redshift"}  # fmt: skip
_NAME = re.compile(r"[^\s=:][^=:]*")


@dataclass(frozen=True)
class Endpoint:
    """A source or target: a catalog table, a path with its format, or a JDBC table."""

    kind: EndpointKind
    database: str | None = None
    table: str | None = None
    path: str | None = None
    format: str | None = None
    format_options: dict[str, Any] = field(default_factory=dict)
    connection: str | None = None
    connection_url: str | None = None
    jdbc_table: str | None = None
    partition_keys: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == "catalog":
            return f"catalog:{self.database}.{self.table}"
        if self.kind == "jdbc":
            return f"connection:{self.connection}/{self.jdbc_table}"
        return f"{self.path} ({self.format})"


@dataclass(frozen=True)
class Mapping:
    """One ApplyMapping tuple: (source, source type, target, target type)."""

    source: str
    source_type: str
    target: str
    target_type: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "source_type": self.source_type,
                "target": self.target, "target_type": self.target_type}  # fmt: skip


@dataclass(frozen=True)
class MappingRule:
    """``src[:type]=[dst[:type]]`` (an empty right side drops the column) or ``src:type``."""

    source: str
    source_type: str | None
    target: str | None
    target_type: str | None
    drop: bool = False


@dataclass(frozen=True)
class GeneratedScript:
    source: Endpoint
    target: Endpoint
    #: The source's columns (inferred, or read from the catalog).
    columns: tuple[Column, ...]
    mappings: tuple[Mapping, ...]
    script: str


def glue_type(hive: str) -> str:
    """A catalog type as ApplyMapping names it (``bigint`` → ``long``, ``struct<…>`` →
    ``struct``)."""
    base = hive.strip().lower()
    for nested in ("struct", "array", "map"):
        if base.startswith(nested + "<"):
            return nested
    return _GLUE_TYPES.get(base, base)


def parse_rule(spec: str) -> MappingRule:
    left, sep, right = spec.partition("=")
    source, _, source_type = left.partition(":")
    target, _, target_type = right.partition(":")
    source, target = source.strip(), target.strip()
    if not _NAME.fullmatch(source) or (target and not _NAME.fullmatch(target)):
        raise InvalidInput(
            f"mapping {spec[:80]!r} is not src[:type]=dst[:type] (rename and retype), "
            "src:type (retype) or src= (drop)",
            field="mappings",
        )
    if not sep and not source_type:
        raise InvalidInput(f"mapping {spec[:80]!r} changes nothing; write src:type, "
                           "src=dst[:type] or src= to drop", field="mappings")  # fmt: skip
    if not sep:  # src:type retypes the column, keeping its name
        return MappingRule(source, None, source, source_type.strip())
    return MappingRule(
        source=source, source_type=source_type.strip() or None, target=target or None,
        target_type=target_type.strip() or None, drop=not target,
    )  # fmt: skip


def build_mappings(columns: Sequence[Column], rules: Sequence[MappingRule]) -> list[Mapping]:
    """Every source column mapped to itself unless a rule renames, retypes or drops it.
    With no columns known (a JDBC source), the rules are the mapping and carry types."""
    by_name = {r.source: r for r in rules}
    known = {c.name for c in columns}
    unknown = [r.source for r in rules if r.source not in known]
    if columns and unknown:
        raise InvalidInput(
            f"mapping names column {unknown[0]!r}, which the source does not have; its "
            "columns: " + ", ".join(c.name for c in columns),
            field="mappings",
        )
    if not columns:
        columns = [Column(r.source, r.source_type or r.target_type or "string") for r in rules]
    mappings = []
    for column in columns:
        rule = by_name.get(column.name)
        if rule is not None and rule.drop:
            continue
        source_type = glue_type(rule.source_type if rule and rule.source_type else column.type)
        target = rule.target if rule and rule.target else column.name
        target_type = glue_type(rule.target_type) if rule and rule.target_type else source_type
        mappings.append(Mapping(column.name, source_type, target, target_type))
    if not mappings:
        raise InvalidInput("the mapping drops every column; keep at least one",
                           field="mappings")  # fmt: skip
    return mappings


def generate_script(source: Endpoint, target: Endpoint, mappings: Sequence[Mapping]) -> str:
    """The script's text; it compiles, and runs under stoker's awsglue."""
    tuples = ", ".join(
        f"({_py(m.source)}, {_py(m.source_type)}, {_py(m.target)}, {_py(m.target_type)})"
        for m in mappings
    )
    lines = [
        "import sys",
        "from awsglue.transforms import *",
        "from awsglue.utils import getResolvedOptions",
        "from pyspark.context import SparkContext",
        "from awsglue.context import GlueContext",
        "from awsglue.job import Job",
        "",
        "## @params: [JOB_NAME]",
        "args = getResolvedOptions(sys.argv, ['JOB_NAME'])",
        "",
        "sc = SparkContext()",
        "glueContext = GlueContext(sc)",
        "spark = glueContext.spark_session",
        "job = Job(glueContext)",
        "job.init(args['JOB_NAME'], args)",
        *_step("DataSource", "datasource0", [], _source(source)),
        *_step("ApplyMapping", "applymapping1", ["datasource0"],
               f"ApplyMapping.apply(frame = datasource0, mappings = [{tuples}], "
               'transformation_ctx = "applymapping1")'),
        *_step("ResolveChoice", "resolvechoice2", ["applymapping1"],
               'ResolveChoice.apply(frame = applymapping1, choice = "make_struct", '
               'transformation_ctx = "resolvechoice2")'),
        *_step("DropNullFields", "dropnullfields3", ["resolvechoice2"],
               'DropNullFields.apply(frame = resolvechoice2, transformation_ctx = '
               '"dropnullfields3")'),
        *_step("DataSink", "datasink4", ["dropnullfields3"], _sink(target)),
        "job.commit()",
        "",
    ]  # fmt: skip
    return "\n".join(lines)


def _step(kind: str, name: str, inputs: list[str], call: str) -> list[str]:
    return [
        f"## @type: {kind}",
        f"## @return: {name}",
        f"## @inputs: [{', '.join(f'frame = {i}' for i in inputs)}]",
        f"{name} = {call}",
    ]


def _source(source: Endpoint) -> str:
    ctx = 'transformation_ctx = "datasource0"'
    if source.kind == "catalog":
        return (f"glueContext.create_dynamic_frame.from_catalog(database = "
                f"{_py(source.database)}, table_name = {_py(source.table)}, {ctx})")  # fmt: skip
    if source.kind == "jdbc":
        jdbc = {"useConnectionProperties": "true", "dbtable": source.jdbc_table,
                "connectionName": source.connection}  # fmt: skip
        return (f"glueContext.create_dynamic_frame.from_options(connection_type = "
                f"{_py(jdbc_type(source.connection_url))}, connection_options = "
                f"{_py(jdbc)}, {ctx})")  # fmt: skip
    options: dict[str, Any] = {"paths": [source.path], "recurse": True}
    formats = f", format_options = {_py(source.format_options)}" if source.format_options else ""
    return (f"glueContext.create_dynamic_frame.from_options(connection_type = "
            f"{_py(_path_type(source.path))}, connection_options = {_py(options)}, format = "
            f"{_py(source.format)}{formats}, {ctx})")  # fmt: skip


def _sink(target: Endpoint) -> str:
    head = "glueContext.write_dynamic_frame"
    ctx = 'transformation_ctx = "datasink4"'
    if target.kind == "catalog":
        return (f"{head}.from_catalog(frame = dropnullfields3, database = "
                f"{_py(target.database)}, table_name = {_py(target.table)}, {ctx})")  # fmt: skip
    if target.kind == "jdbc":
        jdbc = {"dbtable": target.jdbc_table, "database": jdbc_database(target.connection_url)}
        return (f"{head}.from_jdbc_conf(frame = dropnullfields3, catalog_connection = "
                f"{_py(target.connection)}, connection_options = {_py(jdbc)}, {ctx})")
    options: dict[str, Any] = {"path": target.path}
    if target.partition_keys:
        options["partitionKeys"] = list(target.partition_keys)
    return (f"{head}.from_options(frame = dropnullfields3, connection_type = "
            f"{_py(_path_type(target.path))}, connection_options = {_py(options)}, format = "
            f"{_py(target.format)}, {ctx})")  # fmt: skip


def _path_type(path: str | None) -> str:
    return "s3" if (path or "").startswith("s3://") else "file"


def jdbc_type(url: str | None) -> str:
    """Glue's connection type for a JDBC URL (``jdbc:postgresql:…`` → ``postgresql``)."""
    vendor = (url or "").removeprefix("jdbc:").split(":", 1)[0].lower()
    return _JDBC_TYPES.get(vendor, "jdbc")


def jdbc_database(url: str | None) -> str:
    """The database a JDBC URL names (``jdbc:postgresql://h:5432/sales?x`` → ``sales``)."""
    tail = (url or "").split("//", 1)[-1].split("?", 1)[0].split(";", 1)[0]
    return tail.rsplit("/", 1)[-1] if "/" in tail else ""


def catalog_endpoint(spec: str) -> Endpoint:
    """``db.table`` (after ``catalog:``) as a catalog endpoint with Glue's lower-case names."""
    database, dot, table = spec.partition(".")
    if not dot:
        raise InvalidInput(f"catalog:{spec[:80]} is not catalog:database.table", field="source")
    return Endpoint("catalog", database=catalog_name(database, "database"),
                    table=catalog_name(table, "table"))  # fmt: skip


def _py(value: Any) -> str:
    """A Python literal of plain data (json.dumps writes valid Python string literals)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(str(k))}: {_py(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no literal for {type(value).__name__}")
