"""The role service: what the API asks of roles, checked, on the thread boundary.

Every role it hands out is masked (names only): the secret values reach runs alone,
through ``roles.runs.RunRoles``. Role changes are logged by name, never by value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from stoker.aio import Blocking
from stoker.domain.roles import Role, keep_masked, validate_role, validate_role_name
from stoker.errors import InvalidInput
from stoker.masking import MASK
from stoker.store.roles import RoleStore

log = logging.getLogger(__name__)


def _refuse_masks(role: Role) -> None:
    """A new role has nothing stored behind a '****': the value must be given."""
    values = {f"hadoop_conf.{k}": v for k, v in role.hadoop_conf.items()}
    values.update({f"env.{k}": v for k, v in role.env.items()})
    values.update({f"jdbc.{n}.password": c.password or "" for n, c in role.jdbc.items()})
    for where, value in values.items():
        if value == MASK:
            raise InvalidInput(f"{where} is {MASK!r}, the mask shown for secrets; send the "
                               "real value", field=where)  # fmt: skip


class RoleService:
    def __init__(self, store: RoleStore, io: Blocking, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._io = io
        self._clock = clock

    async def create_role(self, role: Role) -> Role:
        _refuse_masks(role)
        created = await self._io(self._store.create, validate_role(role), self._clock())
        log.info("role created", extra={"action": "role.created", "role": created.name})
        return created.masked()

    async def update_role(self, role: Role) -> Role:
        """Replace the role; values sent back as '****' keep the stored ones."""
        current = await self._io(self._store.get, validate_role_name(role.name))
        merged = validate_role(keep_masked(role, current))
        updated = await self._io(self._store.update, merged, self._clock())
        log.info("role updated", extra={"action": "role.updated", "role": updated.name})
        return updated.masked()

    async def get_role(self, name: str) -> Role:
        role: Role = await self._io(self._store.get, validate_role_name(name))
        return role.masked()

    async def list_roles(self, limit: int, after: str | None) -> list[Role]:
        found = await self._io(self._store.list, limit, after)
        return [role.masked() for role in found]

    async def delete_role(self, name: str) -> None:
        await self._io(self._store.delete, validate_role_name(name))
        log.info("role deleted", extra={"action": "role.deleted", "role": name})
