"""EVENT triggers in: one Kafka consumer (group ``kafka.consumer_group``) on the topics of
the ACTIVATED EVENT triggers, storing matching messages before committing their offsets.

kafka-python's consumer is blocking and not thread-safe, so it lives on one thread that
does only Kafka and store writes; batch rules run on the event loop (BatchWindows). A
message that is not JSON, or larger than ``kafka.max_message_bytes``, goes to
``kafka.dead_letter_topic`` with headers saying why and where it came from; a too-large
one goes without its value (it stays at its offset in the source topic). Any failure
(broker, database, dead-letter send) drops the consumer without committing, so the
group redelivers from the last commit; stored messages are recognised by their offset.
The thread runs inside the supervised "event-consumer" task: should it die of an error
its own retry does not cover, the supervisor logs it and starts a fresh one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from stoker.aio import Blocking
from stoker.config.events import KafkaSettings
from stoker.domain.inbound import InboundEvent
from stoker.domain.patterns import matches
from stoker.domain.triggers import Trigger, TriggerState, TriggerType
from stoker.runs.service import RunService
from stoker.store.event_batches import EventBatchStore
from stoker.store.firing import TriggerObserver
from stoker.store.triggers import TriggerStore
from stoker.tasks import Spawner, Supervised, Unsupervised, in_thread
from stoker.triggers.batching import BatchWindows

log = logging.getLogger(__name__)
#: Trigger definitions are re-read this often (polling is the guarantee; no hint needed).
REFRESH_SECONDS = 1.0
POLL_MS = 200
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
DEAD_LETTER_TIMEOUT = 10.0


def decode(value: bytes | None, max_bytes: int) -> tuple[Any, str | None]:
    """The decoded JSON, or None and the reason the message is dead-lettered."""
    if value is None:
        return None, "empty message (no value)"
    if len(value) > max_bytes:
        return None, f"too large: {len(value)} bytes, the limit is {max_bytes}"
    try:
        return json.loads(value), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not JSON: {exc}"


def event_triggers(triggers: list[Trigger]) -> dict[str, Trigger]:
    return {
        t.name: t for t in triggers
        if t.type is TriggerType.EVENT and t.state is TriggerState.ACTIVATED and t.event
    }  # fmt: skip


class EventConsumer:
    """The consumer thread. ``on_recorded`` gets the names of triggers with new events."""

    def __init__(
        self,
        *,
        kafka: KafkaSettings,
        batches: EventBatchStore,
        triggers: TriggerStore,
        clock: Callable[[], datetime],
        consumer_factory: Callable[..., Any],
        producer_factory: Callable[..., Any],
    ) -> None:
        self._kafka = kafka
        self._batches = batches
        self._triggers = triggers
        self._clock = clock
        self._consumer_factory = consumer_factory
        self._producer_factory = producer_factory
        self.on_recorded: Callable[[list[str]], None] = lambda names: None
        #: ACTIVATED EVENT triggers by name (replaced whole, read from the loop too).
        self.active: dict[str, Trigger] = {}
        self.dead_lettered = 0
        #: Messages not yet consumed, by topic (high watermark minus position, summed over the
        #: assigned partitions), from the fetch metadata of the last poll: no broker call.
        #: Replaced whole on the consumer thread, read at scrape time.
        self.lag: dict[str, int] = {}
        self._stop = threading.Event()
        self._consumer: Any = None
        self._producer: Any = None
        self._topics: frozenset[str] = frozenset()
        self._refreshed_at = 0.0
        self._failures = 0

    def request_stop(self) -> None:
        """Ask the thread to end (it does within a poll or a backoff step)."""
        self._stop.set()

    def refresh(self) -> None:
        """Re-read the triggers; tell the loop about those whose definition changed."""
        active = event_triggers(self._triggers.active_of_type(TriggerType.EVENT))
        changed = {n for n in active.keys() | self.active.keys()
                   if active.get(n) != self.active.get(n)}  # fmt: skip
        self.active = active
        self._refreshed_at = time.monotonic()
        if changed:
            self.on_recorded(sorted(changed))

    # -- the thread -----------------------------------------------------------------------

    def run(self) -> None:
        """The thread's body: poll until request_stop(); a failing step backs off."""
        try:
            while not self._stop.is_set():
                try:
                    self._step()
                except Exception as exc:
                    self._failed(exc)
        finally:
            self._close()

    def _failed(self, exc: Exception) -> None:
        delay = BACKOFF_SECONDS[min(self._failures, len(BACKOFF_SECONDS) - 1)]
        # Logged once per outage, not once per retry.
        if self._failures == 0:
            log.warning("event consumer failing, retrying with backoff: %s", exc,
                        extra={"action": "event.consumer_failed"})  # fmt: skip
        self._failures += 1
        self._close()
        self._stop.wait(delay)

    def _step(self) -> None:
        if time.monotonic() - self._refreshed_at >= REFRESH_SECONDS:
            self.refresh()
        consumer = self._subscribed()
        if consumer is None:
            self._stop.wait(POLL_MS / 1000)
            return
        polled = consumer.poll(timeout_ms=POLL_MS)
        recorded: set[str] = set()
        for records in polled.values():
            for record in records:
                recorded.update(self._handle(record))
        if polled:
            consumer.commit()  # only now: every message above is stored or dead-lettered
        self._measure_lag(consumer)
        if self._failures:
            log.info("event consumer recovered", extra={"action": "event.consumer_recovered"})
            self._failures = 0
        if recorded:
            self.on_recorded(sorted(recorded))

    def _measure_lag(self, consumer: Any) -> None:
        lag: dict[str, int] = {}
        try:
            for tp in consumer.assignment():
                high = consumer.highwater(tp)
                if high is None:
                    continue  # no fetch response for this partition yet
                position = consumer.position(tp)
                lag[tp.topic] = lag.get(tp.topic, 0) + max(0, high - (position or 0))
        except Exception:  # a figure for metrics only: never a reason to drop the consumer
            log.debug("consumer lag unavailable", exc_info=True)
            return
        self.lag = lag

    def _subscribed(self) -> Any:
        topics = frozenset(t.event.topic for t in self.active.values() if t.event)
        if not topics:
            self._close()
            return None
        if self._consumer is None:
            self._consumer = self._consumer_factory(
                self._kafka, group_id=self._kafka.consumer_group
            )
            self._topics = frozenset()
        if topics != self._topics:
            self._consumer.subscribe(topics=sorted(topics))
            self._topics = topics
            log.info("event consumer subscribed", extra={"action": "event.subscribed",
                                                         "topics": sorted(topics)})  # fmt: skip
        return self._consumer

    def _handle(self, record: Any) -> list[str]:
        payload, reason = decode(record.value, self._kafka.max_message_bytes)
        if reason is not None:
            self._dead_letter(record, reason)
            return []
        matching = [
            t for t in self.active.values()
            if t.event is not None and t.event.topic == record.topic
            and matches(t.event.pattern, payload)
        ]  # fmt: skip
        if not matching:
            return []
        event = InboundEvent(record.topic, record.partition, record.offset, payload, self._clock())
        return self._batches.record_all(matching, event)

    def _dead_letter(self, record: Any, reason: str) -> None:
        if self._producer is None:
            self._producer = self._producer_factory(self._kafka)
        too_large = record.value is not None and len(record.value) > self._kafka.max_message_bytes
        headers = [
            ("stoker-reason", reason.encode()),
            ("stoker-source-topic", record.topic.encode()),
            ("stoker-source-partition", str(record.partition).encode()),
            ("stoker-source-offset", str(record.offset).encode()),
        ]
        value = None if too_large else record.value
        future = self._producer.send(
            self._kafka.dead_letter_topic, value=value, key=record.key, headers=headers
        )
        future.get(timeout=DEAD_LETTER_TIMEOUT)  # before the offset is committed
        self.dead_lettered += 1
        log.warning(
            "message dead-lettered: %s", reason,
            extra={"action": "event.dead_lettered", "topic": record.topic,
                   "partition": record.partition, "offset": record.offset},
        )  # fmt: skip

    def _close(self) -> None:
        consumer, self._consumer = self._consumer, None
        self._topics = frozenset()
        if consumer is not None:
            consumer.close(autocommit=False)
        if self._stop.is_set() and self._producer is not None:
            producer, self._producer = self._producer, None
            producer.close(timeout=2)


