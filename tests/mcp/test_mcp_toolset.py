"""MCP tools in the toolbox: mcp__<server>__<tool> with their schemas; readOnlyHint tools run like
reads, the others wait for approval like a command; results as text, errors as tool errors; the
number offered is bounded, the largest servers trimmed first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qwen_tui.mcp.manager import McpManager
from qwen_tui.mcp.naming import tool_name
from qwen_tui.mcp.status import McpTool
from qwen_tui.mcp.toolset import McpTools, bound_tools
from qwen_tui.tools import ApprovalPolicy, Toolbox
from qwen_tui.tools.policy import Decision
from tests.support.mcp_servers import stdio_server

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[McpManager]:
    tmp = tmp_path_factory.mktemp("toolset")
    servers = {"fs": stdio_server("fs", "normal.py", tmp / "pids"),
               "many": stdio_server("many", "many.py", tmp / "pids")}
    manager = McpManager(servers, log_dir=tmp / "logs", result_chars=500)
    manager.start()
    assert manager.wait_settled(120)
    yield manager
    manager.stop_all()


def toolbox(root: Path, tools: str = "edit") -> Toolbox:
    root.mkdir(exist_ok=True)
    return Toolbox(root, policy=ApprovalPolicy(tools=tools))


def test_tools_join_the_builtins_with_their_schemas(manager: McpManager, tmp_path: Path) -> None:
    box = toolbox(tmp_path / "p")
    mcp = McpTools.install(box, manager, max_tools=300, follow=False)
    offered = {t["function"]["name"]: t["function"] for t in box.openai_tools()}
    assert {"read_file", "edit_file", "mcp__fs__read_text_file", "mcp__fs__write_text_file",
            "mcp__many__tool_199"} <= set(offered)
    read = offered["mcp__fs__read_text_file"]
    assert read["parameters"]["properties"]["path"]["type"] == "string" and read["parameters"]["required"] == ["path"]
    assert read["description"].startswith("[MCP server fs] Read a text file")
    assert len(mcp.names) == 6 + 200 and mcp.notes == []


def test_read_only_runs_a_write_is_asked_like_a_command(manager: McpManager, tmp_path: Path) -> None:
    box = toolbox(tmp_path / "p")
    McpTools.install(box, manager, follow=False)
    note = tmp_path / "note.txt"
    note.write_text("note text", encoding="utf-8")
    answer = box.start_answer()
    read = answer.run("mcp__fs__read_text_file", {"path": str(note)}, "c1")
    assert (read.ok, read.pending, read.content, read.decision) == (True, False, "note text", Decision.RUN)
    assert read.summary == "mcp__fs__read_text_file: 9 characters"
    target = tmp_path / "written.txt"
    write = answer.run("mcp__fs__write_text_file", {"path": str(target), "content": "hi"}, "c2")
    assert write.pending and write.decision is Decision.ASK and not target.exists()
    declined = answer.decline(write, "not now")
    assert not declined.ok and "declined" in declined.content and not target.exists()
    done = answer.approve(answer.run("mcp__fs__write_text_file", {"path": str(target), "content": "hi"}, "c3"))
    assert done.ok and target.read_text() == "hi" and done.call_id == "c3"
    # approve = auto covers undoable file writes only: an MCP write is still asked
    auto = Toolbox(tmp_path / "p", policy=ApprovalPolicy(tools="edit", approve="auto"))
    McpTools.install(auto, manager, follow=False)
    assert auto.start_answer().run("mcp__fs__write_text_file", {"path": "x", "content": ""}).decision is Decision.ASK


def test_errors_and_caps(manager: McpManager, tmp_path: Path) -> None:
    box = toolbox(tmp_path / "p")
    McpTools.install(box, manager, follow=False)
    answer = box.start_answer()
    boom = answer.run("mcp__fs__boom", {})
    assert not boom.ok and boom.content.startswith("Error: ") and "boom happened" in boom.content
    big = answer.run("mcp__fs__big", {"n": 2000})
    assert big.ok and big.content.endswith("[… truncated: 1,500 more characters of 2,000 were left out]")
    assert big.summary.endswith("characters, truncated")
    bad = answer.run("mcp__fs__read_text_file", {})
    assert not bad.ok and "missing 'path'" in bad.content


def test_read_mode_offers_only_read_only_tools(manager: McpManager, tmp_path: Path) -> None:
    box = toolbox(tmp_path / "p", tools="read")
    McpTools.install(box, manager, max_tools=10, follow=False)
    names = {t["function"]["name"] for t in box.openai_tools()}
    assert "mcp__fs__read_text_file" in names and "mcp__fs__write_text_file" not in names
    assert not any(n.startswith("mcp__many__") for n in names)  # its tools are not marked read-only


def test_the_bound_trims_the_largest_server_first(manager: McpManager, tmp_path: Path) -> None:
    box = toolbox(tmp_path / "p")
    mcp = McpTools.install(box, manager, max_tools=20, follow=False)
    names = mcp.names
    assert len(names) == 20
    assert sum(n.startswith("mcp__fs__") for n in names) == 6  # the small server whole
    assert mcp.notes == ["many: 14 of its 200 tools offered (mcp.max_tools = 20; allow and deny in "
                         "[mcp.servers.many] choose which)"]
    assert box.start_answer().run("mcp__many__tool_100", {}).content.startswith("Error: there is no tool")


def test_bound_tools_shares_fairly() -> None:
    def tools(server: str, n: int) -> list[McpTool]:
        return [McpTool(server, f"t{i}") for i in range(n)]

    kept, notes = bound_tools({"a": tools("a", 3), "b": tools("b", 50), "c": tools("c", 40)}, 30)
    assert {s: len(t) for s, t in kept.items()} == {"a": 3, "b": 14, "c": 13}
    assert len(notes) == 2 and notes[0].startswith("b: 14 of its 50")
    kept, notes = bound_tools({"a": tools("a", 3)}, 30)
    assert len(kept["a"]) == 3 and notes == []


def test_names_are_what_providers_accept() -> None:
    assert tool_name("fs", "read_text_file") == "mcp__fs__read_text_file"
    assert tool_name("my server", "get.thing") == "mcp__my_server__get_thing"
    long = tool_name("s" * 40, "t" * 40)
    assert len(long) == 64 and long != tool_name("s" * 40, "t" * 39 + "u")


def test_a_stopped_server_takes_its_tools_away(tmp_path: Path) -> None:
    manager = McpManager({"fs": stdio_server("fs", "normal.py", tmp_path / "pids")}, log_dir=tmp_path / "logs")
    manager.start()
    try:
        assert manager.wait_settled(120)
        box = toolbox(tmp_path / "p")
        mcp = McpTools.install(box, manager)
        assert "mcp__fs__read_text_file" in {s.name for s in box.offered()}
        answer = box.start_answer()
    finally:
        manager.stop_all()
    assert mcp.names == [] and "mcp__fs__read_text_file" not in {s.name for s in box.offered()}
    gone = answer.run("mcp__fs__read_text_file", {"path": "x"})
    assert not gone.ok
