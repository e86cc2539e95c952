"""POST /triggers/preview: a schedule's next fire times, checked as trigger creation checks."""

from __future__ import annotations

import itertools
from datetime import datetime

import httpx
import pytest

from stoker.errors import InvalidInput
from stoker.triggers.cron.expressions import validate_schedule


def test_preview_gives_five_fire_times_in_the_zone(client: httpx.Client) -> None:
    resp = client.post(
        "/triggers/preview",
        json={"schedule": "cron(0 2 * * ? *)", "timezone": "Europe/Paris"},
    )
    assert resp.status_code == 200, resp.text
    fires = [datetime.fromisoformat(t) for t in resp.json()["next"]]
    assert len(fires) == 5
    assert all(f.hour == 2 and f.minute == 0 for f in fires)
    assert all(f.utcoffset() is not None and f.utcoffset().total_seconds() in (3600, 7200)
               for f in fires)  # fmt: skip
    assert fires == sorted(fires) and len(set(fires)) == 5


def test_preview_defaults_to_utc_and_takes_rates(client: httpx.Client) -> None:
    resp = client.post("/triggers/preview", json={"schedule": "rate(15 minutes)"})
    assert resp.status_code == 200, resp.text
    fires = [datetime.fromisoformat(t) for t in resp.json()["next"]]
    assert [f.utcoffset().total_seconds() for f in fires] == [0] * 5  # type: ignore[union-attr]
    assert {(b - a).total_seconds() for a, b in itertools.pairwise(fires)} == {900}


def test_preview_bad_schedule_has_the_creation_message(client: httpx.Client) -> None:
    resp = client.post("/triggers/preview", json={"schedule": "cron(61 * * * ? *)"})
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "InvalidInput" and body["field"] == "schedule"
    # The trigger service refuses a schedule with this very call (triggers/service.py).
    with pytest.raises(InvalidInput) as creation:
        validate_schedule("cron(61 * * * ? *)", "UTC")
    assert body["message"] == creation.value.message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"schedule": "rate(5 minutes)", "timezone": "Mars/Olympus"}, "timezone"),
        ({"schedule": "every day"}, "schedule"),
        ({}, "schedule"),
        ({"schedule": "rate(5 minutes)", "when": 1}, "when"),
    ],
)
def test_preview_bad_input(client: httpx.Client, body: dict[str, object], field: str) -> None:
    resp = client.post("/triggers/preview", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == field
