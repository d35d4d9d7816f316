"""A server with 200 tools (small models drown in them: the app bounds what it offers)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _serve import serve  # noqa: E402
from mcp.server.fastmcp import FastMCP  # noqa: E402

server = FastMCP("many")


def _make(i: int) -> None:
    def tool(x: int = 0) -> str:
        return f"tool {i}: {x}"

    server.add_tool(tool, name=f"tool_{i:03d}", description=f"Tool number {i}.")


for _i in range(200):
    _make(_i)

if __name__ == "__main__":
    serve(server)
