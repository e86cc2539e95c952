"""`stoker runs metrics` as a table: one row per stored Spark sample of a run."""

from __future__ import annotations

from typing import Any

from stoker.cli.output import local_time, table

Json = dict[str, Any]

HEADERS = [
    "TIME", "READ", "WRITTEN", "RECORDS IN", "RECORDS OUT", "SHUFFLE READ",
    "SHUFFLE WRITTEN", "STAGES", "TASKS", "FAILED", "EXECUTORS", "DRIVER HEAP", "DRIVER CPU",
]  # fmt: skip

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def size(value: float) -> str:
    """Bytes for people: 1023 B, 1.5 KiB, 20 MiB."""
    amount = float(value)
    for unit in _UNITS:
        if abs(amount) < 1024 or unit == _UNITS[-1]:
            break
        amount /= 1024
    if unit == "B":
        return f"{int(amount)} B"
    return f"{amount:.1f} {unit}" if amount < 10 else f"{amount:.0f} {unit}"


def percent(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:.0f}%"


def driver(sample: Json) -> Json:
    """The driver's JVM figures of a sample ({} when the driver did not report)."""
    found: Json = next((e for e in sample["executors"] if e["executor_id"] == "driver"), {})
    return found


def no_samples(run_id: str) -> str:
    return (
        f"run {run_id} has no metrics samples (python shell runs and runs with "
        "metrics.spark_enabled = false have none)"
    )


def render_metrics(history: Json) -> str:
    samples = history["samples"]
    if not samples:
        return no_samples(history["run_id"])
    rows = [
        [
            local_time(s["sampled_at"]) + (" (final)" if s["final"] else ""),
            size(s["bytes_read"]),
            size(s["bytes_written"]),
            str(s["records_read"]),
            str(s["records_written"]),
            size(s["shuffle_bytes_read"]),
            size(s["shuffle_bytes_written"]),
            str(s["completed_stages"]),
            str(s["completed_tasks"]),
            str(s["failed_tasks"]),
            f"{s['active_executors']}/{s['max_needed_executors']}",
            percent(driver(s).get("heap_usage")),
            percent(driver(s).get("cpu_load")),
        ]
        for s in samples
    ]
    state = "complete" if history["complete"] else "no final sample yet"
    title = f"run {history['run_id']} (job {history['job_name']}): {len(samples)} samples, {state}"
    return f"{title}\n{table(HEADERS, rows)}"
