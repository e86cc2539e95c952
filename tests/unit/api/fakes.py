"""In-memory ApiServices for API and CLI tests: behaves like the daemon, stores nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from stoker.aio import Blocking
from stoker.bus import Bus
from stoker.config.cluster import ClusterSettings
from stoker.config.security import SecuritySettings
from stoker.config.sessions import SessionSettings
from stoker.daemon.cluster import LocalMembership, member_info
from stoker.datacatalog.service import CatalogService
from stoker.domain.bookmarks import BookmarkAction, BookmarkVersion, set_now_elements
from stoker.domain.events import OutboxEvent
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import ExecutorKind, Job, JobCursor, JobFilter, validate_job
from stoker.domain.metricsrange import (
    RUNS_PER_POINT,
    SAMPLES_PER_RUN,
    JobMetricsRange,
    RunFigures,
    buckets,
    points,
    run_figures,
)
from stoker.domain.runs import JobActivity, JobRun, RunFilter
from stoker.domain.sparkmetrics import RunMetricsHistory, SparkSample
from stoker.domain.states import RunState
from stoker.domain.summary import DayCount, RunSummary, check_range, summarize
from stoker.domain.triggers import Action, Trigger, TriggerType
from stoker.errors import Conflict, InvalidTransition, NotFound
from stoker.executors.pool.health import PoolHealth, PoolState
from stoker.roles.audit import AuditService
from stoker.roles.configurations import SecurityConfigService
from stoker.roles.keys import KeyService
from stoker.roles.service import RoleService
from stoker.security.keyring import load_keyring
from stoker.sessions.service import SessionService
from stoker.store.audit import AuditStore
from stoker.store.datacatalog import CatalogStore
from stoker.store.engine import Database, upgrade
from stoker.store.jobs import JobStore
from stoker.store.roles import RoleStore
from stoker.store.security_configs import SecurityConfigStore
from stoker.store.sessions import SessionStore
from stoker.tasks import TaskStatus, Unsupervised
from tests.unit.api.fake_triggers import FakeDefinitions, FakeTriggers

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeJobs:
    jobs: dict[str, Job] = field(default_factory=dict)
    scripts: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, object]] = field(default_factory=list)
    #: The filter of each list_jobs call, and what activity answers per job.
    filters: list[JobFilter] = field(default_factory=list)
    cursors: list[str | JobCursor | None] = field(default_factory=list)
    activity_of: dict[str, JobActivity] = field(default_factory=dict)
    #: The daemon's logs.retention_days, as GET /jobs shows it for jobs that set none.
    default_log_retention: int | Literal["never"] = 90

    def _store_script(self, job: Job, script: str | None) -> Job:
        if script is not None:
            self.scripts[job.name] = script
            return replace(job, script_location=f"/data/scripts/{job.name}.py")
        return job

    async def create_job(self, job: Job, script: str | None) -> Job:
        self.calls.append(("create_job", (job, script)))
        if job.name in self.jobs:
            raise Conflict(f"job {job.name!r} already exists", field="name")
        job = validate_job(self._store_script(job, script)).with_times(T0, T0)
        self.jobs[job.name] = job
        return job

    async def update_job(self, job: Job, script: str | None) -> Job:
        self.calls.append(("update_job", (job, script)))
        old = await self.get_job(job.name)
        assert old.created_on is not None
        job = validate_job(self._store_script(job, script))
        job = job.with_times(old.created_on, T0 + timedelta(hours=1))
        self.jobs[job.name] = job
        return job

    async def get_job(self, name: str) -> Job:
        try:
            return self.jobs[name]
        except KeyError:
            raise NotFound(f"job {name!r} does not exist", field="name") from None

    async def list_jobs(
        self, limit: int, after: str | JobCursor | None, where: JobFilter
    ) -> list[Job]:
        self.filters.append(where)
        self.cursors.append(after)
        last = after.name if isinstance(after, JobCursor) else after
        names = sorted(n for n in self.jobs if last is None or n > last)
        return [self.jobs[n] for n in names[:limit]]

    async def activity(self, names: Sequence[str]) -> dict[str, JobActivity]:
        return {name: self.activity_of.get(name, JobActivity()) for name in names}

    async def delete_job(self, name: str) -> None:
        await self.get_job(name)
        del self.jobs[name]

    async def get_script(self, name: str) -> str:
        await self.get_job(name)
        return self.scripts.get(name, "")

    async def put_script(self, name: str, script: str) -> Job:
        job = await self.get_job(name)
        self.scripts[name] = script
        return job


@dataclass
class FakeRuns:
    jobs: FakeJobs
    log_dir: Path
    runs: dict[str, JobRun] = field(default_factory=dict)
    seq: int = 0
    #: The state a started run is created in (tests flip it to exercise --wait).
    start_state: RunState = RunState.RUNNING
    #: Raised by start_run when set (e.g. ConcurrentRunsExceeded).
    start_error: Exception | None = None
    #: Called with the run id on every get_run: tests move runs along as clients poll.
    on_get_run: Callable[[str], None] | None = None
    #: The filter of each list_runs call, for the API tests of GET /runs.
    filters: list[RunFilter] = field(default_factory=list)

    async def start_run(
        self,
        job_name: str,
        arguments: dict[str, str],
        *,
        timeout: int | None = None,
        notify_delay_after: int | None = None,
        queuing: bool | None = None,
        triggered_by: str = "manual",
        retry_of: str | None = None,
    ) -> JobRun:
        job = await self.jobs.get_job(job_name)
        if self.start_error is not None:
            raise self.start_error
        previous = await self.get_run(retry_of) if retry_of is not None else None
        self.seq += 1
        run = JobRun(
            id=new_run_id(),
            job_name=job_name,
            state=self.start_state,
            attempt=previous.attempt + 1 if previous else 0,
            previous_run_id=retry_of,
            triggered_by=triggered_by,
            arguments=dict(arguments),
            resolved_arguments={**job.default_arguments, **arguments},
            timeout=timeout or job.timeout,
            notify_delay_after=notify_delay_after,
            executor=job.effective_executor,
            max_retries=job.max_retries,
            queuing_enabled=job.job_run_queuing_enabled if queuing is None else queuing,
            started_on=T0.replace(tzinfo=None),  # naive, as SQLite hands them back
            last_modified_on=T0,
            seq=self.seq,
        )
        self.runs[run.id] = run
        return run

    def add(self, run: JobRun) -> None:
        self.runs[run.id] = run

    def set_state(self, run_id: str, state: RunState, error: str | None = None) -> None:
        completed = T0 + timedelta(minutes=5) if state.terminal else None
        self.runs[run_id] = replace(
            self.runs[run_id], state=state, error_message=error, completed_on=completed
        )

    async def stop_run(self, run_id: str) -> JobRun:
        run = await self.get_run(run_id)
        if run.state.terminal:
            raise InvalidTransition(f"run {run_id} is already {run.state}", field="run_id")
        run = replace(run, state=RunState.STOPPING)
        self.runs[run_id] = run
        return run

    async def get_run(self, run_id: str) -> JobRun:
        if self.on_get_run is not None and run_id in self.runs:
            self.on_get_run(run_id)
        try:
            return self.runs[run_id]
        except KeyError:
            raise NotFound(f"job run {run_id!r} does not exist", field="run_id") from None

    async def list_runs(
        self, where: RunFilter, *, limit: int, before_seq: int | None
    ) -> list[JobRun]:
        self.filters.append(where)
        runs = sorted(self.runs.values(), key=lambda r: r.seq, reverse=True)
        runs = [
            r
            for r in runs
            if (where.job_name is None or r.job_name == where.job_name)
            and (not where.states or r.state in where.states)
            and (before_seq is None or r.seq < before_seq)
        ]
        return runs[:limit]

    async def summary(
        self, since: datetime, until: datetime, job_name: str | None = None
    ) -> RunSummary:
        check_range(since, until)
        started = [
            r for r in self.runs.values()
            if since <= r.started_on < until and job_name in (None, r.job_name)
        ]  # fmt: skip
        counts = [DayCount(r.started_on.date(), r.state, 1) for r in started]
        return summarize(counts, since, until)

    def log_path(self, run_id: str, stream: Literal["stdout", "stderr"]) -> Path:
        return self.log_dir / run_id / f"{stream}.log"

    async def sealed_log(self, run_id: str, stream: Literal["stdout", "stderr"]) -> bytes | None:
        """No fake run's job has a security configuration: every log is a plain file."""
        return None


