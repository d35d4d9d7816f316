"""What one MCP server is doing, as the UI, ``mcp list`` and the tool bridge see it.

``ServerStatus`` is a frozen snapshot: safe to hand to another thread or to render later.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class ServerState(enum.Enum):
    DISABLED = "disabled"  # enabled = false in the config
    STARTING = "starting"  # spawned or connecting, not initialized yet (within its timeout)
    READY = "ready"  # initialized; its tools are known
    FAILED = "failed"  # did not start: bad entry, command missing, refused, crashed at start...
    TIMED_OUT = "timed out"  # did not answer initialize (and tools/list) within its timeout
    EXITED = "exited"  # was ready, then the process or connection went away
    STOPPED = "stopped"  # ended by us (restart, quit)

    @property
    def settled(self) -> bool:
        """Not on its way anywhere: waiting for start-up is over."""
        return self is not ServerState.STARTING


@dataclass(frozen=True, slots=True)
class McpTool:
    """One tool as the server describes it (the SDK's ``Tool``, without the SDK)."""

    server: str
    name: str  # the server's own name for it
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False  # annotations.readOnlyHint
    title: str | None = None


@dataclass(frozen=True, slots=True)
class McpResource:
    """One resource a server lists (for the context panel's picker)."""

    server: str
    uri: str
    name: str
    description: str = ""
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class ServerStatus:
    name: str
    transport: str  # stdio | http
    state: ServerState
    source: str = ""  # the file the entry came from
    target: str = ""  # the command line or the URL
    error: str | None = None  # why it failed or exited, in plain words
    tools: tuple[McpTool, ...] = ()  # after the entry's allow and deny lists
    hidden_tools: int = 0  # tools the allow and deny lists left out
    resources: bool = False  # whether the server offers resources
    stderr_tail: tuple[str, ...] = ()  # its last stderr lines (redacted)
    log_path: str | None = None
    start_ms: float | None = None  # spawn to ready
    server_name: str | None = None  # what the server calls itself (serverInfo)

    @property
    def tool_names(self) -> list[str]:
        return [t.name for t in self.tools]

    def summary(self) -> str:
        """One line: ``fs: ready, 11 tools`` / ``slow: failed: did not start within 10 s``."""
        if self.state is ServerState.READY:
            n = len(self.tools)
            return f"{self.name}: ready, {n} tool{'s' if n != 1 else ''}"
        if self.error:
            return f"{self.name}: {self.state.value}: {self.error}"
        return f"{self.name}: {self.state.value}"

    def to_json(self) -> dict[str, Any]:
        """``mcp list --json``'s entry. An exited server is "failed" there (its error says it exited):
        the design's states are ready | failed | disabled | starting."""
        state = {ServerState.EXITED: "failed", ServerState.STOPPED: "failed",
                 ServerState.TIMED_OUT: "failed"}.get(self.state, self.state.value)
        return {"name": self.name, "transport": self.transport, "state": state, "error": self.error,
                "tools": self.tool_names, "detail": self.state.value,
                "exited": self.state is ServerState.EXITED, "source": self.source,
                "target": self.target, "hidden_tools": self.hidden_tools, "stderr_tail": list(self.stderr_tail),
                "log": self.log_path, "start_ms": self.start_ms}
