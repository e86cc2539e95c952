"""Process-per-run plumbing shared by the isolated and Python shell executors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from pathlib import Path
from typing import TypeVar

from stoker.domain.arguments import argv_from_arguments
from stoker.domain.runs import Exit, Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.errors import ExecutorError, InvalidInput
from stoker.executors.base import RunSpec, SampleSink
from stoker.executors.handle import BaseRunHandle
from stoker.executors.launch import Launch
from stoker.executors.lineage import Lineage
from stoker.executors.logs import (
    launch_path,
    metrics_path,
    open_log,
    prepare_run_logs,
    properties_path,
    result_path,
)
from stoker.executors.private import remove
from stoker.executors.runner import ScriptResult
from stoker.executors.spawning import spawn_options

log = logging.getLogger(__name__)

#: The entry module; spark-submit needs it as a file, python -m as a module.
ENTRY_FILE = str(Path(__file__).with_name("entry.py"))
ENTRY_MODULE = "stoker.executors.entry"

_Handle = TypeVar("_Handle", bound=BaseRunHandle)


def entry_launch(
    spec: RunSpec,
    *,
    spark: bool,
    metrics_interval: float | None = None,
    properties_file: Path | None = None,
) -> Launch:
    """What the entry is told about the run (in a private file, not on its command line)."""
    return Launch(
        run_id=spec.run_id,
        job_name=spec.job_name,
        script=spec.script_location.removeprefix("file://"),
        result=str(result_path(spec)),
        argv=argv_from_arguments(spec.arguments),
        spark=spark,
        stdout=str(spec.stdout_path) if spark else None,
        stderr=str(spec.stderr_path) if spark else None,
        metrics_file=str(metrics_path(spec)) if spark and metrics_interval else None,
        metrics_interval=(metrics_interval or 0.0) if spark else 0.0,
        properties_file=str(properties_file) if properties_file else None,
        env=dict(spec.env),
        hadoop_conf=dict(spec.hadoop_conf),
    )


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "an unknown status"
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"code {returncode}"


class SampleReader:
    """Hands a run's samples from its metrics file to the sink: the complete lines that
    are new since the last read (the entry appends; a line is complete at its newline)."""

    def __init__(self, spec: RunSpec, sink: SampleSink) -> None:
        self._spec = spec
        self._sink = sink
        self._offset = 0
        self._warned = False

    def read(self) -> None:
        try:
            with metrics_path(self._spec).open("rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1
        self._offset += end
        for line in data[:end].splitlines():
            self.deliver(line)

    def deliver(self, line: bytes) -> None:
        """Hand one sample line (SparkSample wire form) to the sink; a bad one is logged once."""
        try:
            sample = SparkSample.from_dict(json.loads(line))
        except (ValueError, InvalidInput) as exc:
            if not self._warned:
                self._warned = True
                log.warning(
                    "run %s wrote a bad Spark sample: %s", self._spec.run_id, exc,
                    extra={"action": "process.metrics.invalid", "run_id": self._spec.run_id},
                )  # fmt: skip
            return
        try:
            self._sink(self._spec.run_id, self._spec.job_name, sample)
        except Exception:
            log.exception(
                "the Spark sample sink failed for run %s", self._spec.run_id,
                extra={"action": "process.metrics.sink_failed", "run_id": self._spec.run_id},
            )  # fmt: skip


class ProcessRunHandle(BaseRunHandle):
    """One run in its own process group; stop is SIGTERM to the group, SIGKILL after the grace."""

    def __init__(
        self,
        spec: RunSpec,
        proc: asyncio.subprocess.Process,
        grace: float,
        samples: tuple[SampleReader, float] | None = None,
    ) -> None:
        super().__init__(spec, grace)
        self.proc = proc
        self._samples = samples
        self._watcher = asyncio.ensure_future(self._watch())

    def _request_stop(self) -> None:
        log.info(
            "stopping run %s (pid %s)",
            self.run_id,
            self.proc.pid,
            extra={"action": "process.run.stop", "run_id": self.run_id},
        )
        self.signal(signal.SIGTERM)

    def _grace_expired(self) -> None:
        log.warning(
            "run %s ignored SIGTERM for %ss; killing it",
            self.run_id,
            self.grace,
            extra={"action": "process.run.kill", "run_id": self.run_id},
        )
        self.signal(signal.SIGKILL)

    def signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    async def _watch(self) -> None:
        try:
            exit_ = await self._outcome()
        except Exception as exc:  # a watcher that dies must not leave the run live for ever
            log.exception(
                "watching run %s failed", self.run_id,
                extra={"action": "process.run.watch_failed", "run_id": self.run_id},
            )  # fmt: skip
            self.signal(signal.SIGKILL)
            exit_ = Exit(Outcome.LOST, f"watching the run process failed: {exc!r}")
        self.finish(exit_)

    async def _outcome(self) -> Exit:
        if self._samples is None:
            returncode = await self.proc.wait()
        else:
            returncode = await self._wait_reading(*self._samples)
        # Whatever is left of the group (e.g. spark-submit's Python child) goes too, and
        # the private files the entry did not get to remove.
        self.signal(signal.SIGKILL)
        remove(launch_path(self.spec), properties_path(self.spec))
        try:
            result = ScriptResult.from_json(result_path(self.spec).read_text())
        except (OSError, ValueError, TypeError):
            result = None
        if result is not None:
            return Exit(Outcome.STOPPED) if self.stopping else result.to_exit()
        if self.stopping:
            return Exit(Outcome.STOPPED)
        return Exit(
            Outcome.LOST,
            f"run process exited with {describe_exit(returncode)} without reporting a result",
        )

    async def _wait_reading(self, reader: SampleReader, interval: float) -> int:
        """Wait for the process, reading its samples every ``interval`` and once at exit."""
        wait = asyncio.ensure_future(self.proc.wait())
        while not wait.done():
            await asyncio.wait([wait], timeout=interval)
            reader.read()
        return wait.result()


async def launch(
    spec: RunSpec,
    command: list[str],
    entry: Launch,
    *,
    python: str,
    grace: float,
    lineage: Lineage | None = None,
    samples: tuple[SampleSink, float] | None = None,
) -> ProcessRunHandle:
    """Start ``command`` in its own session with stdout/stderr going to the run's logs and
    ``entry`` in the run's launch file (``command`` names it); with ``samples`` (sink,
    poll interval), hand the run's metrics file lines to the sink. Raises ExecutorError
    naming the program when it cannot be started."""
    prepare_run_logs(spec)
    remove(result_path(spec), metrics_path(spec))
    entry.write(launch_path(spec))
    try:
        out, err = open_log(spec.stdout_path), open_log(spec.stderr_path)
        try:
            proc = await asyncio.create_subprocess_exec(
                *command, stdout=out, stderr=err, **spawn_options(python, lineage)
            )
        finally:
            os.close(out)
            os.close(err)
    except OSError as exc:
        remove(launch_path(spec), properties_path(spec))
        raise ExecutorError(f"cannot start {command[0]}: {exc.strerror or exc}") from exc
    log.info(
        "run %s started as pid %s",
        spec.run_id,
        proc.pid,
        extra={"action": "process.run.start", "run_id": spec.run_id},
    )
    reader = (SampleReader(spec, samples[0]), samples[1]) if samples else None
    return ProcessRunHandle(spec, proc, grace, reader)


class HandleSet:
    """The live handles of one executor, so aclose() can end them all."""

    def __init__(self) -> None:
        self._handles: set[BaseRunHandle] = set()

    def add(self, handle: _Handle) -> _Handle:
        self._handles.add(handle)
        handle.outcome.add_done_callback(lambda _: self._handles.discard(handle))
        return handle

    async def close(self, grace: float = 5.0) -> None:
        live = [h for h in self._handles if not h.done]
        for handle in live:
            await handle.stop()
        if live:
            await asyncio.wait([h.outcome for h in live], timeout=grace + 5)
