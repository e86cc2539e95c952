"""Members and leases on PostgreSQL (store/cluster.py): one holder at a time, the token moves
on at each acquisition, a fenced write fails once the lease changed hands, and dead members'
live runs are found for settlement."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from stoker.domain.cluster import SINGLETON, MemberInfo
from stoker.domain.events import EventIdentity
from stoker.domain.jobs import ExecutorKind, Job
from stoker.domain.runs import new_run
from stoker.domain.states import RunState
from stoker.errors import LeaseLost
from stoker.store.cluster import ClusterStore, fence
from stoker.store.engine import Database, upgrade
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore
from tests.integration.store.conftest import reset_postgres

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def pg(pg_url: str) -> Iterator[Database]:
    reset_postgres(pg_url)
    database = Database(pg_url)
    upgrade(database)
    yield database
    database.dispose()


def info(member: str, pool: int = 2) -> MemberInfo:
    return MemberInfo(member, "host", 1, f"http://{member}", NOW, pool)


def test_one_holder_and_a_new_token_at_each_acquisition(pg: Database) -> None:
    store = ClusterStore(pg)
    first = store.acquire(SINGLETON, "a", 0.5)
    assert first == 1
    assert store.acquire(SINGLETON, "b", 0.5) is None  # held, unexpired
    assert store.acquire(SINGLETON, "a", 0.5) == first  # renewed: the same holding
    time.sleep(0.7)
    taken = store.acquire(SINGLETON, "b", 5)
    assert taken == first + 1
    assert store.acquire(SINGLETON, "a", 5) is None
    (lease,) = store.leases()
    assert (lease.holder, lease.token) == ("b", taken) and lease.expires_in_seconds > 4
    store.release(SINGLETON, "b")
    assert store.acquire(SINGLETON, "a", 5) == taken + 1


def test_a_fenced_write_fails_once_the_lease_changed_hands(pg: Database) -> None:
    store = ClusterStore(pg)
    token = store.acquire(SINGLETON, "a", 0.3)
    assert token is not None
    with pg.write() as conn:
        fence(conn, SINGLETON, "a", token)  # held: passes
    time.sleep(0.5)
    with pytest.raises(LeaseLost), pg.write() as conn:
        fence(conn, SINGLETON, "a", token)  # expired, even before anyone took it
    assert store.acquire(SINGLETON, "b", 5) == token + 1
    with pytest.raises(LeaseLost), pg.write() as conn:
        fence(conn, SINGLETON, "a", token)


def test_dead_members_runs_are_orphaned_and_pools_are_per_member(pg: Database) -> None:
    store = ClusterStore(pg)
    store.heartbeat(info("alive"))
    store.heartbeat(info("dead"))
    job = Job(name="j", script_location="/s.py", max_concurrent_runs=10).with_times(NOW, NOW)
    job = JobStore(pg).create(job, NOW)
    identity = EventIdentity()
    runs = {m: RunStore(pg, identity, pool_capacity=1, member_id=m) for m in ("alive", "dead")}
    pool = replace(new_run(job, NOW, arguments={}), executor=ExecutorKind.POOL)
    mine = runs["alive"].create(replace(pool, id=new_run(job, NOW, arguments={}).id), job, NOW)
    lost = runs["dead"].create(replace(pool, id=new_run(job, NOW, arguments={}).id), job, NOW)
    # Each member's pool is its own: both started although the capacity is 1.
    assert (mine.state, lost.state) == (RunState.STARTING, RunState.STARTING)
    assert (mine.member_id, lost.member_id) == ("alive", "dead")
    queued = runs["alive"].create(replace(pool, id=new_run(job, NOW, arguments={}).id), job, NOW)
    assert queued.state is RunState.WAITING and queued.member_id is None
    time.sleep(0.4)
    store.heartbeat(info("alive"))
    assert [r.id for r in store.orphaned(0.3)] == [lost.id]
    members = {m.info.member_id: m for m in store.members(0.3)}
    assert members["alive"].alive and not members["dead"].alive
    assert (members["alive"].pool_busy, members["alive"].live_runs) == (1, 1)
    assert store.forget_dead(0.3) == 0  # "dead" still names a live run
