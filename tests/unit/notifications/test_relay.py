"""The outbox relay over a SQLite outbox and a fake publisher: order, acked prefix, outage, trim."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stoker.aio import Blocking
from stoker.bus import Bus, RunChanged
from stoker.domain.events import OutboxEvent
from stoker.notifications.relay import OutboxRelay
from stoker.store import outbox as outbox_sql
from stoker.store.engine import Database, upgrade
from stoker.store.outbox import OutboxStore

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on a fresh loop (fixtures are taken from the wrapped signature)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


class FakePublisher:
    """Records what it published; ``fail_after`` acks that many of a batch then fails."""

    def __init__(self) -> None:
        self.published: list[OutboxEvent] = []
        self.fail_after: int | None = None
        self.down = False
        self.calls = 0
        self.closed = False

    def publish(self, events: Sequence[OutboxEvent]) -> tuple[list[int], Exception | None]:
        self.calls += 1
        if self.down:
            return [], ConnectionError("broker down")
        if self.fail_after is not None:
            ok = list(events[: self.fail_after])
            self.fail_after = None
            self.published += ok
            return [e.seq for e in ok], ConnectionError("mid-batch")
        self.published += events
        return [e.seq for e in events], None

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'stoker.db'}")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def store(db: Database) -> OutboxStore:
    return OutboxStore(db)


def add_events(db: Database, count: int, jobs: Sequence[str] = ("a", "b")) -> None:
    with db.write() as conn:
        for i in range(count):
            job = jobs[i % len(jobs)]
            payload = {"id": f"00000000-0000-4000-8000-{i:012d}", "detail-type": "Job State Change",
                       "detail": {"jobName": job, "n": i}}  # fmt: skip
            outbox_sql.append(conn, payload, None, T0)


def make_relay(
    store: OutboxStore, publisher: FakePublisher, io: Blocking, **kw: object
) -> OutboxRelay:
    options: dict[str, object] = {"retention_days": 7, "batch_size": 10, "poll_interval": 0.05}
    options.update(kw)
    return OutboxRelay(store, publisher, io=io, clock=lambda: T0, **options)  # type: ignore[arg-type]


async def until(condition: object, timeout: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_store_pending_mark_sent_trim(db: Database, store: OutboxStore) -> None:
    add_events(db, 5)
    pending = store.pending(3)
    assert [e.seq for e in pending] == sorted(e.seq for e in pending)
    assert len(pending) == 3
    assert store.mark_sent([pending[0].seq, pending[1].seq], T0) == 2
    assert store.mark_sent([pending[0].seq], T0 + timedelta(days=1)) == 0  # keeps first time
    assert store.count_pending() == 3
    assert store.pending(10)[0].seq == pending[2].seq
    assert store.trim(T0) == 0  # strictly older only
    assert store.trim(T0 + timedelta(seconds=1)) == 2
    assert store.count_pending() == 3  # pending rows are never trimmed


@sync
async def test_publishes_everything_in_seq_order_and_marks_sent(
    db: Database, store: OutboxStore
) -> None:
    add_events(db, 25)
    io, publisher = Blocking(), FakePublisher()
    relay = make_relay(store, publisher, io)
    relay.start()
    await until(lambda: relay.published_total == 25)
    await relay.stop()
    io.close()
    seqs = [e.seq for e in publisher.published]
    assert seqs == sorted(seqs) and len(set(seqs)) == 25
    assert store.count_pending() == 0 and relay.pending == 0
    assert publisher.closed


@sync
async def test_mid_batch_failure_marks_only_the_acked_prefix(
    db: Database, store: OutboxStore
) -> None:
    add_events(db, 10)
    io, publisher = Blocking(), FakePublisher()
    publisher.fail_after = 4
    relay = make_relay(store, publisher, io)
    assert await relay.run_once() == "failed"
    assert store.count_pending() == 6
    assert relay.publish_errors_total == 1 and relay.published_total == 4
    assert await relay.run_once() == "idle"
    io.close()
    seqs = [e.seq for e in publisher.published]
    assert seqs == sorted(seqs) and len(seqs) == 10  # the rest in order, nothing twice


@sync
async def test_outage_logged_once_and_recovery_once(
    db: Database, store: OutboxStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="stoker.notifications.relay")
    add_events(db, 30)
    io, publisher = Blocking(), FakePublisher()
    publisher.down = True
    relay = make_relay(store, publisher, io)
    relay.start()
    await until(lambda: publisher.calls >= 3, timeout=10)  # 0.2 + 0.4 s of backoff
    assert relay.broker_down and relay.pending == 30  # a full batch: counted, not guessed
    publisher.down = False
    await until(lambda: relay.published_total == 30 and not relay.broker_down, timeout=10)
    await relay.stop()
    io.close()
    actions = [getattr(r, "action", None) for r in caplog.records]
    assert actions.count("relay.broker_down") == 1
    assert actions.count("relay.broker_up") == 1
    up = next(r for r in caplog.records if getattr(r, "action", None) == "relay.broker_up")
    assert up.delivered == 30  # type: ignore[attr-defined]
    assert relay.publish_errors_total >= 3


@sync
async def test_backoff_doubles_while_down(db: Database, store: OutboxStore) -> None:
    add_events(db, 1)
    io, publisher = Blocking(), FakePublisher()
    publisher.down = True
    relay = make_relay(store, publisher, io)
    relay.start()
    await asyncio.sleep(1.3)  # attempts at 0, 0.2, 0.6, 1.4 s: doubling, not polling
    calls = publisher.calls
    await relay.stop()
    io.close()
    assert 2 <= calls <= 4


@sync
async def test_bus_hint_wakes_the_relay_before_the_poll(db: Database, store: OutboxStore) -> None:
    io, publisher, bus = Blocking(), FakePublisher(), Bus()
    relay = make_relay(store, publisher, io, poll_interval=30, bus=bus)
    relay.start()
    await asyncio.sleep(0.1)
    add_events(db, 1)
    bus.publish(RunChanged(run=None))  # type: ignore[arg-type]
    await until(lambda: relay.published_total == 1, timeout=2)
    await relay.stop()
    io.close()


@sync
async def test_stop_flushes_what_is_pending(db: Database, store: OutboxStore) -> None:
    io, publisher = Blocking(), FakePublisher()
    relay = make_relay(store, publisher, io, poll_interval=30)
    relay.start()
    await asyncio.sleep(0.1)
    add_events(db, 3)  # no hint: only the final flush can publish these
    await relay.stop()
    io.close()
    assert len(publisher.published) == 3


@sync
async def test_trims_sent_events_past_retention(db: Database, store: OutboxStore) -> None:
    add_events(db, 4)
    store.mark_sent([e.seq for e in store.pending(2)], T0 - timedelta(days=8))
    io, publisher = Blocking(), FakePublisher()
    relay = make_relay(store, publisher, io)
    relay.start()
    await until(lambda: relay.published_total == 2)
    await relay.stop()
    io.close()
    assert len(store.list_events(pending=None, limit=10, after_seq=None)) == 2
