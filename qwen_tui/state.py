"""What the app remembers between runs: ``state.toml`` in the XDG state folder.

This is kept apart from the user's config file so that a commented, hand-written config is never
rewritten. Loading never raises: a broken file is reported (``State.problem``), moved aside as
``state.toml.corrupt-<timestamp>`` and the app starts with defaults. Saving is atomic (temp file,
fsync, rename, mode 0600) and blocking, so the TUI calls ``save`` from a thread.
"""

from __future__ import annotations

import os
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from qwen_tui import paths
from qwen_tui.atomic import move_aside, write_atomic

STATE_VERSION = 1


def project_key(project_root: str | os.PathLike[str]) -> str:
    """The key a project's context selection is stored under: its absolute path."""
    return os.path.abspath(os.path.expanduser(os.fspath(project_root)))


@dataclass
class State:
    """Preferences the app saves on its own. Every field has a safe default."""

    path: Path = field(default_factory=paths.state_file)
    last_provider: str | None = None
    models: dict[str, str] = field(default_factory=dict)  # provider -> last model used
    theme: str | None = None
    panel_sizes: dict[str, int] = field(default_factory=dict)  # panel id -> width/height in cells
    contexts: dict[str, list[str]] = field(default_factory=dict)  # project root -> entries
    race_providers: list[str] = field(default_factory=list)  # the last race's providers
    trusted_mcp: dict[str, str] = field(default_factory=dict)  # a project's .mcp.json path -> its sha256
    problem: str | None = None  # what was wrong with the file on load, if anything
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> State:
        """Read the state file; never raises. A missing file gives defaults."""
        file = Path(path) if path is not None else paths.state_file()
        state = cls(path=file)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return state
        except (OSError, UnicodeDecodeError) as exc:
            return state._broken(f"cannot be read ({exc.__class__.__name__})")
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return state._broken(f"not valid TOML ({exc})")
        bad: list[str] = []
        state._take(raw, bad)
        if bad:
            state.problem = f"{file}: ignored bad values: {'; '.join(bad)} — they will be rewritten on the next save"
        return state

    def _broken(self, why: str) -> State:
        moved = move_aside(self.path)
        where = f"moved to {moved.name}" if moved else "left in place"
        self.problem = f"{self.path}: {why} — started with defaults; the old file was {where}"
        return self

    def _take(self, raw: dict[str, Any], bad: list[str]) -> None:
        def text(key: str) -> str | None:
            value = raw.get(key)
            if value is None:
                return None
            if isinstance(value, str):
                return value
            bad.append(f"{key}: expected a string")
            return None

        def table(key: str) -> dict[str, Any]:
            value = raw.get(key, {})
            if isinstance(value, dict):
                return value
            bad.append(f"{key}: expected a table")
            return {}

        self.last_provider = text("last_provider")
        self.theme = text("theme")
        for name, model in table("models").items():
            if isinstance(model, str):
                self.models[name] = model
            else:
                bad.append(f"models.{name}: expected a string")
        for name, size in table("panel_sizes").items():
            if isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= 10_000:
                self.panel_sizes[name] = size
            else:
                bad.append(f"panel_sizes.{name}: expected a whole number of cells")
        race = raw.get("race_providers", [])
        if isinstance(race, list) and all(isinstance(n, str) for n in race):
            self.race_providers = list(race)
        else:
            bad.append("race_providers: expected a list of provider names")
        for root, entries in table("context").items():
            if isinstance(entries, list) and all(isinstance(e, str) for e in entries):
                self.contexts[root] = list(entries)
            else:
                bad.append(f"context.{root!r}: expected a list of paths")
        for file, digest in table("trusted_mcp").items():
            if isinstance(digest, str):
                self.trusted_mcp[file] = digest
            else:
                bad.append(f"trusted_mcp.{file!r}: expected a sha256 string")

    # -- access ----------------------------------------------------------------------------
    def context_for(self, project_root: str | os.PathLike[str]) -> list[str]:
        """The context selection last used in this project (paths relative to its root)."""
        return list(self.contexts.get(project_key(project_root), []))

    def set_context(self, project_root: str | os.PathLike[str], entries: list[str]) -> None:
        key = project_key(project_root)
        if entries:
            self.contexts[key] = list(entries)
        else:
            self.contexts.pop(key, None)

    def model_for(self, provider: str) -> str | None:
        return self.models.get(provider)

    def set_model(self, provider: str, model: str) -> None:
        self.models[provider] = model

    # -- saving ----------------------------------------------------------------------------
    def to_toml(self) -> str:
        data: dict[str, Any] = {"version": STATE_VERSION}
        if self.last_provider:
            data["last_provider"] = self.last_provider
        if self.theme:
            data["theme"] = self.theme
        # copy each table first: the UI may change them while a save runs in a thread
        models, sizes, contexts = dict(self.models), dict(self.panel_sizes), dict(self.contexts)
        if models:
            data["models"] = models
        if sizes:
            data["panel_sizes"] = sizes
        if self.race_providers:
            data["race_providers"] = list(self.race_providers)
        if contexts:
            data["context"] = {root: list(entries) for root, entries in contexts.items()}
        if trusted := dict(self.trusted_mcp):
            data["trusted_mcp"] = trusted
        return tomli_w.dumps(data)

    def save(self) -> Path:
        """Write the file atomically with mode 0600. Blocking: call it from a thread in the TUI."""
        with self._lock:
            text = self.to_toml()
            paths.ensure_dir(self.path.parent)
            return write_atomic(self.path, text, mode=0o600)