class EventTriggers:
    """The consumer thread and the batch windows, started and stopped together."""

    def __init__(
        self,
        *,
        kafka: KafkaSettings,
        batches: EventBatchStore,
        triggers: TriggerStore,
        runs: RunService,
        io: Blocking,
        clock: Callable[[], datetime],
        consumer_factory: Callable[..., Any],
        producer_factory: Callable[..., Any],
        observer: TriggerObserver | None = None,
        tasks: Spawner | None = None,
    ) -> None:
        self._io = io
        self._tasks = tasks if tasks is not None else Unsupervised()
        self._thread: Supervised | None = None
        self.consumer = EventConsumer(
            kafka=kafka, batches=batches, triggers=triggers, clock=clock,
            consumer_factory=consumer_factory, producer_factory=producer_factory,
        )  # fmt: skip
        self.windows = BatchWindows(
            batches=batches, runs=runs, io=io, clock=clock, active=lambda: self.consumer.active,
            observer=observer, tasks=self._tasks,
        )  # fmt: skip

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await self._io(self.consumer.refresh)

        def on_recorded(names: list[str]) -> None:
            loop.call_soon_threadsafe(self.windows.recorded, names)

        self.consumer.on_recorded = on_recorded
        await self.windows.start()
        self._thread = self._tasks.supervise(
            "event-consumer", lambda: in_thread(self.consumer.run, "event-consumer")
        )

    async def stop(self) -> None:
        self.consumer.request_stop()
        if self._thread is not None:
            await self._thread.join()
        await self.windows.stop()