@dataclass
class FakeEvents:
    events: list[OutboxEvent] = field(default_factory=list)

    async def list_events(
        self, *, pending: bool | None, limit: int, after_seq: int | None
    ) -> list[OutboxEvent]:
        found = [
            e
            for e in sorted(self.events, key=lambda e: e.seq)
            if (after_seq is None or e.seq > after_seq)
            and (pending is None or (e.sent_on is None) == pending)
        ]
        return found[:limit]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # the fake's naive starts


@dataclass
class FakeMetricsHistory:
    """Samples per run id; runs must exist in ``runs`` (NotFound otherwise, as the daemon)."""

    runs: FakeRuns
    samples: dict[str, list[SparkSample]] = field(default_factory=dict)
    #: The (job, since, until, points) of each over_range call.
    ranges: list[tuple[str, datetime, datetime, int]] = field(default_factory=list)

    async def get(self, run_id: str) -> RunMetricsHistory:
        run = await self.runs.get_run(run_id)
        return RunMetricsHistory(run.id, run.job_name, list(self.samples.get(run_id, [])))

    async def over_range(
        self, job_name: str, since: datetime, until: datetime, count: int
    ) -> JobMetricsRange:
        """As the store reads it: each bucket's latest runs, each run's newest samples."""
        self.ranges.append((job_name, since, until, count))
        spans = buckets(since, until, count)
        found: dict[int, list[RunFigures]] = {}
        for i, span in enumerate(spans):
            started = [
                r
                for r in self.runs.runs.values()
                if r.job_name == job_name and span.start <= _aware(r.started_on) < span.end
            ]
            started.sort(key=lambda r: _aware(r.started_on), reverse=True)
            for run in started[:RUNS_PER_POINT]:
                if kept := self.samples.get(run.id, [])[-SAMPLES_PER_RUN:]:
                    found.setdefault(i, []).append(run_figures([s.to_dict() for s in kept]))
        step = (until - since).total_seconds() / count
        return JobMetricsRange(job_name, since, until, step, points(spans, found))


