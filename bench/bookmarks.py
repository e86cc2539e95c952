"""Bookmark benchmark: selecting a file source's new files when many are already processed.

A landing directory of ``--processed`` files (default 100,000) spread over the past
``--days``, all processed by earlier runs (the state a run committed over them), then
``--new`` files (default 100) landing. Prints, over ``--rounds`` repetitions: the time to
list the directory and select the new files (what a run does before Spark reads them), with
the operating system's listing (local paths) and, with ``--spark``, with Spark's listing
(any Hadoop URI; here ``file:``); the size of the state a run commits (target: selection
≤ 2 s, state ≤ 1 MB per version). Asserts nothing.
Usage: .venv/bin/python bench/bookmarks.py [--processed 100000] [--new 100] [--rounds 5]
[--spark]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stoker.domain.bookmark_files import FilesState, Limits, select
from stoker.job.files import list_files, list_hadoop

DAY_MS = 86_400_000


def land(root: Path, start: int, count: int, oldest_ms: int, newest_ms: int) -> None:
    """``count`` small files, modification times spread evenly in [oldest, newest]."""
    step = (newest_ms - oldest_ms) / max(1, count - 1)
    for i in range(count):
        folder = root / f"day={i % 97:02d}"
        folder.mkdir(exist_ok=True)
        path = folder / f"part-{start + i:07d}.csv"
        path.write_text("id\n1\n")
        mtime = (oldest_ms + i * step) / 1000
        os.utime(path, (mtime, mtime))


def timed_selection(
    spark: object, root: str, state: FilesState, start_ms: int
) -> tuple[float, int, int]:
    began = time.perf_counter()
    # A local path or file: URI is listed by the OS; through Spark it is listed as any
    # Hadoop URI is (s3a://, hdfs://), which is what the Spark row measures.
    lister = list_files if spark is None else list_hadoop
    listing = list(lister(spark, root, True, state.low))
    chosen = select(state, listing, start_ms, Limits())
    elapsed = time.perf_counter() - began
    return elapsed, len(chosen.taken), len(json.dumps(chosen.state.to_element()).encode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processed", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--spark", action="store_true", help="also time Spark's listing")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "landing"
        root.mkdir()
        now_ms = int(time.time() * 1000)
        print(f"landing {options.processed} processed files over {options.days} days…")
        land(root, 0, options.processed, now_ms - options.days * DAY_MS, now_ms - 3_600_000)
        committed = select(FilesState(), list(list_files(None, str(root), True, None)),
                           now_ms - 1_800_000, Limits())  # fmt: skip
        assert len(committed.taken) == options.processed
        land(root, options.processed, options.new, now_ms - 600_000, now_ms - 1000)
        listers: list[tuple[str, object, str]] = [("os listing (local path)", None, str(root))]
        if options.spark:
            from pyspark.sql import SparkSession

            spark = (SparkSession.builder.master("local[2]")
                     .config("spark.ui.showConsoleProgress", "false").getOrCreate())
            label = "Spark listing (binaryFile, as s3a:// or hdfs://)"
            listers.append((label, spark, root.as_uri()))
        for label, spark, path in listers:
            times, taken, size = [], 0, 0
            for _ in range(options.rounds):
                elapsed, taken, size = timed_selection(spark, path, committed.state, now_ms)
                times.append(elapsed)
            print(f"{label}: select {taken} new of {options.processed + options.new} files: "
                  f"median {statistics.median(times):.3f} s, max {max(times):.3f} s "
                  f"(target <= 2 s); committed state {size / 1024:.1f} KiB "
                  "(target <= 1024 KiB)")  # fmt: skip


if __name__ == "__main__":
    main()
