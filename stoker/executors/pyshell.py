"""Python shell executor: a plain Python process per run, no Spark (Glue's pythonshell)."""

from __future__ import annotations

import sys

from stoker.executors.base import RunSpec
from stoker.executors.lineage import Lineage
from stoker.executors.logs import launch_path
from stoker.executors.process import (
    ENTRY_MODULE,
    HandleSet,
    ProcessRunHandle,
    entry_launch,
    launch,
)


class PythonShellExecutor:
    """Executor for ``ExecutorKind.PYSHELL``; stop = SIGTERM, SIGKILL after the grace.
    The run's arguments reach the entry in its private launch file."""

    def __init__(
        self,
        python: str = sys.executable,
        stop_grace_seconds: float = 10.0,
        *,
        lineage: Lineage | None = None,
    ) -> None:
        self._python = python
        self._grace = stop_grace_seconds
        self._lineage = lineage
        self._handles = HandleSet()

    def command(self, spec: RunSpec) -> list[str]:
        return [self._python, "-m", ENTRY_MODULE, "--launch", str(launch_path(spec))]

    async def start(self, spec: RunSpec) -> ProcessRunHandle:
        entry = entry_launch(spec, spark=False)
        handle = await launch(
            spec, self.command(spec), entry,
            python=self._python, grace=self._grace, lineage=self._lineage,
        )  # fmt: skip
        return self._handles.add(handle)

    async def aclose(self) -> None:
        await self._handles.close()
