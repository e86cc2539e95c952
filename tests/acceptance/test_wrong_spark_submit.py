"""Nothing wedges a run: with a wrong ``[spark] spark_submit`` an isolated run ends ERROR
with the reason (it used to stay STARTING for ever, a stop left it STOPPING, and the job's
later runs waited for ever)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.daemon import DaemonProcess


@pytest.mark.parametrize("kind", ["missing", "not executable"])
def test_isolated_runs_end_error_naming_the_setting(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path, kind: str
) -> None:
    submit = tmp_path / "spark-submit"
    if kind == "not executable":
        submit.write_text("#!/bin/sh\n")
        submit.chmod(0o644)
    daemon = start_daemon("d", pool_size=0, env={"STOKER_SPARK__SPARK_SUBMIT": str(submit)})
    assert f"spark.spark_submit = {str(submit)!r} is not an executable file" in daemon.log()
    daemon.create_job("cold", "print('never')\n", executor="isolated", max_concurrent_runs=1)
    ids = [daemon.start_run("cold")["id"] for _ in range(2)]
    reason = "No such file or directory" if kind == "missing" else "Permission denied"
    for run_id in ids:  # the second waited for the first's slot, and gets it
        run = daemon.wait_state(run_id, timeout=60)
        assert run["state"] == "ERROR", run
        assert run["error_message"] == (
            f"executor failed: cannot start {submit}: {reason} (the [spark] spark_submit setting)"
        )
    assert not [r for r in daemon.runs() if r["state"] not in ("ERROR",)]
