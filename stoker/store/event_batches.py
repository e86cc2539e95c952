"""Events matched by EVENT triggers: recorded once per message, fired in batches.

A matched message is stored under (trigger, topic, partition, offset) before its offset is
committed, so a redelivered message is skipped, not counted twice. A batch is fired in one
transaction: the fire key (``events:<first event's offset key>``) is recorded, the runs are
created (through Firing, so in the states the run state table allows) and the events are
marked with the fire, or none of it happens. No stored run's state is changed here.

Payloads reach the job in a file, not inline: a batch holds up to 100 messages of up to the
consumer's size limit each, far past what an argument may carry (100 KB a value). Each
run gets ``--stoker-event-ids`` (comma-separated; Glue's aws:eventIds), ``--stoker-events-file``
(a JSON list of ``{"id", "topic", "partition", "offset", "receivedOn", "payload"}`` under
``<data_dir>/events/<trigger>/``) and ``--stoker-batch-condition`` (BatchSize | BatchWindow).
The file is written before the transaction, named after its events' keys, so a retried or
concurrent attempt at the same batch writes the same bytes rather than a different batch.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Row, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stoker.domain.inbound import (
    BATCH_CONDITION_ARG,
    EVENT_IDS_ARG,
    EVENTS_FILE_ARG,
    BatchCondition,
    FiredBatch,
    InboundEvent,
)
from stoker.domain.triggers import Trigger, TriggerState
from stoker.errors import NotFound
from stoker.store.engine import Database
from stoker.store.firing import Firing
from stoker.store.tables import trigger_events, trigger_fires
from stoker.store.triggers import TriggerStore

_KEY = ["trigger_name", "topic", "partition", "offset"]
_RECORD_ONCE = {
    "sqlite": sqlite_insert(trigger_events)
    .on_conflict_do_nothing(index_elements=_KEY)
    .returning(trigger_events.c.offset),
    "postgresql": pg_insert(trigger_events)
    .on_conflict_do_nothing(index_elements=_KEY)
    .returning(trigger_events.c.offset),
}
_UNFIRED = trigger_events.c.fire_seq.is_(None)
_OLDEST_FIRST = (
    trigger_events.c.received_on,
    trigger_events.c.topic,
    trigger_events.c.partition,
    trigger_events.c.offset,
)


class _Superseded(Exception):
    """Some events of the batch were fired by someone else meanwhile: roll back."""


class EventBatchStore:
    def __init__(
        self, db: Database, firing: Firing, triggers_: TriggerStore, events_dir: Path
    ) -> None:
        self._db = db
        self._firing = firing
        self._triggers = triggers_
        self._events_dir = events_dir

    # -- recording ------------------------------------------------------------------------

    def record(self, conn: Connection, trigger: Trigger, event: InboundEvent) -> bool:
        """Store ``event`` for ``trigger``; False when this message was already stored."""
        stored = conn.execute(
            _RECORD_ONCE[conn.dialect.name],
            {
                "trigger_name": trigger.name, "topic": event.topic, "partition": event.partition,
                "offset": event.offset, "event_id": event.event_id, "payload": event.payload,
                "received_on": event.received_on, "fire_seq": None,
            },
        ).scalar_one_or_none()  # fmt: skip
        return stored is not None

    def record_all(self, triggers: list[Trigger], event: InboundEvent) -> list[str]:
        """Store ``event`` for every trigger in one transaction; the names newly stored."""
        with self._db.write() as conn:
            return [t.name for t in triggers if self.record(conn, t, event)]

    # -- reading --------------------------------------------------------------------------

    def pending(self, trigger_name: str, limit: int | None = None) -> list[InboundEvent]:
        """The trigger's unfired events, oldest first."""
        with self._db.read() as conn:
            return self._pending_in(conn, trigger_name, limit)

    def pending_since(self) -> dict[str, datetime]:
        """For each trigger with unfired events, when the oldest arrived (to re-arm windows)."""
        query = (
            select(trigger_events.c.trigger_name, func.min(trigger_events.c.received_on))
            .where(_UNFIRED)
            .group_by(trigger_events.c.trigger_name)
        )
        with self._db.read() as conn:
            return {name: since for name, since in conn.execute(query).all()}

    def _pending_in(
        self, conn: Connection, trigger_name: str, limit: int | None
    ) -> list[InboundEvent]:
        query = (
            select(trigger_events)
            .where(trigger_events.c.trigger_name == trigger_name, _UNFIRED)
            .order_by(*_OLDEST_FIRST)
            .limit(limit)
        )
        return [_event(row) for row in conn.execute(query).all()]

    # -- firing ---------------------------------------------------------------------------

    def fire_batch(
        self, trigger_name: str, reason: BatchCondition, now: datetime
    ) -> FiredBatch | None:
        """Fire the oldest unfired events (at most batch_size) of an ACTIVATED EVENT trigger.

        None when there is nothing to fire, the trigger is gone or not ACTIVATED (its
        events wait for reactivation), or another daemon fired these events first.
        """
        with self._db.read() as conn:
            try:
                trigger = self._triggers.get_in(conn, trigger_name)
            except NotFound:
                return None
            if trigger.event is None or trigger.state is not TriggerState.ACTIVATED:
                return None
            events = self._pending_in(conn, trigger_name, trigger.event.batch_size)
        if not events:
            return None
        path = self._write_file(trigger_name, events)
        fire_key = f"events:{events[0].offset_key}"
        arguments = {
            EVENT_IDS_ARG: ",".join(e.event_id for e in events),
            EVENTS_FILE_ARG: str(path),
            BATCH_CONDITION_ARG: reason.value,
        }
        try:
            with self._db.write() as conn:
                trigger = self._triggers.get_in(conn, trigger_name, lock=True)
                runs = self._firing.fire_in(conn, trigger, fire_key, now, [], now, arguments)
                if runs is None:
                    return None
                self._mark_fired(conn, trigger_name, fire_key, events)
        except (_Superseded, NotFound):
            return None
        return FiredBatch(
            trigger_name=trigger_name, condition=reason,
            event_ids=tuple(e.event_id for e in events), events_file=str(path),
            runs=tuple(runs),
        )  # fmt: skip

    def _mark_fired(
        self, conn: Connection, trigger_name: str, fire_key: str, events: list[InboundEvent]
    ) -> None:
        seq = conn.execute(
            select(trigger_fires.c.seq).where(
                trigger_fires.c.trigger_name == trigger_name, trigger_fires.c.fire_key == fire_key
            )
        ).scalar_one()
        keys = or_(*(
            and_(trigger_events.c.topic == e.topic, trigger_events.c.partition == e.partition,
                 trigger_events.c.offset == e.offset)
            for e in events
        ))  # fmt: skip
        marked = conn.execute(
            update(trigger_events)
            .where(trigger_events.c.trigger_name == trigger_name, _UNFIRED, keys)
            .values(fire_seq=seq)
        ).rowcount
        if marked != len(events):
            raise _Superseded

    def _write_file(self, trigger_name: str, events: list[InboundEvent]) -> Path:
        """Write the payloads; the name hashes the events' keys, so it names this batch only."""
        digest = hashlib.sha256(",".join(e.offset_key for e in events).encode()).hexdigest()
        first = events[0]
        directory = self._events_dir / trigger_name
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{first.topic}-{first.partition}-{first.offset}-{digest[:12]}.json"
        body = [
            {"id": e.event_id, "topic": e.topic, "partition": e.partition, "offset": e.offset,
             "receivedOn": e.received_on.isoformat(), "payload": e.payload}
            for e in events
        ]  # fmt: skip
        # Written aside and renamed, so a job never reads a half-written file.
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(body))
        partial.replace(path)
        return path.absolute()


def _event(row: Row[tuple[object, ...]]) -> InboundEvent:
    m = row._mapping
    return InboundEvent(
        topic=m["topic"], partition=m["partition"], offset=m["offset"], payload=m["payload"],
        received_on=m["received_on"],
    )  # fmt: skip
