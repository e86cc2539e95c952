"""Interactive sessions' rows: created, moved between Glue's states, listed, deleted."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from stoker.domain.sessions import Session, SessionSpec, SessionState
from stoker.errors import Conflict, NotFound
from stoker.store.engine import Database
from stoker.store.tables import interactive_sessions as table


def _session(row: Any) -> Session:
    spec = SessionSpec.from_dict(row.id, json.loads(row.spec))
    return Session(spec, SessionState(row.state), row.created_on, row.error_message,
                   row.completed_on)  # fmt: skip


class SessionStore:
    """Blocking reads and writes of session rows; the session service decides the moves."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, session: Session) -> None:
        try:
            with self._db.write() as conn:
                conn.execute(insert(table).values(
                    id=session.id, state=session.state.value,
                    spec=json.dumps(session.spec.to_dict(), separators=(",", ":")),
                    error_message=session.error_message, created_on=session.created_on,
                    completed_on=session.completed_on,
                ))  # fmt: skip
        except IntegrityError:
            raise Conflict(f"session {session.id!r} already exists", field="id",
                           value=session.id) from None  # fmt: skip

    def move(self, session: Session, expected: Iterable[SessionState]) -> bool:
        """Write the session's state, error and end if it is still in one of ``expected``;
        False (nothing written) when another move came first."""
        with self._db.write() as conn:
            result = conn.execute(
                update(table)
                .where(table.c.id == session.id,
                       table.c.state.in_([s.value for s in expected]))
                .values(state=session.state.value, error_message=session.error_message,
                        completed_on=session.completed_on)
            )
            return result.rowcount == 1

    def get(self, session_id: str) -> Session:
        with self._db.read() as conn:
            row = conn.execute(select(table).where(table.c.id == session_id)).one_or_none()
        if row is None:
            raise NotFound(f"session {session_id!r} does not exist", field="id", value=session_id)
        return _session(row)

    def list_sessions(self, limit: int, after: str | None) -> list[Session]:
        query = select(table).order_by(table.c.id).limit(limit)
        if after is not None:
            query = query.where(table.c.id > after)
        with self._db.read() as conn:
            return [_session(row) for row in conn.execute(query)]

    def delete(self, session_id: str) -> None:
        with self._db.write() as conn:
            if conn.execute(delete(table).where(table.c.id == session_id)).rowcount == 0:
                raise NotFound(f"session {session_id!r} does not exist", field="id",
                               value=session_id)  # fmt: skip

    def settle_after_restart(self, now: datetime, error: str) -> int:
        """Sessions an earlier daemon left live lost their driver with it: a STOPPING one
        is STOPPED, the others FAILED with ``error``. Returns how many were settled."""
        with self._db.write() as conn:
            stopped = conn.execute(
                update(table).where(table.c.state == SessionState.STOPPING.value)
                .values(state=SessionState.STOPPED.value, completed_on=now)
            ).rowcount
            live = [SessionState.PROVISIONING.value, SessionState.READY.value]
            failed = conn.execute(
                update(table).where(table.c.state.in_(live))
                .values(state=SessionState.FAILED.value, error_message=error, completed_on=now)
            ).rowcount
        return int(stopped) + int(failed)
