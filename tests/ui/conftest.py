"""Fixtures for the UI tests: a small project folder, a config, and an app factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.config import AppConfig


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def answer():\n    return 42  # MARKER_APP\n")
    (root / "src" / "util.py").write_text("def helper():\n    return 'help'\n")
    (root / "README.md").write_text("# Demo project\n")
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text("built\n")
    (root / "debug.log").write_text("log\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


@pytest.fixture
def empty_config(tmp_path: Path) -> AppConfig:
    return AppConfig(path=tmp_path / "config.toml", exists=False, default_provider="alpha", providers={})
