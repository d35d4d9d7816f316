"""Fixtures for the UI tests: a small project folder, a config, and an app factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.config import AppConfig
from tests.support.simulator import CHAT_REPLY


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


@pytest.fixture
def sim_knobs() -> dict:
    """Every answer is the one-line reply, as fast as possible."""
    return {"ttft_ms": 5.0, "tps": None, "reply": CHAT_REPLY}


@pytest.fixture
def sim_config(sim, tmp_path: Path) -> AppConfig:
    """The four built-in providers, pointed at the simulator with its demo keys."""
    from qwen_tui.config import load_config
    from qwen_tui.demo import start_demo

    base = load_config(env={})
    base.default_provider = "sambanova"
    _sim, config = start_demo(base, sim, paced=False)
    return config


@pytest.fixture
def make_app(project: Path, sim_config: AppConfig):
    """``make_app(**kwargs)``: a QwenApp on the test project, talking to the simulator."""
    from tests.support.app import make_app as build

    def factory(**kwargs):
        kwargs.setdefault("demo", True)
        return build(project, sim_config, background=True, **kwargs)

    return factory
