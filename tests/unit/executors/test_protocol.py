"""The driver protocol: typed messages over a real socketpair, framing, EOF, bad input."""

from __future__ import annotations

import asyncio
import socket

import pytest

from stoker.domain.runs import Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.errors import InvalidInput
from stoker.executors.pool import protocol


def test_sync_to_async_and_back() -> None:
    async def main() -> None:
        parent, child = socket.socketpair()
        sync = protocol.SyncChannel(child)
        chan = await protocol.AsyncChannel.open(parent)
        big = "x" * 300_000
        finished = protocol.Finished("r1", Outcome.FAILED, error=big)
        # The big message exceeds the socket buffer: send from a thread, as the driver does.
        sending = asyncio.ensure_future(
            asyncio.to_thread(lambda: (sync.send(protocol.Ready(1)), sync.send(finished)))
        )
        assert await chan.recv() == protocol.Ready(1)
        assert await chan.recv() == finished
        await sending
        run = protocol.Run("r2", "job", "/s.py", {"--k": "v\nw"}, "/o", "/e")
        chan.send(run)
        assert await asyncio.to_thread(sync.recv) == run
        chan.close()
        assert await asyncio.to_thread(sync.recv) is None
        child.close()

    asyncio.run(main())


def test_async_end_sees_eof() -> None:
    async def main() -> None:
        parent, child = socket.socketpair()
        chan = await protocol.AsyncChannel.open(parent)
        child.close()
        assert await chan.recv() is None
        chan.close()

    asyncio.run(main())


@pytest.mark.parametrize(
    "message",
    [
        protocol.Run("r", "j", "/s.py", {}, "/o", "/e"),
        protocol.Cancel("r"),
        protocol.Ping(),
        protocol.Ready(42),
        protocol.Fatal("Traceback ..."),
        protocol.Started("r"),
        protocol.Finished("r", Outcome.SUCCEEDED),
        protocol.Finished("r", Outcome.STOPPED, retire="the script stopped the SparkContext"),
        protocol.Pong(),
        protocol.Metrics("r", "j", SparkSample(sampled_at=1.5, records_read=3, final=True)),
    ],
)
def test_every_message_round_trips(message: protocol.Message) -> None:
    assert protocol.decode(protocol.encode(message)) == message


def test_optional_fields_may_be_absent() -> None:
    line = b'{"type":"finished","run_id":"r","outcome":"SUCCEEDED"}'
    assert protocol.decode(line) == protocol.Finished("r", Outcome.SUCCEEDED, None, None)


@pytest.mark.parametrize(
    ("line", "match"),
    [
        (b"[1, 2]", "not a protocol message"),
        (b'{"type": "nope"}', "not a protocol message"),
        (b'{"type": "started"}', "needs 'run_id'"),
        (b'{"type": "started", "run_id": 7}', "run_id must be str"),
        (b'{"type": "ready", "pid": true}', "pid must be int"),
        (b'{"type": "finished", "run_id": "r", "outcome": "MAYBE"}', "MAYBE"),
        (
            b'{"type": "run", "run_id": "r", "job_name": "j", "script": "s", "arguments": '
            b'{"--a": 1}, "stdout": "o", "stderr": "e"}',
            "map strings to strings",
        ),
        (b'{"type": "metrics", "job_name": "j", "sample": {"sampled_at": 1}}', "run_id"),
    ],
)
def test_decode_rejects_malformed_messages(line: bytes, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        protocol.decode(line)


@pytest.mark.parametrize(
    "sample", [{"records_read": 1}, "x"], ids=["no sampled_at", "not an object"]
)
def test_decode_rejects_bad_samples(sample: object) -> None:
    import json

    line = json.dumps({"type": "metrics", "run_id": "r", "job_name": "j", "sample": sample})
    with pytest.raises((ValueError, InvalidInput)):
        protocol.decode(line.encode())
