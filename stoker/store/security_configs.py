"""Security configurations' rows: a name and its settings as JSON."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from stoker.domain.security_configs import SecurityConfiguration
from stoker.errors import Conflict, NotFound
from stoker.store.engine import Database
from stoker.store.tables import security_configurations as table


def _config(row: Any) -> SecurityConfiguration:
    settings = json.loads(row.settings)
    return SecurityConfiguration(
        name=row.name, run_logs=bool(settings.get("run_logs")),
        job_bookmarks=bool(settings.get("job_bookmarks")),
        s3_encryption=settings.get("s3_encryption") or "DISABLED", created_on=row.created_on,
    )  # fmt: skip


class SecurityConfigStore:
    """Blocking reads and writes of validated configurations."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, config: SecurityConfiguration, now: datetime) -> SecurityConfiguration:
        try:
            with self._db.write() as conn:
                conn.execute(insert(table).values(
                    name=config.name, settings=json.dumps(config.settings()), created_on=now))
        except IntegrityError:
            raise Conflict(f"security configuration {config.name!r} already exists",
                           field="name", value=config.name) from None  # fmt: skip
        return self.get(config.name)

    def get(self, name: str) -> SecurityConfiguration:
        with self._db.read() as conn:
            row = conn.execute(select(table).where(table.c.name == name)).one_or_none()
        if row is None:
            raise _missing(name)
        return _config(row)

    def list(self, limit: int, after: str | None) -> list[SecurityConfiguration]:
        query = select(table).order_by(table.c.name).limit(limit)
        if after is not None:
            query = query.where(table.c.name > after)
        with self._db.read() as conn:
            return [_config(row) for row in conn.execute(query)]

    def delete(self, name: str) -> None:
        with self._db.write() as conn:
            gone = conn.execute(delete(table).where(table.c.name == name))
        if gone.rowcount == 0:
            raise _missing(name)


def _missing(name: str) -> NotFound:
    return NotFound(f"security configuration {name!r} does not exist",
                    field="security_configuration", value=name)  # fmt: skip
