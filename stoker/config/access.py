"""Who may do what: the role and job limits of an API token or a Glue access key.

A bare secret (``api.tokens = ["s3cret"]``, ``[glue_api.access_keys] KEY = "secret"``) is an
``admin`` with no limit, as every token was before roles existed.
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

#: The roles, from least to most: each may do what the ones before it may.
ROLES = ("viewer", "operator", "admin")
Role = Literal["viewer", "operator", "admin"]
#: A token's name: what the audit log records for it (never its secret).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}")


class Grant(BaseModel):
    """A role, optionally limited to jobs by name pattern or by tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role = Field(
        default="admin",
        description="`admin` (everything), `operator` (read, and start/stop runs, reset "
        "bookmarks, activate triggers, run session statements) or `viewer` (read only).",
    )
    jobs: list[str] = Field(
        default_factory=list,
        description="Limit to jobs whose name matches one of these shell patterns "
        "(`etl-*`); with `tags`, a job matching either is allowed. Empty with empty `tags`: "
        "every job.",
    )
    tags: list[str] = Field(
        default_factory=list,
        description="Limit to jobs carrying one of these tags (`key` or `key=value`).",
    )

    @field_validator("jobs", "tags")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not entry.strip() or entry.startswith("="):
                raise ValueError(f"{entry!r} is not a job pattern or a tag (key or key=value)")
        return value

    @property
    def limited(self) -> bool:
        return bool(self.jobs or self.tags)


class TokenGrant(Grant):
    """An entry of ``api.tokens`` given as a table: a named token with a role."""

    name: str = Field(description="Shown in the audit log; letters, digits, `_.@-`.")
    token: SecretStr = Field(description="The bearer secret.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError(f"{value[:80]!r} is not a token name (1-64 letters, digits, _.@-)")
        return value


class KeyGrant(Grant):
    """A value of ``glue_api.access_keys`` given as a table: a secret key with a role."""

    secret: SecretStr = Field(description="The secret access key.")


def token_secret(entry: SecretStr | TokenGrant) -> SecretStr:
    return entry.token if isinstance(entry, TokenGrant) else entry


def token_name(entry: SecretStr | TokenGrant, index: int) -> str:
    """A bare token's name is its place in the list: ``tokens[0]``."""
    return entry.name if isinstance(entry, TokenGrant) else f"tokens[{index}]"


def key_secret(entry: SecretStr | KeyGrant) -> SecretStr:
    return entry.secret if isinstance(entry, KeyGrant) else entry


def grant_of(entry: SecretStr | Grant) -> Grant:
    return entry if isinstance(entry, Grant) else Grant()


G = TypeVar("G", bound=Grant)


def parse_entry(entry: Any, model: type[G], where: str) -> SecretStr | G | Any:
    """A table entry as ``model``, its problems said as ``<where>.<field>: <what>`` (one
    message, never the value: it may hold the secret); anything else is left to the field's
    own type (a string becomes a bare secret)."""
    if not isinstance(entry, dict):
        return entry
    try:
        return model.model_validate(entry)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            text = str(problem["msg"]).removeprefix("Value error, ")
            if problem["type"] == "extra_forbidden":
                allowed = ", ".join(model.model_fields)
                text = f"unknown field; a table here has {allowed}"
            problems.append(f"{where}.{field}: {text}")
        raise ValueError("; ".join(problems)) from None
