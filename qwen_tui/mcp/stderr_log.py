"""A stdio server's stderr: into its log file under the XDG state folder, never the terminal.

The SDK hands a server's stderr straight to the file object it is given (the subprocess inherits
its descriptor), so a server that prints would paint over a full-screen app if that were the
terminal. Here the server gets the write end of a pipe; the event loop drains the read end into
``$XDG_STATE_HOME/qwen-tui/mcp/<server>.log`` (redacted, line by line), keeps the last lines for
the UI, and notices end of file: every holder of the write end is gone, the server has most likely
exited. A flood cannot fill the disk: past ``max_bytes`` the file is rotated to ``.log.1`` (one
old file kept).
"""

from __future__ import annotations

import asyncio
import collections
import os
import time
from pathlib import Path
from typing import BinaryIO, TextIO

from qwen_tui.paths import ensure_dir
from qwen_tui.redact import redact

DEFAULT_MAX_BYTES = 1024 * 1024
TAIL_LINES = 20
_CHUNK = 64 * 1024
_MAX_LINE = 4096  # a longer "line" is cut: a server that never writes a newline must not grow memory


class StderrLog:
    """One server run's stderr: a pipe, its reader in the loop, the log file, the last lines."""

    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, tail_lines: int = TAIL_LINES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
        self.bytes_read = 0
        self.eof = asyncio.Event()
        self._partial = b""
        self._file: BinaryIO | None = None
        self._read_fd: int | None = None
        self._writer: TextIO | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def open(self, header: str) -> TextIO:
        """The pipe's write end, to give the SDK as ``errlog``; reading starts at once."""
        ensure_dir(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "ab")
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._file.write(f"--- {stamp} {redact(header)}\n".encode())
        self._file.flush()
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        self._read_fd = read_fd
        self._writer = os.fdopen(write_fd, "w")
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(read_fd, self._readable)
        return self._writer

    def spawned(self) -> None:
        """The server holds its copy of the write end now: drop ours, so its exit is an EOF."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _readable(self) -> None:
        if self._read_fd is None:
            return
        try:
            data = os.read(self._read_fd, _CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._finish()
            return
        self.bytes_read += len(data)
        self._take(data)

    def _take(self, data: bytes) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > _MAX_LINE:
            lines.append(self._partial[:_MAX_LINE] + b" [line cut]")
            self._partial = b""
        if not lines:
            return
        text = [redact(line.decode("utf-8", "replace").rstrip("\r")) for line in lines]
        self.tail.extend(text)
        self._write(("\n".join(text) + "\n").encode())

    def _write(self, data: bytes) -> None:
        if self._file is None:
            return
        try:
            if self._file.tell() + len(data) > self.max_bytes:
                self._file.close()
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                self._file = os.fdopen(fd, "ab")
            if len(data) > self.max_bytes:  # one burst bigger than the cap: keep its end
                keep = data[-(self.max_bytes - 64):]
                data = b"[earlier lines cut]\n" + keep[keep.find(b"\n") + 1:]
            self._file.write(data)
            self._file.flush()
        except OSError:
            pass  # a full disk must not stop the server: the tail in memory still shows the end

    def _finish(self) -> None:
        if self._partial:
            self._take(b"\n")
        if self._read_fd is not None and self._loop is not None:
            self._loop.remove_reader(self._read_fd)
            os.close(self._read_fd)
            self._read_fd = None
        self.eof.set()

    def last_lines(self, n: int = TAIL_LINES) -> list[str]:
        return list(self.tail)[-n:]

    def close(self) -> None:
        """Stop reading (what is buffered in the pipe is read first) and close the file."""
        self.spawned()
        if self._read_fd is not None:
            for _ in range(16):  # drain what is there (bounded: a flooding server may still be writing)
                try:
                    data = os.read(self._read_fd, _CHUNK)
                except OSError:
                    break
                if not data:
                    break
                self._take(data)
            self._finish()
        if self._file is not None:
            self._file.close()
            self._file = None
