"""Reading a project file's bytes once and decoding them the way the context reader does, so
the text a tool shows and the text an edit changes are the same; and putting edited text back
into bytes with the file's own encoding, byte-order mark and line endings."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from qwen_tui.context.errors import BinaryFile
from qwen_tui.context.reader import HEAD_BYTES, sniff
from qwen_tui.tools.errors import ToolError

#: Larger files are not read or edited by tools (a paged read would still hold it whole).
MAX_TOOL_FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TextFile:
    data: bytes
    text: str  # line endings as in the file
    encoding: str  # "utf-8", "utf-8-sig" or "latin-1"
    newline: str  # "\r\n" when the file uses it, else "\n"
    mode: int

    def encode(self, text: str) -> bytes:
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError:
            if self.encoding == "latin-1":
                raise ToolError("the new text has characters this Latin-1 file cannot hold") from None
            raise


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def read_bytes(path: Path, rel: str, limit: int | None = None) -> tuple[bytes, int]:
    """The whole file and its mode; refuses non-regular files and files over ``limit``."""
    limit = MAX_TOOL_FILE_BYTES if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ToolError(f"{rel}: no such file in the project") from None
    except OSError as exc:
        raise ToolError(f"{rel}: cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ToolError(f"{rel}: not a regular file")
        if st.st_size > limit:
            raise ToolError(f"{rel}: too large for the tools ({human_size(st.st_size)}; the limit is "
                            f"{human_size(limit)}); search it instead")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ToolError(f"{rel}: too large for the tools (over {human_size(limit)})")
    return data, stat.S_IMODE(st.st_mode)


def decode(data: bytes, rel: str, mode: int = 0o644) -> TextFile:
    """The file as text; ToolError for a binary or UTF-16 file."""
    head = data[:HEAD_BYTES]
    try:
        encoding, _notes = sniff(head, at_eof=len(data) <= HEAD_BYTES, rel=rel)
    except BinaryFile as exc:
        raise ToolError(f"{rel}: a binary file ({exc.detail}); tools read and edit text files only") from None
    if encoding.startswith("utf-16"):
        raise ToolError(f"{rel}: UTF-16 text, which the tools do not read or edit")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding = "latin-1"  # the head was UTF-8, a later byte is not: the reader's fallback
        text = data.decode(encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    return TextFile(data, text, encoding, newline, mode)


def load(path: Path, rel: str) -> TextFile:
    data, mode = read_bytes(path, rel)
    return decode(data, rel, mode)
