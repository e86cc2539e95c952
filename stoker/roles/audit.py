"""The audit service: records the changes the API and the Glue endpoint make, lists them,
and prunes them after ``[audit] retention_days``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from stoker.aio import Blocking
from stoker.domain.audit import (
    MAX_CODE,
    MAX_NAME,
    MAX_TARGET,
    AuditEntry,
    AuditFilter,
    small_detail,
)
from stoker.store.audit import AuditStore

log = logging.getLogger(__name__)


class AuditService:
    def __init__(self, store: AuditStore, io: Blocking, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._io = io
        self._clock = clock

    async def record(self, entry: AuditEntry) -> None:
        """Append ``entry`` stamped now; a failure to write is logged, never raised, so the
        answer to a change that went through stays the change's own."""
        stamped = AuditEntry(
            at=self._clock(), principal=entry.principal[:MAX_NAME], role=entry.role,
            address=entry.address[:MAX_NAME] if entry.address else None, action=entry.action,
            target_kind=entry.target_kind,
            target=entry.target[:MAX_TARGET] if entry.target is not None else None,
            outcome=entry.outcome[:MAX_CODE], detail=small_detail(entry.detail),
        )  # fmt: skip
        try:
            await self._io(self._store.append, stamped)
        except Exception:
            log.exception("audit entry not written", extra={
                "action": "audit.write_failed", "audit_action": entry.action,
                "principal": entry.principal, "outcome": entry.outcome,
            })  # fmt: skip

    async def list_entries(self, where: AuditFilter, *, limit: int,
                           before_id: int | None) -> list[AuditEntry]:  # fmt: skip
        found: list[AuditEntry] = await self._io(self._store.list, where, limit, before_id)
        return found

    async def prune(self, retention_days: int) -> int:
        """Delete entries older than ``retention_days``, logging how many went."""
        cutoff = self._clock() - timedelta(days=retention_days)
        removed: int = await self._io(self._store.prune, cutoff)
        if removed:
            log.info("old audit entries removed", extra={
                "action": "audit.pruned", "count": removed, "days": retention_days,
                "before": cutoff.isoformat(),
            })  # fmt: skip
        return removed
