"""A project's ``.mcp.json`` (Claude Code's file): read only once the user trusted it.

The file runs commands, and a cloned repository can carry one, so its servers are started only
after the user said yes to this very file: ``state.toml`` remembers the file's path and the
SHA-256 of its bytes (``State.trusted_mcp``). A changed file is a new question.

The user's own config wins: a project server with the name of a configured one is left out.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from qwen_tui.mcp.config import McpProblem, McpSettings, ServerConfig, parse_mcp_json_servers

PROJECT_FILE = ".mcp.json"
MAX_FILE_BYTES = 1024 * 1024


class TrustStore(Protocol):
    """What is needed of ``qwen_tui.state.State``: its ``trusted_mcp`` table (path -> sha256)."""

    trusted_mcp: dict[str, str]


@dataclass(slots=True)
class ProjectMcpFile:
    """One project's ``.mcp.json``: where, its digest, its servers (parsed, not started)."""

    path: Path
    digest: str
    servers: dict[str, ServerConfig] = field(default_factory=dict)
    problems: list[McpProblem] = field(default_factory=list)

    @property
    def key(self) -> str:
        return os.path.abspath(self.path)

    def trusted(self, store: TrustStore) -> bool:
        """Whether the user trusted this file with exactly these bytes."""
        return store.trusted_mcp.get(self.key) == self.digest

    def trust(self, store: TrustStore) -> None:
        """Remember the user's yes (the caller saves the state)."""
        store.trusted_mcp[self.key] = self.digest

    def forget(self, store: TrustStore) -> None:
        store.trusted_mcp.pop(self.key, None)

    def question(self) -> str:
        """What the app asks before the first start (the commands the file would run)."""
        lines = [f"{self.path} asks to start {len(self.servers)} MCP server(s):"]
        for server in self.servers.values():
            lines.append(f"  {server.name}: {server.describe()}")
        lines.append("Trust this file and start them? (asked again if the file changes)")
        return "\n".join(lines)


def read_project_file(root: Path | str) -> ProjectMcpFile | None:
    """The project's ``.mcp.json``, parsed; None when there is none. Never raises."""
    path = Path(root) / PROJECT_FILE
    try:
        if not path.is_file():
            return None
        data = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        return ProjectMcpFile(path, "", problems=[McpProblem(str(path), "", f"cannot be read ({exc.strerror})")])
    found = ProjectMcpFile(path, hashlib.sha256(data).hexdigest())
    if len(data) > MAX_FILE_BYTES:
        found.problems.append(McpProblem(str(path), "", "larger than 1 MiB", "is this really an MCP server list?"))
        return found
    try:
        parsed: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        found.problems.append(McpProblem(str(path), "", f"not valid JSON ({exc})", "fix the syntax"))
        return found
    found.servers = parse_mcp_json_servers(path, parsed, found.problems)
    return found


def merged_servers(settings: McpSettings, project: ProjectMcpFile | None,
                   store: TrustStore | None) -> tuple[dict[str, ServerConfig], list[str]]:
    """The servers to start: the configured ones, then a trusted project file's (a name already
    configured is left out). Also notes worth telling the user (an untrusted file, a shadowed name)."""
    servers = dict(settings.servers)
    notes: list[str] = []
    if project is None or not project.servers:
        return servers, notes
    if store is None or not project.trusted(store):
        notes.append(f"{project.path}: not trusted yet; its {len(project.servers)} server(s) were not started")
        return servers, notes
    for name, server in project.servers.items():
        if name in servers:
            notes.append(f"{project.path}: server {name!r} is also in {servers[name].source}; that one is used")
            continue
        servers[name] = server
    return servers, notes
