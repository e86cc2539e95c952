"""The /events route: oldest first, pending filter, paging."""

from __future__ import annotations

import httpx

from tests.unit.api.fakes import FakeServices, make_event


def test_events_page_oldest_first(client: httpx.Client, services: FakeServices) -> None:
    services.events.events = [make_event(s, sent=s == 2) for s in (3, 1, 2)]
    first = client.get("/events", params={"limit": 2}).json()
    assert [e["seq"] for e in first["events"]] == [1, 2]
    assert first["events"][0]["event"]["detail"]["state"] == "RUNNING"
    assert first["events"][0]["created_on"] == "2024-05-01T12:00:01+00:00"
    rest = client.get("/events", params={"next_token": first["next_token"]}).json()
    assert [e["seq"] for e in rest["events"]] == [3] and rest["next_token"] is None
    pending = client.get("/events", params={"pending": "true"}).json()
    assert [e["seq"] for e in pending["events"]] == [1, 3]
    sent = client.get("/events", params={"pending": "false"}).json()
    assert [e["sent_on"] for e in sent["events"]] == ["2024-05-01T12:00:00+00:00"]