@dataclass
class FakeBookmarks:
    """Versions per job in memory; the real rules (live runs, CAS) are the store's tests'."""

    jobs: FakeJobs
    versions: dict[str, list[BookmarkVersion]] = field(default_factory=dict)
    #: A run id that makes every change a Conflict, as a live bookmarked run does.
    live_run: str | None = None

    async def _job(self, name: str) -> list[BookmarkVersion]:
        await self.jobs.get_job(name)
        return self.versions.setdefault(name, [])

    async def get(self, job_name: str) -> BookmarkVersion:
        versions = await self._job(job_name)
        if not versions:
            return BookmarkVersion(job_name, 0, 0, 0, None, None, BookmarkAction.RESET, None)
        return versions[-1]

    async def history(
        self, job_name: str, *, limit: int, before_version: int | None
    ) -> list[BookmarkVersion]:
        versions = [v for v in reversed(await self._job(job_name))
                    if before_version is None or v.version < before_version]  # fmt: skip
        return versions[:limit]

    def commit(self, job_name: str, run_id: str, elements: dict[str, dict[str, object]]) -> None:
        versions = self.versions.setdefault(job_name, [])
        n = len(versions) + 1
        versions.append(
            BookmarkVersion(job_name, n, n, 0, run_id, None, BookmarkAction.COMMIT, T0, elements)
        )

    async def _write(self, job_name: str, action: BookmarkAction, elements: dict[str, Any],
                     run_id: str | None) -> BookmarkVersion:  # fmt: skip
        versions = await self._job(job_name)
        if self.live_run is not None:
            raise Conflict(f"job {job_name!r} has a live run with job-bookmark-enable "
                           f"({self.live_run})", field="run_id")  # fmt: skip
        written = BookmarkVersion(job_name, len(versions) + 1, 0, 0, run_id, None, action, T0,
                                  elements)  # fmt: skip
        versions.append(written)
        return written

    async def reset(self, job_name: str, run_id: str | None = None) -> BookmarkVersion:
        versions = await self._job(job_name)
        if run_id is None:
            return await self._write(job_name, BookmarkAction.RESET, {}, None)
        target = next((v for v in versions if v.run_id == run_id and
                       v.action is BookmarkAction.COMMIT), None)  # fmt: skip
        if target is None:
            raise NotFound(f"run {run_id} has no committed bookmark state", field="run_id")
        return await self._write(job_name, BookmarkAction.REWIND, target.elements, run_id)

    async def set_now(self, job_name: str) -> BookmarkVersion:
        current = await self.get(job_name)
        return await self._write(
            job_name, BookmarkAction.SET, set_now_elements(current.elements, 1), None
        )


