"""Fixtures for the end-to-end session, state, config and theme tests: a project folder, a
simulator on loopback and a config file pointing every provider at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.sim import Simulator
from tests.support.simulator import CHAT_REPLY


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def answer():\n    return 42\n")
    (root / "README.md").write_text("# Demo project\n")
    return root


@pytest.fixture
def sim_knobs() -> dict:
    """Every answer is the one-line reply, as fast as possible."""
    return {"ttft_ms": 5.0, "tps": None, "reply": CHAT_REPLY}


@pytest.fixture
def config_file(sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config naming every provider at the simulator (Ollama first: it needs no key); the demo
    keys go into the environment, as a user's would."""
    path = tmp_path / "config.toml"
    path.write_text(sim.config_toml())
    for var, key in sim.env().items():
        monkeypatch.setenv(var, key)
    return path
