"""Which daemon started a process: the tags every run process carries, and dying with the parent.

Every process a run or a pool driver starts inherits two environment variables: the
installation (the data directory) and the daemon's incarnation (new at each start). The
next daemon of the same installation finds what an earlier incarnation left alive by
them (``executors/reaper.py``), whatever process group or session it moved to. Spark
executors get them through ``spark.executorEnv.*``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path

INSTALLATION_VAR = "STOKER_INSTALLATION"
INCARNATION_VAR = "STOKER_INCARNATION"
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Lineage:
    """This daemon's identity as its child processes carry it."""

    installation: str
    incarnation: str
    #: The umask run processes get: the operator's, not the daemon's own 077.
    umask: int = 0o022

    @classmethod
    def new(cls, data_dir: Path, umask: int = 0o022) -> Lineage:
        return cls(str(data_dir.resolve()), f"{os.getpid()}-{uuid.uuid4().hex[:16]}", umask)

    def env(self) -> dict[str, str]:
        return {INSTALLATION_VAR: self.installation, INCARNATION_VAR: self.incarnation}

    def spark_conf(self) -> dict[str, str]:
        """The same tags for Spark executors (on this machine or a cluster's workers)."""
        return {f"spark.executorEnv.{name}": value for name, value in self.env().items()}


def read_environ(pid: int | str) -> dict[bytes, bytes] | None:
    """A process's initial environment, None if it is gone or not ours to read."""
    try:
        data = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    pairs = (item.partition(b"=") for item in data.split(b"\0") if item)
    return {name: value for name, _, value in pairs}


def die_with_parent() -> None:
    """For a process whose parent is not the daemon (spark-submit's Python child): get
    SIGKILL when the parent dies, and exit now if it already has (the race the signal
    cannot cover: a parent that died before prctl leaves us adopted by another process).

    The parent must carry this process's incarnation tag; without a tag there is nothing
    to check against and the death signal alone applies.
    """
    incarnation = os.environ.get(INCARNATION_VAR, "").encode()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if not incarnation:
        return
    parent = read_environ(os.getppid())
    if parent is None or parent.get(INCARNATION_VAR.encode()) != incarnation:
        os._exit(70)  # EX_SOFTWARE: orphaned before we could arm the death signal
