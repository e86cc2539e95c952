"""A table's schema from a sample of its data, like a Glue crawler's classifiers.

CSV and JSON are read by the daemon itself, a sample at a time (no JVM for the common
case); Parquet and ORC carry their schema in each file's footer
(``stoker.datacatalog.columnar``).
Only local files are read: absolute paths, ``file://`` and ``s3://`` buckets that
``[glue] s3_buckets`` maps to a local directory. Directories ``key=value`` below the path
are partitions (their keys typed string, as a crawler does).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from stoker.datacatalog.columnar import columnar_columns
from stoker.domain.datacatalog import Column
from stoker.errors import InvalidInput

MAX_FILES = 20
MAX_ROWS = 2000
MAX_SAMPLE_BYTES = 4 * 1024 * 1024
EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "json",
              ".ndjson": "json", ".parquet": "parquet", ".orc": "orc"}  # fmt: skip
_INT = re.compile(r"[+-]?\d{1,18}")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?"
)
_BOOLEAN = re.compile(r"true|false", re.IGNORECASE)
#: A CSV value's type: the first pattern it matches (the narrowest).
_SCALARS = ((_INT, "bigint"), (_FLOAT, "double"), (_BOOLEAN, "boolean"), (_DATE, "date"),
            (_TIMESTAMP, "timestamp"))  # fmt: skip
_JSON_SCALARS = ((bool, "boolean"), (int, "bigint"), (float, "double"), (str, "string"))
_WIDER = {frozenset({"bigint", "double"}): "double", frozenset({"date", "timestamp"}): "timestamp"}


@dataclass(frozen=True)
class Inferred:
    format: str
    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...]
    #: How many files were sampled.
    files: int


def local_path(location: str, s3_buckets: Mapping[str, str]) -> Path:
    """Where ``location`` is on this machine; InvalidInput when it is not local."""
    parts = urlsplit(location)
    if parts.scheme in ("s3", "s3a", "s3n"):
        target = s3_buckets.get(parts.netloc)
        if target is None:
            raise InvalidInput(
                f"bucket {parts.netloc!r} is not in [glue] s3_buckets; map it to a directory "
                "to read s3://" + parts.netloc, field="path")  # fmt: skip
        return local_path(target.rstrip("/") + "/" + parts.path.lstrip("/"), {})
    if parts.scheme == "file":
        return Path(parts.path)
    if location.startswith("/"):
        return Path(location)
    raise InvalidInput(
        f"{location[:80]!r}: schemas are inferred from local files only (an absolute path, "
        "file:// or an s3:// bucket mapped to a local directory)", field="path")  # fmt: skip


def infer_schema(location: str, fmt: str | None, s3_buckets: Mapping[str, str],
                 options: Mapping[str, Any] | None = None) -> Inferred:  # fmt: skip
    """Columns and partition keys of the data at ``location`` (a file or a directory)."""
    root = local_path(location, s3_buckets)
    files, keys = sample_files(root)
    fmt = fmt or _format_of(files[0])
    opts = dict(options or {})
    if fmt == "csv":
        found = _csv_columns(files, opts)
    elif fmt == "json":
        found = _json_columns(files)
    elif fmt in ("parquet", "glueparquet", "orc"):
        found = columnar_columns(files, "parquet" if fmt == "glueparquet" else fmt)
    else:
        raise InvalidInput(f"format {fmt!r} cannot be inferred; use csv, json, parquet or orc",
                           field="format")  # fmt: skip
    partition = tuple(Column(k, "string") for k in keys)
    columns = tuple(c for c in found if c.name not in keys)
    return Inferred(fmt, columns, partition, len(files))


def sample_files(root: Path) -> tuple[list[Path], list[str]]:
    """Up to MAX_FILES data files in name order, and the partition keys of the first."""
    if root.is_file():
        return [root], []
    if not root.is_dir():
        raise InvalidInput(f"{root} does not exist", field="path")
    files: list[Path] = []
    for top, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        files += [Path(top) / n for n in sorted(names) if not n.startswith((".", "_"))
                  and not n.endswith(".crc")]  # fmt: skip
        if len(files) >= MAX_FILES:
            break
    if not files:
        raise InvalidInput(f"{root} holds no data files", field="path")
    relative = files[0].relative_to(root).parts[:-1]
    keys = [part.split("=", 1)[0] for part in relative if "=" in part]
    return files[:MAX_FILES], keys


def _format_of(path: Path) -> str:
    suffixes = [s for s in path.suffixes if s not in (".gz", ".snappy", ".zstd")]
    fmt = EXTENSIONS.get(suffixes[-1].lower()) if suffixes else None
    if fmt is None:
        raise InvalidInput(f"cannot tell the format of {path.name}; give it (csv, json, "
                           "parquet or orc)", field="format")  # fmt: skip
    return fmt


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace", newline="")


def _csv_columns(files: list[Path], opts: dict[str, Any]) -> list[Column]:
    header = str(opts.get("withHeader", True)).lower() != "false"
    delimiter = str(opts.get("separator", "\t" if files[0].suffix == ".tsv" else ","))
    quote = str(opts.get("quoteChar", '"'))
    names: list[str] = []
    types: list[str | None] = []
    rows = 0
    for path in files:
        with _open(path) as fh:
            reader = csv.reader(fh, delimiter=delimiter, quotechar=quote)
            first = next(reader, None)
            if first is None:
                continue
            if not names:
                names = first if header else [f"col{i}" for i in range(len(first))]
                types = [None] * len(names)
            for row in ([] if header else [first]) + list(_take(reader, MAX_ROWS - rows)):
                rows += 1
                for i, value in enumerate(row[: len(names)]):
                    types[i] = _merge(types[i], _scalar_type(value))
        if rows >= MAX_ROWS:
            break
    pairs = enumerate(zip(names, types, strict=True))
    return [Column(n or f"col{i}", t or "string") for i, (n, t) in pairs]


def _take(reader: Iterator[list[str]], n: int) -> Iterator[list[str]]:
    for i, row in enumerate(reader):
        if i >= n:
            return
        yield row


def _scalar_type(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    return next((kind for pattern, kind in _SCALARS if pattern.fullmatch(text)), "string")


def _merge(old: str | None, new: str | None) -> str | None:
    if old is None or old == new:
        return new
    if new is None:
        return old
    return _WIDER.get(frozenset({old, new}), "string")


def _json_columns(files: list[Path]) -> list[Column]:
    fields: dict[str, Any] = {}
    for path in files:
        with _open(path) as fh:
            text = fh.read(MAX_SAMPLE_BYTES)
        for record in _json_records(text):
            if isinstance(record, dict):
                fields = _merge_struct(fields, record)
    return [Column(name, _render(kind)) for name, kind in fields.items()]


def _json_records(text: str) -> list[Any]:
    if text.lstrip().startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            return []
        return loaded[:MAX_ROWS] if isinstance(loaded, list) else []
    records = []
    for line in text.splitlines()[:MAX_ROWS]:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a line cut by the sample's end, or not a record
    return records


def _json_type(value: Any) -> Any:
    """A type as data: a Hive name, ("struct", {field: type}) or ("array", type)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return ("struct", _merge_struct({}, value))
    if isinstance(value, list):
        element = None
        for item in value:
            element = _merge_json(element, _json_type(item))
        return ("array", element)
    # bool before int: a JSON true is a Python bool, which is an int too.
    return next((kind for cls, kind in _JSON_SCALARS if isinstance(value, cls)), "string")


def _merge_struct(fields: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    merged = dict(fields)
    for key, value in record.items():
        merged[key] = _merge_json(merged.get(key), _json_type(value))
    return merged


def _merge_json(old: Any, new: Any) -> Any:
    if old is None or old == new:
        return new
    if new is None:
        return old
    if isinstance(old, tuple) and isinstance(new, tuple) and old[0] == new[0]:
        if old[0] == "struct":
            return ("struct", _merge_struct(old[1], {}) | _merge_fields(old[1], new[1]))
        return ("array", _merge_json(old[1], new[1]))
    if isinstance(old, str) and isinstance(new, str):
        return _WIDER.get(frozenset({old, new}), "string")
    return "string"


def _merge_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {k: _merge_json(old.get(k), v) for k, v in new.items()}


def _render(kind: Any) -> str:
    if kind is None:
        return "string"
    if isinstance(kind, str):
        return kind
    if kind[0] == "array":
        return f"array<{_render(kind[1])}>"
    return "struct<" + ",".join(f"{k}:{_render(v)}" for k, v in kind[1].items()) + ">"
