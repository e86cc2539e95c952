"""Polling and naming helpers shared by the integration and acceptance tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any


def eventually(
    check: Callable[[], Any], what: str, timeout: float = 60, interval: float = 0.2
) -> Any:
    """The first truthy result of ``check``; AssertionError naming ``what`` and the last
    result after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what} (last: {result!r})")
        time.sleep(interval)


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same database) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
