"""Adding an MCP resource to the context from the TUI: list every ready server's resources in a
thread, pick one fuzzily (``ResourceFinder``), add it and count the context again.

Why a module: the palette ("Context: add an MCP resource") and the context panel's key both
come here, and app.py stays out of it. Listing and reading talk to the servers: never on the
event loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from qwen_tui.context.resources import ResourceRef
from qwen_tui.terminal_text import visible

if TYPE_CHECKING:
    from qwen_tui.mcp.status import McpResource


def pick_resource(app: Any) -> None:
    """Open the picker over the ready servers' resources (told plainly when there is none)."""
    app.run_worker(_pick(app), group="mcp-resources", exclusive=True, exit_on_error=False)


async def _pick(app: Any) -> None:
    mcp = getattr(app, "mcp", None)
    reader = getattr(mcp, "reader", None)
    if reader is None:
        app.notify("No MCP server is running: configure one ([mcp.servers.NAME] in config.toml).",
                   title="MCP resources", severity="warning", timeout=5)
        return
    resources: list[McpResource] = await asyncio.to_thread(reader.available)
    if not resources:
        app.notify("No ready MCP server offers resources (Ctrl+P → MCP: servers shows their state).",
                   title="MCP resources", severity="warning", timeout=5)
        return
    from qwen_tui.ui.widgets.resource_finder import ResourceFinder

    app.push_screen(ResourceFinder(resources), lambda chosen: add_chosen(app, chosen))


def add_chosen(app: Any, chosen: str | None) -> None:
    ref = ResourceRef.parse(chosen or "")
    if ref is None:
        return
    label = visible(ref.id, single_line=True)
    if app.project.add_resource(ref.server, ref.uri):
        app.notify(f"Added {label}", timeout=2, markup=False)
        app.refresh_context()
    else:
        app.notify(f"{label} is already in the context.", timeout=2, markup=False)
