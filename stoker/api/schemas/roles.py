"""Wire models of roles (/roles): secret values go in, only names come out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stoker.api.schemas.common import StrictModel, UtcTime, utc_or_none
from stoker.domain.roles import JdbcCredential, Role


class JdbcIn(StrictModel):
    #: jdbc:postgresql://host:5432/db, jdbc:mysql://…
    url: str
    user: str | None = None
    #: Kept encrypted, for runs only; every answer shows "****" (send "****" back to keep it).
    password: str | None = None


class RoleIn(StrictModel):
    """A role. On PUT, values sent back as "****" keep the stored ones."""

    #: Required on POST /roles; on PUT it may be omitted but must equal the path if given.
    name: str | None = None
    description: str = ""
    #: Named JDBC credentials; a script reads them with ``stoker.job.role.jdbc(name)``.
    jdbc: dict[str, JdbcIn] = Field(default_factory=dict)
    #: Hadoop settings set on the run's session: ``fs.s3a.access.key``, … (a
    #: ``spark.hadoop.`` prefix is dropped).
    hadoop_conf: dict[str, str] = Field(default_factory=dict)
    #: Environment variables of the run's script.
    env: dict[str, str] = Field(default_factory=dict)


class JdbcOut(BaseModel):
    url: str
    user: str | None
    password: str | None


class RoleOut(BaseModel):
    """A role as a person sees it: names, URLs and users; every secret value "****"."""

    name: str
    description: str
    jdbc: dict[str, JdbcOut]
    hadoop_conf: dict[str, str]
    env: dict[str, str]
    created_on: UtcTime | None
    last_modified_on: UtcTime | None


class RolePage(BaseModel):
    roles: list[RoleOut]
    next_token: str | None


def role_from_in(body: RoleIn, name: str) -> Role:
    return Role(
        name=name, description=body.description,
        jdbc={n: JdbcCredential(c.url, c.user, c.password) for n, c in body.jdbc.items()},
        hadoop_conf=dict(body.hadoop_conf), env=dict(body.env),
    )  # fmt: skip


def role_out(role: Role) -> RoleOut:
    """``role`` arrives masked from the service; masked again here, so no path can leak."""
    shown = role.masked()
    return RoleOut(
        name=shown.name, description=shown.description,
        jdbc={n: JdbcOut(url=c.url, user=c.user, password=c.password)
              for n, c in shown.jdbc.items()},
        hadoop_conf=shown.hadoop_conf, env=shown.env,
        created_on=utc_or_none(shown.created_on),
        last_modified_on=utc_or_none(shown.last_modified_on),
    )  # fmt: skip
