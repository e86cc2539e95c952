"""The `[glue_api]` settings: Glue's own web API (AWS JSON 1.1, SigV4) beside stoker's."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from stoker.config.access import KeyGrant, key_secret, parse_entry

#: A URL path of plain segments; "/" itself would shadow the API's index.
_PATH = re.compile(r"(?:/[A-Za-z0-9._~\-]+)+")
#: AWS access key ids are 16-128 word characters (IAM's documented limits).
ACCESS_KEY_ID = re.compile(r"\w{16,128}")
#: Paths of the HTTP API and the console the Glue endpoint must not take over.
_TAKEN = ("/jobs", "/runs", "/triggers", "/events", "/definitions", "/scripts", "/sessions",
          "/console", "/health", "/metrics", "/docs", "/openapi.json")  # fmt: skip


class GlueApiSettings(BaseModel):
    """Glue's web API, so boto3, the AWS CLI and Glue operators work with `endpoint_url`."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(default=True, description="Serve Glue's API on the API's port.")
    path: str = Field(
        default="/glue",
        description="Where the Glue endpoint is on the API's port: clients use "
        "`endpoint_url=http://<api host>:<api port><path>`.",
    )
    access_keys: dict[str, SecretStr | KeyGrant] = Field(
        default_factory=dict,
        description="Access key id → secret access key, or → a table `{secret = \"...\", "
        'role = "viewer", jobs = [...], tags = [...]}` with the roles and limits of '
        "`api.tokens` (a bare secret is an `admin`); requests must be signed (AWS "
        "Signature Version 4) with one of them. Required when `api.host` is not loopback; "
        "when empty on loopback, any signature is accepted (as the API accepts any caller "
        "without `api.tokens`). Secrets show as `****` in `stoker config show`.",
    )

    @field_validator("path")
    @classmethod
    def _plain_path(cls, value: str) -> str:
        if not _PATH.fullmatch(value):
            raise ValueError(
                f"{value[:80]!r} is not a URL path such as '/glue' (segments of letters, "
                "digits, '.', '_', '~', '-'; no trailing '/')"
            )
        if any(value == taken or value.startswith(taken + "/") for taken in _TAKEN):
            raise ValueError(f"{value!r} is a path of the HTTP API or the console")
        return value

    @field_validator("access_keys", mode="before")
    @classmethod
    def _tables(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {key_id: parse_entry(entry, KeyGrant, f"{str(key_id)[:40]}")
                for key_id, entry in value.items()}  # fmt: skip

    @field_validator("access_keys")
    @classmethod
    def _key_ids(
        cls, value: dict[str, SecretStr | KeyGrant]
    ) -> dict[str, SecretStr | KeyGrant]:
        for key_id, entry in value.items():
            secret = key_secret(entry)
            if not ACCESS_KEY_ID.fullmatch(key_id):
                raise ValueError(
                    f"access key id {key_id[:40]!r} is not 16-128 letters, digits or '_'"
                )
            if not secret.get_secret_value().strip():
                raise ValueError(f"the secret of access key {key_id!r} is empty")
        return value


def run_endpoint_url(host: str, port: int, glue: GlueApiSettings) -> str | None:
    """Where a run on this machine reaches the Glue endpoint (None when it is off): a
    wildcard listener at loopback."""
    if not glue.enabled:
        return None
    wildcards = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104
    reach = wildcards.get(host, host)
    if ":" in reach:
        reach = f"[{reach}]"
    return f"http://{reach}:{port}{glue.path}"
