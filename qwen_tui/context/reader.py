"""Reading one file for the model, safely: bounded memory, honest about what was left out.

- Binary files are refused: a NUL byte, or a head that is neither UTF-8 nor plausible 8-bit text.
- Text that is not UTF-8 is decoded as Latin-1 (ISO-8859-1, which never fails) and says so.
- At most ``max_bytes`` are read, ever; a longer file is cut at a line end and a visible marker line
  says how much was shown. A 50 MB log costs one bounded read, not 50 MB of memory.
- CRLF line endings are sent as LF (same text, fewer tokens).
- Anything that is not a regular file (FIFO, device, folder) or cannot be opened is ``Unreadable``.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from qwen_tui.context.errors import BinaryFile, InvalidSpec, NotFound, Unreadable
from qwen_tui.context.languages import language_for

HEAD_BYTES = 8192
DEFAULT_MAX_FILE_BYTES = 256 * 1024
FALLBACK_ENCODING = "latin-1"
#: Share of control bytes in a non-UTF-8 head above which it is taken for binary data.
CONTROL_SHARE_FOR_BINARY = 0.05
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\b\x1b")


@dataclass(frozen=True, slots=True)
class FileContent:
    """A file (or a line range of one) as it will be sent. ``path`` is posix, relative to the root."""

    path: str
    text: str
    language: str
    truncated: bool = False
    note: str | None = None
    bytes_read: int = 0
    size: int = 0
    line_range: tuple[int, int] | None = None
    encoding: str = "utf-8"

    @property
    def label(self) -> str:
        """How the file is named in the prompt and the UI: ``a.py`` or ``a.py:10-40``."""
        if self.line_range is None:
            return self.path
        start, end = self.line_range
        return f"{self.path}:{start}-{end}"


#: What a selection expands to; the same thing as what ``ProjectIndex.read`` returns.
ContextFile = FileContent


def read_file(
    path: Path, rel: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES, line_range: tuple[int, int] | None = None
) -> FileContent:
    """Read ``path`` (already checked to be inside the root) for the prompt. Raises ``NotFound``,
    ``Unreadable``, ``BinaryFile`` or ``InvalidSpec`` (a range past the end of the file)."""
    fd = _open(path, rel)
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(min(HEAD_BYTES, max_bytes + 1) if max_bytes > 0 else HEAD_BYTES)
        encoding, notes = sniff(head, at_eof=len(head) < HEAD_BYTES, rel=rel)
        if line_range is None or encoding.startswith("utf-16"):
            data = head + f.read(max(0, max_bytes + 1 - len(head)))
            return _whole(rel, data, size, max_bytes, encoding, notes, line_range)
        return _lines(rel, f, head, size, max_bytes, encoding, notes, line_range)


def _open(path: Path, rel: str) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise NotFound(rel) from None
    except PermissionError:
        raise Unreadable(rel, "permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unreadable(rel, "symlink loop") from None
        raise Unreadable(rel, exc.strerror or str(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise Unreadable(rel, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
        raise Unreadable(rel, f"{kind}, not a regular file")
    return fd


def sniff(head: bytes, at_eof: bool, rel: str = "") -> tuple[str, list[str]]:
    """The encoding to decode a file with, from its first bytes; raises ``BinaryFile``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", []
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", ["UTF-16 text"]
    if b"\x00" in head:
        raise BinaryFile(rel, "contains NUL bytes")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=at_eof)
        return "utf-8", []
    except UnicodeDecodeError:
        pass
    controls = sum(1 for b in head if (b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F)
    if head and controls / len(head) > CONTROL_SHARE_FOR_BINARY:
        raise BinaryFile(rel, "neither UTF-8 nor plain text")
    return FALLBACK_ENCODING, ["not valid UTF-8: decoded as Latin-1"]


def _decode(data: bytes, encoding: str, final: bool, notes: list[str]) -> str:
    """Decode, dropping an incomplete multi-byte character at a cut; invalid bytes are replaced."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        text = decoder.decode(data, final=final)
    except UnicodeDecodeError:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        text = decoder.decode(data, final=final)
        notes.append(f"some bytes were not valid {encoding.upper()} and were replaced by \ufffd")
    return text.replace("\r\n", "\n")


def cut_marker(shown: int, size: int, max_bytes: int) -> str:
    return (
        f"[qwen-tui: file cut here. Showed the first {shown:,} of {size:,} bytes; "
        f"the limit is {max_bytes:,} bytes per file. Select a line range to see more.]"
    )


def _whole(
    rel: str, data: bytes, size: int, max_bytes: int, encoding: str, notes: list[str],
    line_range: tuple[int, int] | None,
) -> FileContent:
    bytes_read = len(data)
    truncated = len(data) > max_bytes
    if truncated:
        data = data[:max_bytes]
        cut = data.rfind(b"\n")
        if cut > 0 and not encoding.startswith("utf-16"):
            data = data[: cut + 1]
    text = _decode(data, encoding, final=not truncated, notes=notes)
    if line_range is not None:  # UTF-16: ranges are cut from the decoded text
        text = _slice_lines(rel, text, line_range)
    if truncated:
        total = max(size, bytes_read)
        if not text.endswith("\n") and text:
            text += "\n"
        text += cut_marker(len(data), total, max_bytes)
        notes.append(f"cut at {len(data):,} of {total:,} bytes")
    if size == 0:
        notes.append("empty file")
    return FileContent(
        rel, text, language_for(rel), truncated, "; ".join(notes) or None, bytes_read, size, line_range, encoding
    )


def _slice_lines(rel: str, text: str, line_range: tuple[int, int]) -> str:
    lines = text.splitlines(keepends=True)
    start, end = line_range
    if start > len(lines):
        raise InvalidSpec(f"{rel}:{start}-{end}", f"the file has {len(lines)} lines")
    return "".join(lines[start - 1 : end])


def _lines(
    rel: str, f, head: bytes, size: int, max_bytes: int, encoding: str, notes: list[str],
    line_range: tuple[int, int],
) -> FileContent:
    """Lines ``start..end`` read line by line: memory stays under ``max_bytes`` however far in."""
    start, end = line_range
    f.seek(0)
    kept: list[bytes] = []
    kept_bytes = 0
    bytes_read = 0
    line_no = 0
    truncated = False
    while line_no < end:
        line = f.readline(max_bytes + 1)
        if not line:
            break
        bytes_read += len(line)
        if not line.endswith(b"\n"):
            # a line longer than the limit: skip the rest of it without keeping it
            rest = line
            while rest and not rest.endswith(b"\n"):
                rest = f.readline(max_bytes + 1)
                bytes_read += len(rest)
                if line_no + 1 >= start and not truncated:
                    truncated = True
        line_no += 1
        if line_no < start:
            continue
        if kept_bytes + len(line) > max_bytes:
            truncated = True
            room = max_bytes - kept_bytes
            if room > 0 and not kept:
                kept.append(line[:room])
                kept_bytes += room
            break
        kept.append(line)
        kept_bytes += len(line)
    if line_no < start:
        raise InvalidSpec(f"{rel}:{start}-{end}", f"the file has {line_no} lines")
    text = _decode(b"".join(kept), encoding, final=not truncated, notes=notes)
    if truncated:
        if text and not text.endswith("\n"):
            text += "\n"
        text += cut_marker(kept_bytes, size, max_bytes)
        notes.append(f"range cut at {kept_bytes:,} bytes")
    if line_no < end:
        notes.append(f"the file ends at line {line_no}")
    return FileContent(
        rel, text, language_for(rel), truncated, "; ".join(notes) or None, bytes_read, size,
        (start, min(end, line_no)), encoding,
    )
