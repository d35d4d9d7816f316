"""A server that answers its first call, then exits (a crash after some use)."""

from __future__ import annotations

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _serve import serve  # noqa: E402
from mcp.server.fastmcp import FastMCP  # noqa: E402

server = FastMCP("exits")


def _leave() -> None:
    print("exits: leaving after the first call", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool()
def once() -> str:
    threading.Timer(0.3, _leave).start()
    return "first and last answer"


if __name__ == "__main__":
    serve(server)
