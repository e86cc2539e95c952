"""Server-sent events of run changes, fed by the in-process bus, one bounded queue a stream.

The bus calls each stream's listener synchronously on the event loop, so offering a run
must never wait: a stream whose queue is full (a client that reads slower than runs
change) is ended instead, and the client reconnects and re-reads the list. A stream ends
when its client goes, when it overflows, or when the server stops (``RunStreams.close``:
uvicorn would otherwise wait its graceful timeout on every open stream, then cancel it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from stoker.api.ports import RunFeed
from stoker.bus import RunChanged
from stoker.domain.runs import JobRun

log = logging.getLogger(__name__)

#: Seconds between comments on an idle stream, so proxies and clients keep it open.
KEEPALIVE_SECONDS = 15.0
#: Runs a stream may hold unsent; one more ends the stream.
QUEUE_SIZE = 1000
KEEPALIVE = b": keepalive\n\n"
#: How long the end of an overflowed or closed stream may wait on its client.
FINAL_SEND_SECONDS = 1.0
_END = {"type": "http.response.body", "body": b"", "more_body": False}


class Subscription:
    """One stream's queue of changed runs, optionally of one job only."""

    def __init__(self, job_name: str | None, size: int = QUEUE_SIZE) -> None:
        self.job_name = job_name
        self.queue: asyncio.Queue[JobRun] = asyncio.Queue(size)
        self.ended = asyncio.Event()
        #: Why the stream ended: "overflow" or "shutdown" (None while open).
        self.reason: str | None = None

    def offer(self, event: RunChanged) -> None:
        """The bus listener: queue the run, or end the stream if it cannot keep up."""
        if self.ended.is_set() or (
            self.job_name is not None and event.run.job_name != self.job_name
        ):
            return
        try:
            self.queue.put_nowait(event.run)
        except asyncio.QueueFull:
            self.end("overflow")

    def end(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self.ended.set()


class RunStreams:
    """The open streams of one API app."""

    def __init__(self) -> None:
        self._open: set[Subscription] = set()
        self._closed = False

    @property
    def open_count(self) -> int:
        return len(self._open)

    @contextlib.contextmanager
    def subscribe(self, feed: RunFeed, job_name: str | None) -> Iterator[Subscription]:
        """A subscription on ``feed`` for the block; removed from the bus when it exits."""
        subscription = Subscription(job_name)
        if self._closed:
            subscription.end("shutdown")
        unsubscribe = feed.subscribe(subscription.offer)
        self._open.add(subscription)
        try:
            yield subscription
        finally:
            self._open.discard(subscription)
            unsubscribe()

    def close(self) -> None:
        """End every open stream and any opened from now on (the server is stopping)."""
        self._closed = True
        for subscription in list(self._open):
            subscription.end("shutdown")


def run_event(data: str) -> bytes:
    """One server-sent event named ``run``; ``data`` is one line of JSON."""
    return f"event: run\ndata: {data}\n\n".encode()


class EventStream(Response):
    """The ASGI response of one stream: sends each queued run until the stream ends.

    Not a StreamingResponse: its body generator could be stuck in ``send`` on a client that
    stopped reading, where no check of its own would run. Here the sender is a task that
    is cancelled when the stream ends, whatever it is waiting on.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        streams: RunStreams,
        feed: RunFeed,
        job_name: str | None,
        encode: Callable[[JobRun], str],
        keepalive: float | None = None,
    ) -> None:
        super().__init__(
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            media_type=self.media_type,
        )
        # An open-ended body: no Content-Length (Response sets it for its empty body).
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self._streams = streams
        self._feed = feed
        self._job_name = job_name
        self._encode = encode
        self._keepalive = KEEPALIVE_SECONDS if keepalive is None else keepalive

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with self._streams.subscribe(self._feed, self._job_name) as subscription:
            await send({"type": "http.response.start", "status": 200,
                        "headers": self.raw_headers})  # fmt: skip
            tasks = {
                asyncio.ensure_future(self._send_runs(subscription, send)),
                asyncio.ensure_future(_disconnected(receive)),
                asyncio.ensure_future(subscription.ended.wait()),
            }
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            if subscription.reason is not None:
                # Ends the body cleanly (the client reconnects) unless the client is not
                # reading at all; then the connection is dropped when this returns.
                with contextlib.suppress(TimeoutError, OSError):
                    async with asyncio.timeout(FINAL_SEND_SECONDS):
                        await send(_END)
                log.info("run stream ended: %s", subscription.reason,
                         extra={"action": "api.stream_ended", "reason": subscription.reason,
                                "job_name": self._job_name})  # fmt: skip

    async def _send_runs(self, subscription: Subscription, send: Send) -> None:
        while True:
            # Not wait_for: on 3.11 it can swallow the cancellation that ends the stream
            # when the queue already had a run (then this loop would go on sending).
            try:
                async with asyncio.timeout(self._keepalive):
                    run = await subscription.queue.get()
            except TimeoutError:
                chunk = KEEPALIVE
            else:
                chunk = run_event(self._encode(run))
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
