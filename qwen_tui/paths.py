"""Where qwen-tui keeps things on disk: XDG folders, created private (0700).

Every path the app reads or writes is named here, so tests can point the whole app elsewhere by
setting ``XDG_CONFIG_HOME``, ``XDG_DATA_HOME`` and ``XDG_STATE_HOME``.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "qwen-tui"
PACKAGE_DIR = Path(__file__).resolve().parent


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var, "").strip()
    base = Path(value) if value and os.path.isabs(value) else Path.home() / fallback
    return base / APP


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", ".local/state")


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700; return it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def config_file(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--config``, else ``$QWEN_TUI_CONFIG``, else the XDG config file."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("QWEN_TUI_CONFIG", "").strip()
    if env:
        return Path(env).expanduser()
    return config_dir() / "config.toml"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def shipped_themes_dir() -> Path:
    """The theme files that ship with qwen-tui.

    They live in the project's top-level ``themes/``; the wheel carries that folder as
    ``qwen_tui/_themes`` (pyproject's ``force-include``). A clone and ``uv run`` (an editable
    install) have only the top-level folder, an installed wheel only the packaged one.
    """
    packaged = PACKAGE_DIR / "_themes"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "themes"


def shipped_theme_files() -> list[Path]:
    return sorted(shipped_themes_dir().glob("*.toml"))


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def metrics_file() -> Path:
    return state_dir() / "metrics.jsonl"


def state_file() -> Path:
    return state_dir() / "state.toml"


def log_file() -> Path:
    return state_dir() / "qwen-tui.log"


def mcp_logs_dir() -> Path:
    """Each MCP server's stderr log (``<server>.log``): never the terminal."""
    return state_dir() / "mcp"
