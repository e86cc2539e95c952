"""The one secret vocabulary: which keys name secrets, credentials inside values, the mask.

Every output a person or a log sees masks with these rules: API bodies, `stoker config
show`, configuration errors, exported definitions. Stdlib only, below every other module.
"""

from __future__ import annotations

import re

#: A key names a secret when it holds one of these anywhere ("--db_password", "sslKeyPass")
#: or "pw"/"pwd" as a word of its own ("--pw", "DB_PWD", "dbPwd", but not "--pwm").
SECRET_KEY = re.compile(
    r"pass|secret|token|api[_.-]?key|access[_.-]?key|private[_.-]?key|ssh[_.-]?key"
    r"|credential|auth|(?<![a-z])pwd?(?![a-z])",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
MASK = "****"
#: Credentials inside a value, whatever its key: ``scheme://user:secret@host`` and
#: ``password=secret`` in a query string or a JDBC ``;``-separated property list.
_CREDENTIALS = (
    re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)(?P<secret>[^@\s/]+)(?=@)"),
    re.compile(
        r"(?P<head>(?:^|[?&;,\s])(?:[A-Za-z0-9_.\-]*(?:password|passwd|pwd|secret|token"
        r"|api[_.-]?key|access[_.-]?key|credential)[A-Za-z0-9_.\-]*)=)(?P<secret>[^&;,\s]+)",
        re.IGNORECASE,
    ),
)


def is_secret_key(key: str) -> bool:
    return SECRET_KEY.search(_CAMEL.sub("_", key)) is not None


def mask_credentials(value: str) -> str:
    """``value`` with the secrets of embedded credentials (URL passwords, ``password=``
    properties of JDBC URLs and query strings) replaced by the mask."""
    for pattern in _CREDENTIALS:
        value = pattern.sub(lambda m: m.group("head") + MASK, value)
    return value


def mask_value(key: str, value: str) -> str:
    """What a person or a log may see of one ``key = value`` setting."""
    return MASK if is_secret_key(key) else mask_credentials(value)


def is_masked(key: str, value: str) -> bool:
    """Whether ``value`` still holds a mask where a secret would be (sent back as shown)."""
    if is_secret_key(key):
        return value == MASK
    return any(m.group("secret") == MASK for p in _CREDENTIALS for m in p.finditer(value))
