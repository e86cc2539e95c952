"""Audit retention: deletes audit entries older than ``[audit] retention_days``.

Its own loop beside run-log retention (stoker.daemon.retention): the audit log lives in
the database and has its own retention, longer than the logs' by default.
"""

from __future__ import annotations

import asyncio

from stoker.roles.audit import AuditService
from stoker.tasks import wait_any

SWEEP_INTERVAL_SECONDS = 3600.0


async def audit_retention_loop(audit: AuditService, retention_days: int,
                               stop: asyncio.Event) -> None:  # fmt: skip
    """Sweep at start and then hourly until ``stop`` is set (the service logs what went)."""
    while not stop.is_set():
        await audit.prune(retention_days)
        await wait_any(stop, timeout=SWEEP_INTERVAL_SECONDS)
