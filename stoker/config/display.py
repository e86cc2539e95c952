"""Settings as a person sees them: the masked dump of `config show`, and validation errors
described without ever echoing a secret (a misspelled secret key still holds one)."""

from __future__ import annotations

from typing import Any

from stoker.masking import MASK, is_secret_key, mask_credentials

#: Keys whose whole value is a secret although their names do not say so.
_SECRET_PATHS = frozenset({"database.url", "database_url_effective"})
#: At most this much of a bad value is quoted in an error.
_QUOTED = 80


def masked(data: Any, path: str = "") -> Any:
    """``data`` (a dump of settings) with every secret masked: values of secret-looking
    keys, and credentials inside any other text (a password in a database URL's
    authority or query string, in a JDBC URL of spark.conf, …)."""
    if isinstance(data, dict):
        return {k: _masked_item(k, v, f"{path}.{k}" if path else str(k)) for k, v in data.items()}
    if isinstance(data, list):
        return [masked(item, path) for item in data]
    if isinstance(data, str):
        return mask_credentials(data)
    return data


def _masked_item(key: Any, value: Any, path: str) -> Any:
    secret = is_secret_key(str(key))
    if secret and isinstance(value, str) and value:
        return MASK
    if secret and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [MASK for _ in value]
    if secret and isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        # A table of secrets by name (glue_api.access_keys): the names are not secret.
        return {k: MASK for k in value}
    if path in _SECRET_PATHS and isinstance(value, str):
        return mask_credentials(value)
    return masked(value, path)


def is_secret_path(key: str) -> bool:
    return key in _SECRET_PATHS or any(is_secret_key(part) for part in key.split("."))


def describe_error(error: dict[str, Any]) -> str:
    """One pydantic error as ``key = value: what is wrong``; the value is left out when it
    may be a secret, and for unknown keys (the key is enough to find the typo)."""
    key = ".".join(str(p) for p in error["loc"])
    value = error.get("input")
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"unknown key {key!r} is not a stoker setting"
    if isinstance(value, dict | list) or not key:
        return f"{key}: {message}" if key else message
    if is_secret_path(key):
        return f"{key} (value not shown: it may be a secret): {message}"
    shown = repr(mask_credentials(str(value)) if isinstance(value, str) else value)
    if len(shown) > _QUOTED:
        shown = shown[: _QUOTED - 1] + "…"
    return f"{key} = {shown}: {message}"
