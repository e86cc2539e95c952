"""The parent↔driver protocol: newline-delimited JSON objects over a socketpair.

Parent → driver: ``run`` {run_id, job_name, script, arguments, stdout, stderr},
``cancel`` {run_id}, ``ping``. Driver → parent: ``ready`` {pid}, ``fatal`` {error},
``started`` {run_id}, ``finished`` {run_id, outcome, error, retire}, ``pong``,
``metrics`` {run_id, job_name, sample} (a SparkSample's wire form; the run's final sample
may come after its ``finished``, hence the job name travels with it).
The socket is not stdin/stdout: the driver points fds 1/2 at run logs during a run.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from typing import Any

from stoker.domain.sparkmetrics import SparkSample

Message = dict[str, Any]

RUN = "run"
CANCEL = "cancel"
PING = "ping"
READY = "ready"
FATAL = "fatal"
STARTED = "started"
FINISHED = "finished"
PONG = "pong"
METRICS = "metrics"

#: Tracebacks and argument maps (up to ~180 KB) travel in one line.
MAX_LINE = 16 * 1024 * 1024


def encode(message: Message) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> Message:
    message = json.loads(line)
    if not isinstance(message, dict) or "type" not in message:
        raise ValueError(f"not a protocol message: {line[:200]!r}")
    return message


def metrics(run_id: str, job_name: str, sample: SparkSample) -> Message:
    return {"type": METRICS, "run_id": run_id, "job_name": job_name, "sample": sample.to_dict()}


def parse_metrics(message: Message) -> tuple[str, str, SparkSample]:
    """(run_id, job_name, sample) of a ``metrics`` message; raises ValueError (or
    InvalidInput, for the sample) when it is malformed."""
    run_id, job_name = message.get("run_id"), message.get("job_name")
    if not isinstance(run_id, str) or not isinstance(job_name, str):
        raise ValueError("a metrics message needs string run_id and job_name")
    return run_id, job_name, SparkSample.from_dict(message.get("sample"))


class SyncChannel:
    """The driver's end: blocking reads on one thread, sends from any thread."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        data = encode(message)
        with self._lock:
            self._sock.sendall(data)

    def recv(self) -> Message | None:
        """The next message, or None at EOF (the parent is gone)."""
        line = self._reader.readline()
        if not line:
            return None
        return decode(line)


class AsyncChannel:
    """The supervisor's end, on the event loop."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, sock: socket.socket) -> AsyncChannel:
        reader, writer = await asyncio.open_unix_connection(sock=sock, limit=MAX_LINE)
        return cls(reader, writer)

    def send(self, message: Message) -> None:
        """Queue a message; small writes to a local socket never need back-pressure."""
        if not self._writer.is_closing():
            self._writer.write(encode(message))

    async def recv(self) -> Message | None:
        """The next message, or None at EOF or a broken connection."""
        try:
            line = await self._reader.readline()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError):
            return None
        if not line:
            return None
        return decode(line)

    def close(self) -> None:
        self._writer.close()
