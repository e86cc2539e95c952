"""Database connections: SQLite (WAL, BEGIN IMMEDIATE) or PostgreSQL, and schema upgrades."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from stoker.errors import ConfigError, StoreUnavailable

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would defer BEGIN; we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


def _begin_immediate(conn: Connection) -> None:
    # Take the write lock before reading, so a claim's read and write are one critical section.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


class Database:
    """Owns the engines. ``write()`` is a transaction that holds the write lock from its start."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 10_000) -> None:
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError) as exc:
            # Settings check the URL first; this keeps a Database built by hand just as clear.
            raise ConfigError(
                "database.url is not a database URL (value not shown: it may hold a password)",
                field="database.url",
            ) from exc
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._write_mutex: AbstractContextManager[object] = (
            threading.Lock() if self.is_sqlite else nullcontext()
        )
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self._write = create_engine(parsed, pool_size=4, max_overflow=4)
            self._read = create_engine(parsed, pool_size=8, max_overflow=8)
            for engine, begin in ((self._write, _begin_immediate), (self._read, _begin_deferred)):
                event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
                event.listen(engine, "begin", begin)
        else:
            self._write = create_engine(parsed, pool_size=10, max_overflow=10, pool_pre_ping=True)
            self._read = self._write

    @property
    def engine(self) -> Engine:
        return self._write

    @contextmanager
    def write(self) -> Iterator[Connection]:
        # SQLite has one writer at a time and its busy handler backs off by sleeping for
        # milliseconds; queueing this process's writers on a mutex instead keeps a
        # contended write at microseconds. Other processes still meet busy_timeout.
        with self._write_mutex, _transaction(self._write) as conn:
            yield conn

    def read(self) -> AbstractContextManager[Connection]:
        return _transaction(self._read)

    def dispose(self) -> None:
        self._write.dispose()
        if self._read is not self._write:
            self._read.dispose()


class Deferred(Protocol):
    """A write a transaction gathers as it goes and makes once, just before it commits."""

    def flush(self, conn: Connection) -> None: ...


_DEFERRED = "stoker.deferred"
D = TypeVar("D", bound=Deferred)


def deferred(conn: Connection, key: str, factory: Callable[[], D]) -> D:
    """The current transaction's deferred write under ``key``, made by ``factory`` on first
    use. Each is flushed in key order just before commit and dropped when the transaction
    ends either way: shared rows (counters) are then locked last, for the shortest time and
    always in the same order, so two transactions never wait on each other for them."""
    pending: dict[str, Any] = conn.info.setdefault(_DEFERRED, {})
    if key not in pending:
        pending[key] = factory()
    return cast(D, pending[key])


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction on ``engine``; a database that cannot be reached is StoreUnavailable."""
    try:
        with engine.begin() as conn:
            try:
                yield conn
                for _, write in sorted(conn.info.get(_DEFERRED, {}).items()):
                    write.flush(conn)
            finally:
                # info belongs to the pooled DBAPI connection: never leak into the next use.
                conn.info.pop(_DEFERRED, None)
    except OperationalError as exc:
        raise StoreUnavailable(f"database unavailable: {exc.orig}") from exc


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database"] = db
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database) -> None:
    """Bring the schema to this stoker's head; refuse a database a newer stoker wrote."""
    script = ScriptDirectory(str(MIGRATIONS))
    try:
        current = current_revision(db)
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot open database {_safe(db.url)}: {exc}") from exc
    if current is not None and not _known(script, current):
        raise StoreUnavailable(
            f"database {_safe(db.url)} is at schema revision {current!r}, which this stoker "
            f"does not know (its newest is {head_revision()!r}): it was written by a newer "
            "stoker. Upgrade stoker, or point it at another database."
        )
    if current != head_revision():
        log.info(
            "upgrading database schema",
            extra={"action": "db.upgrade", "from": current, "to": head_revision()},
        )
        command.upgrade(alembic_config(db), "head")


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
