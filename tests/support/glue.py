"""Glue's own clients pointed at a live daemon: boto3, the AWS CLI, and their helpers."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from tests.support.daemon import DaemonProcess

KEY_ID = "AKIASTOKERACCEPT0001"
SECRET = "acceptance-secret-key"
AWS = str(Path(sys.executable).parent / "aws")
TERMINAL = ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR")


def glue_env() -> dict[str, str]:
    """The daemon settings that give it one access key."""
    return {"STOKER_GLUE_API__ACCESS_KEYS": json.dumps({KEY_ID: SECRET})}


@contextmanager
def glue_daemon(
    workdir: Path, *, pool_size: int = 0, env: dict[str, str] | None = None,
    token: str | None = None,
) -> Iterator[DaemonProcess]:  # fmt: skip
    """A started daemon whose Glue endpoint takes the one access key, plus ``env``; stopped
    when the block ends (a module fixture's daemon)."""
    process = DaemonProcess(workdir, pool_size=pool_size, env={**glue_env(), **(env or {})},
                            token=token)  # fmt: skip
    process.start()
    try:
        yield process
    finally:
        process.stop()


def endpoint(daemon: DaemonProcess) -> str:
    return f"{daemon.url}/glue"


def glue_client(daemon: DaemonProcess, *, key_id: str = KEY_ID, secret: str = SECRET) -> Any:
    """``boto3.client("glue")`` as a user writes it, plus the endpoint URL."""
    return boto3.client(
        "glue",
        endpoint_url=endpoint(daemon),
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


def data_url(script: str) -> str:
    """A Command.ScriptLocation carrying the script's text (stoker's extension)."""
    return "data:text/x-python;base64," + base64.b64encode(script.encode()).decode()


def wait_run(glue: Any, job: str, run_id: str, states: Iterable[str] = TERMINAL,
             timeout: float = 120) -> dict[str, Any]:  # fmt: skip
    wanted = set(states)
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] in wanted:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run['JobRunState']} after {timeout}s")
        time.sleep(0.1)


def aws(daemon: DaemonProcess, *args: str, secret: str = SECRET,
        home: Path) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``aws glue ARGS --endpoint-url …`` with credentials from the environment only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STOKER_"))}
    env.update({
        "HOME": str(home), "AWS_CONFIG_FILE": str(home / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"), "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
    })  # fmt: skip
    return subprocess.run(
        [AWS, "glue", *args, "--endpoint-url", endpoint(daemon), "--output", "json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
