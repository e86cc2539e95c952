"""The parent↔driver protocol: typed messages, sent as newline-delimited JSON over a socketpair.

Parent → driver: ``Run``, ``Cancel``, ``Ping``, and for an interactive session
``OpenSession`` then ``Statement``s. Driver → parent: ``Ready``, ``Fatal``, ``Started``
(before the script's first line), ``Finished``, ``Pong``, ``Metrics`` (a SparkSample;
the run's final one may come after its ``Finished``, hence the job name travels with
it), ``SessionOpened`` and ``StatementDone``. On the wire each is a JSON object whose
``type`` names the class. The socket is not stdin/stdout: the driver points fds 1/2 at
run logs during a run.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from stoker.domain.runs import Outcome
from stoker.domain.sparkmetrics import SparkSample

#: Tracebacks and argument maps (up to ~180 KB) travel in one line.
MAX_LINE = 16 * 1024 * 1024


@dataclass(frozen=True)
class Run:
    """Run one script now; the driver answers ``Started``, later ``Finished``."""

    type: ClassVar[str] = "run"
    run_id: str
    job_name: str
    script: str
    arguments: dict[str, str]
    stdout: str
    stderr: str
    #: Set in the driver's environment while the script runs, restored after.
    env: dict[str, str] = field(default_factory=dict, repr=False)
    #: Set on the driver's Hadoop configuration while the script runs, restored after.
    hadoop_conf: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Cancel:
    """Stop the run with this id (ignored if it is not the current one)."""

    type: ClassVar[str] = "cancel"
    run_id: str


@dataclass(frozen=True)
class OpenSession:
    """Give this driver to an interactive session from now on: a namespace of its own with
    ``spark``, ``sc``, ``glueContext`` and ``args``, the session's Spark SQL conf set on
    its ``spark``; ``py_files`` (comma-separated, as ``--extra-py-files``) added to it."""

    type: ClassVar[str] = "open_session"
    session_id: str
    arguments: dict[str, str]
    conf: dict[str, str]
    py_files: str
    #: Set in the driver's environment for the session's life (the driver retires after it).
    env: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Statement:
    """Run ``code`` in the session's namespace; ``run_id`` names it for ``Cancel``,
    ``number`` (Glue's statement id) in its traceback."""

    type: ClassVar[str] = "statement"
    run_id: str
    code: str
    number: int


@dataclass(frozen=True)
class Ping:
    type: ClassVar[str] = "ping"


@dataclass(frozen=True)
class Ready:
    """The driver's session is warm; it takes runs from now on."""

    type: ClassVar[str] = "ready"
    pid: int


@dataclass(frozen=True)
class Fatal:
    """The driver could not start (the traceback); it exits next."""

    type: ClassVar[str] = "fatal"
    error: str


@dataclass(frozen=True)
class Started:
    type: ClassVar[str] = "started"
    run_id: str


@dataclass(frozen=True)
class Finished:
    """How a run ended; ``retire`` says why the driver must not take another run."""

    type: ClassVar[str] = "finished"
    run_id: str
    outcome: Outcome
    error: str | None = None
    retire: str | None = None


@dataclass(frozen=True)
class Pong:
    type: ClassVar[str] = "pong"


@dataclass(frozen=True)
class SessionOpened:
    """The session's namespace is ready; ``error`` says why it could not be made."""

    type: ClassVar[str] = "session_opened"
    session_id: str
    error: str | None = None


@dataclass(frozen=True)
class StatementDone:
    """A statement's output, as Glue's StatementOutput has it; ``status`` is ``ok``,
    ``error`` or ``cancelled``; ``traceback`` is the formatted lines joined."""

    type: ClassVar[str] = "statement_done"
    run_id: str
    status: str
    text: str
    error_name: str | None = None
    error_value: str | None = None
    traceback: str | None = None
    #: Why the driver cannot serve the session on (the statement stopped the SparkContext).
    retire: str | None = None


@dataclass(frozen=True)
class Metrics:
    type: ClassVar[str] = "metrics"
    run_id: str
    job_name: str
    sample: SparkSample


ToDriver = Run | Cancel | Ping | OpenSession | Statement
FromDriver = Ready | Fatal | Started | Finished | Pong | Metrics | SessionOpened | StatementDone
Message = ToDriver | FromDriver

_CLASSES: dict[str, type[Message]] = {
    cls.type: cls
    for cls in (Run, Cancel, Ping, Ready, Fatal, Started, Finished, Pong, Metrics,
                OpenSession, Statement, SessionOpened, StatementDone)
}
#: What each field must be on the wire (the annotations are strings under __future__).
_WIRE_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "str | None": (str, type(None)),
    "int": (int,),
    "dict[str, str]": (dict,),
}


#: Each class's fields: (name, annotation, optional), read once (dataclasses.fields is slow).
_FIELDS: dict[type[Message], tuple[tuple[str, str, bool], ...]] = {
    cls: tuple((f.name, str(f.type), f.default is None) for f in fields(cls))
    for cls in _CLASSES.values()
}


def encode(message: Message) -> bytes:
    body: dict[str, Any] = {"type": message.type}
    for name, _, _ in _FIELDS[type(message)]:
        value = getattr(message, name)
        body[name] = value.to_dict() if isinstance(value, SparkSample) else value
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> Message:
    """The message a line carries; ValueError (InvalidInput for a bad sample) if malformed."""
    data = json.loads(line)
    if not isinstance(data, dict) or data.get("type") not in _CLASSES:
        raise ValueError(f"not a protocol message: {line[:200]!r}")
    cls = _CLASSES[data["type"]]
    values: dict[str, Any] = {}
    for name, annotation, optional in _FIELDS[cls]:
        if name in data:
            values[name] = _field(cls, name, annotation, data[name])
        elif optional:
            values[name] = None
        else:
            raise ValueError(f"a {cls.type!r} message needs {name!r}")
    return cls(**values)


def _field(cls: type[Message], name: str, annotation: str, value: Any) -> Any:
    if annotation == "Outcome":
        return Outcome(value)
    if annotation == "SparkSample":
        return SparkSample.from_dict(value)
    allowed = _WIRE_TYPES[annotation]
    if not isinstance(value, allowed) or isinstance(value, bool):
        raise ValueError(f"{cls.type!r} message: {name} must be {annotation}, not {value!r:.80}")
    if isinstance(value, dict) and not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"{cls.type!r} message: {name} must map strings to strings")
    return value


class SyncChannel:
    """The driver's end: blocking reads on one thread, sends from any thread."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._lock = threading.Lock()

    def send(self, message: FromDriver) -> None:
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

    def send(self, message: ToDriver) -> None:
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
