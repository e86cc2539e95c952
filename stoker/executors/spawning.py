"""How the daemon starts a child process: its environment, death signal, group and umask."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import stoker
from stoker.config.environment import ENV_PREFIX
from stoker.executors.lineage import Lineage

_PR_SET_PDEATHSIG = 1


def death_signal_setter() -> Callable[[], None]:
    """A pre-exec hook: the kernel SIGKILLs the child if the daemon dies. libc is resolved
    here, in the parent, because the forked child must not take the loader's locks."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(70)  # the daemon died between fork and prctl: nobody would stop us

    return set_death_signal


def stoker_root() -> str:
    """The directory stoker's package is in (what a run process needs on its PYTHONPATH)."""
    return str(Path(stoker.__file__).resolve().parent.parent)


def child_env(python: str, lineage: Lineage | None) -> dict[str, str]:
    """The daemon's environment without any ``STOKER_*`` variable (its settings, the CLI's
    token, an earlier lineage), plus Spark's Python and this daemon's lineage tags."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    env["PYSPARK_PYTHON"] = env["PYSPARK_DRIVER_PYTHON"] = python
    # The entry file imports stoker even when spark-submit runs it by path.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (stoker_root(), env.get("PYTHONPATH")) if p)
    if lineage is not None:
        env.update(lineage.env())
    return env


def spawn_options(python: str, lineage: Lineage | None) -> dict[str, Any]:
    """Keyword arguments for create_subprocess_exec: a session (so a process group) of its
    own, the death signal, the environment, and the operator's umask (the daemon's own
    is 077, which would make the script's output files private too)."""
    options: dict[str, Any] = {
        "stdin": subprocess.DEVNULL,
        "start_new_session": True,
        "preexec_fn": death_signal_setter(),
        "env": child_env(python, lineage),
    }
    if lineage is not None:
        options["umask"] = lineage.umask
    return options
