"""Timing and byte-level writing shared by every streaming protocol.

Tokens follow an absolute schedule (first token at arrival + TTFT, token i at first + i/tps), so
per-write overhead does not accumulate and 1,000+ tokens/s stays accurate. Every frame goes out in
its own write (TCP_NODELAY is on), and the ``split_utf8`` fault cuts each frame inside multi-byte
characters, sleeping between pieces so the client's reads really split.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

SPLIT_PAUSE_S = 0.003  # between the pieces of one frame, long enough for separate reads on loopback


class Pacer:
    """When each token is due, on the event loop's monotonic clock."""

    def __init__(self, t0: float, ttft_ms: float, tps: float | None) -> None:
        self.t0 = t0
        self.first_due = t0 + max(0.0, ttft_ms) / 1000.0
        self.interval = 1.0 / tps if tps else 0.0
        self.first_sent: float | None = None
        self.last_sent: float | None = None

    def shift(self, seconds: float) -> None:
        """Push every not-yet-sent token back (a stall)."""
        self.first_due += max(0.0, seconds)

    async def until_token(self, index: int) -> None:
        loop = asyncio.get_running_loop()
        delay = self.first_due + index * self.interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)

    def mark_sent(self) -> None:
        now = asyncio.get_running_loop().time()
        if self.first_sent is None:
            self.first_sent = now
        self.last_sent = now


def split_points(data: bytes) -> list[int]:
    """Offsets that cut ``data`` inside multi-byte UTF-8 characters (or in half if it has none)."""
    cuts = [i + 1 for i in range(len(data) - 1) if data[i] >= 0xC0 and 0x80 <= data[i + 1] < 0xC0]
    if not cuts and len(data) > 1:
        cuts = [len(data) // 2]
    return cuts


class Wire:
    """Writes frames to a prepared response, one write each (or several with ``split``)."""

    def __init__(self, response: web.StreamResponse, *, split: bool = False) -> None:
        self.response = response
        self.split = split

    async def send(self, data: bytes) -> None:
        if not self.split:
            await self.response.write(data)
            return
        start = 0
        for cut in [*split_points(data), len(data)]:
            if cut > start:
                await self.response.write(data[start:cut])
                start = cut
                if start < len(data):
                    await asyncio.sleep(SPLIT_PAUSE_S)


async def wait_forever(request: web.Request) -> None:
    """Hold the request open without answering until the client goes away or the server stops."""
    while request.transport is not None and not request.transport.is_closing():
        await asyncio.sleep(0.05)


def drop_connection(request: web.Request) -> None:
    """Close the socket now: the client sees the body end with no terminator."""
    transport = request.transport
    if transport is not None:
        transport.close()
