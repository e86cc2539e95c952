"""The event outbox: written in the state change's transaction, read by `stoker events`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from stoker.domain.events import OutboxEvent
from stoker.store.engine import Database
from stoker.store.tables import outbox

#: Built once: constructing a statement per call cost more than executing it.
_APPEND = insert(outbox)


def append(conn: Connection, payload: dict[str, Any], run_id: str | None, now: datetime) -> None:
    """Add one event inside the caller's transaction (the one that changed the state)."""
    conn.execute(
        _APPEND,
        {
            "id": payload["id"],
            "run_id": run_id,
            "job_name": payload["detail"]["jobName"],
            "detail_type": payload["detail-type"],
            "payload": payload,
            "created_on": now,
        },
    )


class OutboxStore:
    """Reads of the outbox, oldest first."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list_events(
        self, *, pending: bool | None, limit: int, after_seq: int | None
    ) -> list[OutboxEvent]:
        query = select(outbox).order_by(outbox.c.seq).limit(limit)
        if after_seq is not None:
            query = query.where(outbox.c.seq > after_seq)
        if pending is True:
            query = query.where(outbox.c.sent_on.is_(None))
        elif pending is False:
            query = query.where(outbox.c.sent_on.is_not(None))
        with self._db.read() as conn:
            return [
                OutboxEvent(
                    seq=row.seq,
                    id=row.id,
                    run_id=row.run_id,
                    job_name=row.job_name,
                    detail_type=row.detail_type,
                    payload=row.payload,
                    created_on=row.created_on,
                    sent_on=row.sent_on,
                )
                for row in conn.execute(query)
            ]
