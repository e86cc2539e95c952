"""A run's Spark figures, read inside its driver: job-group stage sums, executors, JVM.

Runs in the driver process (pool driver or isolated entry) next to the live SparkContext.
A run's aggregates are the sums over the stages of the Spark jobs in its job group (the
run id): job and stage ids come from ``statusTracker`` (py4j, cheap), per-stage figures
from the driver's own UI REST API (``/stages/<id>?details=false``, no task lists).

Counting choices, the same as Glue's "work done by completed tasks":

* every attempt of a stage is summed, task counts and bytes alike, as Spark reports each
  attempt: a retried stage re-reads its missing partitions, and that work is counted;
* a stage whose latest attempt is SKIPPED counts nothing; a stage counts as completed
  once, when its latest attempt is COMPLETE;
* a stage whose latest attempt is COMPLETE or SKIPPED (or FAILED once no job of the run
  runs) is settled: its figures are kept per run and never fetched again, so they survive
  the UI's retention (1,000 jobs/stages). An unsettled stage whose fetch fails keeps its
  last figures, so a later sample never has less than an earlier one.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from stoker.domain.sparkmetrics import AGGREGATES, ExecutorSample, SparkSample

#: SparkSample aggregate → the REST StageData field summed over attempts.
STAGE_FIELDS = {
    "bytes_read": "inputBytes",
    "records_read": "inputRecords",
    "bytes_written": "outputBytes",
    "records_written": "outputRecords",
    # Spark's shuffleReadBytes is already local + remote.
    "shuffle_bytes_read": "shuffleReadBytes",
    "shuffle_local_bytes_read": "shuffleLocalBytesRead",
    "shuffle_bytes_written": "shuffleWriteBytes",
    "completed_tasks": "numCompleteTasks",
    "failed_tasks": "numFailedTasks",
    "killed_tasks": "numKilledTasks",
}
_REST_TIMEOUT_SECONDS = 2.0
_JVM_MAX_AGE_SECONDS = 1.0
_MEMORY = re.compile(r"\s*(\d+)\s*([kmgtp]?)b?\s*", re.IGNORECASE)


class StageMissing(Exception):
    """Raised when the UI store no longer (or not yet) has a stage: HTTP 404."""


class StatusSource(Protocol):
    """What the figures are read from; ``ContextSource`` is the real one, tests fake it."""

    #: Local mode: the driver is the only executor (REST /executors read once, for slots).
    local: bool
    #: spark.executor.memory in bytes, for executor heap max; None when unset or odd.
    executor_memory: int | None

    def job_ids(self, group: str) -> list[int]: ...

    def job(self, job_id: int) -> tuple[list[int], bool] | None:
        """The job's stage ids and whether it has ended; None if Spark forgot it."""
        ...

    def fetch(self, path: str) -> Any:
        """Parsed JSON of ``/api/v1/applications/<app><path>``; StageMissing on 404."""
        ...

    def driver_jvm(self) -> ExecutorSample | None: ...


@dataclass(frozen=True)
class StageFigures:
    """One stage, all attempts summed."""

    sums: dict[str, int]
    status: str
    completed: bool
    running: int = 0
    pending: int = 0

    @classmethod
    def from_attempts(cls, attempts: list[dict[str, Any]]) -> StageFigures:
        latest = max(attempts, key=lambda a: int(a.get("attemptId", 0)))
        status = str(latest.get("status", ""))
        if status == "SKIPPED":
            return cls({}, status, completed=False)
        sums = {
            name: sum(int(a.get(key) or 0) for a in attempts) for name, key in STAGE_FIELDS.items()
        }
        running = pending = 0
        if status == "ACTIVE":
            running = int(latest.get("numActiveTasks") or 0)
            done = int(latest.get("numCompleteTasks") or 0)
            pending = max(0, int(latest.get("numTasks") or 0) - done - running)
        return cls(sums, status, status == "COMPLETE", running, pending)

    def settled(self, jobs_running: bool) -> bool:
        return self.status in ("COMPLETE", "SKIPPED") or (
            self.status == "FAILED" and not jobs_running
        )


@dataclass
class _ExecutorSeen:
    duration_ms: int
    at: float


@dataclass
class _RunState:
    """What one run's samples remember: ended jobs' stage ids, every stage's last figures,
    and each cluster executor's task time at the run's last sample (its CPU baseline)."""

    job_stages: dict[int, list[int]] = field(default_factory=dict)
    stages: dict[int, StageFigures] = field(default_factory=dict)
    settled: set[int] = field(default_factory=set)
    executors_seen: dict[str, _ExecutorSeen] = field(default_factory=dict)


def _slots(entry: dict[str, Any]) -> int:
    return int(entry.get("maxTasks") or entry.get("totalCores") or 1)


def needed_executors(tasks: int, slots: int) -> int:
    """Glue's numberMaxNeededExecutors: running + pending tasks over task slots, rounded up."""
    if tasks <= 0:
        return 0
    return math.ceil(tasks / max(1, slots))


