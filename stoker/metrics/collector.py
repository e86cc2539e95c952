"""Feeding the metrics: a run-event listener on the bus, and a scrape-time collector.

The core never calls these (STYLE rule 9): ``RunMetrics`` subscribes to ``RunChanged`` and
``ComponentsCollector`` reads the components' own counters when Prometheus scrapes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from stoker.bus import Bus, RunChanged
from stoker.domain.runs import JobRun
from stoker.domain.states import RunState
from stoker.domain.triggers import TriggerType
from stoker.executors.pool.health import PoolHealth
from stoker.metrics import registry as names
from stoker.metrics.registry import Metrics

#: Finished run ids remembered so that a repeated terminal event is not counted twice.
_RECENT_FINISHED = 4096


class RunMetrics:
    """Run counters, histograms and live-state gauges, maintained from run events."""

    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics
        self._live: dict[str, tuple[str, RunState]] = {}  # run id → (job, state)
        self._finished: OrderedDict[str, None] = OrderedDict()

    def subscribe(self, bus: Bus) -> Callable[[], None]:
        return bus.subscribe(self.on_run_changed)

    def seed(self, live_runs: Iterable[JobRun]) -> None:
        """(Re)build the live-state gauges from the store's live runs (at start)."""
        self._live = {r.id: (r.job_name, r.state) for r in live_runs if r.state.live}
        self._m.runs.clear()
        self._m.queue_depth.clear()
        for job, state in self._live.values():
            self._gauge(job, state, +1)

    def on_run_changed(self, event: RunChanged) -> None:
        run = event.run
        if run.id in self._finished:
            return
        previous = self._live.get(run.id)
        if previous is not None and previous[1] is run.state:
            return
        if previous is not None:
            self._gauge(previous[0], previous[1], -1)
        if run.state.live:
            self._live[run.id] = (run.job_name, run.state)
            self._gauge(run.job_name, run.state, +1)
        else:
            self._live.pop(run.id, None)
            self._remember_finished(run.id)
        job = run.job_name
        if run.state is RunState.RUNNING:
            self._m.runs_started.labels(job).inc()
            if run.running_on is not None:
                latency = (run.running_on - run.started_on).total_seconds()
                self._m.dispatch_latency.labels(job).observe(max(0.0, latency))
        elif run.state.terminal:
            self._m.runs_finished.labels(job, run.state.value).inc()
            if run.running_on is not None and run.completed_on is not None:
                duration = (run.completed_on - run.running_on).total_seconds()
                self._m.run_duration.labels(job).observe(max(0.0, duration))

    def _gauge(self, job: str, state: RunState, delta: int) -> None:
        self._m.runs.labels(job, state.value).inc(delta)
        # A job's queue depth exists from its first run on: an empty queue reads 0, not absent.
        depth = self._m.queue_depth.labels(job)
        if state is RunState.WAITING:
            depth.inc(delta)

    def _remember_finished(self, run_id: str) -> None:
        self._finished[run_id] = None
        if len(self._finished) > _RECENT_FINISHED:
            self._finished.popitem(last=False)


class TriggerMetrics:
    """The triggers' observer (stoker.store.firing.TriggerObserver) and the runs' delay
    callback, passed in by the daemon. Safe from any thread (prometheus-client locks)."""

    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics

    def fired(self, trigger: str, type_: TriggerType, lag_seconds: float | None) -> None:
        self._m.trigger_fires.labels(trigger, type_.value).inc()
        if lag_seconds is not None:
            self._m.trigger_fire_lag.labels(type_.value).observe(max(0.0, lag_seconds))

    def missed(self, trigger: str, count: int) -> None:
        if count > 0:
            self._m.trigger_missed_fires.labels(trigger).inc(count)

    def evaluated(self) -> None:
        self._m.conditional_evaluations.inc()

    def delayed(self, run: JobRun) -> None:
        self._m.run_delayed.labels(run.job_name).inc()


class PoolStats(Protocol):
    """What the warm pool exposes (stoker.executors.pool.supervisor.WarmPool)."""

    @property
    def size(self) -> int: ...
    @property
    def idle(self) -> int: ...
    @property
    def busy(self) -> int: ...
    @property
    def starting(self) -> int: ...
    @property
    def recycled_total(self) -> int: ...
    @property
    def replaced_total(self) -> int: ...
    def health(self) -> PoolHealth: ...


