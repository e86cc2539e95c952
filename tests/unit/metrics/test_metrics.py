"""The daemon's metrics: run events on a bus drive them; /metrics serves them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from stoker.api.app import create_app, create_metrics_app
from stoker.bus import Bus, RunChanged
from stoker.config.settings import ApiSettings, load_settings
from stoker.domain.ids import new_run_id
from stoker.domain.runs import JobRun
from stoker.domain.states import RunState
from stoker.errors import ConfigError
from stoker.executors.pool.health import PoolHealth, PoolState
from stoker.metrics.collector import RunMetrics, install
from stoker.metrics.registry import Metrics
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices

T0 = datetime(2026, 1, 1, tzinfo=UTC)
S = RunState


def make_run(job: str = "orders_etl", state: RunState = S.WAITING) -> JobRun:
    return JobRun(
        id=new_run_id(), job_name=job, state=state, attempt=0, previous_run_id=None,
        triggered_by="manual", arguments={}, resolved_arguments={}, timeout=2880,
        notify_delay_after=None, executor="pool", max_retries=0, queuing_enabled=True,
        started_on=T0, last_modified_on=T0,
    )  # fmt: skip


def at(run: JobRun, state: RunState, seconds: float = 0) -> JobRun:
    """``run`` moved to ``state``: RUNNING stamps running_on, a terminal state completed_on."""
    when = T0 + timedelta(seconds=seconds)
    if state is S.RUNNING:
        return replace(run, state=state, running_on=when)
    if state.terminal:
        return replace(run, state=state, completed_on=when)
    return replace(run, state=state)


@dataclass
class Rig:
    metrics: Metrics
    bus: Bus
    runs: RunMetrics

    def value(self, name: str, **labels: str) -> float | None:
        return self.metrics.registry.get_sample_value(name, labels)

    def publish(self, *runs: JobRun) -> None:
        for run in runs:
            self.bus.publish(RunChanged(run))


@dataclass
class Pool:
    size: int = 4
    idle: int = 2
    busy: int = 1
    starting: int = 1
    recycled_total: int = 3
    replaced_total: int = 5
    state: PoolState = PoolState.OK
    failures: int = 0

    def health(self) -> PoolHealth:
        return PoolHealth(self.state, self.size, self.idle, self.busy, self.starting,
                          self.failures, "boom" if self.failures else None)  # fmt: skip


@dataclass
class Relay:
    pending: int = 7
    published_total: int = 11
    publish_errors_total: int = 2


@dataclass
class Consumer:
    dead_lettered: int = 1
    lag: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def rig() -> Rig:
    metrics, bus = Metrics("9.9.9"), Bus()
    runs = install(metrics, bus, pool=Pool(), relay=Relay(), consumer=Consumer())
    return Rig(metrics, bus, runs)


def test_a_run_through_its_life_counts_once_and_times_its_phases(rig: Rig) -> None:
    run = make_run()
    rig.publish(run)
    assert rig.value("stoker_queue_depth", job="orders_etl") == 1
    assert rig.value("stoker_runs", job="orders_etl", state="WAITING") == 1
    starting = at(run, S.STARTING)
    running = at(starting, S.RUNNING, seconds=2)
    done = at(running, S.SUCCEEDED, seconds=62)
    rig.publish(starting, running, running, done, done)  # repeats are not counted again
    assert rig.value("stoker_queue_depth", job="orders_etl") == 0
    for state in ("WAITING", "STARTING", "RUNNING"):
        assert rig.value("stoker_runs", job="orders_etl", state=state) == 0
    assert rig.value("stoker_runs_started_total", job="orders_etl") == 1
    assert rig.value("stoker_runs_finished_total", job="orders_etl", state="SUCCEEDED") == 1
    assert rig.value("stoker_dispatch_latency_seconds_count", job="orders_etl") == 1
    assert rig.value("stoker_dispatch_latency_seconds_sum", job="orders_etl") == 2
    assert rig.value("stoker_run_duration_seconds_count", job="orders_etl") == 1
    assert rig.value("stoker_run_duration_seconds_sum", job="orders_etl") == 60


def test_live_states_are_gauged_per_job_and_end_states_counted(rig: Rig) -> None:
    a, b, c = make_run("a"), make_run("a"), make_run("b", S.STARTING)
    rig.publish(a, b, c, at(c, S.RUNNING, 1), at(b, S.STARTING))
    assert rig.value("stoker_runs", job="a", state="WAITING") == 1
    assert rig.value("stoker_runs", job="a", state="STARTING") == 1
    assert rig.value("stoker_runs", job="b", state="RUNNING") == 1
    assert rig.value("stoker_queue_depth", job="a") == 1
    stopping = at(at(c, S.RUNNING, 1), S.STOPPING)
    rig.publish(stopping, at(stopping, S.STOPPED, 5), at(a, S.STOPPED, 5))
    assert rig.value("stoker_runs", job="b", state="RUNNING") == 0
    assert rig.value("stoker_runs", job="b", state="STOPPING") == 0
    assert rig.value("stoker_queue_depth", job="a") == 0
    assert rig.value("stoker_runs_finished_total", job="b", state="STOPPED") == 1
    assert rig.value("stoker_runs_finished_total", job="a", state="STOPPED") == 1
    # A run that never ran has a finish but no duration.
    assert rig.value("stoker_run_duration_seconds_count", job="a") is None
    assert rig.value("stoker_run_duration_seconds_count", job="b") == 1


def test_seed_rebuilds_the_gauges_from_the_stores_live_runs(rig: Rig) -> None:
    rig.publish(make_run("stale"))
    waiting, running = make_run("a"), at(make_run("a"), S.RUNNING, 1)
    rig.runs.seed([waiting, running])
    assert rig.value("stoker_runs", job="stale", state="WAITING") is None
    assert rig.value("stoker_queue_depth", job="a") == 1
    assert rig.value("stoker_runs", job="a", state="RUNNING") == 1
    rig.publish(at(running, S.FAILED, 4))
    assert rig.value("stoker_runs", job="a", state="RUNNING") == 0
    assert rig.value("stoker_runs_finished_total", job="a", state="FAILED") == 1
    # Seeding does not count starts: those runs started before this daemon did.
    assert rig.value("stoker_runs_started_total", job="a") is None


def test_pool_events_and_build_figures_are_read_at_scrape_time(rig: Rig) -> None:
    assert rig.value("stoker_pool_size") == 4
    for state, count in (("idle", 2), ("busy", 1), ("starting", 1)):
        assert rig.value("stoker_pool_drivers", state=state) == count
    assert rig.value("stoker_pool_drivers_recycled_total") == 3
    assert rig.value("stoker_pool_drivers_replaced_total") == 5
    assert rig.value("stoker_pool_healthy") == 1
    assert rig.value("stoker_pool_driver_start_failures") == 0
    assert rig.value("stoker_outbox_pending") == 7
    assert rig.value("stoker_events_published_total") == 11
    assert rig.value("stoker_events_publish_errors_total") == 2
    assert rig.value("stoker_events_dead_lettered_total") == 1
    assert rig.value("stoker_build_info", version="9.9.9") == 1


def test_task_crashes_are_read_from_the_supervisor_at_scrape_time() -> None:
    class Tasks:
        crashes = {"dispatcher": 0, "pool.reader": 2}

    metrics = Metrics("1.0")
    tasks = Tasks()
    install(metrics, Bus(), tasks=tasks)
    value = metrics.registry.get_sample_value
    assert value("stoker_task_crashes_total", {"task": "dispatcher"}) == 0
    assert value("stoker_task_crashes_total", {"task": "pool.reader"}) == 2
    tasks.crashes = {"dispatcher": 3, "pool.reader": 2}
    assert value("stoker_task_crashes_total", {"task": "dispatcher"}) == 3
    assert b'stoker_task_crashes_total{task="dispatcher"} 3.0' in metrics.exposition()


def test_a_failing_pool_is_unhealthy_in_the_metrics() -> None:
    metrics = Metrics("1.0")
    install(metrics, Bus(), pool=Pool(idle=0, busy=0, state=PoolState.FAILING, failures=4))
    assert metrics.registry.get_sample_value("stoker_pool_healthy") == 0
    assert metrics.registry.get_sample_value("stoker_pool_driver_start_failures") == 4


def test_absent_components_are_left_out() -> None:
    metrics = Metrics("1.0")
    install(metrics, Bus())
    assert metrics.registry.get_sample_value("stoker_pool_size") is None
    assert metrics.registry.get_sample_value("stoker_outbox_pending") is None


def test_each_daemon_has_its_own_registry() -> None:
    first, second = Metrics("1.0"), Metrics("1.0")
    assert first.registry is not second.registry
    assert isinstance(first.registry, CollectorRegistry)


def test_metrics_route_serves_text_exposition_without_auth(rig: Rig, tmp_path: Path) -> None:
    run = make_run()
    running = at(run, S.RUNNING, 1)
    rig.publish(run, running, at(running, S.FAILED, 3))
    api = ApiSettings(tokens=[SecretStr("secret")])
    app = create_app(
        FakeServices(tmp_path / "logs"), api, version="9.9.9",
        metrics_exposition=rig.metrics.exposition,
    )  # fmt: skip
    with asgi_client(app) as client:
        response = client.get("/metrics")
        assert client.get("/jobs").status_code == 401  # the rest still needs the token
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'stoker_runs_started_total{job="orders_etl"} 1.0' in text
    assert 'stoker_runs_finished_total{job="orders_etl",state="FAILED"} 1.0' in text
    for name in (
        "stoker_run_duration_seconds_bucket", "stoker_dispatch_latency_seconds_bucket",
        "stoker_runs{", "stoker_queue_depth{", "stoker_pool_drivers{", "stoker_pool_size",
        "stoker_outbox_pending", "stoker_events_published_total",
        "stoker_events_dead_lettered_total", 'stoker_build_info{version="9.9.9"}',
    ):  # fmt: skip
        assert name in text
    assert run.id not in text


def test_without_a_registry_there_is_no_metrics_route(tmp_path: Path) -> None:
    app = create_app(FakeServices(tmp_path / "logs"), ApiSettings(), version="9.9.9")
    with asgi_client(app) as client:
        assert client.get("/metrics").status_code == 404


def test_metrics_can_require_the_api_token(rig: Rig, tmp_path: Path) -> None:
    api = ApiSettings(tokens=[SecretStr("secret")])
    app = create_app(
        FakeServices(tmp_path / "logs"), api, version="9.9.9",
        metrics_exposition=rig.metrics.exposition, metrics_auth=True,
    )  # fmt: skip
    with asgi_client(app) as client:
        refused = client.get("/metrics")
        allowed = client.get("/metrics", headers={"Authorization": "Bearer secret"})
    assert refused.status_code == 401
    assert allowed.status_code == 200
    assert "stoker_build_info" in allowed.text


@pytest.mark.parametrize("auth", [False, True])
def test_the_metrics_only_app_serves_nothing_else(rig: Rig, auth: bool) -> None:
    api = ApiSettings(tokens=[SecretStr("secret")])
    app = create_metrics_app(rig.metrics.exposition, api, auth=auth, host="127.0.0.1", port=8421)
    with asgi_client(app) as client:
        scraped = client.get("/metrics")
        token = {"Authorization": "Bearer secret"}
        assert client.get("/jobs", headers=token).status_code == 404
        assert client.get("/docs", headers=token).status_code == 404
    assert scraped.status_code == (401 if auth else 200)


def test_metrics_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="metrics\\.port = 8421 is the API's port"):
        load_settings(metrics={"port": 8421})
    with pytest.raises(ConfigError, match="require_auth = true needs at least one bearer"):
        load_settings(metrics={"require_auth": True})
    with pytest.raises(ConfigError, match="spark_refresh_seconds"):
        load_settings(metrics={"spark_refresh_seconds": 0})
    assert load_settings(metrics={"port": 9100}).metrics.port == 9100