class FakeServices:
    """Satisfies stoker.api.ports.ApiServices structurally, like the daemon's services."""

    def __init__(self, log_dir: Path) -> None:
        self.jobs = FakeJobs()
        self.runs = FakeRuns(self.jobs, log_dir)
        self.events = FakeEvents()
        self.triggers = FakeTriggers(self.runs)
        self.definitions = FakeDefinitions(self.jobs, self.triggers)
        self.metrics_history = FakeMetricsHistory(self.runs)
        self.bookmarks = FakeBookmarks(self.jobs)
        self.run_feed = Bus()
        self.accepting_runs = True
        self.tasks: list[TaskStatus] = []
        self.pool = PoolHealth(PoolState.OK, 2, 2, 0, 0, 0, None)
        self._data_dir = log_dir.parent
        self._catalog: CatalogService | None = None
        self._security_services: tuple[RoleService, KeyService] | None = None
        self._configs: SecurityConfigService | None = None
        self._audit: AuditService | None = None
        self._sessions: SessionService | None = None
        self.s3_buckets: dict[str, str] = {}
        settings = ClusterSettings(member_id="test-member")
        self.cluster = LocalMembership(
            member_info(settings, "http://127.0.0.1:8421", 2), settings, busy=lambda: 0
        )

    @property
    def catalog(self) -> CatalogService:
        """The real catalog service over a SQLite file, made on first use (most tests of
        the API never reach the catalog, and the database costs a migration)."""
        if self._catalog is None:
            db = Database(f"sqlite:///{self._data_dir / 'catalog.db'}")
            upgrade(db)
            self._catalog = CatalogService(CatalogStore(db), Blocking(1), lambda: T0,
                                           self.s3_buckets)  # fmt: skip
        return self._catalog

    def _security(self) -> tuple[RoleService, KeyService]:
        """The real role and key services over the catalog's SQLite file and a key ring
        beside it, made on first use."""
        if self._security_services is None:
            db = Database(f"sqlite:///{self._data_dir / 'catalog.db'}")
            upgrade(db)
            ring = load_keyring(SecuritySettings(), self._data_dir)
            store = RoleStore(db, ring)
            self._security_services = (RoleService(store, Blocking(1), lambda: T0),
                                       KeyService(ring, [store], Blocking(1)))  # fmt: skip
        return self._security_services

    @property
    def security_configurations(self) -> SecurityConfigService:
        if self._configs is None:
            db = Database(f"sqlite:///{self._data_dir / 'catalog.db'}")
            upgrade(db)
            self._configs = SecurityConfigService(SecurityConfigStore(db), Blocking(1),
                                                  lambda: T0)  # fmt: skip
        return self._configs

    @property
    def audit(self) -> AuditService:
        """The real audit service over the catalog's SQLite file, made on first use."""
        if self._audit is None:
            db = Database(f"sqlite:///{self._data_dir / 'catalog.db'}")
            upgrade(db)
            self._audit = AuditService(AuditStore(db), Blocking(1), lambda: T0)
        return self._audit

    @property
    def sessions(self) -> SessionService:
        """The real session service over the catalog's SQLite file, without a pool: reads
        work, and a new session is refused (no Spark in these tests)."""
        if self._sessions is None:
            db = Database(f"sqlite:///{self._data_dir / 'catalog.db'}")
            upgrade(db)
            self._sessions = SessionService(
                store=SessionStore(db), jobs=JobStore(db), pool=None, io=Blocking(1),
                clock=lambda: T0, tasks=Unsupervised(), settings=SessionSettings(),
            )  # fmt: skip
        return self._sessions

    @property
    def roles(self) -> RoleService:
        return self._security()[0]

    @property
    def keys(self) -> KeyService:
        return self._security()[1]

    def pool_health(self) -> PoolHealth | None:
        return self.pool


def make_job(name: str = "etl", **changes: object) -> Job:
    job = Job(name=name, script_location=f"/scripts/{name}.py").with_times(T0, T0)
    return replace(job, **changes)  # type: ignore[arg-type]


def make_run(job_name: str = "etl", **changes: object) -> JobRun:
    run = JobRun(
        id=new_run_id(), job_name=job_name, state=RunState.STARTING, attempt=0,
        previous_run_id=None, triggered_by="manual", arguments={"--day": "1"},
        resolved_arguments={"--day": "1"}, timeout=2880, notify_delay_after=None,
        executor=ExecutorKind.POOL, max_retries=0, queuing_enabled=False, started_on=T0,
        last_modified_on=T0,
    )  # fmt: skip
    return replace(run, **changes)  # type: ignore[arg-type]


def make_trigger(name: str = "nightly", **changes: object) -> Trigger:
    trigger = Trigger(
        name=name,
        type=TriggerType.SCHEDULED,
        actions=(Action("etl", {"--day": "x", "--api_token": "s3cret"}),),
        schedule="cron(0 2 * * ? *)",
        created_on=T0,
        last_modified_on=T0,
    )
    return replace(trigger, **changes)  # type: ignore[arg-type]


def make_event(seq: int, *, sent: bool = False, state: str = "RUNNING") -> OutboxEvent:
    return OutboxEvent(
        seq=seq,
        id=f"ev-{seq}",
        run_id="jr_" + "0" * 64,
        job_name="etl",
        detail_type="Job State Change",
        payload={"detail-type": "Job State Change", "detail": {"state": state}},
        created_on=T0 + timedelta(seconds=seq),
        sent_on=T0 if sent else None,
    )
