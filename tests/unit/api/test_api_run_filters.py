"""GET /runs filters: what reaches the run service, and bad values refused by field."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from stoker.domain.runs import RunFilter
from stoker.domain.states import FAILED_OUTCOMES, RunState
from tests.unit.api.fakes import FakeServices

S = RunState


def filter_of(client: httpx.Client, services: FakeServices, query: str) -> RunFilter:
    resp = client.get(f"/runs?{query}")
    assert resp.status_code == 200, resp.text
    return services.runs.filters[-1]


def test_filters_reach_the_service(client: httpx.Client, services: FakeServices) -> None:
    where = filter_of(
        client, services,
        "job=etl&state=FAILED&state=ERROR&trigger=nightly"
        "&started_after=2026-12-01T01:00:00%2B01:00&started_before=2026-12-02T00:00:00Z",
    )  # fmt: skip
    assert where == RunFilter(
        job_name="etl", states=frozenset({S.FAILED, S.ERROR}), triggered_by="nightly",
        started_after=datetime(2026, 12, 1, tzinfo=UTC),
        started_before=datetime(2026, 12, 2, tzinfo=UTC),
    )  # fmt: skip


def test_outcome_failed_is_any_failed_state(client: httpx.Client, services: FakeServices) -> None:
    assert filter_of(client, services, "outcome=failed").states == FAILED_OUTCOMES
    both = filter_of(client, services, "outcome=failed&state=TIMEOUT&state=SUCCEEDED")
    assert both.states == {S.TIMEOUT}


def test_outcome_and_a_state_that_never_fails_is_empty(
    client: httpx.Client, services: FakeServices
) -> None:
    resp = client.get("/runs?outcome=failed&state=SUCCEEDED")
    assert resp.status_code == 200
    assert resp.json() == {"runs": [], "next_token": None}
    assert services.runs.filters == []  # nothing to ask the store


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=DONE", "state"),
        ("outcome=succeeded", "outcome"),
        ("started_after=2026-12-01T00:00:00", "started_after"),  # no offset
        ("started_before=yesterday", "started_before"),
        ("started_after=" + "9" * 100, "started_after"),
    ],
)
def test_bad_filters(client: httpx.Client, query: str, field: str) -> None:
    resp = client.get(f"/runs?{query}")
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["code"] == "InvalidInput"
    assert body["field"] == field, body
