"""Roles' rows: their secrets sealed with the key ring's primary key on every write.

The envelope's associated data is the role's name, so a role's secrets cannot be copied
onto another row and opened there.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from stoker.domain.roles import Role, role_from_parts
from stoker.errors import Conflict, NotFound
from stoker.security.keyring import KeyRing
from stoker.store.engine import Database
from stoker.store.tables import roles as table


def _aad(name: str) -> bytes:
    return f"role:{name}".encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


class RoleStore:
    """Blocking reads and writes; callers pass validated roles and get them decrypted."""

    #: What the key service calls these rows (stoker.roles.keys.Sealed).
    name = "roles"

    def __init__(self, db: Database, ring: KeyRing) -> None:
        self._db = db
        self._ring = ring

    def _values(self, role: Role) -> dict[str, Any]:
        return {
            "description": role.description,
            "public": _dumps(role.public()),
            "secrets": self._ring.encrypt_text(_dumps(role.secrets()), _aad(role.name)),
            "key_id": self._ring.primary,
        }

    def _role(self, row: Any) -> Role:
        secrets = self._ring.decrypt_text(row.secrets, _aad(row.name),
                                          f"the secrets of role {row.name!r}")  # fmt: skip
        return role_from_parts(row.name, row.description, json.loads(row.public),
                               json.loads(secrets), created_on=row.created_on,
                               last_modified_on=row.last_modified_on)  # fmt: skip

    def create(self, role: Role, now: datetime) -> Role:
        try:
            with self._db.write() as conn:
                conn.execute(insert(table).values(
                    name=role.name, created_on=now, last_modified_on=now, **self._values(role)
                ))  # fmt: skip
        except IntegrityError:
            raise Conflict(f"role {role.name!r} already exists", field="name",
                           value=role.name) from None  # fmt: skip
        return self.get(role.name)

    def update(self, role: Role, now: datetime) -> Role:
        with self._db.write() as conn:
            done = conn.execute(update(table).where(table.c.name == role.name)
                                .values(last_modified_on=now, **self._values(role)))  # fmt: skip
        if done.rowcount == 0:
            raise _missing(role.name)
        return self.get(role.name)

    def get(self, name: str) -> Role:
        """With its secrets: callers mask it for anything but a run."""
        with self._db.read() as conn:
            row = conn.execute(select(table).where(table.c.name == name)).one_or_none()
        if row is None:
            raise _missing(name)
        return self._role(row)

    def list(self, limit: int, after: str | None) -> list[Role]:
        query = select(table).order_by(table.c.name).limit(limit)
        if after is not None:
            query = query.where(table.c.name > after)
        with self._db.read() as conn:
            return [self._role(row) for row in conn.execute(query)]

    def delete(self, name: str) -> None:
        with self._db.write() as conn:
            gone = conn.execute(delete(table).where(table.c.name == name))
        if gone.rowcount == 0:
            raise _missing(name)

    def reencrypt(self) -> int:
        """Seal every role not under the primary key with it; how many were rewritten."""
        with self._db.write() as conn:
            rows = conn.execute(select(table).where(table.c.key_id != self._ring.primary)).all()
            for row in rows:
                role = self._role(row)
                conn.execute(update(table).where(table.c.name == row.name)
                             .values(**self._values(role)))  # fmt: skip
        return len(rows)

    def key_ids(self) -> set[str]:
        """The keys some role's secrets are sealed with."""
        with self._db.read() as conn:
            return {r.key_id for r in conn.execute(select(table.c.key_id).distinct())}


def _missing(name: str) -> NotFound:
    return NotFound(f"role {name!r} does not exist", field="role", value=name)
