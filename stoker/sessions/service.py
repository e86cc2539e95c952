"""The session service: the only code that moves an interactive session between states.

A session reserves one warm pool driver (counted against the pool's capacity: the run
store sees ``held``) — or that driver's slot, for a driver of its own when its properties
need one (``executors/pool/own.py``) — opens its namespace there with its (or its job's)
properties, runs statements one at a time, and ends — stopped, failed, or by its timeout
or idle timeout — by giving the driver back to the pool, which replaces it. Session rows
are stored; the statements of a session live in memory beside it (and for the last ended
sessions) until the daemon stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from stoker.aio import Blocking
from stoker.config.sessions import SessionSettings
from stoker.domain.sessions import (
    ENDED_STATEMENT_STATES,
    JOB_ARGUMENT,
    LIVE_SESSION_STATES,
    MAX_STATEMENTS,
    SESSION_HOLDER,
    Session,
    SessionSpec,
    SessionState,
    Statement,
    StatementState,
    validate_code,
    validate_session_id,
)
from stoker.errors import (
    IllegalSessionState,
    InvalidInput,
    NotFound,
    SessionLimitExceeded,
    StokerError,
)
from stoker.executors.pool.lease import DriverLease
from stoker.executors.pool.process import DriverSetup
from stoker.sessions.live import LiveSession
from stoker.sessions.properties import SessionProperties, properties_of
from stoker.sessions.statements import execute
from stoker.sessions.watchdog import watch
from stoker.store.jobs import JobStore
from stoker.store.sessions import SessionStore
from stoker.tasks import Spawner

log = logging.getLogger(__name__)

#: Ended sessions whose statements stay readable (GetStatement after StopSession).
_ENDED_KEPT = 100
RESTART_ERROR = "the daemon stopped while the session was open; its driver went with it"


class DriverPool(Protocol):
    """The warm pool, as sessions use it (``WarmPool``)."""

    @property
    def size(self) -> int: ...

    async def reserve(self, session_id: str, setup: DriverSetup | None = None) -> DriverLease: ...


class Credentials(Protocol):
    """Short-lived Glue endpoint credentials (``RunCredentials``), minted per session."""

    def environment(self, holder: str) -> dict[str, str]: ...

    def revoke(self, holder: str) -> None: ...


def _holder(session_id: str) -> str:
    # Runs are keyed by run id; a prefix no run id has keeps a session's apart.
    return f"{SESSION_HOLDER}{session_id}"


class SessionService:
    """Glue's session and statement operations over the warm pool. With ``credentials``,
    statements reach stoker's Glue endpoint through the AWS SDKs (``boto3.client("glue")``)
    with keys that live as long as the session, as a run's do."""

    def __init__(
        self,
        *,
        store: SessionStore,
        jobs: JobStore,
        pool: DriverPool | None,
        io: Blocking,
        clock: Callable[[], datetime],
        tasks: Spawner,
        settings: SessionSettings,
        credentials: Credentials | None = None,
    ) -> None:
        self._store = store
        self._credentials = credentials
        self._jobs = jobs
        self._pool = pool
        self._io = io
        self._clock = clock
        self._tasks = tasks
        self._settings = settings
        self._live: dict[str, LiveSession] = {}
        self._ended: OrderedDict[str, LiveSession] = OrderedDict()

    @property
    def held(self) -> int:
        """Drivers reserved (or being reserved) by live sessions."""
        return len(self._live)

    async def recover(self) -> int:
        """At start: sessions an earlier daemon left open end now (STOPPING → STOPPED,
        the others FAILED), since their drivers died with it."""
        settled = await self._io(self._store.settle_after_restart, self._clock(), RESTART_ERROR)
        if settled:
            log.warning("%s interactive sessions left open by the last daemon were ended",
                        settled, extra={"action": "sessions.recover"})  # fmt: skip
        return settled

    # -- sessions --------------------------------------------------------------------------

    async def create(self, spec: SessionSpec) -> Session:
        """Store the session PROVISIONING and reserve its driver in the background.

        Raises InvalidInput (bad id, unknown job), Conflict (the id exists),
        SessionLimitExceeded (every warm driver is already a session's)."""
        validate_session_id(spec.id)
        job_name = spec.job_name or spec.default_arguments.get(JOB_ARGUMENT)
        job = None
        if job_name:
            try:
                job = await self._io(self._jobs.get, job_name)
            except NotFound:
                raise InvalidInput(f"job {job_name!r} does not exist", field="job_name",
                                   value=job_name) from None  # fmt: skip
        properties = properties_of(spec, job)
        self._check_capacity(spec.id)
        session = Session(properties.spec, SessionState.PROVISIONING, self._clock())
        live = LiveSession(session)
        # Counted before the row is written, so two creates cannot both take the last driver.
        self._live[spec.id] = live
        try:
            await self._io(self._store.insert, session)
        except BaseException:
            del self._live[spec.id]
            raise
        log.info("session %s created", spec.id,
                 extra={"action": "session.create", "session_id": spec.id})  # fmt: skip
        ids = {"session_id": spec.id}
        self._tasks.spawn("session.provision", self._provision(live, properties), ids)
        self._tasks.spawn("session.watchdog", watch(live, self, self._settings), ids)
        return session

    def _check_capacity(self, session_id: str) -> None:
        size = self._pool.size if self._pool is not None else 0
        if size == 0:
            raise SessionLimitExceeded(
                "interactive sessions run on the warm pool, which has no drivers "
                "(spark.pool_size = 0)", field="id", value=session_id)  # fmt: skip
        if self.held >= size:
            raise SessionLimitExceeded(
                f"all {size} warm pool drivers are already reserved by sessions "
                f"(spark.pool_size = {size}); stop a session first",
                field="id",
                value=session_id,
            )

    async def _provision(self, live: LiveSession, properties: SessionProperties) -> None:
        assert self._pool is not None
        try:
            lease = await self._pool.reserve(live.session.id, properties.setup)
        except StokerError as exc:
            await self.end(live, SessionState.FAILED, f"no warm driver for the session: "
                           f"{exc.message}")  # fmt: skip
            return
        live.lease = lease
        if live.session.state is not SessionState.PROVISIONING:
            lease.release("stopped while provisioning")
            return
        env = self._credentials.environment(_holder(live.session.id)) if self._credentials else {}
        try:
            await lease.open(properties.arguments, properties.sql_conf, properties.py_files, env)
        except StokerError as exc:
            await self.end(live, SessionState.FAILED, exc.message)
            return
        await self._move(live, SessionState.READY)

    async def _move(self, live: LiveSession, state: SessionState) -> bool:
        before = live.session.state
        if before not in LIVE_SESSION_STATES:
            return False
        live.session = Session(live.session.spec, state, live.session.created_on)
        live.last_active = time.monotonic()
        live.poked.set()
        return await self._io(self._store.move, live.session, [before])

    async def end(self, live: LiveSession, state: SessionState, error: str | None = None) -> None:
        """End a live session (no-op if it has ended): its driver goes back to the pool,
        statements still running are cancelled with it."""
        before = live.session.state
        if before not in LIVE_SESSION_STATES:
            return
        live.session = live.session.ended(state, self._clock(), error)
        live.poked.set()
        if live.lease is not None:
            live.lease.release(state.value.lower())
        if self._credentials is not None:
            self._credentials.revoke(_holder(live.session.id))
        self._live.pop(live.session.id, None)
        self._ended[live.session.id] = live
        while len(self._ended) > _ENDED_KEPT:
            self._ended.popitem(last=False)
        await self._io(self._store.move, live.session, [before])
        log.info("session %s ended: %s", live.session.id, state.value,
                 extra={"action": "session.end", "session_id": live.session.id,
                        "error": error})  # fmt: skip

    async def get(self, session_id: str) -> Session:
        return await self._io(self._store.get, session_id)

    async def list_sessions(self, limit: int, after: str | None) -> list[Session]:
        return await self._io(self._store.list_sessions, limit, after)

    async def stop(self, session_id: str) -> Session:
        """STOPPING, then STOPPED once its driver is given back; IllegalSessionState when
        the session has ended already."""
        live = self._live.get(session_id)
        if live is None:
            session = await self.get(session_id)
            raise IllegalSessionState(
                f"session {session_id!r} is {session.state.value}, not running",
                field="id",
                value=session_id,
            )
        await self._move(live, SessionState.STOPPING)
        await self.end(live, SessionState.STOPPED)
        return live.session

    async def delete(self, session_id: str) -> None:
        """Stop it if it runs, then forget it and its statements."""
        if session_id in self._live:
            await self.stop(session_id)
        await self._io(self._store.delete, session_id)
        self._ended.pop(session_id, None)

    async def aclose(self) -> None:
        """At shutdown: every live session ends STOPPED, its driver with the pool."""
        for live in list(self._live.values()):
            await self.end(live, SessionState.STOPPED, "the daemon shut down")

    # -- statements ------------------------------------------------------------------------

    async def run_statement(self, session_id: str, code: str) -> int:
        """Queue ``code`` and return its id at once; its output comes with GetStatement."""
        validate_code(code)
        live = await self._ready(session_id)
        if len(live.statements) >= MAX_STATEMENTS:
            raise IllegalSessionState(f"session {session_id!r} has run its {MAX_STATEMENTS} "
                                      "statements; start another", field="id")  # fmt: skip
        statement = Statement(len(live.statements), code, StatementState.WAITING)
        live.statements.append(statement)
        live.poked.set()
        self._tasks.spawn("session.statement", execute(live, statement.id, self),
                          {"session_id": session_id})  # fmt: skip
        return statement.id

    async def _ready(self, session_id: str) -> LiveSession:
        live = self._live.get(session_id)
        if live is not None and live.session.state is SessionState.READY:
            return live
        state = live.session.state if live else (await self.get(session_id)).state
        raise IllegalSessionState(f"session {session_id!r} is {state.value}, not READY",
                                  field="id", value=session_id)  # fmt: skip

    async def _any(self, session_id: str) -> LiveSession:
        live = self._live.get(session_id) or self._ended.get(session_id)
        if live is not None:
            return live
        session = await self.get(session_id)  # NotFound for an unknown id
        # Ended under an earlier daemon (or long ago): its statements are gone.
        return LiveSession(session)

    async def get_statement(self, session_id: str, statement_id: int) -> Statement:
        statement = (await self._any(session_id)).statement(statement_id)
        if statement is None:
            raise NotFound(f"session {session_id!r} has no statement {statement_id}",
                           field="statement_id", value=statement_id)  # fmt: skip
        return statement

    async def wait_statement(self, session_id: str, statement_id: int,
                             timeout: float) -> Statement:  # fmt: skip
        """The statement once it has ended, or as it is after ``timeout`` seconds."""
        live = await self._any(session_id)
        deadline = time.monotonic() + timeout
        while True:
            statement = await self.get_statement(session_id, statement_id)
            left = deadline - time.monotonic()
            if statement.state in ENDED_STATEMENT_STATES or left <= 0:
                return statement
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(live.next_change(), left)

    async def list_statements(self, session_id: str) -> list[Statement]:
        return list((await self._any(session_id)).statements)

    async def cancel_statement(self, session_id: str, statement_id: int) -> Statement:
        """A waiting statement is CANCELLED at once, a running one CANCELLING until the
        driver has interrupted it; IllegalSessionState for one that has ended."""
        live = await self._any(session_id)
        statement = await self.get_statement(session_id, statement_id)
        if statement.state is StatementState.WAITING:
            live.end(statement_id, StatementState.CANCELLED, None, self._clock())
        elif statement.state is StatementState.RUNNING and live.lease is not None:
            live.put(replace(statement, state=StatementState.CANCELLING))
            live.lease.cancel(live.run_id(statement_id))
        elif statement.state is not StatementState.CANCELLING:
            raise IllegalSessionState(
                f"statement {statement_id} of session {session_id!r} is "
                f"{statement.state.value}; only a waiting or running one can be cancelled",
                field="statement_id",
                value=statement_id,
            )
        return live.statements[statement_id]

    def now(self) -> datetime:
        return self._clock()
