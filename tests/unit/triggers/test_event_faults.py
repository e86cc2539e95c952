"""Faults in the EVENT triggers' tasks under the daemon's supervisor: a consumer thread that
dies of an error its own retry does not cover is restarted (and one that keeps dying stops
the daemon); a batch that cannot fire is a counted one-shot crash, its events kept."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from stoker.aio import Blocking
from stoker.config.events import KafkaSettings
from stoker.domain.events import EventIdentity
from stoker.domain.jobs import CommandName, Job
from stoker.domain.triggers import Action, EventBatching, Trigger, TriggerState, TriggerType
from stoker.store.engine import Database, upgrade
from stoker.store.event_batches import EventBatchStore
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore
from stoker.store.triggers import TriggerStore
from stoker.tasks import TaskState
from stoker.triggers.batching import BatchWindows
from stoker.triggers.event import EventTriggers
from tests.support.supervision import fast_supervisor, state, until

KAFKA = KafkaSettings(bootstrap_servers="fake:9092")


def now() -> datetime:
    return datetime.now(UTC)


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 60))


@dataclass
class Record:
    topic: str
    offset: int
    value: bytes
    partition: int = 0
    key: bytes | None = None


@dataclass
class Broker:
    """Hands out consumers; the first ``broken`` ones fail to poll and then to close (the
    close error escapes the consumer's own retry)."""

    broken: float
    made: list[Any] = field(default_factory=list)
    messages: list[Record] = field(default_factory=list)

    def consumer(self, kafka: KafkaSettings, group_id: str) -> Any:
        broken = len(self.made) < self.broken
        consumer = SimpleNamespace(
            subscribe=lambda topics: None,
            poll=self._fail if broken else self._poll,
            commit=lambda: None,
            close=self._fail if broken else (lambda autocommit: None),
            assignment=lambda: [],
        )
        self.made.append(consumer)
        return consumer

    def _poll(self, timeout_ms: int) -> dict[Any, list[Record]]:
        batch, self.messages = self.messages, []
        return {("files", 0): batch} if batch else {}

    @staticmethod
    def _fail(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("broker client broke")


@pytest.fixture
def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite:///{tmp_path / 'stoker.db'}")
    upgrade(database)
    job = Job(name="load", script_location="/tmp/x.py", command=CommandName.PYTHONSHELL)
    JobStore(database).create(job, now())
    yield database
    database.dispose()


def event_triggers(db: Database, tmp_path: Path, broker: Broker, sup: Any) -> EventTriggers:
    triggers = TriggerStore(db)
    triggers.create(
        Trigger(
            name="on-file", type=TriggerType.EVENT, state=TriggerState.ACTIVATED,
            actions=(Action("load"),),
            event=EventBatching(topic="files", pattern={"kind": ["new"]}, batch_size=100),
        ),
        now(),
    )  # fmt: skip
    firing = Firing(db, RunStore(db, EventIdentity(), pool_capacity=0), triggers, now)
    return EventTriggers(
        kafka=KAFKA, batches=EventBatchStore(db, firing, triggers, tmp_path / "events"),
        triggers=triggers, runs=SimpleNamespace(adopt=None), io=Blocking(), clock=now,  # type: ignore[arg-type]
        consumer_factory=broker.consumer, producer_factory=lambda kafka: None, tasks=sup,
    )  # fmt: skip


def test_a_consumer_thread_that_dies_is_restarted_and_stores_again(
    db: Database, tmp_path: Path
) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = fast_supervisor(fatal)
        broker = Broker(broken=1)
        events_in = event_triggers(db, tmp_path, broker, sup)
        await events_in.start()
        await until(lambda: sup.crashes["event-consumer"] == 1, "the thread died once")
        broker.messages.append(Record("files", 0, json.dumps({"kind": "new"}).encode()))
        batches = events_in.windows._batches
        await until(lambda: batches.pending("on-file"), "the message is stored after")
        assert len(broker.made) == 2 and fatal == []
        assert state(sup, "event-consumer") is TaskState.OK
        await events_in.stop()
        assert state(sup, "event-consumer") is TaskState.STOPPED

    run(test)


def test_a_consumer_thread_that_keeps_dying_asks_the_daemon_to_stop(
    db: Database, tmp_path: Path
) -> None:
    async def test() -> None:
        fatal: list[str] = []
        sup = fast_supervisor(fatal)
        events_in = event_triggers(db, tmp_path, Broker(broken=float("inf")), sup)
        await events_in.start()
        await until(lambda: fatal, "the daemon is asked to stop")
        assert fatal == ["event-consumer"] and sup.critical_down() == ["event-consumer"]
        await events_in.stop()

    run(test)


def test_a_batch_that_cannot_fire_is_a_counted_crash_and_its_events_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def test() -> None:
        sup = fast_supervisor()
        stored, broken, fired = [1], [True], []

        def fire_batch(name: str, reason: Any, when: datetime) -> Any:
            if broken[0]:
                raise RuntimeError("database gone")
            stored[0] -= 1
            fired.append(name)
            return SimpleNamespace(event_ids=("e",), run_ids=(), runs=())

        batches = SimpleNamespace(
            pending=lambda name, size=None: [SimpleNamespace(received_on=now())] * stored[0],
            fire_batch=fire_batch,
        )
        trigger = SimpleNamespace(event=SimpleNamespace(batch_size=1, batch_window=900))

        async def adopt(runs: Any) -> None:
            return None

        windows = BatchWindows(
            batches=batches, runs=SimpleNamespace(adopt=adopt), io=Blocking(),  # type: ignore[arg-type]
            clock=now, active=lambda: {"t": trigger}, tasks=sup,  # type: ignore[dict-item]
        )  # fmt: skip
        windows.recorded(["t"])
        await until(lambda: sup.crashes.get("event.batch") == 1, "the settle task crashed")
        assert stored == [1]  # the event waits for the next settle
        broken[0] = False
        windows.recorded(["t"])  # the next message (or the next start) settles it
        await until(lambda: fired == ["t"], "the batch fires")
        assert stored == [0] and sup.crashes["event.batch"] == 1
        await windows.stop()

    run(test)
    (crashed,) = [r for r in caplog.records if getattr(r, "action", None) == "task.crashed"]
    assert crashed.trigger == "t"  # type: ignore[attr-defined]
