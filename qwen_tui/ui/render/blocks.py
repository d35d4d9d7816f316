"""Split streamed Markdown into closed blocks and one open tail, incrementally.

Why: re-parsing a whole answer per token is O(n) per token. Here each complete line is looked at
a bounded number of times: an open code fence is tracked by a tiny state machine (one regex per
line), and the rest of the open region (the last block plus lines not yet classified) is parsed
with markdown-it only when new complete lines arrive. Every top-level block except the last one
is final in CommonMark (a later line can only change the last open block), so those are handed
out as closed and never looked at again.

Everything here works on *sanitised* text (control characters made visible), so what is parsed is
exactly what is shown. Known approximation: link reference definitions that appear after the
paragraph that uses them are not applied to it (the one-shot render would apply them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from qwen_tui.terminal_text import visible

#: The one Markdown dialect used for both streamed and one-shot rendering. Raw HTML is off: model
#: text is data, so ``List<T>`` or ``<script>`` is shown as typed, not swallowed as a tag.
PARSER = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")

_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")


def prepare_source(text: str) -> str:
    """Model text as the renderer sees it: CRLF normalised, control characters made visible."""
    return visible(text.replace("\r\n", "\n"))


def _prepare_line(line: str) -> str:
    return visible(line[:-1] if line.endswith("\r") else line)


@dataclass
class OpenFence:
    """A top-level code fence whose closing line has not arrived yet."""

    indent: int
    marker: str  # the fence characters of the opener, e.g. "```" or "~~~~"
    info: str
    source_lines: list[str] = field(default_factory=list)  # opener + content lines, as received
    lines: list[str] = field(default_factory=list)  # content lines as displayed (indent removed)
    _closer: re.Pattern[str] | None = None

    @classmethod
    def from_opener(cls, line: str) -> OpenFence | None:
        match = _FENCE_OPEN.match(line)
        if match is None:
            return None
        indent, marker, info = match.groups()
        if marker[0] == "`" and "`" in info:
            return None
        fence = cls(len(indent), marker, info.strip(), [line])
        char = re.escape(marker[0])
        fence._closer = re.compile(rf"^ {{0,3}}{char}{{{len(marker)},}}[ \t]*$")
        return fence

    @property
    def lexer_name(self) -> str:
        """The language named after the fence (same rule as Rich's CodeBlock)."""
        return self.info.partition(" ")[0] or "text"

    def closes(self, line: str) -> bool:
        assert self._closer is not None
        return self._closer.match(line) is not None

    def add(self, line: str) -> None:
        self.source_lines.append(line)
        # CommonMark removes up to the opener's indentation from each content line.
        strip = min(self.indent, len(line) - len(line.lstrip(" ")))
        self.lines.append(line[strip:])

    @property
    def source(self) -> str:
        return "\n".join(self.source_lines)


class BlockSplitter:
    """Feed text as it arrives; read closed blocks from :attr:`closed` and the open tail."""

    def __init__(self) -> None:
        self.closed: list[str] = []  # Markdown source of each finished top-level block
        self.fence: OpenFence | None = None  # set while the open block is a top-level fence
        self._region: list[str] = []  # complete lines of the open (non-fence) region
        self._partial: list[str] = []  # pieces of the line still being received

    @property
    def partial(self) -> str:
        """The current, incomplete last line (sanitised)."""
        if len(self._partial) > 1:
            self._partial[:] = ["".join(self._partial)]
        return _prepare_line(self._partial[0]) if self._partial else ""

    @property
    def open_source(self) -> str:
        """Markdown source of everything not yet closed, including the partial line."""
        if self.fence is not None:
            lines = self.fence.source_lines
        else:
            lines = self._region
        partial = self.partial
        if partial:
            return "\n".join([*lines, partial])
        return "\n".join(lines)

    def feed(self, text: str) -> bool:
        """Take newly arrived text. Returns True when at least one complete line arrived."""
        if "\n" not in text:
            if text:
                self._partial.append(text)
            return False
        head, *middle, tail = text.split("\n")
        first = "".join([*self._partial, head])
        self._partial = [tail] if tail else []
        self._add_lines([_prepare_line(line) for line in (first, *middle)])
        return True

    def _add_lines(self, lines: list[str]) -> None:
        index = 0
        while index < len(lines):
            fence = self.fence
            if fence is not None:
                line = lines[index]
                index += 1
                if fence.closes(line):
                    fence.source_lines.append(line)
                    self.closed.append(fence.source)
                    self.fence = None
                else:
                    fence.add(line)
                continue
            self._region.extend(lines[index:])
            leftover = self._split_region()
            lines, index = leftover, 0

    def _split_region(self) -> list[str]:
        """Close every block of the open region but the last; returns lines a new fence owns."""
        region = self._region
        tokens = PARSER.parse("\n".join(region) + "\n")
        starts = [
            (token.map[0], token.map[1], token.type)
            for token in tokens
            if token.level == 0 and token.nesting >= 0 and token.map is not None
        ]
        if not starts:
            if all(not line.strip() for line in region):
                region.clear()
            return []
        for start, end, _type in starts[:-1]:
            self.closed.append("\n".join(region[start:end]))
        last_start, _end, last_type = starts[-1]
        rest = region[last_start:]
        if last_type == "fence":
            fence = OpenFence.from_opener(rest[0])
            if fence is not None:
                self.fence = fence
                self._region = []
                return rest[1:]
        self._region = rest
        return []
