"""Every metric of the daemon, defined once, on a registry owned by one daemon (no globals).

Names are a contract (dashboards and alert rules use them). Labels are job, state and the
like, never a run id: a run id per series would grow without bound.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

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
OUTBOX_PENDING = ("stoker_outbox_pending", "Outbox events not yet published to Kafka.")
EVENTS_PUBLISHED = ("stoker_events_published", "Events published to Kafka from the outbox.")
EVENTS_PUBLISH_ERRORS = ("stoker_events_publish_errors", "Failed attempts to publish events.")
EVENTS_DEAD_LETTERED = ("stoker_events_dead_lettered", "Incoming events set aside as unusable.")
OUTBOX_OLDEST_AGE = (
    "stoker_outbox_oldest_pending_age_seconds",
    "Age of the oldest outbox event not yet published (0 when none is pending).",
)
CONSUMER_LAG = (
    "stoker_consumer_lag",
    "Messages of EVENT trigger topics not yet consumed (high watermark minus position).",
)


class Metrics:
    """The daemon's metrics on ``registry`` (a fresh one by default)."""

    def __init__(self, version: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.runs_started = Counter(
            "stoker_runs_started", "Runs that reached RUNNING.", ["job"], registry=r
        )
        self.runs_finished = Counter(
            "stoker_runs_finished", "Runs that ended, by end state.", ["job", "state"], registry=r
        )
        self.run_duration = Histogram(
            "stoker_run_duration_seconds", "Time from RUNNING to the end state.", ["job"],
            buckets=DURATION_BUCKETS, registry=r,
        )  # fmt: skip
        self.dispatch_latency = Histogram(
            "stoker_dispatch_latency_seconds", "Time from a run's creation to RUNNING.", ["job"],
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.runs = Gauge(
            "stoker_runs", "Runs currently in each live state.", ["job", "state"], registry=r
        )
        self.queue_depth = Gauge(
            "stoker_queue_depth", "Runs WAITING for a concurrency slot.", ["job"], registry=r
        )
        self.run_delayed = Counter(
            "stoker_run_delayed", "Delay notifications: runs still going after "
            "notify_delay_after.", ["job"], registry=r,
        )  # fmt: skip
        # Scheduler (fed by collector.TriggerMetrics, the triggers' observer).
        self.trigger_fires = Counter(
            "stoker_trigger_fires", "Trigger fires that started runs, by trigger and type.",
            ["trigger", "type"], registry=r,
        )  # fmt: skip
        self.trigger_fire_lag = Histogram(
            "stoker_trigger_fire_lag_seconds",
            "Scheduled fires only: recorded time minus scheduled time (other types have no "
            "schedule to lag behind and are not observed).",
            ["type"], buckets=FIRE_LAG_BUCKETS, registry=r,
        )  # fmt: skip
        self.trigger_missed_fires = Counter(
            "stoker_trigger_missed_fires", "Scheduled fires missed (daemon down or overrun).",
            ["trigger"], registry=r,
        )  # fmt: skip
        self.conditional_evaluations = Counter(
            "stoker_conditional_evaluations",
            "Run completions evaluated by conditional triggers (once per trigger and run).",
            registry=r,
        )
        self.build_info = Info("stoker_build", "The daemon's version.", registry=r)
        self.build_info.info({"version": version})
