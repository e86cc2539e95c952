"""The audit log's rows on SQLite and PostgreSQL: appended, listed newest first through
every filter and by pages, pruned by age only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stoker.domain.audit import AuditEntry, AuditFilter
from stoker.store.audit import AuditStore
from stoker.store.engine import Database

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _entry(at: datetime, principal: str, action: str, target: str | None) -> AuditEntry:
    return AuditEntry(at=at, principal=principal, role="operator", address="10.0.0.7",
                      action=action, target_kind=action.partition(".")[0], target=target,
                      outcome="ok", detail={"request": "POST /x", "n": 1})  # fmt: skip


def test_append_list_filter_page_and_prune(db: Database) -> None:
    store = AuditStore(db)
    rows = [
        _entry(T0, "ci", "job.create", "etl"),
        _entry(T0 + timedelta(hours=1), "ci", "run.start", "etl"),
        _entry(T0 + timedelta(hours=2), "ops", "run.stop", "jr_1"),
        _entry(T0 + timedelta(days=2), "ops", "jobs.weird_kind", "other"),
    ]
    ids = [store.append(row) for row in rows]
    assert ids == sorted(ids) and len(set(ids)) == 4
    everything = store.list(AuditFilter(), 10, None)
    assert [e.id for e in everything] == ids[::-1]
    first = everything[-1]
    assert (first.at, first.principal, first.role, first.address, first.target_kind,
            first.detail) == (T0, "ci", "operator", "10.0.0.7", "job",
                              {"request": "POST /x", "n": 1})  # fmt: skip

    def actions(where: AuditFilter, limit: int = 10, before: int | None = None) -> list[str]:
        return [e.action for e in store.list(where, limit, before)]

    assert actions(AuditFilter(principal="ops")) == ["jobs.weird_kind", "run.stop"]
    # A kind matches its own actions only: "job" is not a prefix of "jobs.weird_kind".
    assert actions(AuditFilter(action="job")) == ["job.create"]
    assert actions(AuditFilter(action="run.start")) == ["run.start"]
    assert actions(AuditFilter(target="etl")) == ["run.start", "job.create"]
    assert actions(AuditFilter(since=T0 + timedelta(hours=1), principal="ci")) == ["run.start"]
    assert actions(AuditFilter(), limit=2, before=ids[2]) == ["run.start", "job.create"]
    assert store.prune(T0 + timedelta(days=1)) == 3
    assert actions(AuditFilter()) == ["jobs.weird_kind"]
