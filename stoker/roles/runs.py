"""What a run receives of its job's role: environment variables and Hadoop settings.

Read when the attempt is launched, so a role changed meanwhile applies to the runs started
afterwards, never to a live one. The values travel in the run's ``RunSpec`` (``env`` and
``hadoop_conf``, never shown), and from there over the warm driver's control socket or in
the isolated run's private launch file, never on a command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from stoker.domain.roles import ROLE_ENV, Role
from stoker.store.roles import RoleStore


@dataclass(frozen=True)
class RoleGrant:
    """The run's share of a role; empty for a job without one."""

    env: dict[str, str] = field(default_factory=dict, repr=False)
    hadoop_conf: dict[str, str] = field(default_factory=dict, repr=False)


def grant_of(role: Role) -> RoleGrant:
    jdbc = {n: {"url": c.url, "user": c.user, "password": c.password}
            for n, c in role.jdbc.items()}  # fmt: skip
    described = json.dumps({"name": role.name, "jdbc": jdbc}, separators=(",", ":"))
    return RoleGrant(env={**role.env, ROLE_ENV: described}, hadoop_conf=dict(role.hadoop_conf))


class RunRoles:
    """Blocking calls (the run service makes them through its thread boundary)."""

    def __init__(self, store: RoleStore) -> None:
        self._store = store

    def grant(self, role_name: str | None) -> RoleGrant:
        """NotFound when the role is gone, DecryptionFailed when its secrets cannot be read."""
        if role_name is None:
            return RoleGrant()
        return grant_of(self._store.get(role_name))
