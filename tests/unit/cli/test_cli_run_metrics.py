"""`stoker runs metrics RUN_ID [--chart FILE.png]` over real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stoker.domain.sparkmetrics import ExecutorSample, SparkSample
from tests.unit.api.fakes import FakeServices, make_job

T0 = 1_714_564_800.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def run_id(stoker: Any, services: FakeServices) -> str:
    services.jobs.jobs["etl"] = make_job()
    rid: str = stoker("runs", "start", "etl").stdout.strip()
    services.metrics_history.samples[rid] = [
        SparkSample(
            sampled_at=T0 + i * 10,
            bytes_read=(i + 1) * 3 * 1024 * 1024,
            bytes_written=i * 1536,
            records_read=i * 100,
            shuffle_bytes_read=i * 2048,
            completed_stages=i,
            completed_tasks=i * 4,
            failed_tasks=1 if i == 2 else 0,
            active_executors=1,
            max_needed_executors=2,
            executors=(
                ExecutorSample("driver", 256 * (i + 1), 1024, cpu_load=0.1 * (i + 1)),
                ExecutorSample("1", 100, 400, cpu_load=0.5),
            ),
            final=i == 2,
        )
        for i in range(3)
    ]
    return rid


def test_table_one_row_per_sample_with_readable_sizes(stoker: Any, run_id: str) -> None:
    res = stoker("runs", "metrics", run_id)
    assert res.exit_code == 0, res.stderr
    title, header, *rows = res.stdout.splitlines()
    assert title == f"run {run_id} (job etl): 3 samples, complete"
    assert header.split()[:3] == ["TIME", "READ", "WRITTEN"] and "DRIVER CPU" in header
    assert len(rows) == 3
    assert "3.0 MiB" in rows[0] and "9.0 MiB" in rows[2] and "1.5 KiB" in rows[1]
    assert rows[0].split()[-2:] == ["25%", "10%"]  # driver heap 256/1024, CPU 0.1
    assert "1/2" in rows[0] and "(final)" in rows[2] and "(final)" not in rows[0]


def test_json_is_the_api_response(stoker: Any, run_id: str) -> None:
    res = stoker("runs", "metrics", run_id, "-o", "json")
    body = json.loads(res.stdout)
    assert body["run_id"] == run_id and body["complete"] is True
    assert [s["final"] for s in body["samples"]] == [False, False, True]
    assert body["samples"][0]["executors"][0]["heap_usage"] == 0.25


def test_chart_writes_a_png(stoker: Any, run_id: str, tmp_path: Path) -> None:
    target = tmp_path / "run.png"
    res = stoker("runs", "metrics", run_id, "--chart", str(target))
    assert res.exit_code == 0, res.stderr
    assert f"chart written to {target}" in res.stdout
    data = target.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def test_unknown_run_is_exit_3_with_the_daemon_message(stoker: Any, tmp_path: Path) -> None:
    for args in ([], ["--chart", str(tmp_path / "x.png")]):
        res = stoker("runs", "metrics", "jr_nope", *args)
        assert res.exit_code == 3
        assert "error: EntityNotFound: job run 'jr_nope' does not exist" in res.stderr
    assert not (tmp_path / "x.png").exists()


def test_run_without_samples_says_so(
    stoker: Any, run_id: str, services: FakeServices, tmp_path: Path
) -> None:
    services.metrics_history.samples[run_id] = []
    res = stoker("runs", "metrics", run_id)
    assert res.exit_code == 0
    assert res.stdout.strip() == (
        f"run {run_id} has no metrics samples (python shell runs and runs with "
        "metrics.spark_enabled = false have none)"
    )
    charted = stoker("runs", "metrics", run_id, "--chart", str(tmp_path / "x.png"))
    assert charted.exit_code == 3 and "has no metrics samples" in charted.stderr
    assert not (tmp_path / "x.png").exists()


def test_bad_chart_paths_are_refused_before_asking_the_daemon(
    stoker: Any, run_id: str, tmp_path: Path
) -> None:
    not_png = stoker("runs", "metrics", run_id, "--chart", str(tmp_path / "run.jpg"))
    assert not_png.exit_code == 2 and "ending in .png" in not_png.stderr
    missing = tmp_path / "no" / "such" / "run.png"
    nowhere = stoker("runs", "metrics", run_id, "--chart", str(missing))
    assert nowhere.exit_code == 2 and f"directory {missing.parent} does not exist" in nowhere.stderr


def test_ordinary_commands_do_not_import_matplotlib() -> None:
    code = "import sys, stoker.cli.main; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
