"""The client manager against real servers written with the SDK: a normal one, one hanging at
initialize, one exiting after its first call, one flooding stderr, one with 200 tools, plus a
missing command, a disabled and a bad entry. Each ends in its state with its reason; the others
keep working; stderr never reaches the terminal; no process is left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qwen_tui.mcp.config import ServerConfig, parse_mcp_table
from qwen_tui.mcp.connection import ServerGone
from qwen_tui.mcp.manager import McpManager
from qwen_tui.mcp.status import ServerState
from tests.support.mcp_servers import HttpServer, pids_in, stdio_server, wait_gone

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[McpManager, Path, Path]]:
    tmp = tmp_path_factory.mktemp("zoo")
    pid_file, logs = tmp / "pids", tmp / "logs"
    bad = parse_mcp_table("test-config.toml", {"servers": {"bad": {"comand": "x"}}}).servers["bad"]
    servers = {
        "fs": stdio_server("fs", "normal.py", pid_file, env={"GIVEN": "yes"}),
        "hang": stdio_server("hang", "hang.py", pid_file, timeout=2.0),
        "exits": stdio_server("exits", "exits.py", pid_file),
        "flood": stdio_server("flood", "flood.py", pid_file),
        "many": stdio_server("many", "many.py", pid_file, deny=["tool_19*"]),
        "missing": ServerConfig("missing", "test-config.toml", command="/no/such/mcp-server"),
        "off": stdio_server("off", "normal.py", pid_file, enabled=False),
        "bad": bad,
    }
    manager = McpManager(servers, log_dir=logs, result_chars=1000)
    os.environ["SAMBANOVA_API_KEY"] = "sk-must-not-reach-a-server"  # in our environment while they spawn
    started = time.perf_counter()
    manager.start()
    assert time.perf_counter() - started < 0.5  # in the background: start() does not wait for anyone
    assert manager.wait_settled(120)
    del os.environ["SAMBANOVA_API_KEY"]
    yield manager, pid_file, logs
    manager.stop_all()


def test_each_server_ends_in_its_state(zoo: tuple[McpManager, Path, Path]) -> None:
    manager, _pids, _logs = zoo
    states = {s.name: s for s in manager.statuses()}
    assert {n: s.state for n, s in states.items()} == {
        "fs": ServerState.READY, "hang": ServerState.TIMED_OUT, "exits": ServerState.READY,
        "flood": ServerState.READY, "many": ServerState.READY, "missing": ServerState.FAILED,
        "off": ServerState.DISABLED, "bad": ServerState.FAILED}
    assert states["hang"].error == "did not start within 2 s"
    assert states["hang"].summary() == "hang: timed out: did not start within 2 s"
    assert states["missing"].error == "command not found: /no/such/mcp-server"
    assert states["bad"].error == "test-config.toml: mcp.servers.bad.comand: unknown key — did you mean 'command'?"
    assert states["fs"].tool_names == ["read_text_file", "write_text_file", "env_names", "picture", "big", "boom"]
    read = {t.name: t.read_only for t in states["fs"].tools}
    assert read["read_text_file"] and not read["write_text_file"]
    assert states["fs"].resources and states["fs"].server_name == "test-fs"
    assert len(states["many"].tools) == 190 and states["many"].hidden_tools == 10  # deny = ["tool_19*"]
    json_states = {s.name: s.to_json()["state"] for s in manager.statuses()}
    assert json_states == {"fs": "ready", "hang": "failed", "exits": "ready", "flood": "ready", "many": "ready",
                           "missing": "failed", "off": "disabled", "bad": "failed"}


def test_calls_and_their_results(zoo: tuple[McpManager, Path, Path], tmp_path: Path) -> None:
    manager, _pids, _logs = zoo
    note = tmp_path / "note.txt"
    note.write_text("the file's text\n", encoding="utf-8")
    assert manager.call_tool("fs", "read_text_file", {"path": str(note)}).text == "the file's text\n"
    boom = manager.call_tool("fs", "boom", {})
    assert boom.is_error and "boom happened" in boom.text
    picture = manager.call_tool("fs", "picture", {})
    assert picture.text.startswith("[image (image/png, ") and picture.notes == 1
    big = manager.call_tool("fs", "big", {"n": 5000})
    assert big.truncated and big.text.startswith("x" * 1000 + "\n[… truncated: 4,000 more characters of 5,000")
    assert manager.call_tool("many", "tool_007", {"x": 4}).text == "tool 7: 4"
    with pytest.raises(ServerGone, match="hang: timed out"):
        manager.call_tool("hang", "never", {})


def test_only_the_named_variables_reach_a_server(zoo: tuple[McpManager, Path, Path]) -> None:
    manager, _pids, _logs = zoo
    import json

    names = set(json.loads(manager.call_tool("fs", "env_names", {}).text))
    # the SDK's base (those set here) and what the entry names (LC_CTYPE: Python's own locale coercion
    # in the server); never a provider key that sat in our environment
    assert "SAMBANOVA_API_KEY" not in names
    assert names <= {"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "GIVEN", "MCP_TEST_PID_FILE", "LC_CTYPE"}
    assert {"GIVEN", "MCP_TEST_PID_FILE", "PATH"} <= names


def test_a_server_that_exits_after_its_first_call(zoo: tuple[McpManager, Path, Path]) -> None:
    manager, _pids, _logs = zoo
    assert manager.call_tool("exits", "once", {}).text == "first and last answer"
    deadline = time.monotonic() + 10
    while manager.status("exits").state is not ServerState.EXITED and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.05)
    status = manager.status("exits")
    assert status is not None and status.state is ServerState.EXITED
    assert status.error == "last stderr line: exits: leaving after the first call"
    assert "exits: leaving after the first call" in status.stderr_tail
    with pytest.raises(ServerGone, match="exits: exited"):
        manager.call_tool("exits", "once", {})
    # the others keep working
    assert manager.call_tool("flood", "ping", {}).text == "pong"
    assert manager.status("fs").state is ServerState.READY  # type: ignore[union-attr]


def test_a_flood_goes_to_its_capped_log_never_the_terminal(zoo: tuple[McpManager, Path, Path],
                                                           capfd: pytest.CaptureFixture[str]) -> None:
    manager, _pids, logs = zoo
    time.sleep(0.5)
    assert manager.call_tool("flood", "ping", {}).text == "pong"
    out, err = capfd.readouterr()
    assert "flood line" not in out + err
    log = logs / "flood.log"
    assert log.stat().st_size <= 1024 * 1024 and (logs / "flood.log.1").is_file()
    tail = manager.status("flood").stderr_tail  # type: ignore[union-attr]
    assert tail and tail[-1].startswith("flood line")
    assert "normal server starting" in (logs / "fs.log").read_text()


def test_restart_starts_a_new_process(zoo: tuple[McpManager, Path, Path]) -> None:
    manager, pid_file, _logs = zoo
    before = set(pids_in(pid_file))
    manager.restart("exits")
    deadline = time.monotonic() + 60
    while manager.status("exits").state is not ServerState.READY and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.05)
    assert manager.status("exits").state is ServerState.READY  # type: ignore[union-attr]
    assert len(set(pids_in(pid_file)) - before) == 1


def test_stop_all_leaves_no_process_behind(zoo: tuple[McpManager, Path, Path]) -> None:
    manager, pid_file, _logs = zoo
    pids = pids_in(pid_file)
    assert len(pids) == 6  # fs, hang, exits (twice), flood, many; never "off"
    assert set(manager.pids()) == set(pids)
    started = time.perf_counter()
    manager.stop_all()
    assert time.perf_counter() - started < 8  # the hanging one too, in parallel
    assert wait_gone(pids) == []
    assert {s.state for s in manager.statuses() if s.name in ("fs", "flood", "many", "exits")} == {ServerState.STOPPED}
    manager.stop_all()  # twice is fine


def test_streamable_http(http_server: HttpServer, tmp_path: Path) -> None:
    note = tmp_path / "n.txt"
    note.write_text("over http", encoding="utf-8")
    table = {"servers": {"web": {"url": http_server, "headers": {"X-Token": "${WEB_TOKEN}"}},
                         "down": {"url": "http://127.0.0.1:9/mcp", "timeout": 3}}}
    settings = parse_mcp_table("c.toml", table)
    assert settings.problems == []
    manager = McpManager(settings.servers, environ={"WEB_TOKEN": "t0ken"}, log_dir=tmp_path)
    manager.start()
    try:
        assert manager.wait_settled(60)
        web, down = manager.status("web"), manager.status("down")
        assert web is not None and web.state is ServerState.READY and "read_text_file" in web.tool_names
        assert manager.call_tool("web", "read_text_file", {"path": str(note)}).text == "over http"
        assert down is not None and down.state in (ServerState.FAILED, ServerState.TIMED_OUT)
        assert down.error and ("connect" in down.error.lower() or "did not start" in down.error)
        # the server dies: the next call fails at once (not at its timeout) and the state says so
        http_server.proc.kill()
        http_server.proc.wait()
        started = time.perf_counter()
        with pytest.raises(ServerGone, match="web: exited"):
            manager.call_tool("web", "read_text_file", {"path": str(note)}, timeout=20)
        assert time.perf_counter() - started < 5
        assert manager.status("web").state is ServerState.EXITED  # type: ignore[union-attr]
    finally:
        manager.stop_all()


def test_a_header_variable_that_is_not_set(tmp_path: Path) -> None:
    settings = parse_mcp_table("c.toml", {"servers": {"web": {"url": "http://127.0.0.1:9/mcp",
                                                              "headers": {"A": "${NOPE_NOT_SET}"}}}})
    manager = McpManager(settings.servers, environ={}, log_dir=tmp_path)
    manager.start()
    try:
        assert manager.wait_settled(60)
        assert manager.status("web").error == "header A: ${NOPE_NOT_SET} is not set in the environment"  # type: ignore[union-attr]
    finally:
        manager.stop_all()


def test_no_server_configured_imports_no_sdk() -> None:
    code = ("import sys, time\nfrom qwen_tui.config import load_config\nfrom qwen_tui.mcp.manager import McpManager\n"
            "m = McpManager({})\nm.start()\nm.stop_all()\n"
            "assert not [k for k in sys.modules if k == 'mcp' or k.startswith('mcp.')], 'SDK imported'\n"
            "assert m._thread is None\nprint('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
