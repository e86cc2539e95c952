"""A session's clock: its timeout from creation, its idle timeout from its last statement,
and a driver that died between statements."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from stoker.config.sessions import SessionSettings
from stoker.domain.sessions import LIVE_SESSION_STATES, SessionState
from stoker.sessions.live import LiveSession

if TYPE_CHECKING:
    from stoker.sessions.service import SessionService

#: The longest the watchdog sleeps without looking (a lost driver is noticed this fast).
_LOOK_SECONDS = 1.0


def idle_limit(live: LiveSession, settings: SessionSettings) -> float:
    """Seconds a session may sit idle: its idle timeout, capped by ``max_idle_seconds``."""
    own = live.session.spec.idle_timeout_minutes * 60.0
    cap = settings.max_idle_seconds
    return own if cap is None else min(own, cap)


async def watch(live: LiveSession, service: SessionService, settings: SessionSettings) -> None:
    """End the session TIMEOUT when a limit passes; FAILED when its driver is gone."""
    timeout = live.session.spec.timeout_minutes * 60.0
    idle = idle_limit(live, settings)
    while live.session.state in LIVE_SESSION_STATES:
        now = time.monotonic()
        if now - live.started >= timeout:
            await service.end(live, SessionState.TIMEOUT,
                              f"the session reached its timeout of "
                              f"{live.session.spec.timeout_minutes} minutes")  # fmt: skip
            return
        ready = live.session.state is SessionState.READY
        if ready and not live.busy and now - live.last_active >= idle:
            await service.end(live, SessionState.TIMEOUT,
                              f"the session was idle for {idle:g} seconds")  # fmt: skip
            return
        if ready and live.lease is not None and live.lease.gone is not None and not live.busy:
            await service.end(live, SessionState.FAILED, live.lease.gone)
            return
        wake = min(timeout - (now - live.started), _LOOK_SECONDS)
        if ready and not live.busy:
            wake = min(wake, idle - (now - live.last_active))
        live.poked.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(live.poked.wait(), max(wake, 0.01))
