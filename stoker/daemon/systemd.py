"""The systemd notify protocol (sd_notify(3)) without a library: readiness, status, watchdog."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping

from stoker.tasks import wait_any

logger = logging.getLogger(__name__)


def _socket_address(value: str) -> str | None:
    """NOTIFY_SOCKET as a socket address: a path, or '@name' for the abstract namespace."""
    if value.startswith("/"):
        return value
    if value.startswith("@") and len(value) > 1:
        return "\0" + value[1:]
    return None


def _watchdog_seconds(environ: Mapping[str, str]) -> float | None:
    """WATCHDOG_USEC in seconds, if it is meant for this process (WATCHDOG_PID)."""
    pid = environ.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None  # set for another process (e.g. inherited from our parent)
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None


class Notifier:
    """Sends state to the service manager over NOTIFY_SOCKET.

    Every method is a no-op when the daemon does not run under systemd (no
    NOTIFY_SOCKET). Sending never raises: the service manager being unreachable
    must not take the daemon down, so the first failure is logged and later
    ones only at debug level. The environment is read once, at construction.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        raw = env.get("NOTIFY_SOCKET", "")
        self._address = _socket_address(raw)
        if raw and self._address is None:
            logger.warning(
                "NOTIFY_SOCKET %r is not a path or @abstract name; systemd notifications are off",
                raw,
                extra={"action": "systemd.unsupported_socket"},
            )
        self._watchdog = _watchdog_seconds(env) if self._address else None
        self._failed = False

    @property
    def enabled(self) -> bool:
        """Whether a service manager listens (NOTIFY_SOCKET was usable)."""
        return self._address is not None

    def ready(self) -> None:
        """Startup finished: systemd marks a Type=notify unit active."""
        self.notify("READY=1")

    def status(self, text: str) -> None:
        """One line of free text shown by `systemctl status`."""
        self.notify("STATUS=" + " ".join(text.splitlines()))

    def watchdog(self) -> None:
        """Keep-alive ping; without one every WatchdogSec, systemd restarts the unit."""
        self.notify("WATCHDOG=1")

    def stopping(self) -> None:
        """Shutdown has begun."""
        self.notify("STOPPING=1")

    def watchdog_interval(self) -> float | None:
        """WatchdogSec in seconds, or None when no watchdog is configured for this process."""
        return self._watchdog

    def notify(self, *assignments: str) -> None:
        """Send newline-separated VARIABLE=value assignments in one datagram."""
        if self._address is None:
            return
        message = "\n".join(assignments).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                # Never block the event loop on a full receive queue: a lost ping is
                # better than a stalled daemon.
                sock.setblocking(False)
                sock.sendto(message, self._address)
        except OSError as exc:
            self._send_failed(exc, assignments)

    def _send_failed(self, exc: OSError, assignments: tuple[str, ...]) -> None:
        if self._failed:
            logger.debug("systemd notify failed again: %s", exc)
            return
        self._failed = True
        logger.warning(
            "could not notify systemd (%s): %s; further failures are logged at debug level",
            ", ".join(assignments),
            exc,
            extra={"action": "systemd.notify_failed"},
        )


async def watchdog_loop(
    notifier: Notifier, stop_event: asyncio.Event, alive: Callable[[], bool] = lambda: True
) -> None:
    """Ping the watchdog at half its interval until stop_event is set, while ``alive()``.

    The ping runs on the event loop on purpose: if the loop hangs, the pings stop and
    systemd restarts the daemon, which is what the watchdog is for. So do they while a
    critical task is down (``alive()`` false): a daemon that no longer dispatches is
    restarted too, unless the task comes back within the watchdog interval.
    """
    interval = notifier.watchdog_interval()
    if interval is None:
        return
    period = interval / 2
    withheld = False
    while not stop_event.is_set():
        if alive():
            notifier.watchdog()
            withheld = False
        elif not withheld:
            withheld = True
            logger.error(
                "a critical task is down: systemd watchdog not fed",
                extra={"action": "systemd.watchdog_withheld"},
            )
        await wait_any(stop_event, timeout=period)