def parse_memory(value: str | None) -> int | None:
    """Spark's memory strings ("4g", "512m", "1024" = MiB) in bytes; None if unparseable."""
    match = _MEMORY.fullmatch(value or "")
    if match is None:
        return None
    unit = match.group(2).lower() or "m"
    exponent = "bkmgtp".index(unit)
    size: int = int(match.group(1)) * 1024**exponent
    return size


class SparkStats:
    """Samples runs by job group; one instance per driver, used from one thread."""

    def __init__(self, source: StatusSource, clock: Callable[[], float] = time.time) -> None:
        self._source = source
        self._clock = clock
        self._runs: dict[str, _RunState] = {}
        self._local_slots: int | None = None
        #: What went wrong in samples so far that still gave (partial) figures.
        self.problems: list[str] = []

    def sample(self, run_id: str, *, final: bool = False) -> SparkSample:
        """The run's figures now. Raises only if the job group cannot be read at all
        (context gone); stage or executor fetch failures give partial figures and a line
        in ``problems``."""
        state = self._runs.setdefault(run_id, _RunState())
        stage_ids, jobs_running = self._stage_ids(run_id, state)
        totals = dict.fromkeys(AGGREGATES, 0)
        tasks = 0
        for stage_id in stage_ids:
            figures = self._stage(state, stage_id, jobs_running)
            if figures is None:
                continue
            for name, value in figures.sums.items():
                totals[name] += value
            totals["completed_stages"] += figures.completed
            tasks += figures.running + figures.pending
        executors, active, slots = self._executors(state)
        return SparkSample(
            sampled_at=self._clock(),
            **totals,
            active_executors=active,
            max_needed_executors=needed_executors(tasks, slots),
            executors=executors,
            final=final,
        )

    def forget(self, run_id: str) -> None:
        self._runs.pop(run_id, None)

    def _stage_ids(self, run_id: str, state: _RunState) -> tuple[list[int], bool]:
        """The run's stage ids (ended jobs' ids are remembered) and whether a job runs."""
        running = False
        live: list[int] = []
        for job_id in self._source.job_ids(run_id):
            if job_id in state.job_stages:
                continue
            info = self._source.job(job_id)
            if info is None:
                continue
            stage_ids, ended = info
            if ended:
                state.job_stages[job_id] = stage_ids
            else:
                running = True
                live += stage_ids
        seen = [s for ids in state.job_stages.values() for s in ids] + live
        return sorted(set(seen)), running

    def _stage(self, state: _RunState, stage_id: int, jobs_running: bool) -> StageFigures | None:
        if stage_id in state.settled:
            return state.stages[stage_id]
        try:
            attempts = self._source.fetch(f"/stages/{stage_id}?details=false")
            figures = StageFigures.from_attempts(attempts)
        except StageMissing:
            return state.stages.get(stage_id)
        except Exception as exc:  # HTTP error, timeout, odd JSON: keep the last figures
            self.problems.append(f"stage {stage_id}: {exc!r}")
            return state.stages.get(stage_id)
        state.stages[stage_id] = figures
        if figures.settled(jobs_running):
            state.settled.add(stage_id)
        return figures

    def _executors(self, state: _RunState) -> tuple[tuple[ExecutorSample, ...], int, int]:
        """Executor samples, active executor count and task slots per executor; what
        fails is left out (and noted in ``problems``)."""
        samples: tuple[ExecutorSample, ...] = ()
        try:
            driver = self._source.driver_jvm()
            samples = (driver,) if driver is not None else ()
        except Exception as exc:
            self.problems.append(f"driver JVM: {exc!r}")
        try:
            if self._source.local:
                return samples, 1, self._local_task_slots()
            workers = [e for e in self._source.fetch("/executors") if e.get("id") != "driver"]
        except Exception as exc:
            self.problems.append(f"executors: {exc!r}")
            return samples, int(self._source.local), 1
        workers = [e for e in workers if e.get("isActive", True)]
        samples += tuple(self._executor(e, state) for e in workers)
        slots = max((_slots(e) for e in workers), default=1)
        return samples, len(workers), slots

    def _local_task_slots(self) -> int:
        """Local mode's one executor never changes: read its slots once."""
        if self._local_slots is None:
            (entry,) = [e for e in self._source.fetch("/executors") if e.get("id") == "driver"]
            self._local_slots = _slots(entry)
        return self._local_slots

    def _executor(self, entry: dict[str, Any], state: _RunState) -> ExecutorSample:
        """A cluster executor.

        Heap used is Spark's peak JVMHeapMemory over the executor's life (executors report
        no current value). It comes with the executor's heartbeats: every
        ``spark.executor.heartbeatInterval``, 10 s by default, so a new executor has none
        for up to that long. Until then its heap is unknown: used 0 and max None, so the
        usage ratio is None rather than a false 0. A shorter interval in ``[spark] conf``
        gives fresher figures (the cluster integration test uses 1 s).

        CPU load approximates busy task time over wall time x cores, from the change of
        ``totalDuration`` (updated as tasks end) since the run's previous sample. The
        baseline is per run, so a run's first sample has None: measured from the previous
        run's last sample it would spread this run's first tasks over the idle time between
        runs and read as near 0."""
        executor_id = str(entry["id"])
        peak = entry.get("peakMemoryMetrics") or {}
        heap = peak.get("JVMHeapMemory")
        now = self._clock()
        duration = int(entry.get("totalDuration") or 0)
        seen = state.executors_seen.get(executor_id)
        state.executors_seen[executor_id] = _ExecutorSeen(duration, now)
        cpu = None
        cores = int(entry.get("totalCores") or 0)
        if seen is not None and now > seen.at and cores:
            busy = (duration - seen.duration_ms) / 1000.0
            cpu = min(1.0, max(0.0, busy / ((now - seen.at) * cores)))
        return ExecutorSample(
            executor_id=executor_id,
            heap_used_bytes=int(heap or 0),
            heap_max_bytes=self._source.executor_memory if heap is not None else None,
            cpu_load=cpu,
        )


