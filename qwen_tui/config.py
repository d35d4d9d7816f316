"""Configuration: TOML in, typed objects out.

Precedence for every setting: command-line flag, then the config file, then an environment variable
(``OLLAMA_HOST``, ``BL_WORKSPACE``), then the built-in default. API keys are only ever read from
the environment variable a provider's ``api_key_env`` names; they are never written anywhere.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui import paths
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
}

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
}
TOP_KEYS = {"default_provider": str, "theme": str, "providers": dict}


class ConfigError(Exception):
    """A configuration problem, told as ``file: key: problem — fix``."""

    def __init__(self, file: Path | str, key: str, problem: str, fix: str = "") -> None:
        self.file, self.key, self.problem, self.fix = str(file), key, problem, fix
        text = f"{file}: {key}: {problem}" if key else f"{file}: {problem}"
        if fix:
            text += f" — {fix}"
        super().__init__(text)


@dataclass(slots=True)
class AppConfig:
    path: Path
    exists: bool
    default_provider: str = "ollama"
    theme: str = "qwen-dark"
    providers: dict[str, ProviderSettings] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def provider(self, name: str) -> ProviderSettings:
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(self.providers)
            raise ConfigError(
                self.path, "provider", f"unknown provider {name!r}", f"choose one of: {known}"
            ) from None


def ollama_host_url(value: str) -> str:
    """``OLLAMA_HOST`` as Ollama reads it: a bare host gets http:// and port 11434."""
    value = value.strip().rstrip("/")
    scheme = "http"
    if "://" in value:
        scheme, value = value.split("://", 1)
    if value.startswith("0.0.0.0"):
        value = "127.0.0.1" + value[len("0.0.0.0") :]
    host = value
    if host.startswith("["):
        if "]:" not in host:
            host += ":11434"
    elif ":" not in host:
        host += ":11434"
    return f"{scheme}://{host}"


def _check_type(file: Path, key: str, value: Any, expected: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, expected):
        names = (
            " or ".join(t.__name__ for t in expected) if isinstance(expected, tuple) else expected.__name__
        )
        raise ConfigError(file, key, f"expected {names}, got {type(value).__name__}", "fix the value")


def _provider_settings(
    file: Path, name: str, table: Mapping[str, Any], env: Mapping[str, str], known_kinds: set[str]
) -> ProviderSettings:
    for key, value in table.items():
        if key not in PROVIDER_KEYS:
            raise ConfigError(
                file, f"providers.{name}.{key}", "unknown key", f"known keys: {', '.join(PROVIDER_KEYS)}"
            )
        _check_type(file, f"providers.{name}.{key}", value, PROVIDER_KEYS[key])
    kind = table.get("kind") or (name if name in BUILTIN_KINDS else None)
    if kind is None:
        raise ConfigError(
            file,
            f"providers.{name}",
            "no kind",
            'add kind = "openai" (any OpenAI-compatible server) or a kind a plugin registers',
        )
    if known_kinds and kind not in known_kinds:
        raise ConfigError(
            file, f"providers.{name}.kind", f"unknown kind {kind!r}", f"known kinds: {', '.join(sorted(known_kinds))}"
        )
    merged: dict[str, Any] = dict(BUILTIN_DEFAULTS.get(kind, {}))
    # environment overrides sit under the file but above built-in defaults
    if kind == "ollama" and env.get("OLLAMA_HOST"):
        merged["base_url"] = ollama_host_url(env["OLLAMA_HOST"])
    if kind == "blaxel" and env.get("BL_WORKSPACE"):
        merged["workspace"] = env["BL_WORKSPACE"]
    merged.update(table)
    if "base_url" not in merged or "model" not in merged:
        missing = "base_url" if "base_url" not in merged else "model"
        raise ConfigError(file, f"providers.{name}.{missing}", "missing", f"set {missing} for this provider")
    default_first_byte = 300.0 if kind == "ollama" else 30.0
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
    )


def load_config(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    known_kinds: set[str] | None = None,
) -> AppConfig:
    """Load and validate the configuration. A missing file means defaults.

    Raises ``ConfigError`` naming the file, the key and the fix.
    """
    env = os.environ if env is None else env
    file = paths.config_file(path)
    raw: dict[str, Any] = {}
    exists = file.is_file()
    if exists:
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(file, "", f"not valid TOML ({exc})", "fix the syntax at that line") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(file, "", f"cannot be read ({exc.__class__.__name__})", "check the file") from None
    elif path is not None:
        raise ConfigError(file, "", "no such file", "check the --config path")
    for key, value in raw.items():
        if key not in TOP_KEYS:
            raise ConfigError(file, key, "unknown key", f"known keys: {', '.join(TOP_KEYS)}")
        _check_type(file, key, value, TOP_KEYS[key])
    tables: dict[str, Any] = {name: {} for name in BUILTIN_KINDS}
    for name, table in raw.get("providers", {}).items():
        if not isinstance(table, dict):
            raise ConfigError(file, f"providers.{name}", "expected a table", f"write [providers.{name}]")
        tables[name] = table
    kinds = set(known_kinds or ()) | set(BUILTIN_KINDS) | {"openai"} if known_kinds else set()
    providers = {
        name: _provider_settings(file, name, table, env, kinds) for name, table in tables.items()
    }
    config = AppConfig(path=file, exists=exists, raw=raw, providers=providers)
    config.default_provider = raw.get("default_provider", "ollama")
    config.theme = raw.get("theme", "qwen-dark")
    if config.default_provider not in providers:
        raise ConfigError(
            file, "default_provider", f"unknown provider {config.default_provider!r}", f"choose one of: {', '.join(providers)}"
        )
    return config
