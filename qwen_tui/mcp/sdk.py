"""The official ``mcp`` SDK, imported only when a server is to be started, and timed.

Why lazily: importing it pulls pydantic models, starlette, httpx... (about 1.2-1.7 s on the
2-core test machine, measured with ``python -c "import mcp.client.session"``), which must not be
paid at start-up or by a subcommand with no server configured. The manager imports it in its own
thread, after the app's first frame.

One addition to the SDK: ``stdio_client`` does not tell which process it spawned, and a server
started through a launcher (``npx``, ``uvx``, a shell script) may leave children behind when the
launcher exits on its own. The SDK starts every server in a session of its own (its process
group), so knowing the pid is enough to end the whole group afterwards: ``spawned_pids`` collects
the pids spawned in the current task (a context variable, so each server's task sees its own).
"""

from __future__ import annotations

import contextvars
import threading
import time
from types import SimpleNamespace
from typing import Any

_lock = threading.Lock()
_sdk: SimpleNamespace | None = None
#: seconds the first import took (None: not imported by us yet)
import_seconds: float | None = None
#: the pids spawned by stdio_client in the current task, when the task set a list here
spawned_pids: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("mcp_spawned_pids", default=None)


def load_sdk() -> SimpleNamespace:
    """The SDK's pieces the client needs (imported once, thread-safe)."""
    global _sdk, import_seconds
    with _lock:
        if _sdk is not None:
            return _sdk
        started = time.perf_counter()
        import mcp.client.stdio as stdio
        from mcp import types
        from mcp.client.session import ClientSession
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client
        from mcp.shared.exceptions import McpError

        _record_spawns(stdio)
        _sdk = SimpleNamespace(ClientSession=ClientSession, StdioServerParameters=stdio.StdioServerParameters,
                               stdio_client=stdio.stdio_client, streamable_http_client=streamable_http_client,
                               create_mcp_http_client=create_mcp_http_client, McpError=McpError, types=types)
        import_seconds = time.perf_counter() - started
        return _sdk


def _record_spawns(stdio: Any) -> None:
    original = stdio._create_platform_compatible_process
    if getattr(original, "_records_pids", False):
        return

    async def recording(*args: Any, **kwargs: Any) -> Any:
        process = await original(*args, **kwargs)
        holder = spawned_pids.get()
        if holder is not None:
            holder.append(process.pid)
        return process

    recording._records_pids = True  # type: ignore[attr-defined]
    stdio._create_platform_compatible_process = recording
