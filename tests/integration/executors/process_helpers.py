"""Run helpers shared by the process-per-run executor tests."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from stoker.domain.runs import Exit
from stoker.executors.base import RunSpec

from .conftest import LoopThread, make_spec, wait_for_file


def run_to_end(lt: LoopThread, executor: Any, spec: RunSpec, timeout: float = 180) -> Exit:
    async def go() -> Exit:
        handle = await executor.start(spec)
        result: Exit = await handle.wait()
        return result

    return lt.run(go(), timeout=timeout)


def stop_when_marked(lt: LoopThread, executor: Any, tmp: Path, body: str, **kw: Any) -> Exit:
    marker = tmp / "marker"
    script = f"from pathlib import Path\nPath({str(marker)!r}).touch()\n" + textwrap.dedent(body)
    spec = make_spec(tmp, script, **kw)
    handle = lt.run(executor.start(spec))
    wait_for_file(marker, deadline=180)
    lt.run(handle.stop())
    result: Exit = lt.run(handle.wait(), timeout=120)
    return result


def read_logs(spec: RunSpec) -> tuple[str, str]:
    return spec.stdout_path.read_text(), spec.stderr_path.read_text()
