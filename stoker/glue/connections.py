"""Glue connection types and their ``connection_options``, as what stoker reads or writes.

``s3`` and ``file`` are paths (``s3://`` through the run context's bucket map); ``jdbc``
and Glue's JDBC spellings (``postgresql``, ``mysql``, ``sqlserver``, ``oracle``, and
``redshift``, which speaks PostgreSQL's protocol) are a JDBC URL and table, from the
options or a named connection; ``custom.spark`` / ``marketplace.spark`` name a Spark data
source by ``className``. A ``kafka`` stream is ``stoker.glue.streaming``'s, read only by
``create_data_frame.from_options``; here, like every other type (``dynamodb``,
``kinesis``, ``mongodb`` …), it fails with a clear error, as does any option this module
does not know.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stoker.glue.errors import InvalidInputException, NotSupported
from stoker.glue.runcontext import RunContext
from stoker.job.jdbc import DRIVERS

FILE_TYPES = ("s3", "file")
JDBC_TYPES = ("jdbc", "postgresql", "mysql", "sqlserver", "oracle", "redshift")
CUSTOM_TYPES = ("custom.spark", "marketplace.spark")
SUPPORTED = (*FILE_TYPES, *JDBC_TYPES, *CUSTOM_TYPES)
#: Options that only tune Glue's own connectors: accepted, no effect on the result.
_JDBC_HINTS = frozenset({
    "hashfield", "hashexpression", "hashpartitions", "bulkSize", "redshiftTmpDir",
    "aws_iam_role", "customJdbcDriverS3Path", "enablePartitioningForSampleQuery",
    "useConnectionProperties", "catalog_connection", "connectionName", "database",
    "extracopyoptions", "preactions", "postactions",
})  # fmt: skip
_FILE_KEYS = frozenset({
    "paths", "path", "recurse", "groupFiles", "groupSize", "compressionType",
    "maxBand", "maxFilesInBand", "boundedFiles", "boundedSize", "partitionKeys",
    "useS3ListImplementation", "compression",
    # S3-only behaviour with nothing to change on a mapped bucket: storage classes
    # (Glacier) to skip, failing fast on a malformed file (Spark's reader already does).
    "excludeStorageClasses", "isFailFast", "exclusions",
})  # fmt: skip


@dataclass(frozen=True)
class Files:
    paths: list[str]
    recurse: bool
    limits: dict[str, int] = field(default_factory=dict)
    partition_keys: list[str] = field(default_factory=list)
    compression: str | None = None
    #: Glue's ``exclusions``: globs of files not to read (bucket paths already mapped).
    exclusions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Jdbc:
    url: str
    table: str
    properties: dict[str, str]
    keys: list[str]
    order: str


@dataclass(frozen=True)
class Custom:
    class_name: str
    options: dict[str, str]


Connection = Files | Jdbc | Custom


def resolve(
    call: str, ctype: str, options: Mapping[str, Any], ctx: RunContext, *, recurse: bool = False
) -> Connection:
    """What ``connection_type`` with ``connection_options`` means here."""
    kind = (ctype or "").lower()
    if kind in FILE_TYPES:
        return _files(call, options, ctx, recurse)
    if kind in JDBC_TYPES:
        return jdbc(call, kind, options, ctx)
    if kind in CUSTOM_TYPES:
        rest = {k: str(v) for k, v in options.items() if k != "className"}
        if "className" not in options:
            raise InvalidInputException(f"{call}: {kind} needs className (a Spark data source)")
        rest.pop("connectionName", None)
        return Custom(str(options["className"]), rest)
    raise NotSupported(
        call, f"connection_type {ctype!r}",
        "it reaches an AWS-only or unimplemented service; supported: " + ", ".join(SUPPORTED),
    )  # fmt: skip


def _files(call: str, options: Mapping[str, Any], ctx: RunContext, recurse: bool) -> Files:
    unknown = sorted(set(options) - _FILE_KEYS)
    if unknown:
        raise NotSupported(call, "connection option(s) " + ", ".join(map(repr, unknown)))
    raw = options.get("paths", options.get("path"))
    if not raw:
        raise InvalidInputException(f"{call}: connection_options needs 'paths' (a list)")
    paths = [raw] if isinstance(raw, str) else list(raw)
    limits = {name: int(options[key]) for key, name in (
        ("maxBand", "band_ms"), ("maxFilesInBand", "max_files_in_band"),
        ("boundedFiles", "bounded_files"),
    ) if key in options}  # fmt: skip
    if "boundedSize" in options:
        raise NotSupported(call, "connection option 'boundedSize'", "use boundedFiles")
    keys = options.get("partitionKeys") or []
    return Files(
        [ctx.path(p) for p in paths], _flag(options.get("recurse", recurse)), limits,
        list(keys), options.get("compression"),
        [ctx.path(p) for p in _exclusions(call, options.get("exclusions"))],
    )  # fmt: skip


def _exclusions(call: str, raw: Any) -> list[str]:
    """Glue writes exclusions as a JSON list in a string (``'["**.json"]'``); a list works."""
    if raw is None or raw == "":
        return []
    try:
        found = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise InvalidInputException(
            f"{call}: exclusions must be a JSON list of glob patterns, not {raw!r}"
        ) from exc
    if not isinstance(found, list) or not all(isinstance(p, str) for p in found):
        raise InvalidInputException(f"{call}: exclusions must be a list of glob patterns")
    return found


def jdbc(call: str, kind: str, options: Mapping[str, Any], ctx: RunContext) -> Jdbc:
    """A JDBC source or sink: the URL, table and credentials from the options, or from the
    named connection (``connectionName``/``catalog_connection``), options winning."""
    opts = dict(options)
    name = opts.get("connectionName") or opts.get("catalog_connection")
    base: dict[str, Any] = ctx.connection(str(name)) if name else {}
    url = str(opts.pop("url", base.get("url") or ""))
    if not url:
        raise InvalidInputException(f"{call}: a {kind} connection needs url or connectionName")
    if "database" in opts:
        url = with_database(url, str(opts["database"]))
    if url.startswith("jdbc:redshift:"):
        url = "jdbc:postgresql:" + url.removeprefix("jdbc:redshift:")
    properties = {k: str(v) for k, v in (base.get("properties") or {}).items()}
    for key in ("user", "password"):
        value = opts.pop(key, base.get(key))
        if value is not None:
            properties[key] = str(value)
    if "customJdbcDriverClassName" in opts:
        properties["driver"] = str(opts.pop("customJdbcDriverClassName"))
    driver = next((d for prefix, d in DRIVERS.items() if url.startswith(prefix)), None)
    if driver is not None:
        properties.setdefault("driver", driver)  # Spark's writer needs it named too
    table = opts.pop("dbtable", None)
    query = opts.pop("sampleQuery", opts.pop("query", None))
    keys = opts.pop("jobBookmarkKeys", [])
    order = str(opts.pop("jobBookmarkKeysSortOrder", "asc")).lower()
    unknown = sorted(set(opts) - _JDBC_HINTS)
    if unknown:
        raise NotSupported(call, f"{kind} connection option(s) " + ", ".join(map(repr, unknown)))
    if table is None and query is None:
        raise InvalidInputException(f"{call}: a {kind} connection needs dbtable")
    source = str(table) if table is not None else f"({query}) AS glue_sample_query"
    return Jdbc(url, source, properties, [keys] if isinstance(keys, str) else list(keys), order)


def with_database(url: str, database: str) -> str:
    """``jdbc:vendor://host:port/db?x`` with another database (Glue's ``database`` option)."""
    match = re.match(r"(jdbc:[a-z]+://[^/?;]+)(/[^?;]*)?(.*)", url)
    if match is None:
        return url
    return f"{match.group(1)}/{database}{match.group(3)}"


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"
