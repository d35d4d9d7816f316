"""Which servers a run starts, and running them for the length of one job (``ask``, ``mcp tools``).

The configured servers, then those of the project's ``.mcp.json`` once the user trusted that file
(``State.trusted_mcp``); every problem of either file is a note, and a bad entry is a failed server
with its reason while the others start. ``running_servers`` starts them, waits until each is ready
or out of time (its own ``timeout``), registers their tools, and ends every process on the way out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from qwen_tui.mcp.config import McpSettings, ServerConfig
from qwen_tui.mcp.project import ProjectMcpFile, TrustStore, merged_servers, read_project_file
from qwen_tui.mcp.status import ServerState

if TYPE_CHECKING:
    from qwen_tui.mcp.manager import McpManager
    from qwen_tui.tools.toolbox import Toolbox

Note = Callable[[str], None]


def configured_servers(settings: McpSettings, root: Path | str,
                       store: TrustStore | None) -> tuple[dict[str, ServerConfig], list[str], ProjectMcpFile | None]:
    """The servers to start for project ``root``, notes for the user, and the project's file (if any)."""
    project = read_project_file(root)
    servers, notes = merged_servers(settings, project, store)
    if project is not None and (store is not None and project.trusted(store) or not project.servers):
        notes += [str(p) for p in project.problems]
    return servers, notes, project


@asynccontextmanager
async def running_servers(settings: McpSettings, servers: dict[str, ServerConfig], toolbox: Toolbox | None = None,
                          *, note: Note | None = None) -> AsyncIterator[McpManager | None]:
    """The servers running (each ready, or settled in its failure); their tools in ``toolbox``. None
    when no server is to be started: then the SDK is not even imported."""
    from qwen_tui.mcp.manager import McpManager

    manager = McpManager(servers, call_timeout=settings.call_timeout)
    if not manager.startable:
        for status in manager.statuses():
            if status.state is ServerState.FAILED and note is not None:
                note(f"MCP {status.summary()}")
        yield None
        return
    manager.start()
    try:
        await asyncio.to_thread(manager.wait_settled, manager.startup_budget())
        if note is not None:
            for status in manager.statuses():
                if status.state not in (ServerState.READY, ServerState.DISABLED):
                    where = f" (log: {status.log_path})" if status.log_path else ""
                    note(f"MCP {status.summary()}{where}")
        if toolbox is not None:
            from qwen_tui.mcp.toolset import McpTools

            tools = McpTools.install(toolbox, manager, max_tools=settings.max_tools)
            for text in tools.notes:
                if note is not None:
                    note(f"MCP {text}")
        yield manager
    finally:
        await asyncio.to_thread(manager.stop_all)
