"""Themes shipped with qwen-tui: one Textual theme per ``*.toml`` file in this package.

This package init imports no Textual, so core code and the CLI can list theme files; turning a
file into a ``textual.theme.Theme`` is ``qwen_tui.themes.loader``'s job (UI-facing).
"""

from __future__ import annotations

from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parent


def shipped_theme_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.toml"))
