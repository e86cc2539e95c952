"""Scheduler and events metrics: the triggers' observer, delay notifications, outbox age and
consumer lag, each fed by fakes (no store, no Kafka, no services)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from stoker.bus import Bus
from stoker.domain.inbound import BatchCondition
from stoker.domain.triggers import Action, CatchUp, Trigger, TriggerState, TriggerType
from stoker.metrics.collector import TriggerMetrics, install
from stoker.metrics.registry import Metrics
from stoker.runs.service import RunService
from stoker.triggers.batching import BatchWindows
from stoker.triggers.event import EventConsumer
from stoker.triggers.service import TriggerService
from tests.unit.metrics.test_metrics import T0, make_run

Fn = Callable[..., Any]


async def io(fn: Fn, *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def synchronous(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on its own event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics("1.0")


# -- the observer itself ---------------------------------------------------------------


def test_observer_counts_fires_by_trigger_and_type_and_times_scheduled_lag(
    metrics: Metrics,
) -> None:
    seen = TriggerMetrics(metrics)
    seen.fired("nightly", TriggerType.SCHEDULED, 0.3)
    seen.fired("nightly", TriggerType.SCHEDULED, 2.0)
    seen.fired("adhoc", TriggerType.ON_DEMAND, None)
    assert value(metrics, "stoker_trigger_fires_total", trigger="nightly", type="SCHEDULED") == 2
    assert value(metrics, "stoker_trigger_fires_total", trigger="adhoc", type="ON_DEMAND") == 1
    assert value(metrics, "stoker_trigger_fire_lag_seconds_count", type="SCHEDULED") == 2
    assert value(metrics, "stoker_trigger_fire_lag_seconds_sum", type="SCHEDULED") == 2.3
    assert value(metrics, "stoker_trigger_fire_lag_seconds_bucket", type="SCHEDULED",
                 le="0.5") == 1  # fmt: skip
    # Without a schedule there is no lag: the histogram is not observed for ON_DEMAND.
    assert value(metrics, "stoker_trigger_fire_lag_seconds_count", type="ON_DEMAND") is None


def test_observer_counts_missed_fires_evaluations_and_delays(metrics: Metrics) -> None:
    seen = TriggerMetrics(metrics)
    seen.missed("nightly", 3)
    seen.missed("nightly", 0)
    seen.evaluated()
    seen.evaluated()
    seen.delayed(make_run("orders_etl"))
    assert value(metrics, "stoker_trigger_missed_fires_total", trigger="nightly") == 3
    assert value(metrics, "stoker_conditional_evaluations_total") == 2
    assert value(metrics, "stoker_run_delayed_total", job="orders_etl") == 1


# -- the trigger service reports to it ----------------------------------------------------


@dataclass
class Observer:
    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def fired(self, trigger: str, type_: TriggerType, lag_seconds: float | None) -> None:
        self.calls.append(("fired", trigger, type_, lag_seconds))

    def missed(self, trigger: str, count: int) -> None:
        self.calls.append(("missed", trigger, count))

    def evaluated(self) -> None:
        self.calls.append(("evaluated",))


@dataclass
class FakeFiring:
    """Fires recorded ``delay`` after their scheduled time; ``done`` keys already fired."""

    delay: timedelta = timedelta(seconds=1.5)
    done: set[str] = field(default_factory=set)
    observer: Observer = field(default_factory=Observer)

    def fire_many(self, due: list[tuple[str, str, datetime]]) -> list[tuple[str, Any]]:
        return [(name, self.fire(name, key, when)) for name, key, when in due]

    def fire(self, name: str, key: str, when: datetime | None = None) -> Any:
        if key in self.done:
            return None
        self.done.add(key)
        return [replace(make_run(), started_on=(when or T0) + self.delay)]


@dataclass
class FakeTriggerStore:
    trigger: Trigger | None = None
    missed: list[tuple[str, int]] = field(default_factory=list)

    def add_missed(self, name: str, count: int) -> None:
        self.missed.append((name, count))

    def get(self, name: str) -> Trigger:
        assert self.trigger is not None
        return self.trigger


class FakeRuns:
    async def adopt(self, runs: Any) -> None:
        pass


def service(firing: FakeFiring, store: FakeTriggerStore, now: datetime = T0) -> TriggerService:
    return TriggerService(
        store=store,
        firing=firing,
        runs=FakeRuns(),
        io=io,
        clock=lambda: now,  # type: ignore[arg-type]
    )


def trigger(kind: TriggerType, **kw: Any) -> Trigger:
    return Trigger(name="t", type=kind, actions=(Action("orders_etl"),), **kw)


@synchronous
async def test_scheduled_fire_reports_its_lag_and_missed_fires_of_the_pass() -> None:
    firing, store = FakeFiring(), FakeTriggerStore()
    svc = service(firing, store)
    due = T0 + timedelta(minutes=5)
    await svc._on_schedule("nightly", [T0, due])
    assert firing.observer.calls == [
        ("missed", "nightly", 1),
        ("fired", "nightly", TriggerType.SCHEDULED, 1.5),
    ]
    await svc._on_schedule("nightly", [due])  # the same key again: no fire, nothing counted
    assert len(firing.observer.calls) == 2


@synchronous
async def test_on_demand_start_reports_a_fire_without_lag() -> None:
    firing = FakeFiring()
    svc = service(firing, FakeTriggerStore(trigger(TriggerType.ON_DEMAND)))
    await svc.start_trigger("t")
    assert firing.observer.calls == [("fired", "t", TriggerType.ON_DEMAND, None)]


@synchronous
async def test_catch_up_reports_missed_fires_and_the_one_catch_up_fire() -> None:
    firing, store = FakeFiring(), FakeTriggerStore()
    svc = service(firing, store, now=T0 + timedelta(hours=3, minutes=30))
    late = trigger(TriggerType.SCHEDULED, schedule="cron(0 * * * ? *)", catch_up=CatchUp.ONCE,
                   state=TriggerState.ACTIVATED, last_fire_time=T0)  # fmt: skip
    await svc._catch_up(late)
    assert store.missed == [("t", 3)]
    assert firing.observer.calls == [
        ("missed", "t", 3),
        ("fired", "t", TriggerType.SCHEDULED, None),
    ]


@synchronous
async def test_event_batch_fire_reports_an_event_fire() -> None:
    observer = Observer()
    fired = SimpleNamespace(event_ids=("e1",), run_ids=("r1",), runs=())
    batches = SimpleNamespace(fire_batch=lambda name, reason, now: fired)
    windows = BatchWindows(
        batches=batches, runs=FakeRuns(), io=io, clock=lambda: T0,  # type: ignore[arg-type]
        active=dict, observer=observer,
    )  # fmt: skip
    assert await windows._fire("t", BatchCondition.BATCH_SIZE)
    assert observer.calls == [("fired", "t", TriggerType.EVENT, None)]


# -- delay notifications -------------------------------------------------------------------


@synchronous
async def test_a_delay_notification_is_reported_once_written(tmp_path: Path) -> None:
    late = make_run("orders_etl")
    written = {late.id: late}
    store = SimpleNamespace(notify_delay=lambda run_id, now: written.pop(run_id, None))
    told: list[str] = []
    runs = RunService(
        runs=store, jobs=None, executors={}, bus=Bus(), io=io,  # type: ignore[arg-type]
        logs_dir=tmp_path, clock=lambda: T0, on_delayed=lambda run: told.append(run.job_name),
    )  # fmt: skip
    await runs._delays._notify(late.id)
    await runs._delays._notify(late.id)  # already notified: the store returns None
    assert told == ["orders_etl"]


# -- read at scrape time ------------------------------------------------------------------


@dataclass
class Outbox:
    oldest: datetime | None = None

    def oldest_pending_created_on(self) -> datetime | None:
        return self.oldest


@dataclass
class Consumer:
    dead_lettered: int = 0
    lag: dict[str, int] = field(default_factory=dict)


def test_outbox_oldest_pending_age_is_read_at_scrape_time(metrics: Metrics) -> None:
    outbox = Outbox()
    now = T0 + timedelta(seconds=90)
    install(metrics, Bus(), outbox=outbox, clock=lambda: now)
    assert value(metrics, "stoker_outbox_oldest_pending_age_seconds") == 0
    outbox.oldest = T0
    assert value(metrics, "stoker_outbox_oldest_pending_age_seconds") == 90


def test_consumer_lag_by_topic_is_read_at_scrape_time(metrics: Metrics) -> None:
    consumer = Consumer(lag={"orders": 5, "clicks": 0})
    install(metrics, Bus(), consumer=consumer)
    assert value(metrics, "stoker_consumer_lag", topic="orders") == 5
    assert value(metrics, "stoker_consumer_lag", topic="clicks") == 0


def test_without_them_the_outbox_age_and_lag_are_left_out(metrics: Metrics) -> None:
    install(metrics, Bus())
    assert value(metrics, "stoker_outbox_oldest_pending_age_seconds") is None
    assert value(metrics, "stoker_consumer_lag", topic="orders") is None


@dataclass(frozen=True)
class TP:
    topic: str
    partition: int


class KafkaConsumer:
    """kafka-python's lag inputs: assignment, high watermarks from fetches, positions."""

    def __init__(self, high: dict[TP, int | None], position: dict[TP, int]) -> None:
        self._high, self._position = high, position

    def assignment(self) -> set[TP]:
        return set(self._high)

    def highwater(self, tp: TP) -> int | None:
        return self._high[tp]

    def position(self, tp: TP) -> int:
        return self._position[tp]


def consumer() -> EventConsumer:
    return EventConsumer(
        kafka=None,
        batches=None,
        triggers=None,
        clock=lambda: T0,  # type: ignore[arg-type]
        consumer_factory=_unused,
        producer_factory=_unused,
    )


def _unused(*args: object, **kwargs: object) -> None:
    raise AssertionError("these tests never open a Kafka client")


def test_the_consumer_measures_lag_per_topic_from_its_fetch_metadata() -> None:
    events = consumer()
    a0, a1, b0, c0 = TP("a", 0), TP("a", 1), TP("b", 0), TP("c", 0)
    events._measure_lag(KafkaConsumer({a0: 10, a1: 7, b0: 3, c0: None},
                                      {a0: 4, a1: 7, b0: 3, c0: 0}))  # fmt: skip
    assert events.lag == {"a": 6, "b": 0}  # c: no fetch yet, no figure


def test_a_lag_failure_keeps_the_last_figure_and_the_consumer() -> None:
    events = consumer()
    events.lag = {"a": 2}
    events._measure_lag(SimpleNamespace())  # no assignment(): kafka-python changed
    assert events.lag == {"a": 2}
