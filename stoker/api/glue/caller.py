"""Who signed the Glue request being answered, for the few operations that depend on it.

A context variable, set by the endpoint around one request: the handlers keep their one
signature (services, members), and a task serving another request never sees it.
"""

from __future__ import annotations

from contextvars import ContextVar

#: The access key id that signed the current request; None when the endpoint has no keys
#: (loopback without [glue_api] access_keys lets unsigned callers in).
SIGNED_BY: ContextVar[str | None] = ContextVar("glue_signed_by", default=None)


def signed() -> bool:
    """True when the current request was verified against a key."""
    return SIGNED_BY.get() is not None
