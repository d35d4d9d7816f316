"""``qwen-tui ask`` with tools, end to end (real subprocesses against the simulator): a scripted
model reads a file and edits it; with --yes the file changes and `qwen-tui undo` restores it byte
for byte; without --yes the edit is declined and listed; --json carries the tool objects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.sim import Simulator

ORIGINAL = "def greet():\n    return 'helo'\n"
FIXED = "def greet():\n    return 'hello'\n"
SCRIPT = [
    {"text": "Let me look.", "tool_calls": [{"name": "read_file", "arguments": {"path": "app.py"}}]},
    {"text": "Fixing.", "tool_calls": [{"name": "edit_file", "arguments": {
        "path": "app.py", "old_string": "'helo'", "new_string": "'hello'"}}]},
    {"text": "Done."},
]


@pytest.fixture
def run(sim: Simulator, tmp_path: Path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text(ORIGINAL)
    config = tmp_path / "config.toml"
    config.write_text(sim.config_toml(default_provider="sambanova"))
    env = {**os.environ, "QWEN_TUI_CONFIG": str(config), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state"), **sim.env()}

    def run(*args: str):
        return subprocess.run([sys.executable, "-m", "qwen_tui", *args], text=True, env=env, cwd=project,
                              timeout=60, capture_output=True)

    run.project = project
    return run


@pytest.mark.parametrize("provider", ["sambanova", "ollama"])
def test_edit_with_yes_changes_the_file_and_undo_restores_it(run, sim, provider) -> None:
    sim.set_knobs(provider=provider, script=SCRIPT)
    result = run("ask", "--provider", provider, "--tools", "edit", "--yes", "fix the typo")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Let me look.\nFixing.\nDone.\n"
    assert (run.project / "app.py").read_text() == FIXED
    assert "✓ read app.py: 2 lines" in result.stderr and "✓ changed app.py (+1 -1)" in result.stderr
    undone = run("undo")
    assert undone.returncode == 0, undone.stderr
    assert (run.project / "app.py").read_text() == ORIGINAL


def test_without_yes_the_edit_is_declined_listed_and_the_model_told(run, sim) -> None:
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    result = run("ask", "--tools", "edit", "fix the typo")
    assert result.returncode == 0, result.stderr
    assert (run.project / "app.py").read_text() == ORIGINAL
    assert "declined: edit_file app.py" in result.stderr
    told = [m["content"] for m in sim.last_chat("sambanova").body["messages"] if m["role"] == "tool"][-1]
    assert "rejected" in told and "--yes" in told


def test_read_only_by_default_offers_no_write_tool(run, sim) -> None:
    sim.set_knobs(provider="sambanova", script=[{"text": "Just reading."}])
    result = run("ask", "what is in app.py?")
    assert result.returncode == 0, result.stderr
    offered = {t["function"]["name"] for t in sim.last_chat("sambanova").body["tools"]}
    assert offered == {"read_file", "list_files", "search"}
    none = run("ask", "--tools", "none", "hi")
    assert none.returncode == 0 and "tools" not in sim.last_chat("sambanova").body


def test_json_carries_calls_results_edits_and_the_summary(run, sim) -> None:
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    result = run("ask", "--json", "--tools", "edit", "--yes", "fix the typo")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds.count("tool_call") == 2 and kinds.count("tool_result") == 2 and kinds[-1] == "summary"
    call = next(line for line in lines if line["type"] == "tool_call")
    assert call["name"] == "read_file" and call["arguments"] == {"path": "app.py"} and call["id"]
    edit = next(line for line in lines if line["type"] == "edit")
    assert edit == {"type": "edit", "path": "app.py", "added": 1, "removed": 1}
    summary = lines[-1]
    assert summary["tool_steps"] == 2 and summary["outcome"] == "complete" and summary["ttft_ms"] is not None
    assert "answer_ms" in summary
