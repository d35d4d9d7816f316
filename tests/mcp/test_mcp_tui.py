"""The TUI with MCP servers: they start after the first frame without holding it, the status bar
counts them, a failed one is told, the servers screen lists them and restarts one, the project's
.mcp.json waits for trust (from the palette), and quitting ends every server process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from qwen_tui.config import AppConfig
from qwen_tui.mcp.config import McpSettings
from qwen_tui.mcp.status import ServerState
from qwen_tui.ui.widgets.status_bar import StatusBar
from tests.support.app import make_app, until as wait_until
from tests.support.mcp_servers import SERVERS, pids_in, stdio_server, wait_gone

pytestmark = pytest.mark.timeout(180)


def config_with(tmp_path: Path, **servers) -> AppConfig:
    config = AppConfig(path=tmp_path / "config.toml", exists=False, default_provider="alpha", providers={})
    config.mcp = McpSettings(servers=servers)
    return config


async def until(pilot, check) -> None:
    """MCP servers start as child processes: a loaded machine can take long."""
    await wait_until(pilot, check, seconds=90.0)



async def test_servers_in_the_app(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    pid_file = tmp_path / "pids"
    from qwen_tui.mcp.config import parse_mcp_table

    bad = parse_mcp_table("config.toml", {"servers": {"bad": {"command": "x", "timeout": "soon"}}}).servers["bad"]
    config = config_with(tmp_path, fs=stdio_server("fs", "normal.py", pid_file),
                         slow=stdio_server("slow", "hang.py", pid_file, timeout=2.0), bad=bad)
    app = make_app(root, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.mcp.manager is not None)
        manager = app.mcp.manager
        await until(pilot, lambda: all(s.state.settled for s in manager.statuses()))
        await until(pilot, lambda: "MCP 1/3 (2 failed)" in app.query_one(StatusBar).top_line().plain)
        assert any("slow: timed out: did not start within 2 s" in n.message for n in app._notifications)
        assert any("bad: failed: config.toml: mcp.servers.bad.timeout: expected a number of seconds" in n.message
                   for n in app._notifications)
        assert "mcp__fs__read_text_file" in {s.name for s in app.toolbox.offered()}
        app.mcp.show()
        await pilot.pause(0.1)
        options = app.screen.query_one("#mcp-servers")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts[0].startswith("fs  stdio  ready  6 tools")
        assert prompts[1].startswith("slow  stdio  timed out  did not start within 2 s")
        assert "hanging before initialize" in prompts[1]
        titles = [title for title, _cb, _help in app.mcp.palette()]
        assert "MCP: restart slow" in titles and "MCP: restart servers that are not ready" in titles
        options.highlighted = 0
        await pilot.press("r")  # restart fs from the screen
        await until(pilot, lambda: len(pids_in(pid_file)) == 3)
        await until(pilot, lambda: manager.status("fs").state is ServerState.READY)
        await pilot.press("escape")
    assert wait_gone(pids_in(pid_file)) == []


async def test_the_project_file_is_trusted_from_the_palette(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    pid_file = tmp_path / "pids"
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"proj": {
        "command": sys.executable, "args": [str(SERVERS / "normal.py")],
        "env": {"MCP_TEST_PID_FILE": str(pid_file)}}}}), encoding="utf-8")
    app = make_app(root, config_with(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.mcp.untrusted is not None)
        await pilot.pause(0.1)
        assert app.mcp.manager is None and pids_in(pid_file) == []
        assert any("asks to start 1 MCP server(s)" in n.message for n in app._notifications)
        trust = [cb for title, cb, _help in app.mcp.palette() if title == "MCP: trust this project's .mcp.json"]
        trust[0]()
        await until(pilot, lambda: app.mcp.manager is not None)
        await until(pilot, lambda: app.mcp.manager.status("proj").state is ServerState.READY)
        assert "mcp__proj__read_text_file" in {s.name for s in app.toolbox.offered()}
        assert str(root / ".mcp.json") in app.state.trusted_mcp or any(
            k.endswith(".mcp.json") for k in app.state.trusted_mcp)
    assert wait_gone(pids_in(pid_file)) == []



async def test_a_write_tool_is_asked_first_in_the_app(tmp_path: Path) -> None:
    """ChatSink.approve routes an MCP write to its own question (server, tool, arguments); nothing
    runs while it is open; y runs it, n declines it. (The whole answer in the app is not driven
    here: chat_sink on main imports qwen_tui.ui.widgets.tool_entry, which main lacks.)"""
    from types import SimpleNamespace

    from qwen_tui.ui.chat_sink import ChatSink
    from qwen_tui.ui.screens.mcp_approval import McpApproval

    root = tmp_path / "proj"
    root.mkdir()
    pid_file = tmp_path / "pids"
    app = make_app(root, config_with(tmp_path, fs=stdio_server("fs", "normal.py", pid_file)))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.mcp.tools is not None and "mcp__fs__write_text_file" in app.mcp.tools.names)
        for target, key, applied in ((tmp_path / "yes.txt", "y", True), (tmp_path / "no.txt", "n", False)):
            answer = app.toolbox.start_answer()
            pending = answer.run("mcp__fs__write_text_file", {"path": str(target), "content": "hi"}, "c1")
            assert pending.pending
            sink = SimpleNamespace(_entries={}, app=app, _release=lambda: None)
            worker = app.run_worker(ChatSink.approve(sink, pending))  # type: ignore[arg-type]
            await until(pilot, lambda: isinstance(app.screen, McpApproval))
            shown = str(app.screen.query_one("#mcp-arguments").render())
            assert str(target) in shown and '"content": "hi"' in shown
            assert not target.exists()  # nothing runs while the user decides
            await pilot.press(key)
            approval = await worker.wait()
            assert approval.apply is applied
            final = answer.approve(pending) if approval.apply else answer.decline(pending, approval.reason)
            assert final.ok is applied and target.exists() is applied
    assert wait_gone(pids_in(pid_file)) == []
