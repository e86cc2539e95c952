"""A run's role, as its script reads it: the JDBC credentials it was handed.

    from stoker.job import role
    pg = role.jdbc("pg")             # {"url": ..., "user": ..., "password": ...}
    df = spark.read.jdbc(pg["url"], "public.orders", properties=role.jdbc_properties("pg"))

The role's environment variables are in ``os.environ`` and its Hadoop settings on the
session already; this reads ``STOKER_ROLE``, which stoker sets for the run's script only.
"""

from __future__ import annotations

import json
import os
from typing import Any

ROLE_ENV = "STOKER_ROLE"


class NoRoleError(LookupError):
    """Raised when the run has no role, or its role has no JDBC credentials of that name."""


def _role() -> dict[str, Any]:
    raw = os.environ.get(ROLE_ENV)
    if not raw:
        raise NoRoleError("this run has no role: give its job one (stoker jobs update JOB "
                          "--role NAME)")  # fmt: skip
    data: dict[str, Any] = json.loads(raw)
    return data


def name() -> str | None:
    """The run's role, or None."""
    raw = os.environ.get(ROLE_ENV)
    return json.loads(raw)["name"] if raw else None


def jdbc(credentials: str) -> dict[str, str | None]:
    """The role's JDBC credentials ``credentials``: url, user and password."""
    found = _role()
    entry = found["jdbc"].get(credentials)
    if entry is None:
        known = ", ".join(sorted(found["jdbc"])) or "none"
        raise NoRoleError(f"role {found['name']!r} has no JDBC credentials {credentials!r} "
                          f"(it has: {known})")  # fmt: skip
    return dict(entry)


def jdbc_properties(credentials: str) -> dict[str, str]:
    """``user`` and ``password`` as Spark's ``read.jdbc(properties=…)`` takes them."""
    entry = jdbc(credentials)
    return {k: v for k in ("user", "password") if (v := entry.get(k)) is not None}
