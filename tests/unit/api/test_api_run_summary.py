"""GET /runs/summary: the wire shape and bad ranges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from stoker.domain.states import RunState
from tests.unit.api.fakes import FakeServices, make_run

S = RunState
QUERY = {"since": "2026-11-30T00:00:00Z", "until": "2026-12-02T00:00:00+00:00"}


def test_summary_shape(client: httpx.Client, services: FakeServices) -> None:
    at = datetime(2026, 12, 1, 8, tzinfo=UTC)
    for state in (S.SUCCEEDED, S.SUCCEEDED, S.ERROR):
        services.runs.add(make_run(state=state, started_on=at))
    services.runs.add(replace(make_run(job_name="other", state=S.FAILED), started_on=at))
    resp = client.get("/runs/summary", params=QUERY)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["since"] == "2026-11-30T00:00:00+00:00"
    assert body["by_state"] == {s.value: 0 for s in RunState} | {
        "SUCCEEDED": 2, "ERROR": 1, "FAILED": 1
    }  # fmt: skip
    assert body["success_rate"] == 0.5
    assert [d["day"] for d in body["per_day"]] == ["2026-11-30", "2026-12-01"]
    assert body["per_day"][1]["counts"]["SUCCEEDED"] == 2
    one = client.get("/runs/summary", params=QUERY | {"job": "other"}).json()
    assert one["by_state"]["FAILED"] == 1 and one["success_rate"] == 0.0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"until": QUERY["until"]}, "since"),
        ({"since": QUERY["since"]}, "until"),
        (QUERY | {"since": "2026-11-30"}, "since"),
        (QUERY | {"until": "2026-11-29T00:00:00Z"}, "until"),
        ({"since": "2025-01-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "since"),
    ],
)
def test_bad_ranges(client: httpx.Client, params: dict[str, str], field: str) -> None:
    resp = client.get("/runs/summary", params=params)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "InvalidInput" and resp.json()["field"] == field
