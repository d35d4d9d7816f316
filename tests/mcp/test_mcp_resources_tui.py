"""MCP resources in the TUI: the context panel's m (and the palette) open a fuzzy picker over the
ready servers' resources; the chosen one shows in the panel with its server and size, is counted,
is in the request the simulator got, is read again at the next send, survives in state.toml,
becomes a note and a warning when its server stopped, and Delete removes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.config import AppConfig
from qwen_tui.mcp.config import McpSettings
from qwen_tui.mcp.status import ServerState
from qwen_tui.ui.widgets.context_panel import ContextList, ContextPanel
from qwen_tui.ui.widgets.prompt import PromptInput
from qwen_tui.ui.widgets.resource_finder import ResourceFinder
from tests.support.app import make_app, until as wait_until, settle
from tests.support.mcp_servers import pids_in, stdio_server, wait_gone
from tests.support.simulator import CHAT_REPLY

pytestmark = pytest.mark.timeout(180)
ID = "mcp://fs/notes://changing"


@pytest.fixture
def sim_knobs() -> dict:
    return {"ttft_ms": 5.0, "tps": None, "reply": CHAT_REPLY}


@pytest.fixture
def sim_config(sim, tmp_path: Path) -> AppConfig:
    from qwen_tui.config import load_config
    from qwen_tui.demo import start_demo

    base = load_config(env={})
    base.default_provider = "sambanova"
    _sim, config = start_demo(base, sim, paced=False)
    return config


async def until(pilot, check) -> None:
    """MCP servers start as child processes: a loaded machine can take long."""
    await wait_until(pilot, check, seconds=90.0)



async def _send(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")
    await settle(pilot.app)


def _system(sim) -> str:
    return sim.last_chat("sambanova").body["messages"][0]["content"]


def _resource_entry(panel: ContextPanel):
    return next((e for e in panel.entries if e.kind == "resource"), None)


async def test_a_resource_picked_counted_sent_and_read_again(sim, sim_config: AppConfig, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    note = tmp_path / "note.txt"
    note.write_text("first version MARKER_ONE of the note\n", encoding="utf-8")
    pid_file = tmp_path / "pids"
    sim_config.mcp = McpSettings(servers={"fs": stdio_server("fs", "normal.py", pid_file,
                                                             env={"MCP_TEST_NOTE_FILE": str(note)})})
    app = make_app(root, sim_config, demo=True, background=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.mcp.manager is not None)
        await until(pilot, lambda: app.mcp.manager.status("fs").state is ServerState.READY)
        assert "Context: add an MCP resource" in [t for t, _cb, _h in app.mcp.palette()]
        listing = app.query_one(ContextList)
        listing.focus()
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ResourceFinder))
        await pilot.pause(0.1)
        options = app.screen.query_one("#finder-list")
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("readme" in r and "notes://readme" in r and "fs" in r for r in rows)
        await pilot.press(*"chang")
        await pilot.pause(0.1)
        assert options.get_option_at_index(0).id == ID
        await pilot.press("enter")
        panel = app.query_one(ContextPanel)
        await until(pilot, lambda: (e := _resource_entry(panel)) is not None and e.tokens)
        entry = _resource_entry(panel)
        assert entry.path == ID and entry.size == len("first version MARKER_ONE of the note\n")
        row = str(panel.list.get_option_at_index(0).prompt)
        assert "notes://changing" in row and "MCP fs" in row and "37 chars" in row
        total_text = str(panel.total.render())
        assert f"{entry.tokens} / " in total_text  # nothing else in the context: the total is the resource

        await _send(pilot, "first")
        assert "MARKER_ONE" in _system(sim) and f"## {ID} (MCP resource of fs)" in _system(sim)
        note.write_text("second version MARKER_TWO\n", encoding="utf-8")
        await _send(pilot, "second")
        assert "MARKER_TWO" in _system(sim) and "MARKER_ONE" not in _system(sim)
        assert ID in app.state.context_for(root)

        app.mcp.manager.stop_all()  # the server goes away
        await _send(pilot, "third")
        assert "MARKER_TWO" not in _system(sim)
        assert "[MCP resource notes://changing of server fs could not be read" in _system(sim)
        assert any(f"{ID} was not read" in n.message for n in app._notifications)
        assert ID in app.project.entries  # nothing lost
        await until(pilot, lambda: (e := _resource_entry(panel)) is not None and e.problem is not None)

        listing.focus()
        listing.highlighted = 0
        await pilot.press("delete")
        await until(pilot, lambda: _resource_entry(panel) is None)
        assert app.project.entries == []
    assert wait_gone(pids_in(pid_file)) == []


async def test_a_saved_resource_is_read_once_its_server_is_ready(sim, sim_config: AppConfig, tmp_path: Path) -> None:
    """Restored from state.toml before the servers run: told not read, then counted once fs is ready;
    the palette's entry opens the same picker."""
    from qwen_tui.state import State

    root = tmp_path / "proj"
    root.mkdir()
    pid_file = tmp_path / "pids"
    sim_config.mcp = McpSettings(servers={"fs": stdio_server("fs", "normal.py", pid_file)})
    state = State.load()
    state.set_context(root, ["mcp://fs/notes://readme"])
    app = make_app(root, sim_config, demo=True, background=True, state=state)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.query_one(ContextPanel)
        assert app.project.entries == ["mcp://fs/notes://readme"]
        await until(pilot, lambda: (e := _resource_entry(panel)) is not None and e.tokens)
        entry = _resource_entry(panel)
        assert entry.problem is None and entry.size == len("hello resource")
        assert "MCP fs" in str(panel.list.get_option_at_index(0).prompt)
        [pick] = [cb for title, cb, _h in app.mcp.palette() if title == "Context: add an MCP resource"]
        pick()
        await until(pilot, lambda: isinstance(app.screen, ResourceFinder))
        await pilot.pause(0.1)
        await pilot.press(*"readme", "enter")
        await pilot.pause(0.1)
        assert any("already in the context" in n.message for n in app._notifications)
        assert app.project.entries == ["mcp://fs/notes://readme"]
    assert wait_gone(pids_in(pid_file)) == []


async def test_no_server_the_key_says_so(sim, sim_config: AppConfig, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    app = make_app(root, sim_config, demo=True, background=True)
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(ContextList).focus()
        await pilot.press("m")
        await until(pilot, lambda: any("No MCP server is running" in n.message for n in app._notifications))
        assert not isinstance(app.screen, ResourceFinder)
