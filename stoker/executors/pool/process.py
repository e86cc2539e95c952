"""One pool driver process as the supervisor sees it: spawn, channel, state, signals."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from enum import StrEnum
from pathlib import Path

from stoker.config.settings import SparkSettings
from stoker.executors.pool.handle import PoolRunHandle
from stoker.executors.pool.protocol import AsyncChannel
from stoker.executors.process import death_signal_setter


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
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pong: asyncio.Future[None] | None = None
        #: Sampling on: the run whose final Spark sample is still to come (it is taken after
        #: FINISHED), and the event set when it has come. Ending the driver waits for it.
        self.final_sample_of: str | None = None
        self.final_sampled = asyncio.Event()

    @classmethod
    async def spawn(
        cls,
        serial: int,
        settings: SparkSettings,
        log: Path,
        python: str,
        metrics_interval: float | None = None,
    ) -> DriverProcess:
        parent_sock, child_sock = socket.socketpair()
        child_fd = child_sock.fileno()
        command = [python, "-m", "stoker.executors.pool.driver", "--fd", str(child_fd)]
        command += ["--master", settings.master]
        for key, value in settings.conf.items():
            command += ["--conf", f"{key}={value}"]
        if metrics_interval:
            command += ["--metrics-interval", str(metrics_interval)]
        env = dict(os.environ)
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        env["PYSPARK_PYTHON"] = env["PYSPARK_DRIVER_PYTHON"] = python
        try:
            with log.open("ab") as log_file:
                proc = await asyncio.create_subprocess_exec(
                    *command,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=log_file,
                    pass_fds=(child_fd,),
                    # Own process group: the driver and its JVM are killed together.
                    start_new_session=True,
                    preexec_fn=death_signal_setter(),
                    env=env,
                )
        finally:
            child_sock.close()
        channel = await AsyncChannel.open(parent_sock)
        return cls(serial, proc, channel, log)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def spent(self, budget: int) -> bool:
        """Past its run budget: to be recycled once a replacement is warm."""
        return self.runs_done >= budget

    def signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def __repr__(self) -> str:
        return f"<driver {self.serial} pid={self.pid} {self.state}>"
