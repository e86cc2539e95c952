"""Glue's Jupyter kernel (``aws-glue-sessions``) against a live daemon: a notebook cell,
sent through ``jupyter_client``, runs in a stoker session, configured only as
docs/glue-api.md tells a user to.

Needs a Python with the kernel: ``STOKER_TEST_GLUE_KERNEL_PYTHON``, or the venv
``scripts/glue-kernel.sh`` makes (.venv-glue-kernel)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import _TEST_SETTINGS, service_unavailable
from tests.support.daemon import REPO, DaemonProcess
from tests.support.glue import KEY_ID, SECRET, glue_client, glue_env

pytestmark = pytest.mark.spark

# STOKER_TEST_* are taken out of the environment by tests/conftest.py, kept there.
KERNEL_PYTHON = _TEST_SETTINGS.get(
    "STOKER_TEST_GLUE_KERNEL_PYTHON", str(REPO / ".venv-glue-kernel" / "bin" / "python")
)
CELL = Path(__file__).resolve().parents[1] / "support" / "glue_kernel_cell.py"


def test_a_notebook_cell_runs_in_a_stoker_session(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    if not Path(KERNEL_PYTHON).exists():
        service_unavailable(f"no Glue kernel venv at {KERNEL_PYTHON}: run scripts/glue-kernel.sh")
    daemon = start_daemon("kernel", pool_size=1, env=glue_env())
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STOKER_"))}
    env.update({
        # What docs/glue-api.md tells a user to set, nothing more.
        "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1",
        "glue_endpoint_url": f"{daemon.url}/glue",
        "glue_role_arn": "arn:aws:iam::000000000000:role/notebook",
        "request_origin": "GlueStudioNotebook", "userId": "analyst",
        # No credentials or config of the machine's user may leak in.
        "HOME": str(home), "AWS_CONFIG_FILE": str(home / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
    })  # fmt: skip
    done = subprocess.run([KERNEL_PYTHON, str(CELL), "spark.range(6).count() * 7"], env=env,
                          capture_output=True, text=True, timeout=400, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout)
    assert answer["status"] == "ok" and answer["stopped"] == "ok", answer
    assert "42" in answer["streams"].split(), answer["streams"]
    # The kernel's session was a stoker session, tagged with its owner, stopped by %stop_session.
    sessions = glue_client(daemon).list_sessions()["Sessions"]
    assert len(sessions) == 1 and sessions[0]["Status"] == "STOPPED"
    assert sessions[0]["DefaultArguments"]["--glue_kernel_version"] == "1.0.9"
