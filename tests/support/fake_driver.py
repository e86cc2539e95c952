"""A stand-in for a warm pool driver process that speaks the real protocol, without Spark.

The pool starts ``<python> -m stoker.executors.pool.driver --fd N --properties-file P``;
``fake_python(tmp)`` returns a ``python`` that runs this file instead. Its behaviour comes
from the Spark conf the pool writes to P (``SparkSettings.conf``):

* ``fake.mode``: ``ready`` (default) answers runs, ``fatal`` reports a start failure like
  pyspark's JAVA_GATEWAY_EXITED and exits 1, ``hang`` never becomes ready;
* ``fake.ready_delay``: seconds before READY.

A run's arguments: ``--wait-for PATH`` makes it wait until PATH exists; ``--fail MESSAGE``
makes it fail. Every run appends its id to ``<properties dir>/runs.log``.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

from stoker.domain.runs import Outcome
from stoker.executors.pool import protocol

GATEWAY_EXITED = (
    'Traceback (most recent call last):\n  File "driver.py", line 1, in <module>\n'
    "pyspark.errors.exceptions.base.PySparkRuntimeError: [JAVA_GATEWAY_EXITED] Java gateway "
    "process exited before sending its port number.\n"
)


def fake_python(directory: Path) -> str:
    """An executable to pass as the pool's ``python``."""
    wrapper = directory / "fake-python"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {Path(__file__).resolve()} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def _conf(path: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in Path(path).read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def _run(channel: protocol.SyncChannel, run: protocol.Run, log: Path) -> None:
    with log.open("a") as fh:
        fh.write(run.run_id + "\n")
    channel.send(protocol.Started(run.run_id))
    marker = run.arguments.get("--wait-for")
    while marker and not os.path.exists(marker):
        time.sleep(0.02)
    failure = run.arguments.get("--fail")
    outcome = Outcome.FAILED if failure else Outcome.SUCCEEDED
    channel.send(protocol.Finished(run.run_id, outcome, failure))


def main(argv: list[str]) -> None:
    fd = int(argv[argv.index("--fd") + 1])
    properties = argv[argv.index("--properties-file") + 1]
    conf = _conf(properties)
    channel = protocol.SyncChannel(socket.socket(fileno=fd))
    mode = conf.get("fake.mode", "ready")
    if mode == "fatal":
        sys.stderr.write(GATEWAY_EXITED)
        channel.send(protocol.Fatal(GATEWAY_EXITED))
        sys.exit(1)
    if mode == "hang":
        time.sleep(3600)
    time.sleep(float(conf.get("fake.ready_delay", "0")))
    log = Path(properties).parent / "runs.log"
    channel.send(protocol.Ready(os.getpid()))
    while (message := channel.recv()) is not None:
        if isinstance(message, protocol.Run):
            threading.Thread(target=_run, args=(channel, message, log), daemon=True).start()
        elif isinstance(message, protocol.Ping):
            channel.send(protocol.Pong())


if __name__ == "__main__":
    main(sys.argv[1:])
