"""One pool driver process as the supervisor sees it: spawn, channel, state, signals."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from stoker.config.settings import SparkSettings
from stoker.executors.launch import write_properties
from stoker.executors.lineage import Lineage
from stoker.executors.logs import open_log
from stoker.executors.pool.handle import PoolRunHandle
from stoker.executors.pool.lease import DriverLease
from stoker.executors.pool.protocol import AsyncChannel
from stoker.executors.private import remove
from stoker.executors.spawning import spawn_options

#: Every driver's session conf, under the operator's ``spark.conf``.
DEFAULT_CONF = {
    # A cancelled Python-UDF task holds its slot this long; Spark's 2 s default delays the next run.
    "spark.python.task.killTimeout": "200ms",
    "spark.ui.showConsoleProgress": "false",
}


def driver_conf(
    settings: SparkSettings, lineage: Lineage | None, setup: DriverSetup | None = None
) -> dict[str, str]:
    """A driver's Spark conf: the pool's, under a session's own (``setup``); the master
    and the lineage tags are always the daemon's."""
    tags = lineage.spark_conf() if lineage is not None else {}
    base = {"spark.master": settings.master, "spark.app.name": "stoker-pool-driver"}
    own = setup.conf if setup is not None else {}
    return {**base, **DEFAULT_CONF, **settings.conf, **own, "spark.master": settings.master,
            **tags}  # fmt: skip


@dataclass(frozen=True)
class DriverSetup:
    """What an interactive session needs of its driver that a warm one cannot take: Spark
    settings read only when a driver starts, and Python modules to pip-install first."""

    conf: dict[str, str] = field(default_factory=dict)
    modules: list[str] = field(default_factory=list)
    #: ``--python-modules-installer-option``: pip's options, as Glue passes them.
    installer_options: str = ""

    def fits(self, warm: dict[str, str]) -> bool:
        """A warm driver with conf ``warm`` will do: nothing to install, no setting it
        lacks."""
        return not self.modules and all(warm.get(k) == v for k, v in self.conf.items())


class DriverState(StrEnum):
    """Where a driver is in its life; only IDLE drivers take runs.

    A driver past its run budget (``DriverProcess.spent``) serves on as IDLE or BUSY until
    a replacement is warm; it then retires at once if idle, or becomes LEAVING.
    """

    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    #: Busy with its last run: a warm replacement is serving, it retires when the run ends.
    LEAVING = "leaving"
    #: Asked to go (recycled, context lost, pool closing); never takes another run.
    RETIRED = "retired"
    DEAD = "dead"


#: The states in which a driver holds a run.
RUNNING_STATES = frozenset({DriverState.BUSY, DriverState.LEAVING})


class DriverProcess:
    """A driver process plus the supervisor's book-keeping about it."""

    def __init__(
        self, serial: int, proc: asyncio.subprocess.Process, channel: AsyncChannel, log: Path
    ) -> None:
        self.serial = serial
        self.proc = proc
        self.channel = channel
        self.log_path = log
        self.state = DriverState.STARTING
        self.runs_done = 0
        self.handle: PoolRunHandle | None = None
        #: The interactive session this driver is reserved for (it is BUSY meanwhile).
        self.lease: DriverLease | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pong: asyncio.Future[None] | None = None
        #: Sampling on: the run whose final Spark sample is still to come (it is taken after
        #: FINISHED), and the event set when it has come. Ending the driver waits for it.
        self.final_sample_of: str | None = None
        self.final_sampled = asyncio.Event()
        #: Why it failed to start, as the driver told us (a FATAL message, a start timeout).
        self.fatal: str | None = None
        #: A session's own driver: started for it (never IDLE), its pip target, if any.
        self.own = False
        self.modules_dir: Path | None = None

    @classmethod
    async def spawn(
        cls,
        serial: int,
        settings: SparkSettings,
        log: Path,
        python: str,
        metrics_interval: float | None = None,
        lineage: Lineage | None = None,
        *,
        setup: DriverSetup | None = None,
        python_path: Path | None = None,
    ) -> DriverProcess:
        """Start a driver in its own session (it and its JVM are killed as one group),
        its Spark conf in a private properties file next to its log; ``python_path`` goes
        first on its ``PYTHONPATH`` (a session's modules)."""
        properties = log.with_suffix(".properties")
        write_properties(properties, driver_conf(settings, lineage, setup))
        options = spawn_options(python, lineage)
        if python_path is not None:
            env = options["env"]
            env["PYTHONPATH"] = os.pathsep.join((str(python_path), env["PYTHONPATH"]))
        parent_sock, child_sock = socket.socketpair()
        child_fd = child_sock.fileno()
        command = [python, "-m", "stoker.executors.pool.driver", "--fd", str(child_fd)]
        command += ["--properties-file", str(properties)]
        if metrics_interval:
            command += ["--metrics-interval", str(metrics_interval)]
        try:
            log_fd = open_log(log)
            try:
                proc = await asyncio.create_subprocess_exec(
                    *command, stdout=log_fd, stderr=log_fd, pass_fds=(child_fd,), **options,
                )  # fmt: skip
            finally:
                os.close(log_fd)
        except BaseException:
            parent_sock.close()
            remove(properties)
            raise
        finally:
            child_sock.close()
        channel = await AsyncChannel.open(parent_sock)
        return cls(serial, proc, channel, log)

    @property
    def properties_path(self) -> Path:
        return self.log_path.with_suffix(".properties")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def expect_final_sample(self, run_id: str) -> None:
        self.final_sample_of = run_id
        self.final_sampled.clear()

    def spent(self, budget: int) -> bool:
        """Past its run budget: to be recycled once a replacement is warm."""
        return self.runs_done >= budget

    def signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def __repr__(self) -> str:
        return f"<driver {self.serial} pid={self.pid} {self.state}>"
