"""Members and leases in PostgreSQL: heartbeats, the lease with its fencing token, dead members.

Every time here is the database's clock (``now()``), never a member's: members on machines
whose clocks disagree still agree on who is alive and who holds a lease. A lease is taken
when it is free or expired, renewed only by its holder, and each acquisition increments its
token; ``fence`` checks inside a caller's transaction that the lease is still this holder's,
under that token, and unexpired (and holds the row so no one takes it until that commits).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Interval, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from stoker.domain.cluster import Lease, Member, MemberInfo
from stoker.domain.jobs import ExecutorKind
from stoker.domain.runs import JobRun
from stoker.domain.states import ACTIVE_STATES
from stoker.errors import LeaseLost
from stoker.store.codec import run_from_row
from stoker.store.engine import Database
from stoker.store.tables import cluster_members, job_runs, leases

_ACTIVE = [s.value for s in ACTIVE_STATES]
_SPAN = bindparam("span", type_=Interval())
_NOW = func.now()

_upsert = pg_insert(cluster_members)
_HEARTBEAT = _upsert.on_conflict_do_update(
    index_elements=["member_id"],
    set_={
        "host": _upsert.excluded.host, "pid": _upsert.excluded.pid,
        "api_url": _upsert.excluded.api_url, "started_on": _upsert.excluded.started_on,
        "pool_capacity": _upsert.excluded.pool_capacity, "heartbeat_on": _NOW,
    },
)  # fmt: skip
_take = pg_insert(leases)
_mine = leases.c.holder == _take.excluded.holder
_live = leases.c.expires_on > _NOW
# Taken when free or expired, renewed by its holder; the token moves on at each acquisition
# (a holder renewing an unexpired lease keeps it: it never stopped holding).
_ACQUIRE = _take.on_conflict_do_update(
    index_elements=["name"],
    set_={
        "holder": _take.excluded.holder,
        "token": func.coalesce(
            select(leases.c.token).where(_mine, _live).scalar_subquery(), leases.c.token + 1
        ),
        "expires_on": _take.excluded.expires_on,
    },
    where=or_(_mine, leases.c.expires_on <= _NOW),
).returning(leases.c.token)
_FENCE = (
    select(leases.c.name)
    .where(
        leases.c.name == bindparam("name"), leases.c.holder == bindparam("holder"),
        leases.c.token == bindparam("token"), _live,
    )
    .with_for_update(read=True)
)  # fmt: skip
_ALIVE = cluster_members.c.heartbeat_on > _NOW - _SPAN


class ClusterStore:
    """Membership and leases (PostgreSQL: SQLite serves one daemon and never calls this)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def heartbeat(self, member: MemberInfo) -> None:
        """Write (or create) the member's row, stamped with the database's now."""
        values = {
            "member_id": member.member_id, "host": member.host, "pid": member.pid,
            "api_url": member.api_url, "started_on": member.started_on,
            "pool_capacity": member.pool_capacity,
        }  # fmt: skip
        with self._db.write() as conn:
            conn.execute(_HEARTBEAT, {**values, "heartbeat_on": _db_now(conn)})

    def leave(self, member_id: str) -> None:
        """At a clean shutdown: the member's row goes (its runs ended before)."""
        with self._db.write() as conn:
            conn.execute(delete(cluster_members).where(cluster_members.c.member_id == member_id))

    def acquire(self, name: str, holder: str, seconds: float) -> int | None:
        """Take or renew the lease for ``seconds``; its fencing token, or None when another
        member holds it unexpired."""
        with self._db.write() as conn:
            expires = _db_now(conn) + timedelta(seconds=seconds)
            row = conn.execute(
                _ACQUIRE, {"name": name, "holder": holder, "token": 1, "expires_on": expires}
            ).one_or_none()
        return None if row is None else int(row.token)

    def release(self, name: str, holder: str) -> None:
        """Let the lease go now (clean shutdown), so another member need not wait it out."""
        with self._db.write() as conn:
            conn.execute(
                update(leases)
                .where(leases.c.name == name, leases.c.holder == holder)
                .values(expires_on=_NOW)
            )

    def members(self, alive_within: float) -> list[Member]:
        """Every member row, oldest first, with its heartbeat's age and its live runs."""
        busy = (
            select(
                job_runs.c.member_id, func.count(),
                func.count().filter(job_runs.c.executor == ExecutorKind.POOL.value),
            )
            .where(job_runs.c.state.in_(_ACTIVE), job_runs.c.member_id.is_not(None))
            .group_by(job_runs.c.member_id)
        )  # fmt: skip
        with self._db.read() as conn:
            now = _db_now(conn)
            rows = conn.execute(select(cluster_members).order_by(cluster_members.c.started_on))
            counts = {m: (n, pool) for m, n, pool in conn.execute(busy)}
            return [_member(row, now, alive_within, counts.get(row.member_id)) for row in rows]

    def leases(self) -> list[Lease]:
        with self._db.read() as conn:
            now = _db_now(conn)
            rows = conn.execute(select(leases).order_by(leases.c.name)).all()
        return [
            Lease(r.name, r.holder, int(r.token), r.expires_on,
                  (r.expires_on - now).total_seconds())
            for r in rows
        ]  # fmt: skip

    def orphaned(self, alive_within: float) -> list[JobRun]:
        """STARTING, RUNNING and STOPPING runs no live member executes: their member's
        heartbeat is older than ``alive_within`` seconds, its row is gone, or they have none
        (left by a daemon from before members were recorded). Oldest first."""
        alive = select(cluster_members.c.member_id).where(_ALIVE)
        query = (
            select(job_runs)
            .where(
                job_runs.c.state.in_(_ACTIVE),
                or_(job_runs.c.member_id.is_(None), job_runs.c.member_id.not_in(alive)),
            )
            .order_by(job_runs.c.seq)
        )
        with self._db.read() as conn:
            return [run_from_row(row) for row in conn.execute(query, _span(alive_within))]

    def forget_dead(self, dead_for: float) -> int:
        """Remove member rows silent for ``dead_for`` seconds that no live run names."""
        running = select(job_runs.c.member_id).where(
            job_runs.c.state.in_(_ACTIVE), job_runs.c.member_id.is_not(None)
        )
        with self._db.write() as conn:
            result = conn.execute(
                delete(cluster_members).where(
                    cluster_members.c.heartbeat_on <= _NOW - _SPAN,
                    cluster_members.c.member_id.not_in(running),
                ),
                _span(dead_for),
            )
            return result.rowcount


def fence(conn: Connection, name: str, holder: str, token: int) -> None:
    """Inside the caller's transaction: LeaseLost unless ``holder`` still holds ``name``
    under ``token``, unexpired. The lease row stays share-locked until the caller commits,
    so it cannot change hands in between."""
    held = conn.execute(_FENCE, {"name": name, "holder": holder, "token": token}).one_or_none()
    if held is None:
        raise LeaseLost(
            f"lease {name!r} is no longer held by {holder} under token {token}",
            field="lease", value=name,
        )  # fmt: skip


def _db_now(conn: Connection) -> datetime:
    now: datetime = conn.execute(select(_NOW)).scalar_one()
    return now


def _span(seconds: float) -> dict[str, Any]:
    return {"span": timedelta(seconds=seconds)}


def _member(row: Any, now: datetime, alive_within: float, counts: tuple[int, int] | None) -> Member:
    info = MemberInfo(row.member_id, row.host, row.pid, row.api_url, row.started_on,
                      row.pool_capacity)  # fmt: skip
    age = (now - row.heartbeat_on).total_seconds()
    live, pool = counts or (0, 0)
    return Member(info, row.heartbeat_on, age, age <= alive_within, live, pool)
