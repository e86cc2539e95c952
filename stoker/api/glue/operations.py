"""What an operation is: a coroutine from the services and the request's members to the
response members; and the page size every Get/List operation reads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from stoker.api.glue.members import Members
from stoker.api.ports import ApiServices

Handler = Callable[[ApiServices, Members], Awaitable[dict[str, Any]]]


def page_size(members: Members, default: int, high: int) -> int:
    """``MaxResults`` within Glue's bounds for the operation, else ``default``."""
    return members.integer("MaxResults", 1, high) or default
