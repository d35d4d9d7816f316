"""Configuration: TOML in, typed objects out.

Precedence for every setting: command-line flag, then the config file, then an environment variable
(``OLLAMA_HOST``, ``BL_WORKSPACE``), then the built-in default. API keys are only ever read from
the environment variable a provider's ``api_key_env`` names; they are never written anywhere.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui import paths
from qwen_tui.mcp.config import McpSettings, parse_mcp_table
from qwen_tui.providers.base import ProviderSettings, Timeouts

BUILTIN_KINDS = ("huggingface", "sambanova", "ollama", "blaxel")

BUILTIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "huggingface": {
        "base_url": "https://router.huggingface.co/v1",
        "model": "Qwen/Qwen2.5-Coder-32B-Instruct",
        "api_key_env": "HF_TOKEN",
    },
    "sambanova": {
        "base_url": "https://api.sambanova.ai/v1",
        "model": "Meta-Llama-3.3-70B-Instruct",
        "api_key_env": "SAMBANOVA_API_KEY",
    },
    "ollama": {
        "base_url": "http://localhost:11434",
        "model": "qwen2.5-coder:7b",
        "api_key_env": None,
        "first_byte_timeout": 300.0,
    },
    "blaxel": {
        "base_url": "https://run.blaxel.ai",
        "api_url": "https://api.blaxel.ai/v0",
        "workspace": None,
        "model": "my-model",
        "api_key_env": "BL_API_KEY",
    },
    # not a table of its own by default: [providers.NAME] with kind = "blaxel-agent", agent = "..."
    "blaxel-agent": {
        "base_url": "https://run.blaxel.ai",
        "api_url": "https://api.blaxel.ai/v0",
        "workspace": None,
        "api_key_env": "BL_API_KEY",
    },
}
BLAXEL_KINDS = ("blaxel", "blaxel-agent")

#: ``BL_ENV`` other than "prod" moves both planes to Blaxel's dev hosts, as the SDK does
#: (sdk-python ``core/common/settings.py`` ``base_url``/``run_url``).
BLAXEL_DEV_URLS = {"base_url": "https://run.blaxel.dev", "api_url": "https://api.blaxel.dev/v0"}

PROVIDER_KEYS = {
    "kind": str,
    "base_url": str,
    "api_url": str,
    "workspace": str,
    "model": str,
    "api_key_env": str,
    "connect_timeout": (int, float),
    "first_byte_timeout": (int, float),
    "read_timeout": (int, float),
    "context_window": int,
    "keep_alive": (str, int, float),  # Ollama: how long the model stays loaded; unset = the server's own
    "max_context_window": int,  # Ollama: the largest num_ctx sent (default 32768)
    "think": (bool, str),  # Ollama: reasoning on/off, or "low" | "medium" | "high"; unset = the model's own
    "tool_calls": bool,  # false: the model writes SEARCH/REPLACE blocks instead of calling tools
    #: Extra request headers, each value read from the environment variable named (a gateway's or
    #: Modal's proxy auth: ``{"Modal-Key" = "MODAL_KEY"}``); secret like a key, redacted everywhere.
    "headers": dict,
    "agent": str,  # Blaxel agent: its name in the workspace
    #: Blaxel agent: the JSON body sent; "$input" = the question with its context, "$messages" =
    #: the conversation as OpenAI messages. Default {inputs = "$input"}.
    "body_template": dict,
}
#: Keys that mean something to one kind only.
KIND_ONLY_KEYS = {"keep_alive": "ollama", "max_context_window": "ollama", "think": "ollama",
                  "agent": "blaxel-agent", "body_template": "blaxel-agent"}
#: Ollama's ``think`` levels besides true and false (gpt-oss takes a level, not a switch).
THINK_LEVELS = ("low", "medium", "high")
#: Ollama's keep_alive: a Go duration ("10m", "1h30m", "-1" forever, "0" unload now) or seconds.
_KEEP_ALIVE = re.compile(r"^-?\d+(\.\d+)?(ns|us|µs|ms|s|m|h)?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))*$")
TOP_KEYS = {"default_provider": str, "theme": str, "providers": dict, "keys": dict, "context": dict, "tools": dict,
            "mcp": dict}
CONTEXT_KEYS = {"max_file_kb": int, "reserve_tokens": int, "system_prompt": str, "auto_compact": (int, float)}
TOOLS_KEYS = {"approve": str, "max_steps": int, "commands": dict}
COMMANDS_KEYS = {"allow": list, "deny": list, "timeout": (int, float)}
MAX_STEPS_LIMIT = 1000
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an HTTP token (RFC 9110)
_BINDING_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
_KEY_NAME = re.compile(r"^[A-Za-z0-9_+-]+$")  # Textual key names: ctrl+p, f2, shift+tab, question_mark


class ConfigError(Exception):
    """A configuration problem, told as ``file: key: problem — fix``."""

    def __init__(self, file: Path | str, key: str, problem: str, fix: str = "") -> None:
        self.file, self.key, self.problem, self.fix = str(file), key, problem, fix
        text = f"{file}: {key}: {problem}" if key else f"{file}: {problem}"
        if fix:
            text += f" — {fix}"
        super().__init__(text)
        #: every problem found in the file, this one first (``load_config`` raises the first)
        self.all: list[ConfigError] = [self]


@dataclass(slots=True)
class ContextSettings:
    """The ``[context]`` table: how much of the project a question may carry."""

    max_file_kb: int = 256  # larger files are refused with a note
    reserve_tokens: int = 4096  # kept free in the context window for the answer
    system_prompt: str | None = None  # None: the built-in prompt
    auto_compact: float = 0.0  # compact before a question once the history fills this share of the window; 0: never


@dataclass(slots=True)
class CommandSettings:
    """The ``[tools.commands]`` table: which commands run without asking, which never run."""

    allow: tuple[str, ...] = ()  # glob patterns: run without asking
    deny: tuple[str, ...] = ()  # glob patterns: never run (deny wins)
    timeout: float = 120.0  # seconds


@dataclass(slots=True)
class ToolsSettings:
    """The ``[tools]`` table: whether writes need a yes, and how many tool steps an answer may take."""

    approve: str = "ask"  # ask | auto
    max_steps: int = 25
    commands: CommandSettings = field(default_factory=CommandSettings)


@dataclass(slots=True)
class AppConfig:
    path: Path
    exists: bool
    default_provider: str = "ollama"
    theme: str = "qwen-dark"
    providers: dict[str, ProviderSettings] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> key(s), e.g. "ctrl+p,f9"
    context: ContextSettings = field(default_factory=ContextSettings)
    tools: ToolsSettings = field(default_factory=ToolsSettings)
    mcp: McpSettings = field(default_factory=McpSettings)  # its problems are not fatal: see mcp.config

    def provider(self, name: str) -> ProviderSettings:
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(self.providers)
            raise ConfigError(
                self.path, "provider", f"unknown provider {name!r}", f"choose one of: {known}"
            ) from None


def ollama_host_url(value: str | None) -> str:
    """``OLLAMA_HOST`` read exactly as ollama-python's ``_parse_host`` reads it (0.6.3): a bare
    host gets http:// and port 11434, ``http://`` alone port 80, ``https://`` 443, an empty host
    127.0.0.1 (``:56789``); a path is kept, without its slashes at either end."""
    host, port = (value or "").strip(), 11434
    scheme, _, hostport = host.partition("://")
    if not hostport:
        scheme, hostport = "http", host
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443
    split = urllib.parse.urlsplit(f"{scheme}://{hostport}")
    host = split.hostname or "127.0.0.1"
    port = split.port or port
    try:
        if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address):
            host = f"[{host}]"  # urlsplit drops the brackets
    except ValueError:
        pass
    if path := split.path.strip("/"):
        return f"{scheme}://{host}:{port}/{path}"
    return f"{scheme}://{host}:{port}"


class _Problems(list):
    """Collects every problem in a file, so ``config --check`` can list them all at once."""

    def __init__(self, file: Path) -> None:
        super().__init__()
        self.file = file

    def add(self, key: str, problem: str, fix: str = "") -> None:
        self.append(ConfigError(self.file, key, problem, fix))


def _type_name(expected: Any) -> str:
    names = {
        "str": "a string", "int": "a whole number", "float": "a number", "dict": "a table", "bool": "true or false",
    }
    types = expected if isinstance(expected, tuple) else (expected,)
    if set(types) == {int, float}:
        return "a number"
    return " or ".join(names.get(t.__name__, t.__name__) for t in types)


def _type_ok(problems: _Problems, key: str, value: Any, expected: Any) -> bool:
    takes_bool = expected is bool or (isinstance(expected, tuple) and bool in expected)
    if (isinstance(value, bool) and not takes_bool) or not isinstance(value, expected):
        got = {"str": "a string", "int": "a whole number", "float": "a number", "list": "a list",
               "dict": "a table", "bool": "true/false"}.get(type(value).__name__, type(value).__name__)
        fix = f"write {key.rsplit('.', 1)[-1]} = " + {
            "a string": '"..."', "a whole number": "123", "a number": "12.5", "a table": "a [table]"
        }.get(_type_name(expected), "a valid value")
        problems.add(key, f"expected {_type_name(expected)}, got {got}", fix)
        return False
    return True


def _unknown_key(problems: _Problems, key: str, name: str, known: Any) -> None:
    close = difflib.get_close_matches(name, list(known), n=1)
    fix = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
    if name in ("api_key", "key", "token", "apikey"):
        fix = "keys are read only from the environment: set api_key_env to the variable's name"
    problems.add(key, "unknown key", fix)


def _check_provider_values(problems: _Problems, name: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """Keys and types of one ``[providers.NAME]`` table; returns the entries that passed."""
    good: dict[str, Any] = {}
    for key, value in table.items():
        where = f"providers.{name}.{key}"
        if key not in PROVIDER_KEYS:
            _unknown_key(problems, where, key, PROVIDER_KEYS)
            continue
        if not _type_ok(problems, where, value, PROVIDER_KEYS[key]):
            continue
        if key in ("base_url", "api_url") and not value.startswith(("http://", "https://")):
            problems.add(where, "not an http(s) URL", 'write it in full, e.g. "http://127.0.0.1:8080/v1"')
            continue
        if key in ("connect_timeout", "first_byte_timeout", "read_timeout") and value <= 0:
            problems.add(where, "must be more than 0 seconds", f"e.g. {key} = 30")
            continue
        if key in ("context_window", "max_context_window") and value <= 0:
            problems.add(where, "must be more than 0 tokens", f"e.g. {key} = 32768, or remove it")
            continue
        if key == "keep_alive" and isinstance(value, str) and not _KEEP_ALIVE.match(value.strip()):
            problems.add(where, f"not a duration ({value!r})",
                         'e.g. keep_alive = "10m", "1h", "-1" (stay loaded) or "0" (unload after the answer)')
            continue
        if key == "think" and isinstance(value, str) and value not in THINK_LEVELS:
            problems.add(where, f"not a thinking level ({value!r})",
                         'think = true or false, or one of "low", "medium", "high"')
            continue
        if key == "headers" and not _headers_ok(problems, where, value):
            continue
        if key == "model" and not value.strip():
            problems.add(where, "empty", "name the model to use")
            continue
        if key == "api_key_env" and not _ENV_NAME.match(value):
            # the value may be a pasted key: never repeat it
            problems.add(
                where,
                "not an environment variable name",
                'api_key_env names the variable holding the key (e.g. "HF_TOKEN"), never the key itself',
            )
            continue
        good[key] = value
    return good


def _headers_ok(problems: _Problems, where: str, table: Mapping[str, Any]) -> bool:
    """``headers``: header name -> the name of the environment variable holding its value. A
    value that is not a variable name may be a pasted secret: it is never repeated."""
    good = True
    for header, env_name in table.items():
        if not _HEADER_NAME.match(str(header)):
            problems.add(f"{where}.{header}", "not an HTTP header name", 'e.g. "Modal-Key" or "X-Gateway-Token"')
            good = False
        elif not isinstance(env_name, str) or not _ENV_NAME.match(env_name):
            problems.add(f"{where}.{header}", "not an environment variable name",
                         'the value names the variable holding the header\'s value (e.g. "MODAL_KEY"), '
                         "never the value itself")
            good = False
    return good


def _provider_settings(
    problems: _Problems, name: str, table: Mapping[str, Any], env: Mapping[str, str], known_kinds: set[str]
) -> ProviderSettings | None:
    table = _check_provider_values(problems, name, table)
    kind = table.get("kind") or (name if name in BUILTIN_KINDS else None)
    if kind is None:
        problems.add(
            f"providers.{name}",
            "no kind",
            'add kind = "openai" (any OpenAI-compatible server) or a kind a plugin registers',
        )
        return None
    if known_kinds and kind not in known_kinds:
        problems.add(
            f"providers.{name}.kind", f"unknown kind {kind!r}", f"known kinds: {', '.join(sorted(known_kinds))}"
        )
        return None
    merged: dict[str, Any] = dict(BUILTIN_DEFAULTS.get(kind, {}))
    # environment overrides sit under the file but above built-in defaults
    if kind == "ollama" and env.get("OLLAMA_HOST"):
        try:
            merged["base_url"] = ollama_host_url(env["OLLAMA_HOST"])
        except ValueError:  # a port that is not a number
            problems.add("OLLAMA_HOST", f"not a host[:port] ({env['OLLAMA_HOST']!r})",
                         "set it like ollama does, e.g. 127.0.0.1:11434 or https://ollama.example.com")
    if kind in BLAXEL_KINDS and env.get("BL_ENV", "prod") != "prod":
        merged.update(BLAXEL_DEV_URLS)
    if kind in BLAXEL_KINDS and env.get("BL_WORKSPACE"):
        merged["workspace"] = env["BL_WORKSPACE"]
    merged.update(table)
    if kind == "blaxel-agent" and not _agent_entry(problems, name, merged, env):
        return None
    for key, only in KIND_ONLY_KEYS.items():
        if key in table and kind != only:
            problems.add(f"providers.{name}.{key}", f"only for kind {only!r}", "remove it")
    if "base_url" not in merged or "model" not in merged:
        missing = "base_url" if "base_url" not in merged else "model"
        problems.add(f"providers.{name}.{missing}", "missing", f"set {missing} for this provider")
        return None
    # an agent may run a chain of model calls and tools before its first byte, as a cold Ollama loads a model
    default_first_byte = 300.0 if kind in ("ollama", "blaxel-agent") else 30.0
    timeouts = Timeouts(
        connect=float(merged.get("connect_timeout", 10.0)),
        first_byte=float(merged.get("first_byte_timeout", default_first_byte)),
        between_chunks=float(merged.get("read_timeout", 60.0)),
    )
    key_env = merged.get("api_key_env")
    if kind == "ollama" and not key_env and env.get("OLLAMA_API_KEY"):
        key_env = "OLLAMA_API_KEY"
    return ProviderSettings(
        name=name,
        kind=kind,
        base_url=str(merged["base_url"]).rstrip("/"),
        model=str(merged["model"]),
        api_key_env=key_env,
        api_key=(env.get(key_env) or None) if key_env else None,
        api_url=(str(merged["api_url"]).rstrip("/") if merged.get("api_url") else None),
        workspace=merged.get("workspace"),
        timeouts=timeouts,
        context_window=merged.get("context_window"),
        tool_calls=bool(merged.get("tool_calls", True)),
        header_envs=dict(merged.get("headers") or {}),
        headers={h: env[e] for h, e in (merged.get("headers") or {}).items() if env.get(e)},
        extra={key: merged[key] for key in (*KIND_ONLY_KEYS, "agent_url")
               if key in merged and kind == KIND_ONLY_KEYS.get(key, "blaxel-agent")},
    )


def _agent_entry(problems: _Problems, name: str, merged: dict[str, Any], env: Mapping[str, str]) -> bool:
    """A Blaxel agent entry: its ``agent`` named, its model shown as the agent, a template that
    carries the question, and the SDK's forced URL (``BL_AGENTS_{NAME}_URL``, then
    ``BL_AGENT_{NAME}_URL``) when set."""
    agent = merged.get("agent")
    if not isinstance(agent, str) or not agent.strip():
        problems.add(f"providers.{name}.agent", "missing", 'name the Blaxel agent, e.g. agent = "code-reviewer"')
        return False
    merged.setdefault("model", agent)
    template = merged.get("body_template")
    if template is not None and not _mentions_input(template):
        problems.add(f"providers.{name}.body_template", 'has no "$input" nor "$messages"',
                     'put "$input" where the question goes, e.g. body_template = {inputs = "$input"}')
        return False
    var = agent.replace("-", "_").upper()
    forced = env.get(f"BL_AGENTS_{var}_URL") or env.get(f"BL_AGENT_{var}_URL")
    if forced:
        merged["agent_url"] = forced
    return True


def _mentions_input(template: Any) -> bool:
    if template in ("$input", "$messages"):
        return True
    if isinstance(template, dict):
        return any(_mentions_input(v) for v in template.values())
    if isinstance(template, list):
        return any(_mentions_input(v) for v in template)
    return False


def _keys_table(problems: _Problems, table: Mapping[str, Any]) -> dict[str, str]:
    """``[keys]``: binding id -> Textual key string (several keys separated by commas).

    Ids contain dots (``prompt.send``); TOML reads an unquoted ``prompt.send = "enter"`` as a
    nested table, so nested tables are flattened back into dotted ids.
    """
    keys: dict[str, str] = {}
    for binding_id, value in _flatten(table):
        where = f"keys.{binding_id}"
        if not _BINDING_ID.match(binding_id):
            problems.add(where, "not a binding id", "F1 (help) lists every binding with its id")
            continue
        if not _type_ok(problems, where, value, str):
            continue
        parts = [p.strip() for p in value.split(",")]
        if not value.strip() or not all(p and _KEY_NAME.match(p) for p in parts):
            problems.add(where, f"{value!r} is not a key", 'write a key like "ctrl+p", "f2" or "ctrl+j,shift+enter"')
            continue
        keys[binding_id] = ",".join(parts)
    return keys


def _flatten(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{prefix}{key}."))
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _context_table(problems: _Problems, table: Mapping[str, Any]) -> ContextSettings:
    settings = ContextSettings()
    for key, value in table.items():
        where = f"context.{key}"
        if key not in CONTEXT_KEYS:
            _unknown_key(problems, where, key, CONTEXT_KEYS)
            continue
        if not _type_ok(problems, where, value, CONTEXT_KEYS[key]):
            continue
        if key == "max_file_kb" and value <= 0:
            problems.add(where, "must be more than 0", "e.g. max_file_kb = 256")
        elif key == "reserve_tokens" and value < 0:
            problems.add(where, "must be 0 or more", "e.g. reserve_tokens = 4096")
        elif key == "auto_compact" and not 0 <= value < 1:
            problems.add(where, "must be a share of the window, from 0 (never) to below 1", "e.g. auto_compact = 0.8")
        else:
            setattr(settings, key, value if key != "system_prompt" or value.strip() else None)
    return settings


def _patterns(problems: _Problems, where: str, value: list[Any]) -> tuple[str, ...] | None:
    if not all(isinstance(p, str) and p.strip() for p in value):
        example = f'write {where.rsplit(".", 1)[-1]} = ["pytest*", "git status"]'
        problems.add(where, "expected a list of non-empty strings", example)
        return None
    return tuple(p.strip() for p in value)


def _commands_table(problems: _Problems, table: Mapping[str, Any]) -> CommandSettings:
    settings = CommandSettings()
    for key, value in table.items():
        where = f"tools.commands.{key}"
        if key not in COMMANDS_KEYS:
            _unknown_key(problems, where, key, COMMANDS_KEYS)
            continue
        if key in ("allow", "deny") and not isinstance(value, list):
            problems.add(where, f"expected a list, got {_type_name(type(value))}", f'write {key} = ["pattern*"]')
            continue
        if not _type_ok(problems, where, value, COMMANDS_KEYS[key]):
            continue
        if key == "timeout":
            if value <= 0:
                problems.add(where, "must be more than 0 seconds", "e.g. timeout = 120")
            else:
                settings.timeout = float(value)
            continue
        patterns = _patterns(problems, where, value)
        if patterns is not None:
            setattr(settings, key, patterns)
    return settings


def _tools_table(problems: _Problems, table: Mapping[str, Any]) -> ToolsSettings:
    settings = ToolsSettings()
    for key, value in table.items():
        where = f"tools.{key}"
        if key not in TOOLS_KEYS:
            _unknown_key(problems, where, key, TOOLS_KEYS)
            continue
        if not _type_ok(problems, where, value, TOOLS_KEYS[key]):
            continue
        if key == "approve":
            if value not in ("ask", "auto"):
                problems.add(where, f"{value!r} is not ask or auto",
                             'write approve = "ask" (writes need your yes) or "auto" (applied, always undoable)')
            else:
                settings.approve = value
        elif key == "max_steps":
            if not 1 <= value <= MAX_STEPS_LIMIT:
                problems.add(where, f"must be from 1 to {MAX_STEPS_LIMIT}", "e.g. max_steps = 25")
            else:
                settings.max_steps = value
        else:
            settings.commands = _commands_table(problems, value)
    return settings


def _read_toml(problems: _Problems, file: Path, explicit: bool) -> tuple[dict[str, Any], bool]:
    if not file.is_file():
        if explicit:
            problems.add("", "no such file", "check the --config path (or $QWEN_TUI_CONFIG)")
        return {}, False
    try:
        return tomllib.loads(file.read_text(encoding="utf-8")), True
    except tomllib.TOMLDecodeError as exc:
        problems.add("", f"not valid TOML ({exc})", "fix the syntax at that line")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add("", f"cannot be read ({exc.__class__.__name__})", "check the file is UTF-8 text you can read")
    return {}, True


def _validate(
    file: Path, explicit: bool, env: Mapping[str, str], known_kinds: set[str] | None
) -> tuple[AppConfig, _Problems]:
    problems = _Problems(file)
    raw, exists = _read_toml(problems, file, explicit)
    good: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in TOP_KEYS:
            _unknown_key(problems, key, key, TOP_KEYS)
        elif _type_ok(problems, key, value, TOP_KEYS[key]):
            good[key] = value
    tables: dict[str, Any] = {name: {} for name in BUILTIN_KINDS}
    for name, table in good.get("providers", {}).items():
        if not isinstance(table, dict):
            problems.add(f"providers.{name}", "expected a table", f"write [providers.{name}]")
            continue
        tables[name] = table
    kinds = set(known_kinds or ()) | set(BUILTIN_KINDS) | {"openai", "blaxel-agent"} if known_kinds else set()
    providers: dict[str, ProviderSettings] = {}
    for name, table in tables.items():
        settings = _provider_settings(problems, name, table, env, kinds)
        if settings is not None:
            providers[name] = settings
    config = AppConfig(path=file, exists=exists, raw=raw, providers=providers)
    config.keys = _keys_table(problems, good.get("keys", {}))
    config.context = _context_table(problems, good.get("context", {}))
    config.tools = _tools_table(problems, good.get("tools", {}))
    config.mcp = parse_mcp_table(file, good.get("mcp", {}))
    config.theme = good.get("theme", "qwen-dark")
    default = good.get("default_provider", "ollama")
    if default in providers or "default_provider" not in good:
        config.default_provider = default
    elif default not in tables:  # a provider that failed its own checks is reported there
        problems.add("default_provider", f"unknown provider {default!r}", f"choose one of: {', '.join(providers)}")
    return config, problems


def load_config(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    known_kinds: set[str] | None = None,
) -> AppConfig:
    """Load and validate the configuration. A missing file means defaults.

    Raises ``ConfigError`` naming the file, the key and the fix (the first problem; ``.all`` holds
    every problem found).
    """
    env = os.environ if env is None else env
    file = paths.config_file(path)
    config, problems = _validate(file, path is not None, env, known_kinds)
    if problems:
        first = problems[0]
        first.all = list(problems)
        raise first
    return config


def default_config(env: Mapping[str, str] | None = None) -> AppConfig:
    """The built-in defaults (what the TUI starts with when the config file is broken)."""
    env = os.environ if env is None else env
    problems = _Problems(Path("<defaults>"))
    providers = {
        name: s for name in BUILTIN_KINDS if (s := _provider_settings(problems, name, {}, env, set())) is not None
    }
    return AppConfig(path=paths.config_file(), exists=False, providers=providers)


def check_config(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    known_kinds: set[str] | None = None,
) -> list[str]:
    """Every problem in the config file as ``file: key: problem — fix`` lines; [] when it is fine."""
    env = os.environ if env is None else env
    config, problems = _validate(paths.config_file(path), path is not None, env, known_kinds)
    return [str(p) for p in problems] + [str(p) for p in config.mcp.problems]
