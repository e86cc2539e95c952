"""Every metric of the daemon, defined once, on a registry owned by one daemon (no globals).

Names are a contract (dashboards and alert rules use them). Labels are job, state and the
like, never a run id: a run id per series would grow without bound.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from stoker.metrics.families import Kind, LabelledFamily

#: Seconds; from sub-second pyshell runs to Glue's 48 h default timeout.
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 172800)
#: Seconds from a run's creation to RUNNING: queueing plus the executor's start.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
#: Seconds a scheduled fire was recorded after its scheduled time.
FIRE_LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

# Read at scrape time from the components (see collector.ComponentsCollector).
POOL_DRIVERS = ("stoker_pool_drivers", "Warm pool drivers by state (idle, busy, starting).")
POOL_SIZE = ("stoker_pool_size", "Configured number of warm pool drivers.")
POOL_RECYCLED = ("stoker_pool_drivers_recycled", "Warm drivers retired and replaced by policy.")
POOL_REPLACED = ("stoker_pool_drivers_replaced", "Warm drivers replaced after dying.")
POOL_HEALTHY = (
    "stoker_pool_healthy",
    "1 when the warm pool can start its drivers (ok, starting or disabled), 0 when degraded "
    "or failing (see /health pool.last_failure).",
)
POOL_START_FAILURES = (
    "stoker_pool_driver_start_failures",
    "Warm driver starts that failed in a row (0 once a driver becomes warm).",
)
OUTBOX_PENDING = ("stoker_outbox_pending", "Outbox events not yet published to Kafka.")
EVENTS_PUBLISHED = ("stoker_events_published", "Events published to Kafka from the outbox.")
EVENTS_PUBLISH_ERRORS = ("stoker_events_publish_errors", "Failed attempts to publish events.")
EVENTS_DEAD_LETTERED = ("stoker_events_dead_lettered", "Incoming events set aside as unusable.")
OUTBOX_OLDEST_AGE = (
    "stoker_outbox_oldest_pending_age_seconds",
    "Age of the oldest outbox event not yet published (0 when none is pending).",
)
TASK_CRASHES = (
    "stoker_task_crashes",
    "Background tasks of the daemon that raised, by task (see docs/architecture.md).",
)
CONSUMER_LAG = (
    "stoker_consumer_lag",
    "Messages of EVENT trigger topics not yet consumed (high watermark minus position).",
)


class _Standard(Collector):
    """Everything prometheus-client renders itself, inside the combined registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


class Metrics:
    """The daemon's metrics.

    ``registry`` holds every metric (what tests and ``get_sample_value`` read);
    ``exposition()`` renders the same for /metrics, the per-job families on the fast path
    (see families.py). Collectors are added with ``register``.
    """

    def __init__(self, version: str) -> None:
        self._standard = CollectorRegistry()
        self._families: list[LabelledFamily] = []
        self.registry = CollectorRegistry()
        self.registry.register(_Standard(self._standard))
        r = self._standard
        self.runs_started = self.family(
            "stoker_runs_started", "Runs that reached RUNNING.", ["job"], "counter"
        )
        self.runs_finished = self.family(
            "stoker_runs_finished", "Runs that ended, by end state.", ["job", "state"], "counter"
        )
        self.run_duration = self.family(
            "stoker_run_duration_seconds", "Time from RUNNING to the end state.", ["job"],
            "histogram", DURATION_BUCKETS,
        )  # fmt: skip
        self.dispatch_latency = self.family(
            "stoker_dispatch_latency_seconds", "Time from a run's creation to RUNNING.", ["job"],
            "histogram", LATENCY_BUCKETS,
        )  # fmt: skip
        self.runs = self.family(
            "stoker_runs", "Runs currently in each live state.", ["job", "state"], "gauge"
        )
        self.queue_depth = self.family(
            "stoker_queue_depth", "Runs WAITING for a concurrency slot.", ["job"], "gauge"
        )
        self.run_delayed = self.family(
            "stoker_run_delayed", "Delay notifications: runs still going after "
            "notify_delay_after.", ["job"], "counter",
        )  # fmt: skip
        # Scheduler (fed by collector.TriggerMetrics, the triggers' observer).
        self.trigger_fires = self.family(
            "stoker_trigger_fires", "Trigger fires that started runs, by trigger and type.",
            ["trigger", "type"], "counter",
        )  # fmt: skip
        self.trigger_fire_lag = Histogram(
            "stoker_trigger_fire_lag_seconds",
            "Scheduled fires only: recorded time minus scheduled time (other types have no "
            "schedule to lag behind and are not observed).",
            ["type"], buckets=FIRE_LAG_BUCKETS, registry=r,
        )  # fmt: skip
        self.trigger_missed_fires = self.family(
            "stoker_trigger_missed_fires", "Scheduled fires missed (daemon down or overrun).",
            ["trigger"], "counter",
        )  # fmt: skip
        self.conditional_evaluations = Counter(
            "stoker_conditional_evaluations",
            "Run completions evaluated by conditional triggers (once per trigger and run).",
            registry=r,
        )
        self.definitions_unloadable = Counter(
            "stoker_definitions_unloadable",
            "Stored definitions the daemon could not load at start and skipped, by kind "
            "(job, trigger); each shows its load_error in the API.",
            ["kind"], registry=r,
        )  # fmt: skip
        self.cluster_leases_held = Gauge(
            "stoker_cluster_leases_held",
            "Cluster leases this daemon holds now (1: it does the singleton work, "
            "docs/cluster.md; always 1 on SQLite).",
            registry=r,
        )
        self.build_info = Info("stoker_build", "The daemon's version.", registry=r)
        self.build_info.info({"version": version})

    def family(
        self,
        name: str,
        documentation: str,
        labelnames: list[str],
        kind: Kind,
        buckets: tuple[float, ...] = (),
    ) -> LabelledFamily:
        """A per-job (or per-trigger) family on the fast rendering path."""
        family = LabelledFamily(name, documentation, labelnames, kind, buckets)
        self._families.append(family)
        self.registry.register(family)
        return family

    def register(self, collector: Collector) -> None:
        """Add a scrape-time collector (rendered by prometheus-client)."""
        self._standard.register(collector)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format (version 0.0.4)."""
        out = [generate_latest(self._standard).decode()]
        for family in self._families:
            family.render(out)
        return "".join(out).encode()
