"""A Blaxel agent answers in `qwen-tui ask` (a real subprocess against the simulator)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.sim import DEFAULT_KEYS, Simulator

REPLY = "No bugs: x = 1 is fine. 漢字 🚀\n"


@pytest.fixture
def sim_knobs() -> dict:
    return {"ttft_ms": 30.0, "tps": 0, "reply": REPLY, "chunk_chars": 4}


@pytest.fixture
def ask(sim: Simulator, tmp_path: Path):
    table = "\n".join(f'{key} = "{value}"' for key, value in sim.blaxel_agent_table("code-reviewer").items())
    config = tmp_path / "config.toml"
    config.write_text(sim.config_toml(default_provider="reviewer") + f"\n[providers.reviewer]\n{table}\n")
    env = {**os.environ, "QWEN_TUI_CONFIG": str(config), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state"), **sim.env()}

    def run(*args: str):
        return subprocess.run([sys.executable, "-m", "qwen_tui", "ask", *args], text=True, env=env, cwd=tmp_path,
                              timeout=60, capture_output=True)

    return run


@pytest.mark.parametrize("agent_format", ["text", "json"])
def test_an_agent_answers_in_ask(ask, sim: Simulator, agent_format: str) -> None:
    sim.set_knobs("blaxel", agent_format=agent_format)
    result = ask("any bugs in x = 1?")  # tools offered by default: an agent takes none, answers as it does
    assert result.returncode == 0, result.stderr
    assert result.stdout == REPLY
    assert "reviewer · code-reviewer" in result.stderr and "TTFT" in result.stderr
    assert "Traceback" not in result.stderr and DEFAULT_KEYS["blaxel"] not in result.stdout + result.stderr
    request = sim.last_chat("blaxel")
    assert request.path == f"/blaxel/run/{sim.workspace}/agents/code-reviewer"
    assert request.body["inputs"].endswith("any bugs in x = 1?")


def test_ask_json_summary_of_an_agent(ask, sim: Simulator) -> None:
    result = ask("--json", "--tools", "none", "hello")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "".join(x["text"] for x in lines if x["type"] == "delta") == REPLY
    summary = lines[-1]
    assert summary["type"] == "summary" and summary["provider"] == "reviewer"
    assert summary["model"] == "code-reviewer" and summary["outcome"] == "complete"
    assert summary["ttft_ms"] >= 25  # the simulator's 30 ms, on our clock


def test_an_unknown_agent_in_ask_says_so(ask, sim: Simulator, tmp_path: Path) -> None:
    text = (tmp_path / "config.toml").read_text().replace('agent = "code-reviewer"', 'agent = "nobody"')
    (tmp_path / "config.toml").write_text(text)
    result = ask("--tools", "none", "hello")
    assert result.returncode != 0
    assert "reviewer: the workspace 'sim-workspace' has no agent 'nobody'" in result.stderr
    assert "Traceback" not in result.stderr
