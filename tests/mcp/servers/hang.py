"""A server that never answers initialize: its lifespan never ends starting."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _serve import serve  # noqa: E402
from mcp.server.fastmcp import FastMCP  # noqa: E402


@contextlib.asynccontextmanager
async def forever(_server: FastMCP):  # type: ignore[no-untyped-def]
    print("hanging before initialize", file=sys.stderr, flush=True)
    await asyncio.Event().wait()
    yield


server = FastMCP("hang", lifespan=forever)


@server.tool()
def never() -> str:
    return "never"


if __name__ == "__main__":
    serve(server)
