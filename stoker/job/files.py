"""A file source: list the files under a path, take the new ones, read them with Spark.

Local paths (and ``file:`` URIs) are listed with the operating system, which is fast
enough for a directory of 100,000 files in well under a second; any other URI Spark can
reach (``s3a://``, ``hdfs://``, …) is listed by Spark itself (the ``binaryFile`` source,
which lists without reading the files' contents), keeping only the files modified after
the source's low-water mark. Files and directories whose names start with ``_`` or ``.``
are skipped, as Spark skips them (``_SUCCESS``, ``.crc``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from stoker.domain.bookmark_files import (
    FileEntry,
    FilesState,
    Limits,
    Selection,
    select,
    select_window,
)

_OPEN_COST = "spark.sql.files.openCostInBytes"
_MAX_SPLIT = "spark.sql.files.maxPartitionBytes"

#: Formats Spark reads from files (Glue's, less the ones Spark does not ship).
FORMATS = ("csv", "json", "parquet", "orc", "text", "avro")


def read_files(
    spark: Any,
    path: str,
    fmt: str,
    *,
    state: dict[str, Any] | None,
    window: tuple[Any, Any] | None,
    start_ms: int,
    limits: dict[str, int],
    options: dict[str, str],
    schema: Any,
    recurse: bool,
    exclude: Sequence[str] = (),
) -> tuple[Any, dict[str, Any] | None, str]:
    """(the DataFrame, the source's new state or None without a bookmark, a report line).
    Files matching an ``exclude`` glob are not read, nor counted in the bookmark."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one stoker reads; allowed: {', '.join(FORMATS)}")
    current = FilesState.from_element(state) if state is not None else FilesState()
    listing = list(list_files(spark, path, recurse, current.low if window is None else None))
    if exclude:
        matchers = [glob_regex(p) for p in exclude]
        listing = [e for e in listing if not excluded(path, e.path, matchers)]
    if state is None:
        chosen = Selection(sorted(listing), 0, 0, current)
    elif window is not None:
        chosen = select_window(
            FilesState.from_element(window[0]), FilesState.from_element(window[1]), listing
        )
    else:
        chosen = select(current, listing, start_ms, Limits(**limits))
    frame = _frame(spark, fmt, [e.path for e in chosen.taken], options, schema, listing)
    report = (
        f"{len(chosen.taken)} new file(s), {chosen.skipped} already processed, "
        f"{chosen.deferred} left for the next run"
    )
    element = None
    if state is not None:
        element = chosen.state.to_element(path=path, format=fmt, start=start_ms)
    return frame, element, report


def _frame(
    spark: Any, fmt: str, paths: list[str], options: dict[str, str], schema: Any,
    listing: list[FileEntry],
) -> Any:  # fmt: skip
    reader = spark.read.format(fmt).options(**options)
    if schema is not None:
        reader = reader.schema(schema)
    if paths:
        return reader.load(paths)
    if schema is None and listing:
        # Nothing new: an empty frame shaped like the files already processed.
        schema = spark.read.format(fmt).options(**options).load(listing[0].path).schema
    from pyspark.sql.types import StructType

    return spark.createDataFrame([], schema if schema is not None else StructType([]))


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A Unix-style glob as Glue's ``exclusions`` write them: ``**`` crosses directories,
    ``*`` and ``?`` do not, ``{a,b}`` is either, ``[...]`` a character class."""
    out, depth, i = [], 0, 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        c = pattern[i]
        if c == "{":
            depth += 1
            out.append("(?:")
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
        elif c == "," and depth:
            out.append("|")
        elif c in "[]":
            out.append(c)
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c)))
        i += 1
    return re.compile("".join(out))


def excluded(root: str, path: str, matchers: Sequence[re.Pattern[str]]) -> bool:
    """Whether ``path`` (listed under ``root``) matches a pattern, relative to the root or
    whole."""
    whole = urlsplit(path).path if "://" in path or path.startswith("file:") else path
    base = urlsplit(root).path if "://" in root or root.startswith("file:") else root
    relative = whole[len(base):].lstrip("/") if whole.startswith(base) else whole
    return any(m.fullmatch(relative) or m.fullmatch(whole) for m in matchers)


def list_files(spark: Any, path: str, recurse: bool, above: int | None) -> Iterator[FileEntry]:
    """The files under ``path`` (modified after ``above`` if given: Spark's listing only)."""
    parts = urlsplit(path)
    if parts.scheme in ("", "file"):
        yield from _list_local(os.path.abspath(parts.path if parts.scheme else path), recurse)
    else:
        yield from list_hadoop(spark, path, recurse, above)


def _list_local(root: str, recurse: bool) -> Iterator[FileEntry]:
    if os.path.isfile(root):
        yield FileEntry(os.stat(root).st_mtime_ns // 1_000_000, root)
        return
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no such file or directory: {root}")
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _hidden(d)) if recurse else []
        for name in names:
            if _hidden(name):
                continue
            full = os.path.join(folder, name)
            try:
                mtime = os.stat(full).st_mtime_ns // 1_000_000
            except FileNotFoundError:
                continue  # removed while listed
            yield FileEntry(mtime, full)


def list_hadoop(spark: Any, path: str, recurse: bool, above: int | None) -> Iterator[FileEntry]:
    """Spark's listing of any Hadoop URI (``s3a://``, ``hdfs://``, ``file:``).

    Files at or below ``above`` are dropped while the directory is listed
    (``modifiedAfter``, whole seconds, so one second early, then exactly), so the ones an
    earlier run processed never become tasks; the rest are packed into about one partition
    per core rather than one per file, as only their names and times are read.
    """
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention

    reader = spark.read.format("binaryFile").option("recursiveFileLookup", str(recurse).lower())
    if above is not None:
        after = datetime.fromtimestamp(above // 1000 - 1, tz=UTC)
        reader = reader.option("modifiedAfter", after.strftime("%Y-%m-%dT%H:%M:%S"))
        reader = reader.option("timeZone", "UTC")
    files = reader.load(path).select("path", F.unix_millis("modificationTime").alias("mtime"))
    if above is not None:
        files = files.where(F.col("mtime") > above)
    with _packed_splits(spark):
        rows = files.collect()
    for row in rows:
        yield FileEntry(int(row["mtime"]), str(row["path"]))


@contextmanager
def _packed_splits(spark: Any) -> Iterator[None]:
    """Split sizes that pack many files into one task, for this listing only: a file's
    open cost (4 MiB by default) would otherwise give each small file a task of its own.
    The session's own values are put back, so the script's reads are planned as it set."""
    conf = spark.conf
    packed = {_OPEN_COST: "0", _MAX_SPLIT: str(2**62)}
    saved = {key: conf.get(key, None) for key in packed}
    for key, value in packed.items():
        conf.set(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                conf.unset(key)
            else:
                conf.set(key, value)


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))
