"""The audit retention loop sweeps at start (and hourly), logs what it removed, and ends
when told to."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stoker.aio import Blocking
from stoker.daemon.audit_retention import audit_retention_loop
from stoker.domain.audit import AuditEntry, AuditFilter
from stoker.roles.audit import AuditService
from stoker.store.audit import AuditStore
from stoker.store.engine import Database, upgrade

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_the_loop_prunes_at_start_and_stops(tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    db = Database(f"sqlite:///{tmp_path / 'audit.db'}")
    upgrade(db)
    store = AuditStore(db)
    for age in (400, 10):
        store.append(AuditEntry(at=NOW - timedelta(days=age), principal="ci", role="admin",
                                address=None, action="job.create", target_kind="job",
                                target=f"j{age}", outcome="ok"))  # fmt: skip
    io = Blocking(1)
    service = AuditService(store, io, lambda: NOW)

    async def scenario() -> list[str | None]:
        stop = asyncio.Event()
        loop = asyncio.create_task(audit_retention_loop(service, 365, stop))
        while len(store.list(AuditFilter(), 10, None)) > 1:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(loop, 5)
        return [e.target for e in await service.list_entries(AuditFilter(), limit=10,
                                                               before_id=None)]  # fmt: skip

    caplog.set_level(logging.INFO, logger="stoker.roles.audit")
    try:
        assert asyncio.run(scenario()) == ["j10"]
    finally:
        io.close()
        db.dispose()
    pruned = [r for r in caplog.records if getattr(r, "action", None) == "audit.pruned"]
    assert len(pruned) == 1 and getattr(pruned[0], "count", None) == 1
