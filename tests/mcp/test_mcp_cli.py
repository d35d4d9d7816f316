"""End to end in real subprocesses: a scripted model calls mcp__fs__read_text_file through
``qwen-tui ask`` in both dialects and gets the file's text; a write tool of the server is not run
without the user's yes; ``qwen-tui mcp list|tools|trust``; the project's .mcp.json waits for trust."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.sim import Simulator
from tests.support.mcp_servers import SERVERS, pids_in, wait_gone

pytestmark = pytest.mark.timeout(240)


def _toml(value: str) -> str:
    return json.dumps(value)


@pytest.fixture
def run(sim: Simulator, tmp_path: Path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "notes.txt").write_text("the file's own text\nline two\n", encoding="utf-8")
    pid_file = tmp_path / "pids"
    config = tmp_path / "config.toml"
    config.write_text(sim.config_toml(default_provider="sambanova") + f"""
[mcp.servers.fs]
command = {_toml(sys.executable)}
args = [{_toml(str(SERVERS / "normal.py"))}]
env = {{ MCP_TEST_PID_FILE = {_toml(str(pid_file))} }}
timeout = 60

[mcp.servers.slow]
command = {_toml(sys.executable)}
args = [{_toml(str(SERVERS / "hang.py"))}]
env = {{ MCP_TEST_PID_FILE = {_toml(str(pid_file))} }}
timeout = 2

[mcp.servers.off]
command = "nothing"
enabled = false
""")
    env = {**os.environ, "QWEN_TUI_CONFIG": str(config), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state"), **sim.env()}

    def run(*args: str, cwd: Path = project):
        return subprocess.run([sys.executable, "-m", "qwen_tui", *args], text=True, env=env, cwd=cwd,
                              timeout=180, capture_output=True)

    run.project, run.pid_file, run.state = project, pid_file, tmp_path / "state"
    return run


@pytest.mark.parametrize("provider", ["sambanova", "ollama"])
def test_a_scripted_model_reads_a_file_through_mcp(run, sim: Simulator, provider: str) -> None:
    notes = str(run.project / "notes.txt")
    sim.set_knobs(provider=provider, script=[
        {"text": "Reading.", "tool_calls": [{"name": "mcp__fs__read_text_file", "arguments": {"path": notes}}]},
        {"text": "It says hello."}])
    result = run("ask", "--provider", provider, "what do my notes say?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Reading.\nIt says hello.\n"
    body = sim.last_chat(provider).body
    offered = {t["function"]["name"] for t in body["tools"]}
    assert {"read_file", "mcp__fs__read_text_file", "mcp__fs__env_names"} <= offered
    assert "mcp__fs__write_text_file" not in offered  # --tools read: only readOnlyHint tools
    told = [m["content"] for m in body["messages"] if m["role"] == "tool"]
    assert told == ["the file's own text\nline two\n"]
    assert "✓ mcp__fs__read_text_file: 29 characters" in result.stderr
    assert "note: MCP slow: timed out: did not start within 2 s" in result.stderr
    assert wait_gone(pids_in(run.pid_file)) == []  # both servers ended with ask


def test_a_write_tool_is_not_run_without_a_yes(run, sim: Simulator) -> None:
    target = run.project / "written.txt"
    sim.set_knobs(provider="sambanova", script=[
        {"tool_calls": [{"name": "mcp__fs__write_text_file", "arguments": {"path": str(target), "content": "x"}}]},
        {"text": "ok"}])
    result = run("ask", "--tools", "edit", "--yes", "write it")
    assert result.returncode == 0, result.stderr
    assert not target.exists()
    assert "declined: mcp__fs__write_text_file" in result.stderr
    told = [m["content"] for m in sim.last_chat("sambanova").body["messages"] if m["role"] == "tool"]
    assert told and "declined" in told[0]


def test_mcp_list_and_tools(run) -> None:
    listed = run("mcp", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    servers = {s["name"]: s for s in data["servers"]}
    assert servers["fs"]["state"] == "ready" and servers["fs"]["transport"] == "stdio"
    assert "read_text_file" in servers["fs"]["tools"]
    assert servers["slow"]["state"] == "failed" and servers["slow"]["error"] == "did not start within 2 s"
    assert servers["off"]["state"] == "disabled" and servers["off"]["tools"] == []
    assert data["sdk_import_ms"] > 0
    text = run("mcp", "list")
    assert text.returncode == 0
    assert "fs  stdio  ready  6 tools" in text.stdout
    assert "slow  stdio  failed (timed out)  did not start" in text.stdout
    tools = run("mcp", "tools", "fs", "--json")
    assert tools.returncode == 0, tools.stderr
    by_name = {t["mcp_name"]: t for t in json.loads(tools.stdout)["tools"]}
    assert by_name["mcp__fs__read_text_file"]["read_only"] and not by_name["mcp__fs__write_text_file"]["read_only"]
    plain = run("mcp", "tools", "fs")
    assert "mcp__fs__write_text_file  (write)  Write a text file." in plain.stdout
    unknown = run("mcp", "tools", "nope")
    assert unknown.returncode == 2 and "no MCP server 'nope'" in unknown.stderr
    assert wait_gone(pids_in(run.pid_file)) == []


def test_the_project_file_waits_for_trust(run, tmp_path: Path) -> None:
    (run.project / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "proj": {"command": sys.executable, "args": [str(SERVERS / "normal.py")]},
        "broken": {"args": ["x"]}}}), encoding="utf-8")
    before = json.loads(run("mcp", "list", "--json").stdout)
    assert "proj" not in {s["name"] for s in before["servers"]}
    assert any("not trusted yet; its 2 server(s) were not started" in n for n in before["notes"])
    trusted = run("mcp", "trust")
    assert trusted.returncode == 0 and "trusted" in trusted.stdout
    assert "mcp.json" in (run.state / "qwen-tui" / "state.toml").read_text()
    after = json.loads(run("mcp", "list", "--json").stdout)
    servers = {s["name"]: s for s in after["servers"]}
    assert servers["proj"]["state"] == "ready" and servers["fs"]["state"] == "ready"
    assert servers["broken"]["state"] == "failed"
    assert servers["broken"]["error"].endswith(".mcp.json: mcpServers.broken.command: missing — set command = "
                                               "\"npx\" (and args), or url for a server over HTTP")


def test_a_bad_entry_is_named_and_config_may_follow_the_action(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[mcp.servers.x]\ncomand = "y"\n', encoding="utf-8")
    listed = run("mcp", "list", "--config", str(bad))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == f"x  stdio  failed  {bad}: mcp.servers.x.comand: unknown key — did you mean 'command'?\n"
    checked = run("config", "--check", "--config", str(bad))
    assert checked.returncode == 2 and f"{bad}: mcp.servers.x.command: missing" in checked.stderr
