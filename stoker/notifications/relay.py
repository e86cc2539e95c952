"""The outbox relay: publishes pending outbox events in order, marks them sent once acknowledged."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal, Protocol

from stoker.aio import Blocking
from stoker.bus import Bus, RunChanged
from stoker.domain.events import OutboxEvent
from stoker.errors import StoreUnavailable
from stoker.store.outbox import OutboxStore
from stoker.tasks import Spawner, Supervised, Unsupervised, wait_any

log = logging.getLogger(__name__)

BACKOFF_MIN = 0.2
BACKOFF_MAX = 10.0
TRIM_EVERY_SECONDS = 3600.0
#: On shutdown, how long the last flush may take before pending events are left for next start.
FINAL_FLUSH_SECONDS = 5.0

Outcome = Literal["more", "idle", "failed"]


class Publisher(Protocol):
    """Where events go (Kafka in the daemon, a fake in tests). Blocking; called from a thread."""

    def publish(self, events: Sequence[OutboxEvent]) -> tuple[list[int], Exception | None]:
        """Return the seqs acknowledged, a prefix of ``events``, and the error that stopped it."""
        ...

    def close(self) -> None: ...


class OutboxRelay:
    """One asyncio task: read a batch in seq order, publish, mark the acknowledged prefix sent.

    Bus events are hints that wake it early; the poll interval is the guarantee. While the
    publisher or the database is unavailable it backs off (0.2 s doubling to 10 s) and logs
    the outage; any other error ends the loop, and the supervisor restarts it.
    """

    def __init__(
        self,
        store: OutboxStore,
        publisher: Publisher,
        *,
        io: Blocking,
        clock: Callable[[], datetime],
        bus: Bus | None = None,
        retention_days: float,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        tasks: Spawner | None = None,
        holds: Callable[[], bool] | None = None,
    ) -> None:
        self._store = store
        #: Whether this daemon holds the cluster's singleton lease: only its holder relays,
        #: so the outbox is published in order by one member (always true on SQLite).
        self._holds = holds if holds is not None else _always
        self._publisher = publisher
        self._io = io
        self._bus = bus
        # kafka-python's producer is driven from one thread only; it may block for seconds
        # while the broker is down, which must not hold up the database threads.
        self._kafka_io = Blocking(threads=1)
        self._clock = clock
        self._retention = timedelta(days=retention_days)
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks = tasks if tasks is not None else Unsupervised()
        self._task: Supervised | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._next_trim = 0.0
        # Outage bookkeeping: when it began (None while up) and what was delivered since.
        self._down_since: float | None = None
        self._delivered_since_down = 0
        #: Counters for metrics: events acknowledged, failed publish attempts, unsent estimate.
        self.published_total = 0
        self.publish_errors_total = 0
        self.pending = 0

    @property
    def broker_down(self) -> bool:
        return self._down_since is not None

    def start(self) -> None:
        if self._bus is not None:
            self._unsubscribe = self._bus.subscribe(self._hint)
        self._task = self._tasks.supervise("outbox-relay", self._run)

    async def stop(self) -> None:
        """Flush what is pending (briefly, if the broker is up), then stop and close."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task.join()
            self._task = None
        await self._kafka_io(self._publisher.close)
        self._kafka_io.close()

    def _hint(self, _event: RunChanged) -> None:
        self._wake.set()

    async def _run(self) -> None:
        backoff = BACKOFF_MIN
        while not self._stopping.is_set():
            if not self._holds():
                # Hints are for the holder; this member only looks again each poll.
                await self._sleep(self._poll_interval, wakeable=False)
                continue
            try:
                outcome = await self.run_once()
            except StoreUnavailable as exc:
                # The database, not the broker: logged each time, retried with backoff.
                log.warning("outbox relay cannot read the outbox: %s", exc.message,
                            extra={"action": "relay.error"})  # fmt: skip
                outcome = "failed"
            if outcome == "failed":
                await self._sleep(backoff, wakeable=False)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            backoff = BACKOFF_MIN
            await self._maybe_trim()
            if outcome == "idle":
                await self._sleep(self._poll_interval)
        await self._final_flush()

    async def run_once(self) -> Outcome:
        """Publish one batch: "more" when it was full, "idle" when caught up, or "failed"."""
        # Cleared before reading: a hint arriving from here on means rows this read may miss.
        self._wake.clear()
        events = await self._io(self._store.pending, self._batch_size)
        if not events:
            self.pending = 0
            self._recovered(0, caught_up=True)
            return "idle"
        acked, error = await self._kafka_io(self._publisher.publish, events)
        if acked:
            await self._io(self._store.mark_sent, acked, self._clock())
            self.published_total += len(acked)
        full = len(events) == self._batch_size
        # Counted when it matters (a backlog, an outage); otherwise the batch tells.
        self.pending = (
            await self._io(self._store.count_pending)
            if full or error is not None
            else len(events) - len(acked)
        )
        if error is not None:
            self.publish_errors_total += 1
            self._failed(error, len(acked))
            return "failed"
        self._recovered(len(acked), caught_up=not full)
        return "more" if full else "idle"

    def _failed(self, error: Exception, delivered: int) -> None:
        self._delivered_since_down += delivered
        if self._down_since is not None:
            return
        self._down_since = time.monotonic()
        log.warning(
            "Kafka broker unavailable; events wait in the outbox: %.200s",
            error,
            extra={"action": "relay.broker_down", "pending": self.pending,
                   "error": type(error).__name__},
        )  # fmt: skip

    def _recovered(self, delivered: int, *, caught_up: bool) -> None:
        if self._down_since is None:
            return
        self._delivered_since_down += delivered
        if not caught_up:
            return
        outage = time.monotonic() - self._down_since
        log.info(
            "Kafka broker reachable again; delivered %d waiting events",
            self._delivered_since_down,
            extra={"action": "relay.broker_up", "delivered": self._delivered_since_down,
                   "outage_seconds": round(outage, 1)},
        )  # fmt: skip
        self._down_since = None
        self._delivered_since_down = 0

    async def _sleep(self, seconds: float, *, wakeable: bool = True) -> None:
        # A backoff ignores hints: during an outage every state change would otherwise
        # turn into a retry.
        events = (self._stopping, self._wake) if wakeable else (self._stopping,)
        await wait_any(*events, timeout=seconds)

    async def _maybe_trim(self) -> None:
        now = time.monotonic()
        if now < self._next_trim:
            return
        self._next_trim = now + TRIM_EVERY_SECONDS
        deleted = await self._io(self._store.trim, self._clock() - self._retention)
        if deleted:
            log.info(
                "trimmed %d delivered events", deleted,
                extra={"action": "relay.trimmed", "deleted": deleted},
            )  # fmt: skip

    async def _final_flush(self) -> None:
        if self.broker_down or not self._holds():
            return
        try:
            async with asyncio.timeout(FINAL_FLUSH_SECONDS):
                while await self.run_once() == "more":
                    pass
        except TimeoutError:
            log.warning(
                "events left in the outbox at shutdown", extra={"action": "relay.flush_timeout"}
            )
        except Exception:
            log.exception("final outbox flush failed", extra={"action": "relay.error"})


def _always() -> bool:
    return True
