"""The notify protocol against a real AF_UNIX datagram socket (path and abstract)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from stoker.daemon.systemd import Notifier, watchdog_loop


class Receiver:
    """The service manager's end: a bound datagram socket."""

    def __init__(self, address: str, notify_socket: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(2)
        self.notify_socket = notify_socket

    def recv(self) -> str:
        return self.sock.recv(4096).decode()

    def pending(self) -> list[str]:
        messages = []
        self.sock.setblocking(False)
        try:
            while True:
                messages.append(self.sock.recv(4096).decode())
        except BlockingIOError:
            return messages
        finally:
            self.sock.settimeout(2)


@pytest.fixture
def path_receiver(tmp_path: Path) -> Iterator[Receiver]:
    path = str(tmp_path / "notify.sock")
    receiver = Receiver(path, path)
    yield receiver
    receiver.sock.close()


@pytest.fixture
def abstract_receiver() -> Iterator[Receiver]:
    name = f"stoker-test-{uuid.uuid4().hex}"
    receiver = Receiver("\0" + name, "@" + name)
    yield receiver
    receiver.sock.close()


@pytest.fixture(params=["path", "abstract"])
def receiver(request: pytest.FixtureRequest) -> Receiver:
    chosen: Receiver = request.getfixturevalue(f"{request.param}_receiver")
    return chosen


def test_each_call_sends_its_exact_message(receiver: Receiver) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": receiver.notify_socket})
    assert notifier.enabled

    notifier.ready()
    notifier.status("2 runs active")
    notifier.watchdog()
    notifier.stopping()

    assert [receiver.recv() for _ in range(4)] == [
        "READY=1",
        "STATUS=2 runs active",
        "WATCHDOG=1",
        "STOPPING=1",
    ]


def test_status_is_kept_on_one_line(path_receiver: Receiver) -> None:
    Notifier({"NOTIFY_SOCKET": path_receiver.notify_socket}).status("draining\n3 runs left")
    assert path_receiver.recv() == "STATUS=draining 3 runs left"


def test_without_notify_socket_everything_is_a_no_op() -> None:
    notifier = Notifier({"WATCHDOG_USEC": "30000000"})
    assert not notifier.enabled
    notifier.ready()
    notifier.status("x")
    notifier.watchdog()
    notifier.stopping()
    assert notifier.watchdog_interval() is None


def test_reads_os_environ_by_default(
    monkeypatch: pytest.MonkeyPatch, path_receiver: Receiver
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", path_receiver.notify_socket)
    Notifier().ready()
    assert path_receiver.recv() == "READY=1"


def test_unsupported_socket_address_disables_notifications(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        notifier = Notifier({"NOTIFY_SOCKET": "vsock:2:1234"})
    assert not notifier.enabled
    notifier.ready()
    assert "not a path or @abstract name" in caplog.text


def test_send_errors_are_logged_once_and_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "nobody-listens.sock")})
    with caplog.at_level(logging.WARNING, logger="stoker.daemon.systemd"):
        notifier.ready()
        notifier.watchdog()
        notifier.stopping()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "READY=1" in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 30.0),
        ({"WATCHDOG_USEC": "500000"}, 0.5),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "-5"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval(
    path_receiver: Receiver, environ: dict[str, str], expected: float | None
) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": path_receiver.notify_socket, **environ})
    assert notifier.watchdog_interval() == expected


def test_watchdog_loop_pings_at_half_the_interval_until_stopped(
    abstract_receiver: Receiver,
) -> None:
    notifier = Notifier(
        {"NOTIFY_SOCKET": abstract_receiver.notify_socket, "WATCHDOG_USEC": "200000"}
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(watchdog_loop(notifier, stop))
        await asyncio.sleep(0.35)  # pings at 0, 0.1, 0.2, 0.3
        stop.set()
        await asyncio.wait_for(task, timeout=1)

    asyncio.run(scenario())
    pings = abstract_receiver.pending()
    assert set(pings) == {"WATCHDOG=1"}
    assert 3 <= len(pings) <= 5


def test_watchdog_loop_returns_at_once_without_a_watchdog(path_receiver: Receiver) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": path_receiver.notify_socket})

    async def scenario() -> None:
        await asyncio.wait_for(watchdog_loop(notifier, asyncio.Event()), timeout=1)

    asyncio.run(scenario())
    assert path_receiver.pending() == []
