"""The event outbox: written with the state change, read by the relay and `stoker events`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from stoker.domain.events import OutboxEvent
from stoker.store.engine import Database
from stoker.store.tables import outbox

#: Built once: constructing a statement per call cost more than executing it.
_APPEND = insert(outbox)
# RETURNING makes SQLAlchemy send an executemany as multi-row INSERTs (insertmanyvalues);
# a multi-row VALUES is inserted in its order, so the seqs follow the events' order (the
# per-job outbox order). Sorting the returned rows by parameter is not needed, and on
# SQLite it would fall back to one INSERT a row.
_APPEND_MANY = insert(outbox).returning(outbox.c.seq)
#: Rows per UPDATE … WHERE seq IN (…).
_CHUNK = 500


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


def append_many(
    conn: Connection, events: Sequence[tuple[dict[str, Any], str | None]], now: datetime
) -> None:
    """Add a burst's events (payload, run id), in order, inside the caller's transaction:
    one multi-row INSERT (insertmanyvalues) rather than one statement each."""
    rows = [
        {"id": payload["id"], "run_id": run_id, "job_name": payload["detail"]["jobName"],
         "detail_type": payload["detail-type"], "payload": payload, "created_on": now}
        for payload, run_id in events
    ]  # fmt: skip
    if rows:
        conn.execute(_APPEND_MANY, rows)


def _event(row: Any) -> OutboxEvent:
    return OutboxEvent(
        seq=row.seq,
        id=row.id,
        run_id=row.run_id,
        job_name=row.job_name,
        detail_type=row.detail_type,
        payload=row.payload,
        created_on=row.created_on,
        sent_on=row.sent_on,
    )


class OutboxStore:
    """Reads of the outbox, oldest first; the relay's pending/mark-sent/trim."""

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
            return [_event(row) for row in conn.execute(query)]

    def pending(self, limit: int) -> list[OutboxEvent]:
        """Unsent events in ``seq`` order (the order they were committed for one job)."""
        query = select(outbox).where(outbox.c.sent_on.is_(None)).order_by(outbox.c.seq).limit(limit)
        with self._db.read() as conn:
            return [_event(row) for row in conn.execute(query)]

    def count_pending(self) -> int:
        query = select(func.count()).select_from(outbox).where(outbox.c.sent_on.is_(None))
        with self._db.read() as conn:
            return int(conn.execute(query).scalar_one())

    def oldest_pending_created_on(self) -> datetime | None:
        """When the oldest unsent event was written; None if all are sent. One indexed
        row (sent_on IS NULL, lowest seq): cheap enough for a scrape."""
        query = (
            select(outbox.c.created_on)
            .where(outbox.c.sent_on.is_(None))
            .order_by(outbox.c.seq)
            .limit(1)
        )
        with self._db.read() as conn:
            created: datetime | None = conn.execute(query).scalar_one_or_none()
            return created

    def mark_sent(self, seqs: Sequence[int], now: datetime) -> int:
        """Record delivery of exactly these events; an already sent one keeps its time."""
        if not seqs:
            return 0
        marked = 0
        with self._db.write() as conn:
            # Chunked: SQLite caps bound parameters per statement.
            for start in range(0, len(seqs), _CHUNK):
                chunk = list(seqs[start : start + _CHUNK])
                result = conn.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_(chunk), outbox.c.sent_on.is_(None))
                    .values(sent_on=now)
                )
                marked += result.rowcount
        return marked

    def trim(self, sent_before: datetime) -> int:
        """Delete events delivered before ``sent_before``; pending ones are never deleted."""
        with self._db.write() as conn:
            result = conn.execute(
                delete(outbox).where(outbox.c.sent_on.is_not(None), outbox.c.sent_on < sent_before)
            )
            return result.rowcount
