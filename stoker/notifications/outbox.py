"""Async reads of the event outbox for the API and `stoker events`."""

from __future__ import annotations

from stoker.aio import Blocking
from stoker.domain.events import OutboxEvent
from stoker.store.outbox import OutboxStore


class EventLog:
    def __init__(self, store: OutboxStore, io: Blocking) -> None:
        self._store = store
        self._io = io

    async def list_events(
        self, *, pending: bool | None, limit: int, after_seq: int | None
    ) -> list[OutboxEvent]:
        return await self._io(
            self._store.list_events, pending=pending, limit=limit, after_seq=after_seq
        )
