"""EVENT trigger batches over SQLite and PostgreSQL: a message counts once, a batch fires
once, and its runs get the event ids, the payload file and the condition that fired it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from stoker.domain.inbound import BatchCondition, InboundEvent
from stoker.domain.triggers import Action, EventBatching, Trigger, TriggerState, TriggerType
from stoker.store.engine import Database
from stoker.store.event_batches import EventBatchStore
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore
from stoker.store.tables import trigger_events
from stoker.store.triggers import TriggerStore

from .conftest import Clock
from .test_triggers import ensure_job


@pytest.fixture
def store(db: Database) -> TriggerStore:
    return TriggerStore(db)


@pytest.fixture
def batches(
    db: Database, runs: RunStore, store: TriggerStore, clock: Clock, tmp_path: Path
) -> EventBatchStore:
    return EventBatchStore(db, Firing(db, runs, store, clock), store, tmp_path / "events")


def event_trigger(
    store: TriggerStore, jobs: JobStore, clock: Clock, name: str = "on-file", size: int = 3,
    state: TriggerState = TriggerState.ACTIVATED,
) -> Trigger:  # fmt: skip
    ensure_job(jobs, clock, "load")
    trigger = Trigger(
        name=name, type=TriggerType.EVENT, state=state,
        actions=(Action("load", arguments={"--target": "warehouse"}),),
        event=EventBatching(topic="files", pattern={}, batch_size=size, batch_window=60),
    )  # fmt: skip
    return store.create(trigger, clock())


def message(clock: Clock, offset: int, payload: object = None, partition: int = 0) -> InboundEvent:
    body = {"id": f"evt-{offset}", "n": offset} if payload is None else payload
    return InboundEvent("files", partition, offset, body, clock.tick())


def test_a_redelivered_message_is_recorded_once(
    db: Database, batches: EventBatchStore, store: TriggerStore, jobs: JobStore, clock: Clock
) -> None:
    trigger = event_trigger(store, jobs, clock)
    other = event_trigger(store, jobs, clock, "other")
    assert batches.record_all([trigger, other], message(clock, 7)) == ["on-file", "other"]
    assert batches.record_all([trigger, other], message(clock, 7)) == []
    # Same offset on another partition is another message.
    assert batches.record_all([trigger], message(clock, 7, partition=1)) == ["on-file"]
    assert [e.offset_key for e in batches.pending("on-file")] == ["files:0:7", "files:1:7"]
    with db.read() as conn:
        ids = conn.execute(select(trigger_events.c.event_id).order_by("partition")).scalars()
        assert list(ids) == ["evt-7", "evt-7", "evt-7"]


def test_a_batch_fires_once_with_its_events(
    batches: EventBatchStore, store: TriggerStore, jobs: JobStore, runs: RunStore, clock: Clock
) -> None:
    trigger = event_trigger(store, jobs, clock)
    for offset in (10, 11, 12, 13):
        batches.record_all([trigger], message(clock, offset))
    fired = batches.fire_batch("on-file", BatchCondition.BATCH_SIZE, clock())
    assert fired is not None
    assert fired.event_ids == ("evt-10", "evt-11", "evt-12")
    (run_id,) = fired.run_ids
    run = runs.get(run_id)
    assert run.triggered_by == "on-file"
    assert run.arguments["--target"] == "warehouse"
    assert run.arguments["--stoker-event-ids"] == "evt-10,evt-11,evt-12"
    assert run.arguments["--stoker-batch-condition"] == "BatchSize"
    written = json.loads(Path(run.arguments["--stoker-events-file"]).read_text())
    assert [e["payload"]["n"] for e in written] == [10, 11, 12]
    assert written[0]["id"] == "evt-10" and written[0]["offset"] == 10
    # The fourth waits for the next batch; the window fires it alone.
    assert [e.offset for e in batches.pending("on-file")] == [13]
    rest = batches.fire_batch("on-file", BatchCondition.BATCH_WINDOW, clock())
    assert rest is not None and rest.event_ids == ("evt-13",)
    assert runs.get(rest.run_ids[0]).arguments["--stoker-batch-condition"] == "BatchWindow"
    assert batches.pending("on-file") == []
    assert batches.fire_batch("on-file", BatchCondition.BATCH_WINDOW, clock()) is None


def test_event_id_falls_back_to_the_offset_key(
    batches: EventBatchStore, store: TriggerStore, jobs: JobStore, runs: RunStore, clock: Clock
) -> None:
    trigger = event_trigger(store, jobs, clock, size=1)
    batches.record_all([trigger], message(clock, 3, payload={"detail": {"id": 5}}))
    fired = batches.fire_batch("on-file", BatchCondition.BATCH_SIZE, clock())
    assert fired is not None and fired.event_ids == ("files:0:3",)


def test_a_refired_batch_key_starts_nothing(
    db: Database, batches: EventBatchStore, store: TriggerStore, jobs: JobStore, clock: Clock,
    tmp_path: Path,
) -> None:  # fmt: skip
    """A second daemon that read the same pending events loses on the fire key."""
    trigger = event_trigger(store, jobs, clock, size=2)
    batches.record_all([trigger], message(clock, 1))
    stale = batches.pending("on-file")
    assert batches.fire_batch("on-file", BatchCondition.BATCH_WINDOW, clock()) is not None
    # Replay the race: the fired event is back to pending in a stale reader's view.
    with db.write() as conn:
        conn.execute(trigger_events.update().values(fire_seq=None))
    assert batches.pending("on-file") == stale
    assert batches.fire_batch("on-file", BatchCondition.BATCH_WINDOW, clock()) is None


def test_inactive_or_missing_triggers_do_not_fire(
    batches: EventBatchStore, store: TriggerStore, jobs: JobStore, clock: Clock
) -> None:
    trigger = event_trigger(store, jobs, clock, state=TriggerState.DEACTIVATED)
    batches.record_all([trigger], message(clock, 1))
    assert batches.fire_batch("on-file", BatchCondition.BATCH_WINDOW, clock()) is None
    assert batches.fire_batch("nope", BatchCondition.BATCH_WINDOW, clock()) is None
    assert len(batches.pending("on-file")) == 1


def test_pending_since_is_the_oldest_unfired_event(
    batches: EventBatchStore, store: TriggerStore, jobs: JobStore, clock: Clock
) -> None:
    a = event_trigger(store, jobs, clock, "a", size=1)
    b = event_trigger(store, jobs, clock, "b", size=5)
    first = message(clock, 1)
    batches.record_all([a, b], first)
    batches.record_all([b], message(clock, 2))
    batches.fire_batch("a", BatchCondition.BATCH_SIZE, clock())
    assert batches.pending_since() == {"b": first.received_on}


def test_active_event_triggers_only(store: TriggerStore, jobs: JobStore, clock: Clock) -> None:
    event_trigger(store, jobs, clock, "on")
    event_trigger(store, jobs, clock, "off", state=TriggerState.DEACTIVATED)
    store.create(Trigger(name="manual", type=TriggerType.ON_DEMAND, actions=(Action("load"),)),
                 clock())  # fmt: skip
    assert [t.name for t in store.active_of_type(TriggerType.EVENT)] == ["on"]