class RelayStats(Protocol):
    """What the outbox relay exposes (stoker.notifications.relay.OutboxRelay)."""

    @property
    def pending(self) -> int: ...
    @property
    def published_total(self) -> int: ...
    @property
    def publish_errors_total(self) -> int: ...


class ConsumerStats(Protocol):
    """What the event consumer exposes (stoker.triggers.event.EventConsumer)."""

    @property
    def dead_lettered(self) -> int: ...
    @property
    def lag(self) -> Mapping[str, int]: ...


class TaskStats(Protocol):
    """The daemon's supervisor (stoker.daemon.supervisor.Supervisor)."""

    @property
    def crashes(self) -> Mapping[str, int]:
        """Crashes since start by task name; long-lived tasks are listed from the start."""
        ...


class OutboxAge(Protocol):
    """The outbox's oldest unsent event (stoker.store.outbox.OutboxStore)."""

    def oldest_pending_created_on(self) -> datetime | None: ...


class ComponentsCollector(Collector):
    """Pool and event figures read from the components at scrape time (absent ones omitted)."""

    def __init__(
        self,
        pool: PoolStats | None = None,
        relay: RelayStats | None = None,
        consumer: ConsumerStats | None = None,
        outbox: OutboxAge | None = None,
        clock: Callable[[], datetime] | None = None,
        tasks: TaskStats | None = None,
    ) -> None:
        self._pool = pool
        self._tasks = tasks
        self._relay = relay
        self._consumer = consumer
        self._outbox = outbox
        self._clock = clock

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        if self._tasks is not None:
            crashes = CounterMetricFamily(*names.TASK_CRASHES, labels=["task"])
            for task, count in sorted(self._tasks.crashes.items()):
                crashes.add_metric([task], count)
            yield crashes
        if self._pool is not None:
            pool = self._pool
            drivers = GaugeMetricFamily(*names.POOL_DRIVERS, labels=["state"])
            for state, count in (("idle", pool.idle), ("busy", pool.busy),
                                 ("starting", pool.starting)):  # fmt: skip
                drivers.add_metric([state], count)
            yield drivers
            yield GaugeMetricFamily(*names.POOL_SIZE, value=pool.size)
            yield CounterMetricFamily(*names.POOL_RECYCLED, value=pool.recycled_total)
            yield CounterMetricFamily(*names.POOL_REPLACED, value=pool.replaced_total)
            health = pool.health()
            yield GaugeMetricFamily(*names.POOL_HEALTHY, value=int(health.healthy))
            yield GaugeMetricFamily(*names.POOL_START_FAILURES, value=health.failures)
        if self._relay is not None:
            relay = self._relay
            yield GaugeMetricFamily(*names.OUTBOX_PENDING, value=relay.pending)
            yield CounterMetricFamily(*names.EVENTS_PUBLISHED, value=relay.published_total)
            yield CounterMetricFamily(
                *names.EVENTS_PUBLISH_ERRORS, value=relay.publish_errors_total
            )
        if self._outbox is not None and self._clock is not None:
            # One indexed row, read on the scraping thread (the event loop): see
            # OutboxStore.oldest_pending_created_on.
            oldest = self._outbox.oldest_pending_created_on()
            age = 0.0 if oldest is None else (self._clock() - oldest).total_seconds()
            yield GaugeMetricFamily(*names.OUTBOX_OLDEST_AGE, value=max(0.0, age))
        if self._consumer is not None:
            yield CounterMetricFamily(
                *names.EVENTS_DEAD_LETTERED, value=self._consumer.dead_lettered
            )
            lag = GaugeMetricFamily(*names.CONSUMER_LAG, labels=["topic"])
            for topic, behind in sorted(self._consumer.lag.items()):
                lag.add_metric([topic], behind)
            yield lag


def install(
    metrics: Metrics,
    bus: Bus,
    *,
    pool: PoolStats | None = None,
    relay: RelayStats | None = None,
    consumer: ConsumerStats | None = None,
    outbox: OutboxAge | None = None,
    clock: Callable[[], datetime] | None = None,
    tasks: TaskStats | None = None,
) -> RunMetrics:
    """Subscribe the run listener to ``bus`` and register the scrape-time collector."""
    runs = RunMetrics(metrics)
    runs.subscribe(bus)
    metrics.register(ComponentsCollector(pool, relay, consumer, outbox, clock, tasks))
    return runs
