"""`stoker runs metrics --chart`: a PNG with the five panels of Glue's Metrics tab.

matplotlib is imported inside ``render_chart`` only, so other commands start fast.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from stoker.cli.metrics_view import size

Json = dict[str, Any]


def check_chart_path(path: Path) -> str | None:
    """Why ``path`` cannot take the chart, or None if it can."""
    if path.suffix.lower() != ".png":
        return f"{path}: the chart is a PNG; give a file name ending in .png"
    parent = path.parent
    if not parent.is_dir():
        return f"{path}: directory {parent} does not exist"
    if path.is_dir():
        return f"{path}: is a directory"
    return None


def _per_executor(samples: list[Json], key: str) -> dict[str, list[float]]:
    """One series per executor id (percent), NaN where a sample lacks the executor/value."""
    ids = sorted({e["executor_id"] for s in samples for e in s["executors"]},
                 key=lambda i: (i != "driver", i))  # fmt: skip
    series: dict[str, list[float]] = {}
    for executor_id in ids:
        values = []
        for s in samples:
            found = next((e for e in s["executors"] if e["executor_id"] == executor_id), None)
            value = None if found is None else found.get(key)
            values.append(float("nan") if value is None else value * 100)
        name = executor_id if executor_id == "driver" else f"executor {executor_id}"
        series[name] = values
    return series


def _local(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone().replace(tzinfo=None)


def render_chart(history: Json, path: Path) -> None:
    """Write the chart of ``history`` (the API's JSON, at least one sample) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # no display; also keeps pyplot (never imported here) headless
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    samples = history["samples"]
    # Naive local times: matplotlib would draw aware ones in its own zone (UTC).
    times = [_local(s["sampled_at"]) for s in samples]
    fig = Figure(figsize=(10, 14), layout="constrained")
    axes = fig.subplots(5, 1, sharex=True)
    fig.suptitle(f"{history['job_name']} — {history['run_id']}")
    bytes_axis = FuncFormatter(lambda value, _pos: size(max(value, 0)))

    def lines(ax: Any, title: str, series: dict[str, list[float]], unit: str) -> None:
        for label, values in series.items():
            ax.plot(times, values, label=label, marker="." if len(times) < 30 else None)
        ax.set_title(title, loc="left")
        ax.set_ylabel(unit)
        ax.grid(True, alpha=0.3)
        if series:
            ax.legend(loc="upper left", fontsize="small")

    def column(key: str) -> list[float]:
        return [float(s[key]) for s in samples]

    lines(axes[0], "ETL data movement", {"bytes read": column("bytes_read"),
          "bytes written": column("bytes_written")}, "bytes")  # fmt: skip
    lines(axes[1], "Memory profile (heap used)", _per_executor(samples, "heap_usage"), "%")
    lines(axes[2], "Data shuffle across executors", {
        "shuffle bytes read": column("shuffle_bytes_read"),
        "shuffle bytes written": column("shuffle_bytes_written")}, "bytes")  # fmt: skip
    lines(axes[3], "CPU load", _per_executor(samples, "cpu_load"), "%")
    lines(axes[4], "Job execution", {
        "active executors": column("active_executors"),
        "completed stages": column("completed_stages"),
        "max needed executors": column("max_needed_executors")}, "count")  # fmt: skip
    for ax in (axes[0], axes[2]):
        ax.yaxis.set_major_formatter(bytes_axis)
    for index, ax in enumerate(axes):
        # Counts and bytes from zero, and at least 1 KiB / 1 high: a narrow automatic range
        # (or an all-zero series) labels every tick alike.
        highest = ax.dataLim.y1 if ax.has_data() else 0.0
        floor = 1024.0 if index in (0, 2) else 1.0
        ax.set_ylim(bottom=0, top=max(floor, highest * 1.1))
    if len(times) == 1:
        # A run shorter than the sampling interval has only its final sample; without a
        # range matplotlib spans years around it.
        axes[4].set_xlim(times[0] - timedelta(seconds=30), times[0] + timedelta(seconds=30))
    axes[4].xaxis.set_major_formatter(DateFormatter("%H:%M:%S"))  # type: ignore[no-untyped-call]
    axes[4].set_xlabel("time (local)")
    fig.savefig(path, format="png", dpi=100)
