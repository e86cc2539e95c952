"""The service manager's end of sd_notify: a real datagram socket that records what arrives."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path


class NotifyReceiver:
    """Binds ``path`` and collects (monotonic time, assignment) on a thread until closed."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.2)
        self._lock = threading.Lock()
        self._received: list[tuple[float, str]] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def env(self, watchdog_seconds: float | None = None) -> dict[str, str]:
        """What a daemon needs to talk to this receiver (and to expect a watchdog)."""
        env = {"NOTIFY_SOCKET": self.path}
        if watchdog_seconds is not None:
            env["WATCHDOG_USEC"] = str(int(watchdog_seconds * 1_000_000))
        return env

    def messages(self, since: float = 0.0) -> list[str]:
        with self._lock:
            return [m for at, m in self._received if at >= since]

    def count(self, message: str, since: float = 0.0) -> int:
        return self.messages(since).count(message)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)
        self._sock.close()

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                data = self._sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            now = time.monotonic()
            with self._lock:
                self._received.extend((now, line) for line in data.decode().splitlines())
