"""The reference ``@modelcontextprotocol/server-filesystem``, configured as design.md shows, through
``npx`` (a launcher whose node child must be ended too). Skipped, with the reason, where npx is
missing or cannot fetch the package."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qwen_tui.mcp.config import parse_mcp_table
from qwen_tui.mcp.manager import McpManager
from qwen_tui.mcp.status import ServerState
from qwen_tui.mcp.toolset import McpTools
from qwen_tui.tools import ApprovalPolicy, Toolbox
from tests.support.mcp_servers import wait_gone

pytestmark = pytest.mark.timeout(240)


def _group(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_reference_filesystem_server(tmp_path: Path) -> None:
    if shutil.which("npx") is None:
        pytest.skip("npx is not installed: the reference filesystem server cannot be run")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "hello.txt").write_text("hello from the project\n", encoding="utf-8")
    settings = parse_mcp_table("config.toml", {"servers": {"fs": {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."], "env": {},
        "cwd": str(project), "timeout": 120}}})
    assert settings.problems == []
    manager = McpManager(settings.servers, log_dir=tmp_path / "logs")
    manager.start()
    try:
        manager.wait_settled(150)
        status = manager.status("fs")
        assert status is not None
        if status.state is not ServerState.READY:
            pytest.skip(f"npx could not start the reference server (no npm registry?): {status.summary()}")
        assert "read_text_file" in status.tool_names
        box = Toolbox(project, policy=ApprovalPolicy(tools="read"))
        McpTools.install(box, manager, follow=False)
        offered = {s.name for s in box.offered()}
        assert "mcp__fs__read_text_file" in offered and "mcp__fs__write_file" not in offered
        result = box.start_answer().run("mcp__fs__read_text_file", {"path": str(project / "hello.txt")})
        assert result.ok and result.content == "hello from the project\n"
        group = [pid for leader in manager.pids() for pid in _group(leader)]
        assert group  # npx and its node child
    finally:
        manager.stop_all()
    assert wait_gone(group) == []
