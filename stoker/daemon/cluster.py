"""Cluster membership: the heartbeat, the singleton lease, and the work only its holder does.

On PostgreSQL every member heartbeats and tries to take or renew the "singleton" lease every
``cluster.heartbeat_seconds``. Its holder alone schedules triggers, relays the outbox and
settles the runs of members whose heartbeat expired (docs/cluster.md). Safety does not rest
on the database noticing a dead holder in time but on the holder itself: a renewal that has
not succeeded by ``lease_seconds - heartbeat_seconds`` after it was sent (a monotonic
deadline, shorter than the expiry the database computed from a later instant) stops the
singleton work first, so it has ended before the lease can be taken by another member. A
database call that hangs cannot delay that: the deadline is awaited beside it. Writes a stale
holder could still make after that are fenced by the lease's token (settlement) or made
harmless by a unique key (a fire is recorded once per trigger and schedule time).

On SQLite there is one daemon: ``LocalMembership`` holds the lease from the start, writes
nothing and runs no loop, so the single-daemon path costs what it did.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from stoker.aio import Blocking
from stoker.config.cluster import ClusterSettings
from stoker.domain.cluster import SINGLETON, ClusterStatus, Lease, Member, MemberInfo
from stoker.errors import LeaseLost, StokerError
from stoker.runs.recovery import settle_orphans
from stoker.runs.service import RunService
from stoker.store.cluster import ClusterStore, fence
from stoker.store.runs import Fence
from stoker.tasks import Spawner, Supervised, wait_any

log = logging.getLogger(__name__)
#: Member rows silent this long (and naming no live run) are removed from the table.
FORGET_AFTER_SECONDS = 3600.0


class Duties(Protocol):
    """The singleton work, started when the lease is taken and stopped when it is lost."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def tick(self) -> None:
        """Called after each renewal while held (periodic singleton work)."""
        ...


def member_info(cfg: ClusterSettings, api_url: str, pool_capacity: int) -> MemberInfo:
    return MemberInfo(
        member_id=cfg.member, host=socket.gethostname(), pid=os.getpid(), api_url=api_url,
        started_on=datetime.now(UTC), pool_capacity=pool_capacity,
    )  # fmt: skip


class LocalMembership:
    """SQLite: the one daemon, which always holds the lease."""

    mode = "local"

    def __init__(self, info: MemberInfo, cfg: ClusterSettings, busy: Callable[[], int]) -> None:
        self.info = info
        self._cfg = cfg
        self._busy = busy

    @property
    def member_id(self) -> str:
        return self.info.member_id

    @property
    def holds(self) -> bool:
        return True

    def leases_held(self) -> list[str]:
        return [SINGLETON]

    async def status(self) -> ClusterStatus:
        now = datetime.now(UTC)
        busy = self._busy()
        me = Member(self.info, now, 0.0, True, busy, busy)
        lease = Lease(SINGLETON, self.member_id, 1, now, float(self._cfg.lease_seconds))
        return ClusterStatus(self.member_id, self.mode, self._cfg.lease_seconds, (me,), (lease,))


