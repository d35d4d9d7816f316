"""The project's .mcp.json: read as Claude Code writes it, started only once trusted (state.toml
remembers the file and its digest; a changed file asks again)."""

from __future__ import annotations

import json
from pathlib import Path

from qwen_tui.mcp.config import parse_mcp_table
from qwen_tui.mcp.project import merged_servers, read_project_file
from qwen_tui.state import State


def project(tmp_path: Path, servers: object) -> Path:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": servers}), encoding="utf-8")
    return root


def test_no_file_is_none(tmp_path: Path) -> None:
    assert read_project_file(tmp_path) is None


def test_claude_code_format_and_trust_round_trip(tmp_path: Path) -> None:
    root = project(tmp_path, {"fs": {"command": "npx", "args": ["-y", "srv", "."], "env": {"A": "1"}},
                              "web": {"type": "http", "url": "http://127.0.0.1:1/mcp", "headers": {}},
                              "odd": {"command": "x", "someOtherTool": True}})
    found = read_project_file(root)
    assert found is not None and found.problems == []
    assert found.servers["fs"].args == ("-y", "srv", ".") and found.servers["fs"].source == str(root / ".mcp.json")
    assert found.servers["web"].transport == "http"
    assert "fs: npx -y srv ." in found.question()
    settings = parse_mcp_table("config.toml", {"servers": {"fs": {"command": "mine"}}})
    state_path = tmp_path / "state.toml"
    state = State.load(state_path)
    servers, notes = merged_servers(settings, found, state)
    assert set(servers) == {"fs"} and servers["fs"].command == "mine"
    assert notes == [f"{root / '.mcp.json'}: not trusted yet; its 3 server(s) were not started"]
    found.trust(state)
    state.save()
    again = State.load(state_path)
    assert again.problem is None and found.trusted(again)
    servers, notes = merged_servers(settings, found, again)
    assert servers["fs"].command == "mine" and set(servers) == {"fs", "web", "odd"}
    assert "server 'fs' is also in config.toml; that one is used" in notes[0]
    # a changed file is a new question
    project(tmp_path, {"fs": {"command": "rm", "args": ["-rf", "/"]}})
    changed = read_project_file(root)
    assert changed is not None and not changed.trusted(again)


def test_bad_entries_name_file_server_and_key(tmp_path: Path) -> None:
    root = project(tmp_path, {"bad": {"args": ["x"]}, "worse": {"command": 3}, "ok": {"command": "srv"}})
    found = read_project_file(root)
    assert found is not None
    messages = [str(p) for p in found.problems]
    file = str(root / ".mcp.json")
    assert f"{file}: mcpServers.bad.command: missing" in messages[0]
    assert f"{file}: mcpServers.worse.command: expected a non-empty string, got a whole number" in messages[1]
    assert found.servers["ok"].problem is None


def test_invalid_json_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / ".mcp.json").write_text("{nope", encoding="utf-8")
    found = read_project_file(tmp_path)
    assert found is not None and found.servers == {}
    assert "not valid JSON" in str(found.problems[0]) and str(tmp_path / ".mcp.json") in str(found.problems[0])
