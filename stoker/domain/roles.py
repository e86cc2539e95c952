"""A role: the credentials a job's runs are handed (Glue's job ``Role``), and its rules.

A role carries named JDBC credentials, Hadoop filesystem settings (``fs.s3a.access.key``
and the like) and environment variables. Everything but names, URLs and users is secret:
what a person or a log sees of a role is ``masked()`` (names only, values ``****``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stoker.domain.limits import CONF_KEY, check_string_map, check_text, quote
from stoker.errors import InvalidInput
from stoker.masking import MASK, mask_credentials

ROLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-+=,@]{0,63}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
#: Set by stoker for every run (its Glue endpoint credentials and the role itself): a
#: role may not replace them.
RESERVED_ENV = frozenset({
    "AWS_ENDPOINT_URL_GLUE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_REGION", "AWS_DEFAULT_REGION",
})  # fmt: skip
#: The run's JDBC credentials, as JSON, in the script's environment (stoker.job.role).
ROLE_ENV = "STOKER_ROLE"
HADOOP_PREFIX = "spark.hadoop."
MAX_ENTRIES = 100
MAX_DESCRIPTION = 2048


@dataclass(frozen=True)
class JdbcCredential:
    """One database a role's runs may reach: its URL, user and password."""

    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Role:
    """A named set of credentials; ``hadoop_conf`` keys are Hadoop's (``fs.s3a.…``)."""

    name: str
    description: str = ""
    jdbc: dict[str, JdbcCredential] = field(default_factory=dict)
    hadoop_conf: dict[str, str] = field(default_factory=dict, repr=False)
    env: dict[str, str] = field(default_factory=dict, repr=False)
    created_on: datetime | None = None
    last_modified_on: datetime | None = None

    def masked(self) -> Role:
        """What a person, a log or an export may see: names, URLs (their embedded
        credentials masked) and users; every other value ``****``."""
        return Role(
            name=self.name, description=self.description,
            jdbc={n: JdbcCredential(mask_credentials(c.url), c.user,
                                    MASK if c.password else None)
                  for n, c in self.jdbc.items()},
            hadoop_conf=dict.fromkeys(self.hadoop_conf, MASK),
            env=dict.fromkeys(self.env, MASK),
            created_on=self.created_on, last_modified_on=self.last_modified_on,
        )  # fmt: skip

    def secrets(self) -> dict[str, Any]:
        """The values kept encrypted (everything a run needs); ``public()`` is the rest."""
        return {
            "jdbc": {n: {"url": c.url, "password": c.password} for n, c in self.jdbc.items()},
            "hadoop_conf": dict(self.hadoop_conf),
            "env": dict(self.env),
        }

    def public(self) -> dict[str, Any]:
        return {"jdbc": {n: {"user": c.user} for n, c in self.jdbc.items()}}


def role_from_parts(name: str, description: str, public: dict[str, Any],
                    secrets: dict[str, Any], **times: Any) -> Role:  # fmt: skip
    """The role ``public()`` and ``secrets()`` were taken from."""
    users = public.get("jdbc") or {}
    return Role(
        name=name, description=description,
        jdbc={n: JdbcCredential(c["url"], (users.get(n) or {}).get("user"), c.get("password"))
              for n, c in (secrets.get("jdbc") or {}).items()},
        hadoop_conf=dict(secrets.get("hadoop_conf") or {}),
        env=dict(secrets.get("env") or {}), **times,
    )  # fmt: skip


def validate_role_name(name: Any, field_name: str = "name") -> str:
    if not isinstance(name, str) or not ROLE_NAME.fullmatch(name):
        raise InvalidInput(
            f"role name {quote(name)} is invalid: 1-64 characters, letters, digits and "
            "'_.-+=,@', starting with a letter or digit",
            field=field_name,
            value=name if isinstance(name, str) else None,
        )
    return name


def glue_role_name(role: str) -> str:
    """The stoker role a Glue ``Role`` names: an IAM role ARN's last path part
    (``arn:aws:iam::123456789012:role/service/etl`` → ``etl``), else the value itself."""
    if role.startswith("arn:") and ":role/" in role:
        return role.rsplit("/", 1)[-1]
    return role


