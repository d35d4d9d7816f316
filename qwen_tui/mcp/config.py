"""MCP servers as the user configured them: ``[mcp]`` and ``[mcp.servers.NAME]`` in config.toml.

A server entry with a problem (an unknown key, a wrong type, both ``command`` and ``url``...) is
not started: it is kept with its ``problem`` (``file: mcp.servers.NAME.KEY: problem — fix``) so
``mcp list`` and the app show it as failed, and every other entry still loads. Nothing here is
fatal to the configuration as a whole.

Secrets never sit in the file: ``env`` and ``headers`` values may name environment variables as
``${NAME}`` (or ``${NAME:-default}``), expanded when the server starts; ``env`` may also be a list
of names passed through as they are. Only those variables reach a stdio server, beside the SDK's
minimal base (HOME, LOGNAME, PATH, SHELL, TERM, USER): never a provider's key unless named.

No SDK import here: reading the configuration costs nothing when no server is configured.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_CALL_TIMEOUT_S = 120.0
DEFAULT_MAX_TOOLS = 64
MAX_TOOLS_LIMIT = 1000

MCP_KEYS = ("servers", "max_tools", "call_timeout")
SERVER_KEYS = ("command", "args", "env", "url", "headers", "cwd", "enabled", "timeout", "allow", "deny")
TRANSPORTS = ("stdio", "http")

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True, slots=True)
class McpProblem:
    """One problem of an MCP entry, told as ``file: key: problem — fix``."""

    file: str
    key: str
    problem: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.file}: {self.key}: {self.problem}"
        return f"{text} — {self.fix}" if self.fix else text


class MissingVariable(Exception):
    """An ``${NAME}`` in env or headers whose variable is not set (the server cannot start)."""


def expand(template: str, environ: Mapping[str, str], where: str) -> str:
    """``template`` with each ``${NAME}`` / ``${NAME:-default}`` replaced from ``environ``."""

    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = environ.get(name)
        if value is None or value == "" and default is not None:
            if default is None:
                raise MissingVariable(f"{where}: ${{{name}}} is not set in the environment")
            return default
        return value

    return _REFERENCE.sub(one, template)


def references(template: str) -> list[str]:
    """The variable names a template reads."""
    return [m.group(1) for m in _REFERENCE.finditer(template)]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """One MCP server: how to start or reach it, and which of its tools may be offered."""

    name: str
    source: str  # the file the entry came from
    transport: str = "stdio"  # stdio | http
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)  # name -> value template (${VAR} expanded)
    pass_env: tuple[str, ...] = ()  # names passed through from our environment as they are
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # name -> value template
    cwd: str | None = None
    enabled: bool = True
    timeout: float = DEFAULT_TIMEOUT_S  # seconds to start (initialize and list the tools)
    allow: tuple[str, ...] = ()  # tool name globs; empty: every tool
    deny: tuple[str, ...] = ()  # tool name globs; deny wins
    problem: str | None = None  # why this entry cannot be started (it is shown, not started)

    def server_env(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The variables this server gets on top of the SDK's base; MissingVariable if one is unset."""
        environ = os.environ if environ is None else environ
        env = {name: environ[name] for name in self.pass_env if name in environ}
        for name, template in self.env.items():
            env[name] = expand(template, environ, f"env {name}")
        return env

    def http_headers(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        environ = os.environ if environ is None else environ
        return {name: expand(t, environ, f"header {name}") for name, t in self.headers.items()}

    def secret_values(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """Values read from the environment for headers and env: redacted wherever they show up."""
        environ = os.environ if environ is None else environ
        names = [*self.pass_env]
        for template in [*self.headers.values(), *self.env.values()]:
            names += references(template)
        return [environ[n] for n in names if environ.get(n)]

    def tool_allowed(self, tool: str) -> bool:
        """Whether the allow and deny lists let ``tool`` (the server's own name) be offered."""
        if any(fnmatch.fnmatchcase(tool, p) for p in self.deny):
            return False
        return not self.allow or any(fnmatch.fnmatchcase(tool, p) for p in self.allow)

    def describe(self) -> str:
        """How the server is reached, in a few words (``npx -y pkg .``, ``http://host/mcp``)."""
        if self.transport == "http":
            return self.url or ""
        return " ".join([self.command or "", *self.args]).strip()


@dataclass(slots=True)
class McpSettings:
    """The ``[mcp]`` table: the servers, how many of their tools a request may carry, call timeout."""

    servers: dict[str, ServerConfig] = field(default_factory=dict)
    max_tools: int = DEFAULT_MAX_TOOLS
    call_timeout: float = DEFAULT_CALL_TIMEOUT_S
    problems: list[McpProblem] = field(default_factory=list)  # every problem found, entry by entry

    @property
    def configured(self) -> bool:
        """Whether any server is enabled (only then is the SDK imported)."""
        return any(s.enabled for s in self.servers.values())


# ---- parsing -------------------------------------------------------------------------------------


class _Entry:
    """Collects one server entry's problems; the first one becomes the entry's ``problem``."""

    def __init__(self, file: str, prefix: str, problems: list[McpProblem]) -> None:
        self.file, self.prefix, self.all, self.mine = file, prefix, problems, []

    def add(self, key: str, problem: str, fix: str = "") -> None:
        where = f"{self.prefix}.{key}" if key else self.prefix
        found = McpProblem(self.file, where, problem, fix)
        self.all.append(found)
        self.mine.append(found)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {"str": "a string", "int": "a whole number", "float": "a number", "list": "a list",
            "dict": "a table"}.get(type(value).__name__, type(value).__name__)


def _strings(entry: _Entry, key: str, value: Any, example: str) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        entry.add(key, f"expected a list of strings, got {_kind(value)}", f"write {key} = {example}")
        return None
    return tuple(value)


def _string_table(entry: _Entry, key: str, value: Any, example: str) -> dict[str, str] | None:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        entry.add(key, f"expected a table of strings, got {_kind(value)}", f"write {key} = {example}")
        return None
    return dict(value)


def _server(file: str, name: str, table: Any, problems: list[McpProblem], *, prefix: str,
            json_style: bool = False) -> ServerConfig:
    """One entry, from config.toml (``json_style`` False) or .mcp.json (True: its own spelling)."""
    entry = _Entry(file, f"{prefix}.{name}", problems)
    if not isinstance(table, dict):
        entry.add("", f"expected a table, got {_kind(table)}",
                  '{"command": "...", "args": [...]}' if json_style else f"write [mcp.servers.{name}]")
        return ServerConfig(name, file, problem=str(entry.mine[0]))
    values: dict[str, Any] = {}
    for key, value in table.items():
        if json_style and key == "type":
            if value in ("stdio", "http", "streamable-http", "streamableHttp"):
                values["type"] = "http" if value != "stdio" else "stdio"
            else:
                entry.add(key, f"transport {value!r} is not supported", 'use "stdio" or "http" (streamable HTTP)')
            continue
        if key not in SERVER_KEYS:
            if json_style:
                continue  # other assistants' keys: not ours to judge
            close = difflib.get_close_matches(key, SERVER_KEYS, n=1)
            fix = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(SERVER_KEYS)}"
            entry.add(key, "unknown key", fix)
            continue
        values[key] = value
    config: dict[str, Any] = {}
    for key in ("command", "url", "cwd"):
        if key in values:
            value = values[key]
            if not isinstance(value, str) or not value.strip():
                entry.add(key, f"expected a non-empty string, got {_kind(value)}", f'write {key} = "..."')
            else:
                config[key] = value.strip()
    if "args" in values and (args := _strings(entry, "args", values["args"], '["--flag", "value"]')) is not None:
        config["args"] = args
    if "env" in values:
        env = values["env"]
        if isinstance(env, list):
            names = _strings(entry, "env", env, '["GITHUB_TOKEN"]')
            bad = [n for n in names or () if not _ENV_NAME.match(n)]
            if bad:
                entry.add("env", f"{bad[0]!r} is not an environment variable name", 'write env = ["NAME"]')
            elif names is not None:
                config["pass_env"] = names
        elif (table_env := _string_table(entry, "env", env, '{ NAME = "value", TOKEN = "${TOKEN}" }')) is not None:
            bad = [n for n in table_env if not _ENV_NAME.match(n)]
            if bad:
                entry.add(f"env.{bad[0]}", "not an environment variable name", "use letters, digits and _")
            else:
                config["env"] = table_env
    if "headers" in values:
        headers = _string_table(entry, "headers", values["headers"], '{ Authorization = "Bearer ${MY_TOKEN}" }')
        if headers is not None:
            config["headers"] = headers
    if "enabled" in values:
        if isinstance(values["enabled"], bool):
            config["enabled"] = values["enabled"]
        else:
            entry.add("enabled", f"expected true or false, got {_kind(values['enabled'])}", "write enabled = false")
    if "timeout" in values:
        t = values["timeout"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t <= 0:
            entry.add("timeout", f"expected a number of seconds above 0, got {t!r}", "e.g. timeout = 10")
        else:
            config["timeout"] = float(t)
    for key in ("allow", "deny"):
        if key in values and (patterns := _strings(entry, key, values[key], '["read_*", "list_*"]')) is not None:
            config[key] = patterns
    transport = values.get("type") or ("http" if "url" in config else "stdio")
    if "command" in config and "url" in config:
        entry.add("url", "both command and url are set", "keep command (stdio) or url (streamable HTTP)")
    elif transport == "http" and "url" not in config and "url" not in values:
        entry.add("url", "missing", 'set url = "http://127.0.0.1:9000/mcp"')
    elif transport == "stdio" and "command" not in config and "command" not in values:
        entry.add("command", "missing", 'set command = "npx" (and args), or url for a server over HTTP')
    if "url" in config and not config["url"].startswith(("http://", "https://")):
        entry.add("url", "not an http(s) URL", 'write it in full, e.g. "http://127.0.0.1:9000/mcp"')
    if transport == "http":
        for key in ("args", "env", "cwd"):
            if key in values and "command" not in values:
                entry.add(key, "only for a server started with command", "remove it (the server runs elsewhere)")
    elif "headers" in values:
        entry.add("headers", "only for a server reached by url", "remove it, or pass values through env")
    problem = str(entry.mine[0]) if entry.mine else None
    return ServerConfig(name, file, transport=transport, problem=problem, **config)


def parse_mcp_table(file: Path | str, table: Any) -> McpSettings:
    """The ``[mcp]`` table of ``file``; never raises (problems are in ``.problems``)."""
    file = str(file)
    settings = McpSettings()
    if not isinstance(table, dict):
        settings.problems.append(McpProblem(file, "mcp", f"expected a table, got {_kind(table)}", "write [mcp]"))
        return settings
    for key, value in table.items():
        where = f"mcp.{key}"
        if key not in MCP_KEYS:
            close = difflib.get_close_matches(key, MCP_KEYS, n=1)
            settings.problems.append(McpProblem(file, where, "unknown key",
                                                f"did you mean {close[0]!r}?" if close else
                                                f"known keys: {', '.join(MCP_KEYS)}"))
        elif key == "max_tools":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOOLS_LIMIT:
                settings.problems.append(McpProblem(file, where, f"expected a whole number from 0 to "
                                                    f"{MAX_TOOLS_LIMIT}, got {value!r}", "e.g. max_tools = 64"))
            else:
                settings.max_tools = value
        elif key == "call_timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                settings.problems.append(McpProblem(file, where, f"expected a number of seconds above 0, "
                                                    f"got {value!r}", "e.g. call_timeout = 120"))
            else:
                settings.call_timeout = float(value)
    servers = table.get("servers", {})
    if not isinstance(servers, dict):
        settings.problems.append(McpProblem(file, "mcp.servers", f"expected a table, got {_kind(servers)}",
                                            "write [mcp.servers.NAME] tables"))
        return settings
    for name, entry in servers.items():
        settings.servers[name] = _server(file, name, entry, settings.problems, prefix="mcp.servers")
    return settings


def parse_mcp_json_servers(file: Path | str, data: Any, problems: list[McpProblem]) -> dict[str, ServerConfig]:
    """The ``mcpServers`` of a project's ``.mcp.json`` (Claude Code's format)."""
    file = str(file)
    if not isinstance(data, dict) or not isinstance(data.get("mcpServers", {}), dict):
        problems.append(McpProblem(file, "mcpServers", "expected an object of servers",
                                   '{"mcpServers": {"name": {"command": "...", "args": []}}}'))
        return {}
    return {name: _server(file, name, entry, problems, prefix="mcpServers", json_style=True)
            for name, entry in data.get("mcpServers", {}).items()}
