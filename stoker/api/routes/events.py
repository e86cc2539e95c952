"""Routes for the event outbox: /events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from stoker.api.deps import Services
from stoker.api.paging import decode_int_token, encode_token
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.events import EventPage, event_out

router = APIRouter(prefix="/events", tags=["events"], responses={400: {"model": ErrorOut}})


@router.get("")
async def list_events(
    services: Services,
    pending: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: str | None = None,
) -> EventPage:
    """Outbox events, oldest first; ``pending=true`` shows those not yet delivered."""
    after = decode_int_token(next_token, "events")
    events = await services.events.list_events(pending=pending, limit=limit + 1, after_seq=after)
    page = events[:limit]
    token = encode_token("events", page[-1].seq) if len(events) > limit else None
    return EventPage(events=[event_out(e) for e in page], next_token=token)
