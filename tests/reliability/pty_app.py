"""The real app (``python -m qwen_tui``) in a pseudo-terminal: every byte it writes is kept, keys
are typed as a terminal would send them. A thread drains the pty so the app never blocks on a full
terminal buffer."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

COLS, ROWS = 120, 40

#: Sequences that only move the cursor or set colours: removed before looking for visible text,
#: which the app writes in pieces (a style change or a cursor jump between two runs of cells).
_LAYOUT = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class PtyApp:
    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, size: tuple[int, int] = (COLS, ROWS)) -> None:
        master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.fd = master
        self.output = bytearray()
        self.last_read = time.monotonic()
        self.cond = threading.Condition()
        self.closed = False
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qwen_tui", *args], stdin=slave, stdout=slave, stderr=slave,
            env=env, cwd=cwd, start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.1)
                if not ready:
                    if self.proc.poll() is not None:
                        break
                    continue
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            with self.cond:
                self.output.extend(chunk)
                self.last_read = time.monotonic()
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def offset(self) -> int:
        with self.cond:
            return len(self.output)

    def text_since(self, start: int = 0) -> str:
        """What was written from ``start`` on, cursor moves and colours removed, decoded."""
        with self.cond:
            raw = bytes(self.output[start:])
        return _LAYOUT.sub(b"", raw).decode("utf-8", "replace")

    def wait_for_text(self, needle: str, start: int = 0, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text_since(start):
            if time.monotonic() > deadline or self.closed:
                tail = self.text_since(max(0, self.offset() - 800))
                raise AssertionError(f"{needle!r} not shown within {timeout} s; last output: {tail!r}")
            time.sleep(0.05)

    def settle(self, quiet: float = 0.4, limit: float = 5.0) -> None:
        """Until nothing was written for ``quiet`` seconds (at most ``limit``)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self.cond:
                idle = time.monotonic() - self.last_read
            if idle >= quiet:
                return
            time.sleep(0.05)

    def type(self, keys: str | bytes, pause: float = 0.0) -> None:
        os.write(self.fd, keys.encode("utf-8") if isinstance(keys, str) else keys)
        if pause:
            time.sleep(pause)

    def close(self) -> int | None:
        """Ctrl+C twice (the app's quit), then SIGKILL if it is still running."""
        if self.proc.poll() is None:
            for _ in range(2):
                try:
                    os.write(self.fd, b"\x03")
                except OSError:
                    break
                time.sleep(0.15)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._reader.join(timeout=2)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        return self.proc.returncode

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
