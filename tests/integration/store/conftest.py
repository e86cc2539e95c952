"""One store contract suite, run over SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from stoker.domain.events import EventIdentity
from stoker.domain.jobs import Job
from stoker.store.engine import Database, upgrade
from stoker.store.jobs import JobStore
from stoker.store.outbox import OutboxStore
from stoker.store.runs import RunStore


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'stoker.db'}")
    else:
        url = request.getfixturevalue("pg_url")
        reset_postgres(url)
        database = Database(url)
    upgrade(database)
    yield database
    database.dispose()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def jobs(db: Database) -> JobStore:
    return JobStore(db)


@pytest.fixture
def runs(db: Database) -> RunStore:
    return RunStore(db, EventIdentity(), pool_capacity=2)


@pytest.fixture
def outbox(db: Database) -> OutboxStore:
    return OutboxStore(db)


def make_job(name: str = "etl", **fields: object) -> Job:
    return Job(name=name, script_location="/tmp/x.py", **fields)  # type: ignore[arg-type]
