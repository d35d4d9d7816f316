"""A normal server named like the reference filesystem one: read-only and write tools, a resource."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _serve import serve  # noqa: E402
from mcp.server.fastmcp import FastMCP, Image  # noqa: E402
from mcp.types import ToolAnnotations  # noqa: E402

server = FastMCP("test-fs")
READ = ToolAnnotations(readOnlyHint=True)


@server.tool(annotations=READ, description="Read a text file and return its content.")
def read_text_file(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


@server.tool(description="Write a text file.")
def write_text_file(path: str, content: str) -> str:
    Path(path).write_text(content, encoding="utf-8")
    return f"wrote {len(content)} characters to {path}"


@server.tool(annotations=READ, description="The names of the environment variables the server got.")
def env_names() -> str:
    return json.dumps(sorted(os.environ))


@server.tool(annotations=READ, description="A tiny picture.")
def picture() -> Image:
    return Image(data=b"\x89PNG\r\n\x1a\n" + b"0" * 100, format="png")


@server.tool(annotations=READ, description="n characters of text.")
def big(n: int) -> str:
    return "x" * n


@server.tool(annotations=READ, description="Always fails.")
def boom() -> str:
    raise ValueError("boom happened")


@server.resource("notes://readme", name="readme", description="A note.")
def readme() -> str:
    return "hello resource"


@server.resource("notes://changing", name="changing note", description="The file $MCP_TEST_NOTE_FILE, read now.")
def changing() -> str:
    path = os.environ.get("MCP_TEST_NOTE_FILE")
    return Path(path).read_text(encoding="utf-8") if path else "no note file"


@server.resource("data://logo", name="logo", mime_type="image/png", description="A binary resource.")
def logo() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"0" * 100


if __name__ == "__main__":
    print("normal server starting", file=sys.stderr)
    serve(server)