class ContextSource:
    """The real StatusSource: a live SparkContext (py4j) and its UI REST API (http.client)."""

    def __init__(self, sc: Any) -> None:
        self._sc = sc
        self._tracker = sc.statusTracker()
        url = sc.uiWebUrl
        if not url:
            raise RuntimeError("the Spark UI is disabled (spark.ui.enabled=false)")
        address = urllib.parse.urlsplit(url)
        self._host, self._port = address.hostname or "127.0.0.1", address.port
        self._base = f"/api/v1/applications/{sc.applicationId}"
        self._http: http.client.HTTPConnection | None = None
        self.local = str(sc.master).startswith("local")
        self.executor_memory = parse_memory(sc.getConf().get("spark.executor.memory"))
        self._runtime = sc._jvm.java.lang.Runtime.getRuntime()
        self._cpu_load = _cpu_load_reader(sc)
        self._jvm_figures: ExecutorSample | None = None
        self._jvm_read_at = 0.0

    def job_ids(self, group: str) -> list[int]:
        return [int(j) for j in self._tracker.getJobIdsForGroup(group)]

    def job(self, job_id: int) -> tuple[list[int], bool] | None:
        info = self._tracker.getJobInfo(job_id)
        if info is None:
            return None
        return [int(s) for s in info.stageIds], info.status != "RUNNING"

    def fetch(self, path: str) -> Any:
        """One keep-alive connection (a third less time per request than a new one each);
        a connection the UI closed while idle is replaced once."""
        for retry in (False, True):
            if self._http is None:
                self._http = http.client.HTTPConnection(
                    self._host, self._port, timeout=_REST_TIMEOUT_SECONDS
                )
            try:
                self._http.request("GET", self._base + path)
                response = self._http.getresponse()
                body = response.read()
            except (http.client.HTTPException, ConnectionError):
                self._close()
                if retry:
                    raise
                continue
            except OSError:  # a timeout: the connection is in an unknown state
                self._close()
                raise
            if response.status == 404:
                raise StageMissing(path)
            if response.status != 200:
                raise OSError(f"HTTP {response.status} for {path}")
            return json.loads(body)
        raise AssertionError("unreachable")

    def _close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def driver_jvm(self) -> ExecutorSample:
        """Heap and CPU load, read at most once per ``_JVM_MAX_AGE_SECONDS``: four py4j
        round trips per sample cost ~10 % of the pool's throughput when runs end every
        few milliseconds; Glue itself reports these every 30 s."""
        now = time.monotonic()
        if self._jvm_figures is None or now - self._jvm_read_at >= _JVM_MAX_AGE_SECONDS:
            used = int(self._runtime.totalMemory()) - int(self._runtime.freeMemory())
            heap_max = int(self._runtime.maxMemory())
            self._jvm_figures = ExecutorSample("driver", used, heap_max, self._cpu_load())
            self._jvm_read_at = now
        return self._jvm_figures

    def drain(self, timeout_seconds: float) -> None:
        """Wait until Spark's listener bus has delivered every event (task ends) to the
        status store, so a final sample sees the run's last tasks. ``waitUntilEmpty`` is
        private[spark] in Scala but public in bytecode; it raises on timeout."""
        self._sc._jsc.sc().listenerBus().waitUntilEmpty(int(timeout_seconds * 1000))


def _cpu_load_reader(sc: Any) -> Callable[[], float | None]:
    """System CPU load (0 to 1) of the driver's machine, JMX ``CpuLoad``. The platform bean's
    class is in a package the JDK does not export, so py4j cannot call its methods
    directly; calling through the exported interface's Method object works."""
    jvm, gateway = sc._jvm, sc._gateway
    bean = jvm.java.lang.management.ManagementFactory.getOperatingSystemMXBean()
    iface = jvm.java.lang.Class.forName("com.sun.management.OperatingSystemMXBean")
    no_types = gateway.new_array(jvm.java.lang.Class, 0)
    no_args = gateway.new_array(jvm.java.lang.Object, 0)
    try:
        method = iface.getMethod("getCpuLoad", no_types)  # JDK 14+
    except Exception:
        method = iface.getMethod("getSystemCpuLoad", no_types)

    def read() -> float | None:
        value = float(method.invoke(bean, no_args))
        return value if 0.0 <= value <= 1.0 else None  # negative: not available yet

    return read
