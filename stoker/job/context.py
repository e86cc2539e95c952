"""A run's job context: its arguments, its bookmark, its sources and sinks, and commit().

The bookmark the daemon hands a run (``--stoker-bookmark-context``, a private file) holds
the option, the version read and every source's state. A source given a
``transformation_ctx`` reads only what that state has not processed, and its new state
waits in the context until ``commit()`` writes them all beside the context file; the
daemon keeps the commit only if the run then ends SUCCEEDED with job-bookmark-enable. A
script that never calls ``commit()`` processes the same input again next time, as in Glue.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stoker.domain.bookmarks import (
    CONTEXT_ARG,
    DEFAULTS,
    OPTION_ARG,
    BookmarkOption,
    bookmark_option,
    check_ctx,
)
from stoker.job.files import read_files
from stoker.job.jdbc import read_jdbc
from stoker.job.options import parse_arguments


class JobContext:
    """Made by :func:`init`; one per run."""

    def __init__(
        self, spark: Any, arguments: dict[str, str], context: dict[str, Any] | None
    ) -> None:
        self.spark = spark
        self.arguments = arguments
        self.job_name = arguments.get("JOB_NAME", "")
        self.run_id = arguments.get("JOB_RUN_ID", "")
        self.option = BookmarkOption(context["option"]) if context else _option(arguments)
        #: Files modified after this belong to the next run (Glue's CURR_RUN_START_TIME).
        self.start_ms = int(time.time() * 1000)
        self._context = context or {}
        self._elements: dict[str, dict[str, Any]] = dict(self._context.get("elements") or {})
        self._read: set[str] = set()

    # -- sources ---------------------------------------------------------------------------

    def files(
        self,
        path: str,
        format: str = "parquet",
        *,
        transformation_ctx: str | None = None,
        options: dict[str, str] | None = None,
        schema: Any = None,
        recurse: bool = True,
        max_band_ms: int | None = None,
        max_files_in_band: int | None = None,
        bounded_files: int | None = None,
        exclude: Sequence[str] = (),
    ) -> Any:
        """The files under ``path`` (a directory, a file, or any Hadoop filesystem URI) as a
        DataFrame: with a ``transformation_ctx`` and a bookmark, only those not processed by
        the runs that committed, selected by modification time and path; none matching an
        ``exclude`` glob (``**.json``, relative to ``path`` or whole)."""
        limits = {"band_ms": max_band_ms, "max_files_in_band": max_files_in_band,
                  "bounded_files": bounded_files}  # fmt: skip
        state = self._state(transformation_ctx, "files")
        frame, element, report = read_files(
            self.spark, path, format, state=state, window=self._window(transformation_ctx),
            start_ms=self.start_ms, limits={k: v for k, v in limits.items() if v is not None},
            options=options or {}, schema=schema, recurse=recurse, exclude=exclude,
        )  # fmt: skip
        self._remember(transformation_ctx, element, f"{path}: {report}")
        return frame

    def jdbc(
        self,
        url: str,
        table: str,
        *,
        keys: Sequence[str] = (),
        sort_order: str = "asc",
        transformation_ctx: str | None = None,
        properties: dict[str, str] | None = None,
    ) -> Any:
        """A JDBC table as a DataFrame: with a ``transformation_ctx``, ``keys`` (columns that
        only ever increase, or with ``sort_order="desc"`` only decrease) and a bookmark,
        only the rows added since the last commit. Updates and deletes are not seen."""
        state = self._state(transformation_ctx, "jdbc")
        frame, element, report = read_jdbc(
            self.spark, url, table, keys=list(keys), sort_order=sort_order, state=state,
            window=self._window(transformation_ctx), properties=properties or {},
        )  # fmt: skip
        self._remember(transformation_ctx, element, f"{table}: {report}")
        return frame

    # -- sinks -----------------------------------------------------------------------------

    def write(
        self,
        frame: Any,
        path: str,
        format: str = "parquet",
        *,
        mode: str = "append",
        partition_by: Sequence[str] = (),
        options: dict[str, str] | None = None,
        transformation_ctx: str | None = None,
    ) -> None:
        """Write ``frame`` to ``path``. A sink keeps no bookmark state (its output is not
        undone when a run fails: bookmarks do not make a job atomic)."""
        if transformation_ctx is not None:
            check_ctx(transformation_ctx)
        writer = frame.write.format(format).mode(mode).options(**(options or {}))
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.save(path)

    # -- commit ----------------------------------------------------------------------------

    def commit(self) -> None:
        """Save every source's state; it becomes the job's bookmark if the run SUCCEEDS."""
        if self.option is not BookmarkOption.ENABLE or not self._context.get("commit"):
            _say(f"commit: nothing to save (bookmark option {self.option.value})")
            return
        target = Path(self._context["commit"])
        tmp = target.with_name(target.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"elements": self._elements}, out, separators=(",", ":"))
        tmp.replace(target)  # the daemon never reads half a commit
        read = ", ".join(sorted(self._read)) or "none"
        _say(f"commit: state of {len(self._elements)} source(s) saved (read this run: {read})")

    # -- internals -------------------------------------------------------------------------

    def _state(self, ctx: str | None, kind: str) -> dict[str, Any] | None:
        """The source's state to select from; None means read everything."""
        if ctx is None or self.option is BookmarkOption.DISABLE:
            return None
        check_ctx(ctx)
        found = self._elements.get(ctx)
        if found is not None:
            if found.get("type") != kind:
                raise ValueError(
                    f"transformation_ctx {ctx!r} is a {found.get('type')} source in this "
                    f"job's bookmark, not a {kind} source; give each source its own name"
                )
            return found
        defaults = self._elements.get(DEFAULTS) or {}
        if kind == "files" and defaults.get("files_low") is not None:
            return {"type": "files", "low": defaults["files_low"], "band": {}}
        if kind == "jdbc" and defaults.get("jdbc_skip_existing"):
            return {"type": "jdbc", "skip_existing": True}
        return {"type": kind}

    def _window(self, ctx: str | None) -> tuple[Any, Any] | None:
        """A paused run's --job-bookmark-from/-to states of this source."""
        after, upto = self._context.get("after"), self._context.get("upto")
        if ctx is None or after is None or upto is None:
            return None
        return after.get(ctx), upto.get(ctx)

    def _remember(self, ctx: str | None, element: dict[str, Any] | None, report: str) -> None:
        _say(f"source {ctx or '(no transformation_ctx)'} {report}")
        if ctx is not None and element is not None and self.option is BookmarkOption.ENABLE:
            self._elements[ctx] = element
            self._read.add(ctx)


def init(argv: Sequence[str] | None = None, spark: Any = None) -> JobContext:
    """The run's job context, from its arguments (``sys.argv`` when not given) and the
    bookmark the daemon handed it; ``spark`` defaults to the active session."""
    arguments = parse_arguments(list(sys.argv if argv is None else argv))
    context = None
    if CONTEXT_ARG.removeprefix("--") in arguments:
        with open(arguments[CONTEXT_ARG.removeprefix("--")], encoding="utf-8") as fh:
            context = json.load(fh)
    if spark is None:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    return JobContext(spark, arguments, context)


def _option(arguments: dict[str, str]) -> BookmarkOption:
    key = OPTION_ARG.removeprefix("--")
    return bookmark_option({OPTION_ARG: arguments[key]} if key in arguments else {})


def _say(line: str) -> None:
    print(f"stoker.job: {line}", flush=True)
