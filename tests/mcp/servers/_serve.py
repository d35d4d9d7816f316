"""What every test server shares: its pid noted in $MCP_TEST_PID_FILE, stdio or streamable HTTP."""

from __future__ import annotations

import os
import sys

from mcp.server.fastmcp import FastMCP


def note_pid() -> None:
    path = os.environ.get("MCP_TEST_PID_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")


def serve(server: FastMCP) -> None:
    """``server.py`` (stdio) or ``server.py http PORT`` (streamable HTTP on 127.0.0.1:PORT/mcp)."""
    note_pid()
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.settings.host, server.settings.port = "127.0.0.1", int(sys.argv[2])
        server.settings.log_level = "WARNING"
        server.run(transport="streamable-http")
    else:
        server.run()
