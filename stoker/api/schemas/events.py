"""Wire models of the event outbox (/events)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from stoker.api.schemas.common import UtcTime, utc, utc_or_none
from stoker.domain.events import OutboxEvent


class EventOut(BaseModel):
    seq: int
    id: str
    run_id: str | None
    job_name: str
    detail_type: str
    created_on: UtcTime
    sent_on: UtcTime | None
    #: The published envelope (EventBridge-shaped).
    event: dict[str, Any]


class EventPage(BaseModel):
    events: list[EventOut]
    next_token: str | None


def event_out(event: OutboxEvent) -> EventOut:
    return EventOut(
        seq=event.seq,
        id=event.id,
        run_id=event.run_id,
        job_name=event.job_name,
        detail_type=event.detail_type,
        created_on=utc(event.created_on),
        sent_on=utc_or_none(event.sent_on),
        event=event.payload,
    )
