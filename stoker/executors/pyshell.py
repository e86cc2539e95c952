"""Python shell executor: a plain Python process per run, no Spark (Glue's pythonshell)."""

from __future__ import annotations

import sys

from stoker.executors.base import RunSpec
from stoker.executors.process import (
    ENTRY_MODULE,
    HandleSet,
    ProcessRunHandle,
    entry_arguments,
    launch,
)


class PythonShellExecutor:
    """Executor for ``ExecutorKind.PYSHELL``; stop = SIGTERM, SIGKILL after the grace."""

    def __init__(self, python: str = sys.executable, stop_grace_seconds: float = 10.0) -> None:
        self._python = python
        self._grace = stop_grace_seconds
        self._handles = HandleSet()

    def command(self, spec: RunSpec) -> list[str]:
        return [self._python, "-m", ENTRY_MODULE, *entry_arguments(spec, spark=False)]

    async def start(self, spec: RunSpec) -> ProcessRunHandle:
        handle = await launch(spec, self.command(spec), self._python, self._grace)
        return self._handles.add(handle)

    async def aclose(self) -> None:
        await self._handles.close()
