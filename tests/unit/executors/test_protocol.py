"""The driver protocol over a real socketpair: framing and EOF on both ends."""

from __future__ import annotations

import asyncio
import socket

import pytest

from stoker.executors.pool import protocol


def test_sync_to_async_and_back() -> None:
    async def main() -> None:
        parent, child = socket.socketpair()
        sync = protocol.SyncChannel(child)
        chan = await protocol.AsyncChannel.open(parent)
        big = "x" * 300_000
        # The big message exceeds the socket buffer: send from a thread, as the driver does.
        sending = asyncio.ensure_future(
            asyncio.to_thread(
                lambda: (
                    sync.send({"type": protocol.READY, "pid": 1}),
                    sync.send({"type": protocol.FINISHED, "error": big}),
                )
            )
        )
        assert await chan.recv() == {"type": "ready", "pid": 1}
        assert (await chan.recv()) == {"type": "finished", "error": big}
        await sending
        chan.send({"type": protocol.RUN, "arguments": {"--k": "v\nw"}})
        assert await asyncio.to_thread(sync.recv) == {"type": "run", "arguments": {"--k": "v\nw"}}
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


def test_decode_rejects_non_messages() -> None:
    with pytest.raises(ValueError, match="not a protocol message"):
        protocol.decode(b"[1, 2]\n")
