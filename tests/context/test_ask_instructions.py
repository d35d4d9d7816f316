"""``qwen-tui ask`` sends the project's instructions in the system prompt (a real subprocess, the
simulator on loopback); ``--no-instructions`` leaves them out; a huge one is refused, said on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui import paths
from qwen_tui.context.instructions import MAX_INSTRUCTIONS_BYTES
from qwen_tui.sim import Simulator

from .helpers import write


@pytest.fixture(scope="module")
def simulator_options() -> dict:
    return {"ttft_ms": 1.0, "tps": 0}


@pytest.fixture
def project(tmp_path: Path, sim: Simulator):
    root = tmp_path / "proj"
    write(root, "AGENTS.md", "Always run MARKER_AGENTS_TESTS before finishing.\n")
    write(root, "QWEN.md", "Indent with MARKER_QWEN_TABS.\n")
    config = tmp_path / "config.toml"
    config.write_text(sim.config_toml(default_provider="sambanova"))
    env = {**os.environ, **sim.env(), "QWEN_TUI_CONFIG": str(config)}
    sim.clear_requests()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qwen_tui", "ask", *args], cwd=root, env=env, text=True,
                              capture_output=True, timeout=60)

    return root, run


def _system(sim: Simulator) -> str:
    messages = sim.last_chat("sambanova").body["messages"]
    assert messages[0]["role"] == "system"
    return messages[0]["content"]


def test_instructions_are_in_the_system_prompt_in_order(project, sim: Simulator) -> None:
    user_dir = paths.config_dir()
    write(user_dir, "AGENTS.md", "Answer in MARKER_USER_ENGLISH.\n")
    _root, run = project
    result = run("hello")
    assert result.returncode == 0, result.stderr
    system = _system(sim)
    assert "# Project instructions" in system
    assert system.index("MARKER_AGENTS_TESTS") < system.index("MARKER_QWEN_TABS") < system.index("MARKER_USER_ENGLISH")
    assert sim.last_chat("sambanova").body["messages"][-1]["content"] == "hello"


def test_no_instructions_leaves_them_out(project, sim: Simulator) -> None:
    _root, run = project
    result = run("--no-instructions", "hello")
    assert result.returncode == 0, result.stderr
    system = _system(sim)
    assert "MARKER_AGENTS_TESTS" not in system and "Project instructions" not in system


def test_a_huge_one_is_refused_with_a_message_and_the_rest_is_sent(project, sim: Simulator) -> None:
    root, run = project
    write(root, "AGENTS.md", "x" * (MAX_INSTRUCTIONS_BYTES + 10))
    result = run("hello")
    assert result.returncode == 0, result.stderr
    assert "AGENTS.md is" in result.stderr and "not sent" in result.stderr
    assert "Traceback" not in result.stderr
    system = _system(sim)
    assert "xxxxxxxxxx" not in system
    assert "MARKER_QWEN_TABS" in system
