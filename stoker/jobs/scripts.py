"""Where job scripts may live: the daemon's script store and ``daemon.script_roots``.

Checked when a job is defined, when its script is read back (GET /jobs/{name}/script) and
when a run starts, so the API can neither read nor run a file elsewhere on the machine.
Paths are compared after resolving symbolic links and ``..``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from stoker.errors import ExecutorError, InvalidInput
from stoker.executors.base import Executor, RunHandle, RunSpec

FIELD = "command.script_location"


class ScriptRoots:
    """The directories scripts may be read and run from (the script store first)."""

    def __init__(self, store: Path, configured: Iterable[Path] = ()) -> None:
        self.roots = tuple(_real(p) for p in (store, *configured))

    def allows(self, location: str) -> bool:
        try:
            path = _real(Path(location))
        except (OSError, ValueError, RuntimeError):  # embedded NUL, a symlink loop
            return False
        return any(path.is_relative_to(root) for root in self.roots)

    def check(self, location: str) -> None:
        """InvalidInput (field command.script_location) unless ``location`` is inside a
        root; whether the file exists is never told for a path outside them."""
        if not self.allows(location):
            raise InvalidInput(
                f"command.script_location {location[:300]} is outside the directories jobs "
                f"may run scripts from ({', '.join(map(str, self.roots))}); upload the "
                "script's content instead, or add its directory to daemon.script_roots",
                field=FIELD,
                value=location,
            )


def _real(path: Path) -> Path:
    return path.expanduser().resolve(strict=False)


class RootedExecutor:
    """An executor that refuses to start a run whose script is outside the roots (a job
    stored before the roots were configured): the run ends ERROR with the reason."""

    def __init__(self, inner: Executor, roots: ScriptRoots) -> None:
        self._inner = inner
        self._roots = roots

    async def start(self, spec: RunSpec) -> RunHandle:
        if not self._roots.allows(spec.script_location):
            raise ExecutorError(
                f"script {spec.script_location[:300]} is outside daemon.script_roots "
                f"({', '.join(map(str, self._roots.roots))}); it was not run",
                field=FIELD,
            )
        return await self._inner.start(spec)

    async def aclose(self) -> None:
        await self._inner.aclose()