class Membership:
    """PostgreSQL: one supervised loop heartbeats, renews or takes the lease, and starts or
    stops the singleton ``duties`` as the lease comes and goes."""

    mode = "postgresql"

    def __init__(
        self,
        store: ClusterStore,
        info: MemberInfo,
        cfg: ClusterSettings,
        io: Blocking,
        tasks: Spawner,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.info = info
        self._store = store
        self._cfg = cfg
        self._io = io
        self._tasks = tasks
        self._clock = clock
        self._duties: Duties | None = None
        #: The fencing token of the lease while this member holds it.
        self.token: int | None = None
        self._deadline = 0.0
        self._stopping = asyncio.Event()
        #: Set at shutdown: heartbeats go on (its runs are draining) but the lease is let go.
        self._resigned = False
        self._loop: Supervised | None = None

    @property
    def member_id(self) -> str:
        return self.info.member_id

    @property
    def holds(self) -> bool:
        """Held and inside the local deadline (checked on each call, not only by the loop)."""
        return self.token is not None and self._clock() < self._deadline

    def leases_held(self) -> list[str]:
        return [SINGLETON] if self.holds else []

    async def join(self) -> None:
        """Register this member (its first heartbeat) before it serves or runs anything."""
        await self._io(self._store.heartbeat, self.info)

    def start(self, duties: Duties) -> None:
        self._duties = duties
        self._loop = self._tasks.supervise("cluster", self._run)

    async def resign(self) -> None:
        """Shutdown's first step: stop the duties and let the lease go, so another member
        takes it at once; heartbeats go on while this member's runs drain."""
        self._resigned = True
        await self._lose("the daemon is shutting down")
        try:
            await self._io(self._store.release, SINGLETON, self.member_id)
        except StokerError as exc:
            log.warning("cluster lease not released: %s", exc.message,
                        extra={"action": "cluster.release_failed"})  # fmt: skip

    async def stop(self) -> None:
        """After the drain: stop heartbeating and leave the member table (a database that
        is gone leaves the row to expire)."""
        self._stopping.set()
        if self._loop is not None:
            await self._loop.join()
        await self.resign()
        try:
            await self._io(self._store.leave, self.member_id)
        except StokerError as exc:
            log.warning("cluster member row not removed: %s", exc.message,
                        extra={"action": "cluster.leave_failed"})  # fmt: skip

    async def status(self) -> ClusterStatus:
        alive = self._cfg.lease_seconds
        members = await self._io(self._store.members, alive)
        leases = await self._io(self._store.leases)
        return ClusterStatus(self.member_id, self.mode, alive, tuple(members), tuple(leases))

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        beat = self._cfg.heartbeat_seconds
        while not self._stopping.is_set():
            started = self._clock()
            await self._step(started)
            if self.holds and self._duties is not None:
                await self._tick()
            await wait_any(self._stopping, timeout=max(0.0, started + beat - self._clock()))

    async def _step(self, started: float) -> None:
        """One heartbeat and renewal, awaited no longer than the holder's deadline."""
        attempt = asyncio.ensure_future(self._io(self._beat))
        if self.token is not None:
            await asyncio.wait([attempt], timeout=max(0.0, self._deadline - self._clock()))
        else:
            await asyncio.wait([attempt])
        if not attempt.done():
            # The database hangs: stop before the lease can expire; the call ends on its own.
            attempt.add_done_callback(_swallow)
            await self._lose("the lease could not be renewed in time (database unreachable)")
            return
        try:
            token = attempt.result()
        except StokerError as exc:
            log.warning("cluster heartbeat failed: %s", exc.message,
                        extra={"action": "cluster.heartbeat_failed"})  # fmt: skip
            if self.token is not None and self._clock() >= self._deadline:
                await self._lose("the lease could not be renewed in time")
            return
        await self._held(token, started)

    def _beat(self) -> int | None:
        self._store.heartbeat(self.info)
        if self._resigned:
            return None
        return self._store.acquire(SINGLETON, self.member_id, self._cfg.lease_seconds)

    async def _held(self, token: int | None, sent: float) -> None:
        if token is None:
            if self.token is not None:
                await self._lose("another member holds the lease")
            return
        if self.token is not None and token != self.token:
            await self._lose("the lease was re-acquired under a new token")
        # The database's expiry counts from after ``sent``: this deadline falls before it.
        self._deadline = sent + self._cfg.lease_seconds - self._cfg.heartbeat_seconds
        if self.token == token:
            return
        self.token = token
        log.info("cluster lease taken", extra={"action": "cluster.lease_taken",
                                               "lease": SINGLETON, "token": token})  # fmt: skip
        assert self._duties is not None
        await self._duties.start()

    async def _lose(self, why: str) -> None:
        if self.token is None:
            return
        token, self.token = self.token, None
        log.warning("cluster lease given up: %s", why,
                    extra={"action": "cluster.lease_lost", "lease": SINGLETON,
                           "token": token})  # fmt: skip
        if self._duties is not None:
            await self._duties.stop()

    async def _tick(self) -> None:
        assert self._duties is not None
        try:
            await self._duties.tick()
        except LeaseLost as exc:
            await self._lose(exc.message)
        except StokerError as exc:
            log.warning("singleton work failed; retried next beat: %s", exc.message,
                        extra={"action": "cluster.duty_failed"})  # fmt: skip

    @property
    def lease_seconds(self) -> float:
        return self._cfg.lease_seconds

    def fence(self) -> Fence:
        """The token check for the holder's writes (store.cluster.fence), bound to now's token."""
        token = self.token if self.token is not None else -1
        return functools.partial(fence, name=SINGLETON, holder=self.member_id, token=token)


class SingletonWork:
    """What the lease holder does: schedule triggers (started and stopped with the lease;
    triggers other members changed are picked up each beat), and settle the runs of members
    whose heartbeat expired. The outbox relay checks ``Membership.holds`` itself."""

    def __init__(
        self,
        membership: Membership,
        triggers: TriggerLifecycle,
        store: ClusterStore,
        runs: RunService,
        io: Blocking,
    ) -> None:
        self._membership = membership
        self._triggers = triggers
        self._store = store
        self._runs = runs
        self._io = io
        self._forget_at = 0.0
        self._refresh_at = 0.0

    async def start(self) -> None:
        # start() has just read every trigger: the first refresh can wait a lease period.
        self._refresh_at = time.monotonic() + self._membership.lease_seconds
        await self._triggers.start()

    async def stop(self) -> None:
        await self._triggers.stop()

    async def tick(self) -> None:
        lease = self._membership.lease_seconds
        now = time.monotonic()
        if now >= self._refresh_at:
            # Reading every scheduled trigger costs with thousands: once a lease period.
            self._refresh_at = now + lease
            await self._triggers.refresh()
        await settle_orphans(self._store, self._runs, self._io, alive_within=lease,
                             fence=self._membership.fence())  # fmt: skip
        if now >= self._forget_at:
            self._forget_at = now + FORGET_AFTER_SECONDS / 10
            await self._io(self._store.forget_dead, FORGET_AFTER_SECONDS)


class TriggerLifecycle(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def refresh(self) -> int: ...


def _swallow(task: asyncio.Future[int | None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a late failure of an abandoned call is not an error


AnyMembership = Membership | LocalMembership
