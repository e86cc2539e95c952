"""The Python shell executor: a plain Python process per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from stoker.domain.jobs import ExecutorKind
from stoker.domain.runs import Exit, Outcome
from stoker.executors.pyshell import PythonShellExecutor

from .conftest import LoopThread, make_spec
from .process_helpers import read_logs, run_to_end, stop_when_marked


@pytest.fixture
def executor() -> PythonShellExecutor:
    return PythonShellExecutor(stop_grace_seconds=3.0)


def test_success(loop_thread: LoopThread, executor: PythonShellExecutor, tmp_path: Path) -> None:
    script = (
        "import sys\nfrom stoker.job import get_resolved_options\n"
        "print('hi', get_resolved_options(sys.argv, ['x']), args['x'])\n"
    )
    spec = make_spec(tmp_path, script, {"--x": "1"}, kind=ExecutorKind.PYSHELL)
    assert run_to_end(loop_thread, executor, spec) == Exit(Outcome.SUCCEEDED)
    out, _ = read_logs(spec)
    assert "hi {'x': '1', 'JOB_NAME': 'itest', 'JOB_RUN_ID': '" in out
    assert out.rstrip().endswith("1")


def test_failure(loop_thread: LoopThread, executor: PythonShellExecutor, tmp_path: Path) -> None:
    spec = make_spec(tmp_path, "raise ValueError('boom')\n", kind=ExecutorKind.PYSHELL)
    assert run_to_end(loop_thread, executor, spec) == Exit(Outcome.FAILED, "ValueError: boom")
    assert "Traceback" in read_logs(spec)[1]


def test_stop(loop_thread: LoopThread, executor: PythonShellExecutor, tmp_path: Path) -> None:
    body = "import time\nwhile True:\n    time.sleep(0.05)\n"
    assert stop_when_marked(loop_thread, executor, tmp_path, body).outcome is Outcome.STOPPED


def test_stop_of_stubborn_script(
    loop_thread: LoopThread, executor: PythonShellExecutor, tmp_path: Path
) -> None:
    body = """
    import signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.05)
    """
    assert stop_when_marked(loop_thread, executor, tmp_path, body).outcome is Outcome.STOPPED


def test_process_death_is_lost(
    loop_thread: LoopThread, executor: PythonShellExecutor, tmp_path: Path
) -> None:
    spec = make_spec(tmp_path, "import os\nos.kill(os.getpid(), 9)\n", kind=ExecutorKind.PYSHELL)
    assert run_to_end(loop_thread, executor, spec) == Exit(
        Outcome.LOST, "run process exited with signal SIGKILL without reporting a result"
    )
