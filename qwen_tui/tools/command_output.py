"""A command's output kept for the model in bounded memory: the first lines, a ring of the last
lines, and a count of what fell in between.

A command may print 100,000 lines or one endless line; the model gets the head and the tail (what
a test run's summary and a build's error are in), each line cut to a sane length, escape sequences
removed and other control characters shown as placeholders, secrets redacted.
"""

from __future__ import annotations

import re
from collections import deque

from qwen_tui.redact import redact
from qwen_tui.terminal_text import visible

HEAD_LINES = 50
TAIL_LINES = 150
MAX_LINE_CHARS = 1000
HEAD_CHARS = 4_000  # budgets of the model text; the line limits bound memory
TAIL_CHARS = 12_000

# CSI (colours, cursor moves), OSC (titles, clipboard, links) and two-byte escapes: dropped for the
# model, whose text has no use for colours; anything left is made visible by ``visible``.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")


def clean_line(line: str) -> str:
    """One line as the model reads it: what a terminal would leave after carriage returns, no
    escape sequences, other controls visible, secrets redacted."""
    if "\r" in line:
        line = line.rstrip("\r")
        if "\r" in line:  # a progress bar redrawn in place: the terminal shows the last state
            line = line.rsplit("\r", 1)[1]
    return redact(visible(_ESCAPES.sub("", line)))


class OutputCapture:
    """Lines fed as text arrives; keeps ``head_lines`` first lines and ``tail_lines`` last ones."""

    def __init__(self, head_lines: int = HEAD_LINES, tail_lines: int = TAIL_LINES,
                 max_line_chars: int = MAX_LINE_CHARS) -> None:
        self.head_lines = head_lines
        self.max_line_chars = max_line_chars
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=tail_lines)
        self.lines = 0  # complete lines seen (a last line without newline counts at ``close``)
        self.chars = 0  # characters seen
        self._partial: list[str] = []
        self._partial_len = 0
        self._partial_cut = 0  # characters of the current line beyond max_line_chars

    def feed(self, text: str) -> None:
        self.chars += len(text)
        start = 0
        while True:
            end = text.find("\n", start)
            if end < 0:
                self._add_partial(text[start:])
                return
            self._add_partial(text[start:end])
            self._end_line()
            start = end + 1

    def close(self) -> None:
        """The output ended: a last line without a newline is a line too."""
        if self._partial_len or self._partial_cut:
            self._end_line()

    def _add_partial(self, piece: str) -> None:
        room = self.max_line_chars - self._partial_len
        if len(piece) > room:
            self._partial_cut += len(piece) - max(room, 0)
            piece = piece[:max(room, 0)]
        if piece:
            self._partial.append(piece)
            self._partial_len += len(piece)

    def _end_line(self) -> None:
        line = "".join(self._partial)
        if self._partial_cut:
            line += f" … [{self._partial_cut:,} more characters]"
        self._partial.clear()
        self._partial_len = self._partial_cut = 0
        self.lines += 1
        if len(self.head) < self.head_lines:
            self.head.append(line)
        else:
            self.tail.append(line)

    @property
    def left_out(self) -> int:
        """Lines neither in the head nor in the tail."""
        return self.lines - len(self.head) - len(self.tail)

    def text(self, head_chars: int = HEAD_CHARS, tail_chars: int = TAIL_CHARS) -> tuple[str, int]:
        """(the output for the model, how many lines it leaves out)."""
        head: list[str] = []
        used = 0
        for raw in self.head:
            line = clean_line(raw)
            if head and used + len(line) + 1 > head_chars:
                break
            head.append(line)
            used += len(line) + 1
        tail: list[str] = []
        used = 0
        rest = list(self.tail)
        if len(head) < len(self.head):  # the head's budget ran out: its remaining lines go before the tail
            rest = self.head[len(head):] + rest
        for raw in reversed(rest):
            line = clean_line(raw)
            if tail and used + len(line) + 1 > tail_chars:
                break
            tail.append(line)
            used += len(line) + 1
        tail.reverse()
        left_out = self.lines - len(head) - len(tail)
        if left_out <= 0:
            return "\n".join(head + tail), 0
        marker = f"[… {left_out:,} lines left out …]"
        return "\n".join([*head, marker, *tail]), left_out
