"""The warm pool's health: drivers that fail to start, their back-off, and the pool's state."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: A driver that fails to start is retried after 2^n - 1 seconds (n failures in a row), capped.
MAX_BACKOFF_SECONDS = 60.0
#: The longest failure reason kept (a traceback's tail is longer than anyone reads in /health).
_MAX_REASON = 2000


class PoolState(StrEnum):
    """What /health and /metrics say about the pool."""

    #: ``spark.pool_size = 0``: no drivers wanted.
    DISABLED = "disabled"
    #: No driver is warm yet and none has failed.
    STARTING = "starting"
    OK = "ok"
    #: Some drivers are warm but the last start failed: capacity is below pool_size.
    DEGRADED = "degraded"
    #: No warm driver and starts keep failing: pool runs cannot start.
    FAILING = "failing"


HEALTHY = frozenset({PoolState.DISABLED, PoolState.STARTING, PoolState.OK})


@dataclass(frozen=True)
class PoolHealth:
    state: PoolState
    size: int
    idle: int
    busy: int
    starting: int
    #: Driver starts that failed since the last one that succeeded.
    failures: int
    #: Why the last start failed (kept after a recovery, for the record); None if none has.
    last_failure: str | None

    @property
    def healthy(self) -> bool:
        return self.state in HEALTHY


class StartFailures:
    """Counts driver starts that failed in a row and says how long to wait before the next."""

    def __init__(self) -> None:
        self.count = 0
        self.last_reason: str | None = None

    def record(self, reason: str) -> None:
        self.count += 1
        self.last_reason = reason[-_MAX_REASON:]

    def reset(self) -> None:
        """A driver became warm: starts work again (the last reason stays on record)."""
        self.count = 0

    def backoff(self) -> float:
        return min(MAX_BACKOFF_SECONDS, 2.0**self.count - 1) if self.count else 0.0

    def health(self, size: int, idle: int, busy: int, starting: int) -> PoolHealth:
        warm = idle + busy
        if size == 0:
            state = PoolState.DISABLED
        elif self.count and warm:
            state = PoolState.DEGRADED
        elif self.count:
            state = PoolState.FAILING
        elif warm:
            state = PoolState.OK
        else:
            state = PoolState.STARTING
        return PoolHealth(state, size, idle, busy, starting, self.count, self.last_reason)


def summarize(traceback_text: str) -> str:
    """The line of a driver's traceback that says what went wrong (its last non-empty one)."""
    lines = [line.strip() for line in traceback_text.splitlines() if line.strip()]
    return lines[-1] if lines else "no error text"
