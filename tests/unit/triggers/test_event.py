"""The EVENT trigger consumer over SQLite with a fake Kafka: store before commit, dead
letters, redelivery, failure without commit; and the batch-size and batch-window rules."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stoker.aio import Blocking
from stoker.config.events import KafkaSettings
from stoker.domain.events import EventIdentity
from stoker.domain.inbound import InboundEvent
from stoker.domain.jobs import CommandName, Job
from stoker.domain.runs import JobRun
from stoker.domain.triggers import Action, EventBatching, Trigger, TriggerState, TriggerType
from stoker.store.engine import Database, upgrade
from stoker.store.event_batches import EventBatchStore
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore
from stoker.store.triggers import TriggerStore
from stoker.triggers.batching import BatchWindows
from stoker.triggers.event import EventConsumer, decode

KAFKA = KafkaSettings(bootstrap_servers="fake:9092", max_message_bytes=100)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Record:
    topic: str
    offset: int
    value: bytes | None
    partition: int = 0
    key: bytes | None = None


@dataclass
class FakeConsumer:
    batches: list[list[Record]] = field(default_factory=list)
    commits: int = 0
    subscribed: list[str] = field(default_factory=list)
    closed: bool = False

    def subscribe(self, topics: list[str]) -> None:
        self.subscribed = topics

    def poll(self, timeout_ms: int) -> dict[tuple[str, int], list[Record]]:
        return {("t", 0): self.batches.pop(0)} if self.batches else {}

    def commit(self) -> None:
        self.commits += 1

    def close(self, autocommit: bool) -> None:
        self.closed = True


class FakeFuture:
    def get(self, timeout: float) -> None:
        return None


@dataclass
class FakeProducer:
    sent: list[tuple[str, bytes | None, dict[str, bytes]]] = field(default_factory=list)

    def send(self, topic: str, value: bytes | None, key: Any, headers: list[Any]) -> FakeFuture:
        self.sent.append((topic, value, dict(headers)))
        return FakeFuture()

    def close(self, timeout: float) -> None:
        pass


class FakeRuns:
    def __init__(self) -> None:
        self.adopted: list[JobRun] = []

    async def adopt(self, runs: Iterable[JobRun]) -> None:
        self.adopted.extend(runs)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'stoker.db'}")
    upgrade(database)
    job = Job(name="load", script_location="/tmp/x.py", command=CommandName.PYTHONSHELL)
    JobStore(database).create(job, now())
    return database


@pytest.fixture
def triggers(db: Database) -> TriggerStore:
    return TriggerStore(db)


@pytest.fixture
def batches(db: Database, triggers: TriggerStore, tmp_path: Path) -> EventBatchStore:
    firing = Firing(db, RunStore(db, EventIdentity(), pool_capacity=0), triggers, now)
    return EventBatchStore(db, firing, triggers, tmp_path / "events")


def add_trigger(
    triggers: TriggerStore, name: str, size: int, window: int = 900, topic: str = "files"
) -> Trigger:
    trigger = Trigger(
        name=name, type=TriggerType.EVENT, state=TriggerState.ACTIVATED,
        actions=(Action("load"),),
        event=EventBatching(topic=topic, pattern={"kind": ["new"]}, batch_size=size,
                            batch_window=window),
    )  # fmt: skip
    return triggers.create(trigger, now())


def consumer_for(
    batches: EventBatchStore, triggers: TriggerStore, fake: FakeConsumer, producer: FakeProducer
) -> tuple[EventConsumer, list[list[str]]]:
    consumer = EventConsumer(
        kafka=KAFKA, batches=batches, triggers=triggers, clock=now,
        consumer_factory=lambda kafka, group_id: fake,
        producer_factory=lambda kafka: producer,
    )  # fmt: skip
    seen: list[list[str]] = []
    consumer.on_recorded = seen.append
    return consumer, seen


def msg(offset: int, body: object, topic: str = "files") -> Record:
    return Record(topic, offset, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("value", "reason"),
    [(b'{"a": 1}', None), (b"not json", "not JSON"), (b"\xff", "not JSON"),
     (None, "empty message"), (b'"' + b"x" * 200 + b'"', "too large")],
)  # fmt: skip
def test_decode(value: bytes | None, reason: str | None) -> None:
    _, why = decode(value, 100)
    if reason is None:
        assert why is None
    else:
        assert why is not None and why.startswith(reason)


def test_matching_messages_are_stored_then_committed(
    batches: EventBatchStore, triggers: TriggerStore
) -> None:
    add_trigger(triggers, "on-new", size=3)
    add_trigger(triggers, "elsewhere", size=1, topic="other")
    fake, producer = FakeConsumer(), FakeProducer()
    consumer, seen = consumer_for(batches, triggers, fake, producer)
    fake.batches = [[msg(0, {"kind": "new"}), msg(1, {"kind": "old"}), Record("files", 2, b"{")]]
    consumer._step()
    assert sorted(fake.subscribed) == ["files", "other"]
    assert fake.commits == 1
    assert seen == [["elsewhere", "on-new"], ["on-new"]]  # the refresh, then the record
    assert [e.offset for e in batches.pending("on-new")] == [0]
    ((topic, value, headers),) = producer.sent
    assert topic == "stoker.dead-letter" and value == b"{"
    assert headers["stoker-reason"].startswith(b"not JSON")
    assert headers["stoker-source-offset"] == b"2"
    assert consumer.dead_lettered == 1
    # Redelivered (after a rebalance, say): stored already, nothing new to report.
    fake.batches = [[msg(0, {"kind": "new"})]]
    consumer._step()
    assert seen[-1] == ["on-new"] and len(seen) == 2
    assert fake.commits == 2


def test_too_large_messages_are_dead_lettered_without_their_value(
    batches: EventBatchStore, triggers: TriggerStore
) -> None:
    add_trigger(triggers, "on-new", size=3)
    fake, producer = FakeConsumer(), FakeProducer()
    consumer, _ = consumer_for(batches, triggers, fake, producer)
    fake.batches = [[msg(0, {"kind": "new", "pad": "x" * 200})]]
    consumer._step()
    ((_, value, headers),) = producer.sent
    assert value is None and headers["stoker-reason"].startswith(b"too large")


def test_a_store_failure_commits_nothing_and_drops_the_consumer(
    batches: EventBatchStore, triggers: TriggerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_trigger(triggers, "on-new", size=3)
    fake = FakeConsumer(batches=[[msg(0, {"kind": "new"})]])
    consumer, _ = consumer_for(batches, triggers, fake, FakeProducer())

    def broken(*args: object) -> list[str]:
        raise ConnectionError("database down")

    monkeypatch.setattr(batches, "record_all", broken)
    monkeypatch.setattr("stoker.triggers.event.BACKOFF_SECONDS", (0.0,))
    with pytest.raises(ConnectionError):
        consumer._step()
    consumer._failed(ConnectionError("database down"))
    assert fake.commits == 0 and fake.closed


def test_no_event_triggers_no_consumer(batches: EventBatchStore, triggers: TriggerStore) -> None:
    fake = FakeConsumer()
    consumer, _ = consumer_for(batches, triggers, fake, FakeProducer())
    consumer._stop.set()  # the idle wait returns at once
    consumer._step()
    assert fake.subscribed == []


def test_batch_size_fires_at_once_and_the_window_fires_the_rest(
    batches: EventBatchStore, triggers: TriggerStore
) -> None:
    trigger = add_trigger(triggers, "on-new", size=2, window=1)
    runs = FakeRuns()

    async def scenario() -> None:
        io = Blocking()
        windows = BatchWindows(
            batches=batches, runs=runs, io=io, clock=now,  # type: ignore[arg-type]
            active=lambda: {"on-new": trigger},
        )  # fmt: skip
        for offset in range(3):
            batches.record_all([trigger], _event(offset))
        await windows.settle("on-new")
        assert windows.fired_count == 1 and len(runs.adopted) == 1
        assert runs.adopted[0].arguments["--stoker-batch-condition"] == "BatchSize"
        await asyncio.sleep(1.5)
        assert windows.fired_count == 2
        assert runs.adopted[1].arguments["--stoker-batch-condition"] == "BatchWindow"
        assert runs.adopted[1].arguments["--stoker-event-ids"] == "files:0:2"
        await windows.stop()
        io.close()

    asyncio.run(scenario())
    assert batches.pending("on-new") == []


def _event(offset: int) -> InboundEvent:
    return InboundEvent("files", 0, offset, {"kind": "new"}, now())
