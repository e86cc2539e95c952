"""Metric families labelled by job or trigger, rendered straight to the text format.

With 1,000 jobs the per-job families hold ~40,000 samples. prometheus-client builds a
Sample tuple per sample on every scrape and formats each label on the way out: 250 ms a
scrape on this machine, measured (bench/metrics.py), against a 100 ms target. These
families keep plain numbers per label set and a pre-rendered prefix per line, so a scrape
is string joins. They also yield ordinary prometheus-client families (``collect``), so
the registry and its helpers (``get_sample_value``) see them like any other metric.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from typing import Literal

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

Kind = Literal["counter", "gauge", "histogram"]


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(names: Sequence[str], values: Sequence[str]) -> str:
    return ",".join(f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True))


def format_value(value: float) -> str:
    """Go's float formatting, as Prometheus writes it (1.0, 2.5e-05, +Inf)."""
    if value == math.inf:
        return "+Inf"
    if value == -math.inf:
        return "-Inf"
    if math.isnan(value):
        return "NaN"
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value)}.0"
    return repr(value)


class _Child:
    """One label set: its value(s) and its rendered line prefixes."""

    __slots__ = ("_family", "buckets", "prefixes", "sum", "value")

    def __init__(self, family: LabelledFamily, values: tuple[str, ...]) -> None:
        self._family = family
        self.value = 0.0
        self.sum = 0.0
        self.buckets = [0] * len(family.bounds)
        labels = _labels(family.labelnames, values)
        name = family.sample_name
        if family.kind == "histogram":
            sep = "," if labels else ""
            self.prefixes = [
                f'{name}_bucket{{{labels}{sep}le="{format_value(b)}"}} ' for b in family.bounds
            ]
            self.prefixes += [f"{name}_count{{{labels}}} ", f"{name}_sum{{{labels}}} "]
        else:
            self.prefixes = [f"{name}{{{labels}}} "]

    def inc(self, amount: float = 1.0) -> None:
        with self._family.lock:
            self.value += amount

    def dec(self, amount: float = 1.0) -> None:
        self.inc(-amount)

    def set(self, value: float) -> None:
        with self._family.lock:
            self.value = value

    def observe(self, amount: float) -> None:
        bounds = self._family.bounds
        with self._family.lock:
            self.sum += amount
            self.value += 1  # the count
            for i, bound in enumerate(bounds):
                if amount <= bound:
                    self.buckets[i] += 1
                    break


class LabelledFamily(Collector):
    """A counter, gauge or histogram with labels; the API subset stoker uses of
    prometheus-client's (``labels(...).inc/set/observe``, ``remove``, ``clear``)."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        kind: Kind,
        buckets: Sequence[float] = (),
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.kind = kind
        self.sample_name = f"{name}_total" if kind == "counter" else name
        self.bounds = (*sorted(float(b) for b in buckets), math.inf) if kind == "histogram" else ()
        self.lock = threading.Lock()
        self._children: dict[tuple[str, ...], _Child] = {}
        type_ = "counter" if kind == "counter" else kind
        self._header = (
            f"# HELP {self.sample_name} {documentation}\n# TYPE {self.sample_name} {type_}\n"
        )

    def labels(self, *values: str) -> _Child:
        child = self._children.get(values)
        if child is None:
            if len(values) != len(self.labelnames):
                raise ValueError(f"{self.name} takes labels {self.labelnames}, got {values}")
            with self.lock:
                child = self._children.setdefault(values, _Child(self, values))
        return child

    def remove(self, *values: str) -> None:
        with self.lock:
            self._children.pop(values, None)

    def clear(self) -> None:
        with self.lock:
            self._children.clear()

    def render(self, out: list[str]) -> None:
        """Append this family in the text exposition format."""
        out.append(self._header)
        with self.lock:
            children = list(self._children.values())
            if self.kind != "histogram":
                out.extend(c.prefixes[0] + format_value(c.value) + "\n" for c in children)
                return
            for child in children:
                cumulative = 0
                for prefix, count in zip(child.prefixes, child.buckets, strict=False):
                    cumulative += count
                    out.append(f"{prefix}{cumulative}.0\n")
                out.append(f"{child.prefixes[-2]}{format_value(child.value)}\n")
                out.append(f"{child.prefixes[-1]}{format_value(child.sum)}\n")

    def collect(self) -> Iterator[Metric]:
        family: CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily
        names = list(self.labelnames)
        with self.lock:
            items = [(k, c.value, c.sum, list(c.buckets)) for k, c in self._children.items()]
        if self.kind == "counter":
            family = CounterMetricFamily(self.name, self.documentation, labels=names)
            for key, value, _, _ in items:
                family.add_metric(list(key), value)
        elif self.kind == "gauge":
            family = GaugeMetricFamily(self.name, self.documentation, labels=names)
            for key, value, _, _ in items:
                family.add_metric(list(key), value)
        else:
            family = HistogramMetricFamily(self.name, self.documentation, labels=names)
            for key, _, total, counts in items:
                cumulative, buckets = 0, []
                for bound, count in zip(self.bounds, counts, strict=True):
                    cumulative += count
                    buckets.append((format_value(bound), float(cumulative)))
                family.add_metric(list(key), buckets, total)
        yield family

    def describe(self) -> Iterator[Metric]:
        return iter(())
