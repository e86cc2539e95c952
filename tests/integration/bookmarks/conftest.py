"""One real daemon (SQLite, one warm driver) for the bookmark tests, and their job scripts."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon import DaemonProcess

#: Reads the files of --input that its bookmark has not processed, writes their names to
#: --out/<run id>.json, fails after reading with --fail yes, commits unless --commit no.
FILES_JOB = """\
import json, sys, time
from pyspark.sql import functions as F
from stoker.job import init

job = init(sys.argv)
a = job.arguments
frame = job.files(a["input"], "csv", transformation_ctx="src", options={"header": "true"},
                  max_band_ms=int(a.get("band", "900000")),
                  bounded_files=int(a["bounded"]) if "bounded" in a else None)
names = sorted({r[0].split("/")[-1] for r in frame.select(F.input_file_name()).collect()})
with open(f"{a['out']}/{job.run_id}.json", "w") as out:
    json.dump(names, out)
if a.get("pause"):
    time.sleep(float(a["pause"]))
if a.get("fail") == "yes":
    raise RuntimeError("failing after reading, on purpose")
if a.get("commit", "yes") == "yes":
    job.commit()
"""


class Files:
    """A landing directory: files with distinct names and controlled modification times."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def add(self, n: int = 1, *, mtime: float | None = None) -> list[str]:
        names = []
        for _ in range(n):
            self.count += 1
            name = f"part-{self.count:05d}.csv"
            path = self.root / name
            path.write_text(f"id,name\n{self.count},row{self.count}\n")
            if mtime is not None:
                os.utime(path, (mtime, mtime))
            names.append(name)
        return names


@pytest.fixture(scope="package")
def daemon(tmp_path_factory: pytest.TempPathFactory, jdbc_jars: str) -> Iterator[DaemonProcess]:
    conf = json.dumps({"spark.jars": jdbc_jars})
    proc = DaemonProcess(
        tmp_path_factory.mktemp("bookmarks"), pool_size=1, env={"STOKER_SPARK__CONF": conf}
    ).start()
    yield proc
    proc.stop()


def make_job(
    daemon: DaemonProcess, tmp: Path, name: str, *, option: str = "job-bookmark-enable",
    executor: str = "pool", retries: int = 0, concurrency: int = 1, **args: str,
) -> tuple[Files, Path]:  # fmt: skip
    files = Files(tmp / f"{name}-in")
    out = tmp / f"{name}-out"
    out.mkdir()
    defaults = {"--input": str(files.root), "--out": str(out), "--job-bookmark-option": option}
    defaults.update({f"--{k}": v for k, v in args.items()})
    daemon.create_job(
        name, FILES_JOB, executor=executor, max_retries=retries,
        max_concurrent_runs=concurrency, default_arguments=defaults,
    )  # fmt: skip
    return files, out


def run(daemon: DaemonProcess, job: str, timeout: float = 180, **args: str) -> dict[str, Any]:
    """Start a run and wait until it (and any retry of it) has ended."""
    started = daemon.start_run(job, arguments={f"--{k}": v for k, v in args.items()})
    ended = daemon.wait_state(started["id"], timeout=timeout)
    while True:
        retry = next((r for r in daemon.runs(job=job) if r["previous_run_id"] == ended["id"]),
                     None)  # fmt: skip
        if retry is None:
            return ended
        ended = daemon.wait_state(retry["id"], timeout=timeout)


def read(out: Path, run_id: str) -> list[str]:
    return list(json.loads((out / f"{run_id}.json").read_text()))


def every_file_once(out: Path, expected: list[str]) -> None:
    """Across every run that committed, each file was taken exactly once."""
    seen: list[str] = []
    for path in sorted(out.glob("*.json")):
        seen += json.loads(path.read_text())
    assert sorted(seen) == sorted(expected), (sorted(seen), sorted(expected))


def now() -> float:
    return time.time()