def hadoop_key(key: str) -> str:
    """Hadoop's own name: ``spark.hadoop.fs.s3a.secret.key`` → ``fs.s3a.secret.key``."""
    return key.removeprefix(HADOOP_PREFIX)


def validate_role(role: Role) -> Role:
    """Raise InvalidInput naming the first field that breaks a rule; the role normalized."""
    validate_role_name(role.name)
    check_text(role.description, "description", MAX_DESCRIPTION, multiline=True)
    if not isinstance(role.jdbc, dict) or len(role.jdbc) > MAX_ENTRIES:
        raise InvalidInput(f"jdbc must be a map of at most {MAX_ENTRIES} named credentials",
                           field="jdbc")  # fmt: skip
    for name, cred in role.jdbc.items():
        if not isinstance(name, str) or not CONF_KEY.fullmatch(name):
            raise InvalidInput(f"jdbc name {quote(name)} is invalid: letters, digits, '_', "
                               "'.', '-'", field="jdbc")  # fmt: skip
        check_text(cred.url, f"jdbc.{name}.url", 4096)
        if not cred.url.startswith("jdbc:"):
            raise InvalidInput(f"jdbc.{name}.url must be a JDBC URL (jdbc:postgresql://…)",
                               field=f"jdbc.{name}.url")  # fmt: skip
        if cred.user is not None:
            check_text(cred.user, f"jdbc.{name}.user", 255)
        if cred.password is not None:
            check_text(cred.password, f"jdbc.{name}.password", 1024)
    conf = check_string_map(role.hadoop_conf, "hadoop_conf", max_entries=MAX_ENTRIES,
                            max_key=256, max_value=4096, key_pattern=CONF_KEY)  # fmt: skip
    env = check_string_map(role.env, "env", max_entries=MAX_ENTRIES, max_key=128,
                           max_value=8192, key_pattern=ENV_NAME)  # fmt: skip
    for key in env:
        if key in RESERVED_ENV or key.startswith("STOKER_"):
            raise InvalidInput(
                f"env {key} is set by stoker for every run (its Glue endpoint credentials "
                "and role); put S3 keys in hadoop_conf (fs.s3a.access.key) instead",
                field=f"env.{key}",
            )
    normalized = {hadoop_key(k): v for k, v in conf.items()}
    if len(normalized) != len(conf):
        raise InvalidInput("hadoop_conf names one key twice (with and without spark.hadoop.)",
                           field="hadoop_conf")  # fmt: skip
    return Role(
        name=role.name, description=role.description, jdbc=dict(role.jdbc),
        hadoop_conf=normalized, env=env, created_on=role.created_on,
        last_modified_on=role.last_modified_on,
    )  # fmt: skip


def _unmasked(value: str | None, stored: str | None, where: str) -> str | None:
    if value != MASK:
        return value
    if stored is None:
        raise InvalidInput(f"{where} is {MASK!r} but the role has no such value to keep; "
                           "supply it", field=where)  # fmt: skip
    return stored


def _kept(values: dict[str, str], stored: dict[str, str], where: str) -> dict[str, str]:
    return {k: str(_unmasked(v, stored.get(k), f"{where}.{k}")) for k, v in values.items()}


def keep_masked(incoming: Role, current: Role) -> Role:
    """Values sent back as ``****`` (a role read, changed and written back) keep the
    stored ones; a masked value with nothing stored behind it is refused."""
    jdbc = {}
    for name, cred in incoming.jdbc.items():
        old = current.jdbc.get(name)
        password = _unmasked(cred.password, old.password if old else None,
                             f"jdbc.{name}.password")  # fmt: skip
        url = old.url if old is not None and cred.url == mask_credentials(old.url) else cred.url
        jdbc[name] = JdbcCredential(url, cred.user, password)
    return Role(
        name=incoming.name, description=incoming.description, jdbc=jdbc,
        hadoop_conf=_kept({hadoop_key(k): v for k, v in incoming.hadoop_conf.items()},
                          current.hadoop_conf, "hadoop_conf"),
        env=_kept(incoming.env, current.env, "env"),
    )  # fmt: skip
