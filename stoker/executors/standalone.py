"""Isolated runs in cluster deploy mode on a Spark standalone master.

Spark refuses ``--deploy-mode cluster`` for Python applications on standalone masters, so
the run is submitted as the JVM application ``org.apache.spark.deploy.PythonRunner`` (the
class spark-submit itself uses for Python in client mode), with a small jar of Spark's own
as the primary resource: the worker starts ``DriverWrapper`` → PythonRunner → our entry.

The driver is not our child, so everything goes through the cluster: its state from the
master's ``/json/`` status, its stdout/stderr from the worker's web UI (``/log/``), its
result from a marker line on its stderr (``launch.RESULT_MARKER``), stop and timeout by a
kill request to the master (``org.apache.spark.deploy.Client kill``, Spark's RPC: the web
UI's kill form needs a CSRF token and the REST server is off by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from stoker.domain.runs import Exit, Outcome
from stoker.errors import ExecutorError
from stoker.executors.base import RunSpec, SampleSink
from stoker.executors.handle import BaseRunHandle
from stoker.executors.launch import LAUNCH_ENV, RESULT_MARKER, SAMPLE_MARKER, Launch
from stoker.executors.lineage import Lineage
from stoker.executors.logs import open_log, properties_path, tail
from stoker.executors.private import remove
from stoker.executors.process import SampleReader
from stoker.executors.runner import ScriptResult
from stoker.executors.spawning import spawn_options
from stoker.masking import mask_value

log = logging.getLogger(__name__)

#: What a standalone master answers for a driver that will not run again.
FINAL_STATES = frozenset({"FINISHED", "FAILED", "KILLED", "ERROR"})
#: The JVM class spark-submit runs Python applications with; the driver's main class here.
PYTHON_RUNNER = "org.apache.spark.deploy.PythonRunner"
POLL_SECONDS = 1.0
#: A driver the master no longer lists this many polls in a row is gone (master restarted
#: without recovery, or its completed drivers list rolled over).
MISSING_POLLS = 30
_CHUNK = 256 * 1024
_DRIVER_ID = re.compile(rb"\b(driver-\d{14}-\d{4,})\b")
_LOG_HEADER = re.compile(rb"==== Bytes (\d+)-(\d+) of (\d+) of [^\n]*====\n")
#: The worker writes the driver's redacted launch command first, then this line and a blank.
_LAUNCH_HEADER_END = b"=" * 40 + b"\n\n"
#: Environment variables that reach a standalone driver are the submitter's SPARK_* only.
MAX_LAUNCH_BYTES = 100_000


def primary_jar(spark_home: Path) -> Path:
    """A jar every Spark installation has (``spark-tags``, ~16 KB: the worker copies the
    primary resource into the driver's directory); PythonRunner is on Spark's classpath."""
    found = sorted((spark_home / "jars").glob("spark-tags_*.jar"))
    if not found:
        raise ExecutorError(
            f"cluster deploy mode needs Spark's jars: no spark-tags jar in {spark_home / 'jars'}",
            field="spark.spark_submit",
        )
    return found[0]


def cluster_launch(launch: Launch) -> dict[str, str]:
    """The environment entry that carries the launch to the driver (never a command line)."""
    text = launch.to_json()
    if len(text.encode()) > MAX_LAUNCH_BYTES:
        raise ExecutorError(
            f"the run's arguments and environment are {len(text.encode())} bytes; cluster "
            f"deploy mode carries at most {MAX_LAUNCH_BYTES} (an environment variable)"
        )
    return {LAUNCH_ENV: text}


def split_secret_conf(conf: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(submitted, secret): the worker starts a cluster-mode driver's JVM with the submitted
    conf as ``-D`` options, on a command line every user of its machine can read, so the
    settings that are secrets (by key or by embedded credentials: stoker's masking rules)
    go with the launch instead, and the entry sets them on the run's SparkSession. A flag
    (``spark.authenticate = true``) is no secret and stays: the driver JVM needs it."""
    secret = {
        key: value for key, value in conf.items()
        if mask_value(key, value) != value and value.lower() not in ("true", "false")
    }  # fmt: skip
    return {k: v for k, v in conf.items() if k not in secret}, secret


@dataclass(frozen=True)
class DriverStatus:
    state: str
    #: The worker's web UI, once the driver has been placed on a worker.
    worker_ui: str | None


def driver_status(found: Any, driver_id: str) -> DriverStatus | None:
    """The driver's status in the master's ``/json/`` answer; None if it is not listed.
    ValueError when the answer is not the master's status (another service on the port)."""
    if not isinstance(found, dict) or not isinstance(found.get("workers"), list):
        raise ValueError(f"not a standalone master's status (no workers list): {str(found)[:200]}")
    workers = {w.get("id"): w.get("webuiaddress") for w in found["workers"] if isinstance(w, dict)}
    for driver in [*found.get("activedrivers", []), *found.get("completeddrivers", [])]:
        if isinstance(driver, dict) and driver.get("id") == driver_id:
            state = driver.get("state")
            if not isinstance(state, str):
                raise ValueError(f"driver {driver_id} has no state in the master's status")
            worker_ui = workers.get(driver.get("worker"))
            return DriverStatus(state, worker_ui if isinstance(worker_ui, str) else None)
    return None


def log_chunk(content: bytes, offset: int) -> tuple[bytes, int, int]:
    """The worker's ``/log/`` answer as (data, end, length); nothing from ``offset`` if it
    has no ``==== Bytes a-b of n of <file> ====`` header (no such file yet: an error text)."""
    match = _LOG_HEADER.match(content)
    if match is None:
        return b"", offset, offset
    start, end, length = (int(g) for g in match.groups())
    return content[match.end() :], max(end, start), length


class StandaloneMaster:
    """What stoker asks a standalone master: a driver's state, its logs, to kill it."""

    def __init__(self, master_url: str, web_url: str, spark_class: Path) -> None:
        self.master_url = master_url
        self.web_url = web_url
        self._spark_class = spark_class
        self._http = httpx.AsyncClient(timeout=5.0)

    async def driver(self, driver_id: str) -> DriverStatus | None:
        """The driver's status; None if the master does not list it. Raises httpx.HTTPError
        or ValueError when the master does not answer or answers nonsense."""
        answer = await self._http.get(f"{self.web_url}/json/")
        answer.raise_for_status()
        return driver_status(answer.json(), driver_id)

    async def log_chunk(
        self, worker_ui: str, driver_id: str, log_type: str, offset: int
    ) -> tuple[bytes, int, int]:
        """Bytes of the driver's ``stdout``/``stderr`` from ``offset``: (data, end, length)."""
        answer = await self._http.get(
            f"{worker_ui}/log/",
            params={"driverId": driver_id, "logType": log_type, "offset": offset,
                    "byteLength": _CHUNK},
        )  # fmt: skip
        answer.raise_for_status()
        return log_chunk(answer.content, offset)

    async def kill(self, driver_id: str, python: str, lineage: Lineage | None) -> None:
        """Ask the master to kill the driver (Spark's RPC client); logs when it fails."""
        options = spawn_options(python, lineage)
        options.update(stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        command = [str(self._spark_class), "org.apache.spark.deploy.Client", "kill",
                   self.master_url, driver_id]  # fmt: skip
        try:
            proc = await asyncio.create_subprocess_exec(*command, **options)
            out, _ = await proc.communicate()
        except OSError as exc:
            log.warning(
                "cannot ask the master to kill %s: %s", driver_id, exc,
                extra={"action": "standalone.kill_failed", "driver_id": driver_id},
            )  # fmt: skip
            return
        if proc.returncode != 0:
            last = out.decode(errors="replace").strip().splitlines()[-1:] or [""]
            log.warning(
                "killing %s on %s failed (exit %s): %s", driver_id, self.master_url,
                proc.returncode, last[0],
                extra={"action": "standalone.kill_failed", "driver_id": driver_id},
            )  # fmt: skip

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    async def aclose(self) -> None:
        await self._http.aclose()


class DriverLog:
    """Copies one of the driver's logs from the worker into the run's log file, skipping
    the worker's launch-command header and, on stderr, taking out the result line and the
    Spark sample lines (handed to ``on_sample``)."""

    def __init__(
        self, path: Path, log_type: str, on_sample: Callable[[bytes], None] | None = None
    ) -> None:
        self.path = path
        self.log_type = log_type
        self._on_sample = on_sample
        self.offset = 0
        self.result: ScriptResult | None = None
        self._header = log_type == "stderr"
        self._pending = b""

    def feed(self, data: bytes) -> None:
        data = self._pending + data
        if self._header:
            end = data.find(_LAUNCH_HEADER_END)
            if end < 0:
                self._pending = data
                return
            data, self._header = data[end + len(_LAUNCH_HEADER_END) :], False
        cut = data.rfind(b"\n") + 1
        if self.log_type == "stderr" and (data[:cut] == b"\n" or data[:cut].endswith(b"\n\n")):
            cut -= 1  # a blank line may be the one before a marker line: wait for the next
        self._pending = data[cut:]
        self._write(data[:cut])

    def flush(self) -> None:
        """The rest at the end (a last line without newline; a header never completed)."""
        rest, self._pending = self._pending, b""
        self._write(rest)

    def _write(self, data: bytes) -> None:
        if not data:
            return
        if self.log_type == "stderr":
            result, sample = RESULT_MARKER.encode(), SAMPLE_MARKER.encode()
            kept: list[bytes] = []
            for line in data.splitlines(keepends=True):
                if line.startswith(result):
                    self._take_result(line[len(result) :])
                elif line.startswith(sample):
                    if self._on_sample is not None:
                        self._on_sample(line[len(sample) :].rstrip(b"\n"))
                else:
                    kept.append(line)
                    continue
                if kept and kept[-1] == b"\n":
                    kept.pop()  # the entry starts a marker on a line of its own
            data = b"".join(kept)
        fd = open_log(self.path)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def _take_result(self, text: bytes) -> None:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            self.result = ScriptResult.from_json(text.decode())


class ClusterRunHandle(BaseRunHandle):
    """A cluster-mode run: the submission, then the driver as the master reports it."""

    def __init__(
        self,
        spec: RunSpec,
        submit: asyncio.subprocess.Process,
        master: StandaloneMaster,
        *,
        grace: float,
        python: str,
        lineage: Lineage | None,
        on_sample: SampleSink | None = None,
    ) -> None:
        super().__init__(spec, grace)
        self._submit = submit
        self._master = master
        self._python = python
        self._lineage = lineage
        self.driver_id: str | None = None
        self._kill: asyncio.Task[None] | None = None
        samples = SampleReader(spec, on_sample).deliver if on_sample is not None else None
        self._logs = [
            DriverLog(spec.stdout_path, "stdout"),
            DriverLog(spec.stderr_path, "stderr", samples),
        ]
        self._watcher = asyncio.ensure_future(self._watch())

    def _request_stop(self) -> None:
        log.info(
            "stopping run %s (driver %s)", self.run_id, self.driver_id or "not yet submitted",
            extra={"action": "standalone.run.stop", "run_id": self.run_id},
        )  # fmt: skip
        self._send_kill()

    def _grace_expired(self) -> None:
        log.warning(
            "run %s's driver %s still runs %ss after the kill request; asking again",
            self.run_id, self.driver_id, self.grace,
            extra={"action": "standalone.run.kill", "run_id": self.run_id},
        )  # fmt: skip
        self._send_kill()

    def _send_kill(self) -> None:
        """Once the driver id is known (the watcher kills at once when it learns it)."""
        if self.driver_id is not None and (self._kill is None or self._kill.done()):
            self._kill = asyncio.ensure_future(
                self._master.kill(self.driver_id, self._python, self._lineage)
            )

    async def _watch(self) -> None:
        try:
            exit_ = await self._outcome()
        except ExecutorError as exc:  # the driver cannot be followed: end it
            log.warning(
                "run %s: %s", self.run_id, exc.message,
                extra={"action": "standalone.run.unfollowed", "run_id": self.run_id},
            )  # fmt: skip
            if self.driver_id is not None:
                await self._master.kill(self.driver_id, self._python, self._lineage)
            exit_ = Exit(Outcome.LOST, exc.message)
        except Exception as exc:  # a watcher that dies must not leave the run live for ever
            log.exception(
                "watching run %s failed", self.run_id,
                extra={"action": "standalone.run.watch_failed", "run_id": self.run_id},
            )  # fmt: skip
            if self.driver_id is not None:
                await self._master.kill(self.driver_id, self._python, self._lineage)
            exit_ = Exit(Outcome.LOST, f"watching the cluster-mode driver failed: {exc!r}")
        if self._kill is not None:
            with contextlib.suppress(Exception):
                await self._kill
        self.finish(exit_)

    async def _outcome(self) -> Exit:
        returncode = await self._submit.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._submit.pid, signal.SIGKILL)
        remove(properties_path(self.spec))
        found = _DRIVER_ID.search(_read(self.spec.stderr_path))
        if found is None:
            if self.stopping:
                return Exit(Outcome.STOPPED)
            return Exit(
                Outcome.LOST,
                f"spark-submit exited with code {returncode} without submitting a driver to "
                f"{self._master.master_url}: {tail(self.spec.stderr_path, 300).strip()}",
            )
        self.driver_id = found.group(1).decode()
        log.info(
            "run %s submitted as %s", self.run_id, self.driver_id,
            extra={"action": "standalone.run.submitted", "run_id": self.run_id,
                   "driver_id": self.driver_id},
        )  # fmt: skip
        if self.stopping:
            self._send_kill()
        state = await self._follow(self.driver_id)
        result = self._logs[1].result
        if self.stopping:
            return Exit(Outcome.STOPPED)
        if result is not None:
            return result.to_exit()
        return Exit(
            Outcome.LOST,
            f"driver {self.driver_id} ended {state} on {self._master.master_url} without "
            "reporting a result",
        )

    async def _follow(self, driver_id: str) -> str:
        """Poll the driver's state and copy its logs until it has ended; its last state."""
        missing = unavailable = 0
        reached = False
        worker_ui: str | None = None
        while True:
            if self._master.closed:  # the executor closed (daemon shutdown) before the end
                return "unfollowed (stoker's executor closed)"
            try:
                status = await self._master.driver(driver_id)
            except (httpx.HTTPError, ValueError) as exc:
                unavailable += 1
                given_up = self._unavailable(exc, driver_id, unavailable, reached=reached)
                if given_up is not None:
                    return given_up
                await asyncio.sleep(POLL_SECONDS)
                continue
            unavailable, reached = 0, True
            if status is None:
                missing += 1
                if missing >= MISSING_POLLS:
                    return "missing from the master"
            else:
                missing = 0
                worker_ui = status.worker_ui or worker_ui
                if worker_ui is not None:
                    await self._copy_logs(worker_ui, driver_id, final=status.state in FINAL_STATES)
                if status.state in FINAL_STATES:
                    return status.state
            await asyncio.sleep(POLL_SECONDS)

    def _unavailable(
        self, exc: Exception, driver_id: str, polls: int, *, reached: bool
    ) -> str | None:
        """After ``polls`` unanswered status polls in a row: the state to end with, or None
        to keep waiting. A master that is down for a while is waited for; but a status
        never reached (a wrong master_web_url: ExecutorError) or a kill never confirmed
        must not keep the run live for ever."""
        if polls == 1:
            log.warning(
                "the master's status at %s/json/ is unavailable: %s", self._master.web_url, exc,
                extra={"action": "standalone.master_unavailable", "run_id": self.run_id},
            )  # fmt: skip
        if polls >= MISSING_POLLS and self.stopping:
            return "unconfirmed (the master's status is unavailable)"
        if polls >= MISSING_POLLS and not reached:
            raise ExecutorError(
                f"the master's status at {self._master.web_url}/json/ has not answered for "
                f"{MISSING_POLLS * POLL_SECONDS:.0f} s since {driver_id} was submitted: {exc} "
                "(the [spark] master_web_url setting)",
                field="spark.master_web_url",
            ) from exc
        return None

    async def _copy_logs(self, worker_ui: str, driver_id: str, *, final: bool) -> None:
        for driver_log in self._logs:
            try:
                while True:
                    data, end, length = await self._master.log_chunk(
                        worker_ui, driver_id, driver_log.log_type, driver_log.offset
                    )
                    driver_log.offset = end
                    driver_log.feed(data)
                    if not data or end >= length:
                        break
            except httpx.HTTPError as exc:
                log.warning(
                    "cannot read %s of %s from %s: %s", driver_log.log_type, driver_id,
                    worker_ui, exc,
                    extra={"action": "standalone.log_unavailable", "run_id": self.run_id},
                )  # fmt: skip
            if final:
                driver_log.flush()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
