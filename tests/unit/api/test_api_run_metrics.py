"""GET /runs/{id}/metrics: the run's samples on the wire, 404 for unknown runs, auth; GET
/jobs/{name}/metrics: a job's over a time range, its defaults and refusals."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from stoker.api.app import create_app
from stoker.config.settings import ApiSettings
from stoker.domain.sparkmetrics import ExecutorSample, SparkSample
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices, make_job

T0 = 1_714_564_800.5  # 2024-05-01T12:00:00.5Z


def run_with_samples(services: FakeServices, *samples: SparkSample) -> str:
    services.jobs.jobs["etl"] = make_job()
    run_id = asyncio.run(services.runs.start_run("etl", {})).id
    services.metrics_history.samples[run_id] = list(samples)
    return run_id


def test_samples_on_the_wire(client: httpx.Client, services: FakeServices) -> None:
    first = SparkSample(
        sampled_at=T0,
        bytes_read=2048,
        records_read=10,
        shuffle_bytes_written=5,
        completed_stages=1,
        active_executors=1,
        max_needed_executors=2,
        executors=(ExecutorSample("driver", 256, 1024, 0.5), ExecutorSample("1", 100)),
    )
    last = SparkSample(sampled_at=T0 + 10, bytes_read=4096, final=True)
    run_id = run_with_samples(services, first, last)
    resp = client.get(f"/runs/{run_id}/metrics")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["run_id"] == run_id and body["job_name"] == "etl"
    assert body["complete"] is True
    one, two = body["samples"]
    assert one["sampled_at"] == "2024-05-01T12:00:00.500000+00:00"
    assert one["bytes_read"] == 2048 and one["records_read"] == 10
    assert one["shuffle_bytes_written"] == 5 and one["completed_stages"] == 1
    assert one["killed_tasks"] == 0 and one["shuffle_local_bytes_read"] == 0
    assert one["active_executors"] == 1 and one["max_needed_executors"] == 2
    assert one["executors"] == [
        {"executor_id": "driver", "heap_used_bytes": 256, "heap_max_bytes": 1024,
         "heap_usage": 0.25, "cpu_load": 0.5},
        {"executor_id": "1", "heap_used_bytes": 100, "heap_max_bytes": None,
         "heap_usage": None, "cpu_load": None},
    ]  # fmt: skip
    assert one["final"] is False and two["final"] is True and two["executors"] == []


def test_no_samples_yet_is_incomplete(client: httpx.Client, services: FakeServices) -> None:
    run_id = run_with_samples(services, SparkSample(sampled_at=T0))
    assert client.get(f"/runs/{run_id}/metrics").json()["complete"] is False
    services.metrics_history.samples[run_id] = []
    body = client.get(f"/runs/{run_id}/metrics").json()
    assert body["samples"] == [] and body["complete"] is False


def test_unknown_run_is_404_with_the_error_shape(client: httpx.Client) -> None:
    resp = client.get("/runs/jr_nope/metrics")
    assert resp.status_code == 404
    assert resp.json() == {
        "code": "EntityNotFound",
        "message": "job run 'jr_nope' does not exist",
        "field": "run_id",
    }


def test_needs_the_token_like_other_run_routes(services: FakeServices) -> None:
    run_id = run_with_samples(services)
    app = create_app(services, ApiSettings(tokens=["t0k"]), version="9.9.9")
    with asgi_client(app) as client:
        assert client.get(f"/runs/{run_id}/metrics").status_code == 401
        ok = client.get(f"/runs/{run_id}/metrics", headers={"Authorization": "Bearer t0k"})
        assert ok.status_code == 200


def test_documented_in_openapi(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "404" in paths["/runs/{run_id}/metrics"]["get"]["responses"]


def test_a_job_over_a_time_range(client: httpx.Client, services: FakeServices) -> None:
    driver = (ExecutorSample("driver", 256, 1024, 0.5),)
    run_with_samples(
        services,
        SparkSample(sampled_at=T0, bytes_read=10, active_executors=1, executors=driver),
        SparkSample(sampled_at=T0 + 10, bytes_read=4096, completed_stages=3, final=True),
    )
    resp = client.get(
        "/jobs/etl/metrics?since=2024-05-01T11:00:00Z&until=2024-05-01T13:00:00%2B00:00&points=2"
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["since"] == "2024-05-01T11:00:00+00:00" and body["bucket_seconds"] == 3600
    # The run started at 12:00: the second bucket's point; the first had no runs.
    [point] = body["points"]
    assert point["at"] == "2024-05-01T12:00:00+00:00" and point["runs"] == 1
    assert point["bytes_read"] == 4096 and point["completed_stages"] == 3  # its totals
    assert point["active_executors"] == 1 and point["driver_heap_usage"] == 0.25
    assert point["executors_cpu_load"] is None


def test_a_range_defaults_to_the_last_day_in_sixty_points(
    client: httpx.Client, services: FakeServices
) -> None:
    assert client.get("/jobs/deleted_long_ago/metrics").json()["points"] == []
    job, since, until, points = services.metrics_history.ranges[-1]
    assert job == "deleted_long_ago" and until - since == timedelta(days=1) and points == 60


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=yesterday", "since"),
        ("until=2024-05-01T12:00:00", "until"),  # no offset
        ("since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z", "since"),
        ("since=2023-01-01T00:00:00Z&until=2024-05-01T00:00:00Z", "since"),  # over 366 days
        ("points=0", "points"),
        ("points=121", "points"),
    ],
)
def test_a_bad_range_is_refused_naming_its_field(
    client: httpx.Client, query: str, field: str
) -> None:
    resp = client.get(f"/jobs/etl/metrics?{query}")
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "InvalidInput" and resp.json()["field"] == field
