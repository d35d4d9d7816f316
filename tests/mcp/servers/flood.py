"""A server that floods stderr all the time (and still answers)."""

from __future__ import annotations

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _serve import serve  # noqa: E402
from mcp.server.fastmcp import FastMCP  # noqa: E402

server = FastMCP("flood")


def _flood() -> None:
    n = 0
    while True:
        n += 1
        sys.stderr.write(f"flood line {n} " + "#" * 100 + "\n")


@server.tool()
def ping() -> str:
    return "pong"


if __name__ == "__main__":
    threading.Thread(target=_flood, daemon=True).start()
    serve(server)
