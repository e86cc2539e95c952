"""The audit log's rows: appended, read newest first, and pruned by age only.

There is no update and no delete of one entry: the log is append-only, and ``prune``
(``[audit] retention_days``) is the one way rows leave it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select

from stoker.domain.audit import AuditEntry, AuditFilter
from stoker.store.engine import Database
from stoker.store.tables import audit_log as table


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id, at=row.at, principal=row.principal, role=row.role, address=row.address,
        action=row.action, target_kind=row.target_kind, target=row.target,
        outcome=row.outcome, detail=json.loads(row.detail),
    )  # fmt: skip


class AuditStore:
    """Blocking appends and reads of the audit log."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, entry: AuditEntry) -> int:
        with self._db.write() as conn:
            result = conn.execute(insert(table).values(
                at=entry.at, principal=entry.principal, role=entry.role,
                address=entry.address, action=entry.action, target_kind=entry.target_kind,
                target=entry.target, outcome=entry.outcome,
                detail=json.dumps(entry.detail, sort_keys=True, default=str),
            ))  # fmt: skip
            key = result.inserted_primary_key
        return int(key[0]) if key else 0

    def list(self, where: AuditFilter, limit: int, before_id: int | None) -> list[AuditEntry]:
        """Newest first (id descending), ids < ``before_id``."""
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(table.c.id < before_id)
        if where.since is not None:
            query = query.where(table.c.at >= where.since)
        if where.principal is not None:
            query = query.where(table.c.principal == where.principal)
        if where.action is not None:
            query = query.where(or_(table.c.action == where.action,
                                    table.c.action.startswith(f"{where.action}.",
                                                              autoescape=True)))  # fmt: skip
        if where.target is not None:
            query = query.where(table.c.target == where.target)
        with self._db.read() as conn:
            return [_entry(row) for row in conn.execute(query)]

    def prune(self, before: datetime) -> int:
        """Delete the entries recorded before ``before``; how many went."""
        with self._db.write() as conn:
            return conn.execute(delete(table).where(table.c.at < before)).rowcount
