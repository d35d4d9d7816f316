"""``qwen-tui mcp list|tools|trust`` and the MCP servers of one ``ask``.

``list`` and ``tools`` start the servers they report on (each within its own timeout), so the
state shown is what the app would see, then end them. ``trust`` records the user's yes to the
project's ``.mcp.json`` (the TUI asks; this is the same answer for scripts and ``ask``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qwen_tui.mcp.naming import tool_name
from qwen_tui.mcp.servers import configured_servers, running_servers
from qwen_tui.mcp.status import ServerState, ServerStatus
from qwen_tui.subcommands.output import EXIT_OK, EXIT_PROVIDER, UsageError, emit_json, err, safe

if TYPE_CHECKING:
    from qwen_tui.config import AppConfig
    from qwen_tui.mcp.manager import McpManager
    from qwen_tui.tools.toolbox import Toolbox


def _state_store() -> Any:
    from qwen_tui.state import State

    return State.load()


@asynccontextmanager
async def mcp_for_ask(config: AppConfig, toolbox: Toolbox, root: Path | None = None) -> AsyncIterator[None]:
    """``ask``'s MCP servers: started before the question (each within its timeout), their tools
    in ``toolbox``, every process ended when the answer is done. Notes go to stderr."""
    root = Path.cwd() if root is None else root
    servers, notes, _project = configured_servers(config.mcp, root, _state_store())
    for text in notes:
        err(f"note: {text}")
    if not servers:
        yield
        return
    async with running_servers(config.mcp, servers, toolbox, note=lambda text: err(f"note: {text}")):
        yield


def _line(status: ServerStatus) -> str:
    if status.state is ServerState.READY:
        n = len(status.tools)
        what = f"{n} tool{'s' if n != 1 else ''}" + (f" ({status.hidden_tools} hidden by allow/deny)"
                                                      if status.hidden_tools else "")
    else:
        what = status.error or ""
    state = status.to_json()["state"]
    detail = f" ({status.state.value})" if state != status.state.value else ""
    target = f"  [{status.target}]" if status.target else ""
    return f"{status.name}  {status.transport}  {state}{detail}  {what}{target}"


async def _statuses(config: AppConfig, names: list[str] | None = None) -> tuple[list[ServerStatus], list[str],
                                                                                 float | None]:
    servers, notes, _project = configured_servers(config.mcp, Path.cwd(), _state_store())
    if names is not None:
        servers = {n: s for n, s in servers.items() if n in names}
    manager: McpManager | None
    async with running_servers(config.mcp, servers) as manager:
        if manager is None:
            from qwen_tui.mcp.manager import McpManager

            return McpManager(servers).statuses(), notes, None
        return manager.statuses(), notes, manager.import_ms


def run_mcp_list(config: AppConfig, as_json: bool) -> int:
    statuses, notes, import_ms = asyncio.run(_statuses(config))
    if as_json:
        emit_json({"servers": [s.to_json() for s in statuses], "notes": notes, "sdk_import_ms": import_ms})
        return EXIT_OK
    for text in notes:
        err(f"note: {text}")
    if not statuses:
        sys.stdout.write("No MCP servers configured ([mcp.servers.NAME] in config.toml, or a trusted .mcp.json).\n")
    for status in statuses:
        sys.stdout.write(safe(_line(status), sys.stdout) + "\n")
        if status.state not in (ServerState.READY, ServerState.DISABLED) and status.stderr_tail:
            for line in status.stderr_tail[-3:]:
                sys.stdout.write(safe(f"    stderr: {line}", sys.stdout) + "\n")
    return EXIT_OK


def run_mcp_tools(config: AppConfig, server: str, as_json: bool) -> int:
    known, _notes, _project = configured_servers(config.mcp, Path.cwd(), _state_store())
    if server not in known:
        raise UsageError(f"no MCP server {server!r} (configured: {', '.join(known) or 'none'})")
    statuses, _notes, _ms = asyncio.run(_statuses(config, [server]))
    status = statuses[0]
    tools = [{"name": t.name, "mcp_name": tool_name(server, t.name), "read_only": t.read_only,
              "description": t.description, "input_schema": t.input_schema} for t in status.tools]
    if as_json:
        emit_json({"server": server, "transport": status.transport, "state": status.to_json()["state"],
                   "error": status.error, "tools": tools})
    else:
        if status.state is not ServerState.READY:
            err(f"error: {status.summary()}")
        for tool in tools:
            first = (tool["description"] or "").strip().splitlines()[0:1]
            mark = "read" if tool["read_only"] else "write"
            sys.stdout.write(safe(f"{tool['mcp_name']}  ({mark})  {first[0] if first else ''}", sys.stdout) + "\n")
    return EXIT_OK if status.state is ServerState.READY else EXIT_PROVIDER


def run_mcp_trust(path: str, revoke: bool) -> int:
    from qwen_tui.mcp.project import read_project_file

    project = read_project_file(Path(path).expanduser())
    if project is None:
        raise UsageError(f"{path}: no .mcp.json there")
    store = _state_store()
    if revoke:
        project.forget(store)
        store.save()
        sys.stdout.write(f"{project.path}: no longer trusted\n")
        return EXIT_OK
    for problem in project.problems:
        err(f"note: {problem}")
    sys.stdout.write(safe(project.question().rsplit("\n", 1)[0], sys.stdout) + "\n")
    project.trust(store)
    store.save()
    sys.stdout.write(f"{project.path}: trusted (asked again if the file changes)\n")
    return EXIT_OK
