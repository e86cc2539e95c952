"""Inbound events for EVENT triggers: one consumed message, and the batch arguments a run gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from stoker.domain.runs import JobRun

#: Run arguments that carry a batch to the started job (Glue: run property aws:eventIds).
EVENT_IDS_ARG = "--stoker-event-ids"
EVENTS_FILE_ARG = "--stoker-events-file"
BATCH_CONDITION_ARG = "--stoker-batch-condition"
#: A message "id" longer than this is not used as the event id (the offset key is).
MAX_EVENT_ID = 200


class BatchCondition(StrEnum):
    """Glue's StartingEventBatchCondition: which rule fired the batch."""

    BATCH_SIZE = "BatchSize"
    BATCH_WINDOW = "BatchWindow"


@dataclass(frozen=True)
class InboundEvent:
    """A decoded Kafka message; (topic, partition, offset) identifies it across redeliveries."""

    topic: str
    partition: int
    offset: int
    payload: Any
    received_on: datetime

    @property
    def offset_key(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    @property
    def event_id(self) -> str:
        """The message's own "id" (EventBridge envelopes have one), else its offset key."""
        found = self.payload.get("id") if isinstance(self.payload, dict) else None
        if isinstance(found, str) and 0 < len(found) <= MAX_EVENT_ID and "," not in found:
            return found
        return self.offset_key


@dataclass(frozen=True)
class FiredBatch:
    """A batch that started runs: which events, why, and where their payloads were written."""

    trigger_name: str
    condition: BatchCondition
    event_ids: tuple[str, ...]
    events_file: str
    runs: tuple[JobRun, ...]

    @property
    def run_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.runs)
