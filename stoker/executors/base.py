"""The executor port: start a claimed run, stop it, learn how it ended."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from stoker.domain.jobs import ExecutorKind, SparkResources
from stoker.domain.runs import Exit
from stoker.domain.sparkmetrics import SparkSample

#: Receives a run's Spark figures: (run_id, job_name, sample). Executors call it on the
#: event loop for every sample a driver took, the run's last one with ``final=True``
#: (which may arrive after the run's handle has reported how it ended).
SampleSink = Callable[[str, str, SparkSample], None]


@dataclass(frozen=True)
class RunSpec:
    """Everything an executor needs to run one attempt; built by the run service."""

    run_id: str
    job_name: str
    attempt: int
    kind: ExecutorKind
    script_location: str
    #: Resolved arguments, keys written '--name' (job defaults ← run ← non-overridable).
    arguments: dict[str, str]
    stdout_path: Path
    stderr_path: Path
    resources: SparkResources = field(default_factory=SparkResources)
    spark_conf: dict[str, str] = field(default_factory=dict)
    #: Set in the script's process while it runs (the run's AWS credentials): never on a
    #: command line, never shown.
    env: dict[str, str] = field(default_factory=dict, repr=False)
    #: Set on the run's Hadoop configuration while it runs (its role's filesystem keys),
    #: restored after: never on a command line, never shown.
    hadoop_conf: dict[str, str] = field(default_factory=dict, repr=False)


class RunHandle(Protocol):
    """A started attempt. ``wait`` returns once, when the attempt has ended."""

    @property
    def run_id(self) -> str: ...

    async def wait(self) -> Exit:
        """How the attempt ended: SUCCEEDED, FAILED (script's error), STOPPED, or LOST."""
        ...

    async def stop(self) -> None:
        """Ask the attempt to end now; returns at once. ``wait`` then reports STOPPED
        (or the script's own end if it finished first). Escalates to killing the
        process on its own if the script does not yield within the grace period."""
        ...


class Executor(Protocol):
    """Starts attempts of one kind (warm pool, isolated spark-submit, Python shell)."""

    async def start(self, spec: RunSpec) -> RunHandle:
        """Wait for capacity (e.g. an idle warm driver), hand the run over and return
        once the script has been launched. Raises ExecutorError if it cannot."""
        ...

    async def aclose(self) -> None:
        """Stop every process this executor owns."""
        ...
