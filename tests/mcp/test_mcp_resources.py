"""MCP resources as context, against the SDK test server: listed, read (text; binary as a note;
capped), counted, in the prompt, read again on every plan, and a stopped server is a note in the
request and a warning while the entry stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.context.project import ProjectContext
from qwen_tui.context.resources import ResourceRef
from qwen_tui.mcp.manager import McpManager
from qwen_tui.mcp.resources import McpResourceReader
from tests.support.mcp_servers import pids_in, stdio_server, wait_gone

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def running(tmp_path: Path):
    note = tmp_path / "note.txt"
    note.write_text("first version MARKER_ONE\n", encoding="utf-8")
    pid_file = tmp_path / "pids"
    manager = McpManager({"fs": stdio_server("fs", "normal.py", pid_file, env={"MCP_TEST_NOTE_FILE": str(note)})},
                         log_dir=tmp_path / "logs")
    manager.start()
    assert manager.wait_settled(90)
    try:
        yield manager, note
    finally:
        manager.stop_all()
        assert wait_gone(pids_in(pid_file)) == []


def test_listed_read_counted_and_read_again(running, tmp_path: Path) -> None:
    manager, note = running
    reader = McpResourceReader(manager, limit=200)
    listed = {r.uri: r for r in reader.available()}
    assert {"notes://readme", "notes://changing", "data://logo"} <= set(listed)
    assert listed["notes://changing"].name == "changing note" and listed["notes://changing"].server == "fs"

    assert reader.read_resource("fs", "notes://readme").text == "hello resource"
    binary = reader.read_resource("fs", "data://logo")
    assert "not shown" in binary.text and "image/png" in binary.text and "binary" in (binary.note or "")
    note.write_text("y" * 1000, encoding="utf-8")
    capped = reader.read_resource("fs", "notes://changing")
    assert capped.truncated and "truncated" in capped.text and len(capped.text) < 400
    note.write_text("first version MARKER_ONE\n", encoding="utf-8")

    root = tmp_path / "proj"
    root.mkdir()
    project = ProjectContext(root, instructions=False)
    project.resource_reader = reader
    assert project.add_resource("fs", "notes://changing")
    assert not project.add_resource("fs", "notes://changing")
    assert project.entries == ["mcp://fs/notes://changing"]
    [entry] = project.measure()
    assert entry.kind == "resource" and entry.path == "mcp://fs/notes://changing"
    assert entry.tokens and entry.tokens > 5 and entry.size == len("first version MARKER_ONE\n")
    assert entry.problem is None

    plan = project.plan("q", [], 32_000)
    system = plan.messages[0].content
    assert "MARKER_ONE" in system and "## mcp://fs/notes://changing (MCP resource of fs)" in system
    assert plan.file_tokens["mcp://fs/notes://changing"] > 5 and plan.warnings == []
    note.write_text("second version MARKER_TWO\n", encoding="utf-8")
    system = project.plan("q", [], 32_000).messages[0].content
    assert "MARKER_TWO" in system and "MARKER_ONE" not in system

    restored = ProjectContext(root, instructions=False)
    assert restored.restore(project.entries) == [] and restored.resources == [ResourceRef("fs", "notes://changing")]
    assert restored.remove("mcp://fs/notes://changing") and restored.entries == []


def test_a_stopped_server_is_a_note_and_a_warning(running, tmp_path: Path) -> None:
    manager, _note = running
    root = tmp_path / "proj"
    root.mkdir()
    project = ProjectContext(root, instructions=False)
    project.resource_reader = McpResourceReader(manager)
    project.add_resource("fs", "notes://readme")
    assert "hello resource" in project.plan("q", [], 32_000).messages[0].content
    manager.stop_all()
    plan = project.plan("q", [], 32_000)
    system = plan.messages[0].content
    assert "hello resource" not in system
    assert "[MCP resource notes://readme of server fs could not be read: fs: stopped" in system
    assert plan.warnings and "mcp://fs/notes://readme was not read" in plan.warnings[0]
    assert project.entries == ["mcp://fs/notes://readme"]  # nothing lost
    [entry] = project.measure()
    assert entry.tokens is None and entry.problem and "stopped" in entry.problem


def test_no_reader_yet(tmp_path: Path) -> None:
    project = ProjectContext(tmp_path, instructions=False)
    assert project.restore(["mcp://fs/notes://readme"]) == []
    plan = project.plan("q", [], 32_000)
    assert "could not be read: no MCP server is running" in plan.messages[0].content
    assert ResourceRef.parse("mcp://fs") is None and ResourceRef.parse("src/a.py") is None


def test_over_streamable_http(http_server, tmp_path: Path) -> None:
    """The same over HTTP; the server killed: the next read is a note at once, not at the timeout."""
    import time

    from qwen_tui.mcp.config import parse_mcp_table

    manager = McpManager(parse_mcp_table("c.toml", {"servers": {"web": {"url": http_server}}}).servers,
                         log_dir=tmp_path)
    manager.start()
    try:
        assert manager.wait_settled(60)
        reader = McpResourceReader(manager)
        assert "notes://readme" in {r.uri for r in reader.available()}
        project = ProjectContext(tmp_path, instructions=False)
        project.resource_reader = reader
        project.add_resource("web", "notes://readme")
        assert "hello resource" in project.plan("q", [], 32_000).messages[0].content
        http_server.proc.kill()
        http_server.proc.wait()
        started = time.perf_counter()
        plan = project.plan("q", [], 32_000)
        assert time.perf_counter() - started < 10
        assert "could not be read: web: exited" in plan.messages[0].content and plan.warnings
    finally:
        manager.stop_all()
