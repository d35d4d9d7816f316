"""The real app in a pseudo-terminal: when the terminal goes away (a dropped SSH connection, a
closed window), the process leaves instead of spinning on the dead terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def start_app(project: Path) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    proc = subprocess.Popen([sys.executable, "-m", "qwen_tui", "--demo", str(project)],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 30
    while b"DEMO" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    assert b"DEMO" in seen, "the app did not come up"
    return proc, master


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.timeout(60)
def test_closed_terminal_ends_the_app(tmp_path: Path) -> None:
    proc, master = start_app(tmp_path)
    try:
        os.close(master)  # the terminal is gone; no SIGHUP (not its controlling terminal)
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            spent = cpu_seconds(proc.pid)
            proc.kill()
            pytest.fail(f"the app kept running after its terminal closed ({spent:.1f} s CPU)")
    assert code != 0


@pytest.mark.timeout(60)
def test_sighup_ends_the_app(tmp_path: Path) -> None:
    proc, master = start_app(tmp_path)
    try:
        proc.send_signal(signal.SIGHUP)
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert code == 129
