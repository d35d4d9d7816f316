"""Test MCP servers (``tests/mcp/servers``, written with the SDK's FastMCP) and process checks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qwen_tui.mcp.config import ServerConfig

SERVERS = Path(__file__).resolve().parent.parent / "mcp" / "servers"


def stdio_server(name: str, script: str, pid_file: Path, **kw: Any) -> ServerConfig:
    """A stdio entry running ``servers/<script>`` with this interpreter; its pid goes to ``pid_file``."""
    env = {"MCP_TEST_PID_FILE": str(pid_file), **kw.pop("env", {})}
    return ServerConfig(name, "test-config.toml", command=sys.executable, args=(str(SERVERS / script),), env=env,
                        timeout=kw.pop("timeout", 60.0), **kw)


def pids_in(pid_file: Path) -> list[int]:
    return [int(line) for line in pid_file.read_text().split()] if pid_file.exists() else []


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def wait_gone(pids: list[int], timeout: float = 5.0) -> list[int]:
    """The pids still alive after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpServer(str):
    """The URL of a test server over HTTP (a str), with its process (``.proc``) to kill it."""

    proc: subprocess.Popen[bytes]


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[HttpServer]:
    """``servers/normal.py`` over streamable HTTP in a process of its own; its URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(SERVERS / "normal.py"), "http", str(port)],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "http-server.log", "wb"))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / "http-server.log").read_text())
            time.sleep(0.1)
        url = HttpServer(f"http://127.0.0.1:{port}/mcp")
        url.proc = proc
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
