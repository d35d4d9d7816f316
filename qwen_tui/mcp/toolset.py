"""MCP tools beside the built-in ones: ``McpTools.install(toolbox, manager)``.

The ready servers' tools are registered into the project's ``Toolbox`` as ``mcp__<server>__<tool>``
with their own JSON schemas, as ``CommandTool.install`` plugs ``run_command`` in. A tool the
server marks ``readOnlyHint`` is a read tool (offered under ``--tools read``, run without asking);
every other one is a write tool that is not undoable, so the policy asks first, as for a command
(``approve = "auto"`` covers only checkpointed file writes).

How many are offered is bounded (``[mcp] max_tools``): small models drown in hundreds of tools.
The largest servers are trimmed first (each keeps its first tools, in its own order) and a note
says so. The set follows the servers: ``sync`` runs at every status change (a server ready,
exited, restarted), swapping the toolbox's tables copy-on-write.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qwen_tui.mcp.config import DEFAULT_MAX_TOOLS
from qwen_tui.mcp.connection import ServerGone
from qwen_tui.mcp.naming import tool_name
from qwen_tui.mcp.status import McpTool, ServerState
from qwen_tui.tools.results import ToolResult
from qwen_tui.tools.specs import BUILTIN_SPECS, ToolSpec

if TYPE_CHECKING:
    from qwen_tui.mcp.manager import McpManager
    from qwen_tui.tools.toolbox import Answer, Toolbox

MAX_DESCRIPTION = 1024


def bound_tools(per_server: Mapping[str, Sequence[McpTool]], limit: int) -> tuple[dict[str, list[McpTool]], list[str]]:
    """At most ``limit`` tools in all: the largest servers give up tools first (an equal share
    for the big ones, the small ones whole). Also a note per trimmed server."""
    kept = {server: list(tools) for server, tools in per_server.items()}
    sizes = {server: len(tools) for server, tools in kept.items()}
    if sum(sizes.values()) <= limit:
        return kept, []
    level = 0
    while sum(min(n, level + 1) for n in sizes.values()) <= limit:
        level += 1
    left = limit - sum(min(n, level) for n in sizes.values())
    notes = []
    for server in sorted(kept, key=lambda s: -sizes[s]):
        share = min(sizes[server], level)
        if sizes[server] > level and left > 0:
            share, left = share + 1, left - 1
        kept[server] = kept[server][:share]
        if share < sizes[server]:
            notes.append(f"{server}: {share} of its {sizes[server]} tools offered (mcp.max_tools = {limit}; "
                         f"allow and deny in [mcp.servers.{server}] choose which)")
    return kept, notes


def tool_spec(name: str, tool: McpTool) -> ToolSpec:
    """The toolbox's spec of an MCP tool: its schema as the server gives it, an object at least."""
    schema: dict[str, Any] = dict(tool.input_schema or {})
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    description = tool.description.strip() or tool.title or tool.name
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    return ToolSpec(name, f"[MCP server {tool.server}] {description}", schema, read_only=tool.read_only,
                    undoable=False)


class McpTools:
    """The MCP tools registered in one toolbox, kept in step with the manager's servers."""

    def __init__(self, toolbox: Toolbox, manager: McpManager, *, max_tools: int = DEFAULT_MAX_TOOLS) -> None:
        self.toolbox = toolbox
        self.manager = manager
        self.max_tools = max_tools
        self.notes: list[str] = []
        self._registered: dict[str, tuple[str, McpTool]] = {}  # model name -> (server, tool)
        self._lock = threading.Lock()

    @classmethod
    def install(cls, toolbox: Toolbox, manager: McpManager, *, max_tools: int | None = None,
                follow: bool = True) -> McpTools:
        """Register the ready servers' tools now and, with ``follow``, at every status change."""
        tools = cls(toolbox, manager, max_tools=DEFAULT_MAX_TOOLS if max_tools is None else max_tools)
        tools.sync()
        if follow:
            manager.add_listener(lambda _status: tools.sync())
        return tools

    @property
    def names(self) -> list[str]:
        return list(self._registered)

    def sync(self) -> list[str]:
        """Make the toolbox's MCP tools those of the ready servers (bounded); the names offered."""
        with self._lock:
            policy = self.toolbox.policy
            per_server = {s.name: [t for t in s.tools if policy.offers(t)]
                          for s in self.manager.statuses() if s.state is ServerState.READY}
            kept, notes = bound_tools(per_server, self.max_tools)
            taken = {spec.name for spec in BUILTIN_SPECS}
            wanted: dict[str, tuple[str, McpTool]] = {}
            for server, tools in kept.items():
                for tool in tools:
                    name = tool_name(server, tool.name)
                    n = 2
                    while name in taken or name in wanted:  # two names that clean up alike
                        name, n = f"{tool_name(server, tool.name)[:60]}_{n}", n + 1
                    wanted[name] = (server, tool)
            for name in self._registered:
                if name not in wanted:
                    self.toolbox.unregister(name)
            for name, (server, tool) in wanted.items():
                if self._registered.get(name) != (server, tool):
                    self.toolbox.register(tool_spec(name, tool), self._impl(name, server, tool.name))
            self._registered, self.notes = wanted, notes
            return list(wanted)

    def _impl(self, name: str, server: str, tool: str) -> Any:
        manager = self.manager

        def call(_answer: Answer, args: dict[str, Any]) -> ToolResult:
            try:
                outcome = manager.call_tool(server, tool, args)
            except ServerGone as exc:
                return ToolResult.failure(name, f"the MCP server is not running: {exc}. Nothing was done; "
                                          "the user can restart it.", args)
            if outcome.is_error:
                first = outcome.text.splitlines()[0] if outcome.text else "failed"
                return ToolResult(name, False, f"Error: {outcome.text}", f"{name}: {first[:160]}", args)
            size = f"{len(outcome.text):,} characters" + (", truncated" if outcome.truncated else "")
            return ToolResult(name, True, outcome.text, f"{name}: {size}", args)

        return call
