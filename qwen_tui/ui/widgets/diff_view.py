"""A unified diff on screen: added and removed lines coloured, code highlighted by the file's
language, unified below 140 columns and side by side from 140.

It is a Line API widget: only the rows in view are styled and drawn (each once, cached), so a
2,000-line diff costs what its first screenful costs. The language's lexer is looked up in a
thread (Pygments' first lookup imports ~150 ms of modules): the diff shows at once in its +/-
colours and is highlighted a moment later. File text is data: every line goes through
``visible`` and is drawn as segments, never as markup.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qwen_tui.terminal_text import visible
from qwen_tui.ui.render.diff_rows import (
    ADDED, CONTEXT, HEADER, HUNK_HEADER, NOTE, REMOVED, DiffLine, SplitRow, parse_unified, split_rows)

#: From this many terminal columns the diff is shown side by side.
SPLIT_FROM = 140
TAB = 4
MARKERS = {ADDED: "+", REMOVED: "-", CONTEXT: " "}
ROW_STYLES = {ADDED: "added", REMOVED: "removed", HUNK_HEADER: "hunk", HEADER: "header", NOTE: "header"}


@lru_cache(maxsize=64)
def _lexer_for(path: str) -> Any:
    """The Pygments lexer of ``path``'s language, or None (plain)."""
    try:
        from pygments.lexers import get_lexer_for_filename
        from pygments.util import ClassNotFound
    except ImportError:  # pragma: no cover - Pygments comes with Rich
        return None
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


class LineHighlighter:
    """Colours one line of code at a time (no state across lines: cheap, and a diff's lines are
    not a whole file anyway)."""

    def __init__(self, lexer: Any, theme: Any) -> None:
        self.lexer, self.theme = lexer, theme
        self._styles: dict[Any, Style] = {}
        self._tokens: dict[str, list[tuple[Any, str]]] = {}  # a line's text -> its tokens

    def tokens(self, text: str) -> list[tuple[Any, str]]:
        """``text``'s tokens (each line lexed once: a context line shows on both sides)."""
        found = self._tokens.get(text)
        if found is None:
            found = [(t, v.replace("\n", "")) for t, v in self.lexer.get_tokens(text) if v and v != "\n"]
            if len(self._tokens) > 20_000:
                self._tokens.clear()
            self._tokens[text] = found
        return found

    @classmethod
    def load(cls, path: str, theme_name: str) -> LineHighlighter | None:
        lexer = _lexer_for(path)
        if lexer is None:
            return None
        from rich.syntax import Syntax

        return cls(lexer, Syntax.get_theme(theme_name))

    def _style(self, token_type: Any) -> Style:
        style = self._styles.get(token_type)
        if style is None:
            found = self.theme.get_style_for_token(token_type)
            style = self._styles[token_type] = Style(color=found.color, bold=found.bold, italic=found.italic)
        return style

    def segments(self, text: str, base: Style) -> list[Segment]:
        style = self._style
        return [Segment(value, base + style(token_type)) for token_type, value in self.tokens(text)]


def _clean(text: str) -> str:
    return visible(text).expandtabs(TAB)


class DiffView(ScrollView, can_focus=True):
    """``diff`` (unified diff text) of the file at ``path``."""

    COMPONENT_CLASSES = {
        "diff-view--added", "diff-view--removed", "diff-view--hunk", "diff-view--header",
        "diff-view--gutter", "diff-view--divider", "diff-view--empty",
    }
    DEFAULT_CSS = """
    DiffView { height: 1fr; background: $surface; }
    DiffView > .diff-view--added { background: $success 18%; color: $text; }
    DiffView > .diff-view--removed { background: $error 18%; color: $text; }
    DiffView > .diff-view--hunk { color: $accent; text-style: bold; }
    DiffView > .diff-view--header { color: $text-muted; text-style: bold; }
    DiffView > .diff-view--gutter { color: $text-muted; }
    DiffView > .diff-view--divider { color: $panel-lighten-2; }
    DiffView > .diff-view--empty { background: $panel; }
    """

    def __init__(self, diff: str, path: str = "", *, theme: str = "monokai", split_from: int = SPLIT_FROM,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.theme_name, self.split_from = theme, split_from
        self.split = False
        self._cache: dict[tuple[int, int], Strip] = {}
        self._styles: dict[str, Style] = {}
        self._read(diff, path)

    def _read(self, diff: str, path: str) -> None:
        self.path = path
        self.lines: list[DiffLine] = parse_unified(diff)
        self._split: list[SplitRow] | None = None
        numbers = [n for line in self.lines for n in (line.old_no, line.new_no) if n is not None]
        self._digits = len(str(max(numbers))) if numbers else 1
        self._widest = max((cell_len(line.text) for line in self.lines), default=0) + TAB  # tabs grow a little
        self.highlighter: LineHighlighter | None = None
        self._cache.clear()

    def show(self, diff: str, path: str = "") -> None:
        """Another diff in the same view, from its top."""
        self._read(diff, path)
        self.scroll_to(0, 0, animate=False)
        self._layout_rows()
        self._highlight()

    # -- layout ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._layout_rows()
        self._highlight()  # lexed in a thread meanwhile: the first frame does not wait for it

    def _highlight(self) -> None:
        if self.path:
            self.run_worker(partial(self._load_highlighter, self.path), thread=True, group="diff-highlight",
                            exit_on_error=False)

    def _load_highlighter(self, path: str) -> None:
        """(in a thread) The lexer, and the first screens' lines lexed, so that the frame that
        shows them highlighted has little left to do."""
        highlighter = LineHighlighter.load(path, self.theme_name)
        if highlighter is None:
            return
        ahead = max(self.size.height, 24) * 2
        for line in self.lines[:ahead]:
            if line.kind in (ADDED, REMOVED, CONTEXT):
                text = _clean(line.text)
                if text.strip():
                    highlighter.tokens(text)
        self.app.call_from_thread(self._highlighted, highlighter, path)

    def _highlighted(self, highlighter: LineHighlighter, path: str) -> None:
        if path != self.path:
            return
        self.highlighter = highlighter
        self._cache.clear()
        self.refresh()

    def on_resize(self) -> None:
        if (self.app.size.width >= self.split_from) != self.split or self.split:
            self._layout_rows()

    def _layout_rows(self) -> None:
        split = self.app.size.width >= self.split_from
        if split and self._split is None:
            self._split = split_rows(self.lines)
        self.split = split
        if split:
            assert self._split is not None
            virtual = Size(self.size.width, len(self._split))
        else:
            virtual = Size(self._gutter_width(2) + self._widest, len(self.lines))
        if virtual != self.virtual_size:
            self.virtual_size = virtual
        self._cache.clear()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._split or []) if self.split else len(self.lines)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()

    def _style(self, name: str) -> Style:
        """A component class's style over the widget's own (computed once: ``rich_style`` walks
        the ancestors every time it is read)."""
        style = self._styles.get(name)
        if style is None:
            if name == "base":
                style = self.rich_style
            else:
                style = self._style("base") + self.get_component_rich_style(f"diff-view--{name}")
            self._styles[name] = style
        return style

    def _gutter_width(self, columns: int) -> int:
        return columns * (self._digits + 1) + 2  # numbers, a space each, the marker and a space

    # -- drawing --------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self._style("base")
        if index >= self.row_count or width <= 0:
            return Strip.blank(width, base)
        key = (index, width if self.split else 0)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._split_row(self._split[index], width) if self._split and self.split \
                else self._unified_row(self.lines[index])
            if len(self._cache) > 2048:
                self._cache.clear()
            self._cache[key] = strip
        if self.split:
            return strip
        line = self.lines[index]
        fill = self._row_style(line.kind) if line.kind in (ADDED, REMOVED) else base
        return strip.crop_extend(scroll_x, scroll_x + width, fill)

    def _row_style(self, kind: str) -> Style:
        return self._style(ROW_STYLES.get(kind, "base"))

    def _code(self, line: DiffLine, style: Style) -> list[Segment]:
        text = _clean(line.text)
        if self.highlighter is not None and line.kind in (ADDED, REMOVED, CONTEXT) and text.strip():
            return self.highlighter.segments(text, style)
        return [Segment(text, style)]

    def _number(self, number: int | None) -> str:
        return (str(number) if number is not None else "").rjust(self._digits) + " "

    def _unified_row(self, line: DiffLine) -> Strip:
        style = self._row_style(line.kind)
        if line.kind not in (ADDED, REMOVED, CONTEXT):
            return Strip([Segment(_clean(line.text), style)])
        gutter = self._style("gutter")
        if line.kind != CONTEXT:
            gutter = style + Style(dim=True)
        segments = [Segment(self._number(line.old_no) + self._number(line.new_no), gutter),
                    Segment(MARKERS[line.kind] + " ", style)]
        segments.extend(self._code(line, style))
        return Strip(segments)

    def _half(self, line: DiffLine | None, width: int, side: str) -> list[Segment]:
        """One side's segments, exactly ``width`` cells (built as segments: every Strip made
        costs seven little caches, and a row would otherwise make six)."""
        if line is None:
            return [Segment(" " * width, self._style("empty"))]
        kind = line.kind
        style = self._row_style(kind)
        number = line.old_no if side == "left" else line.new_no
        marker = MARKERS.get(kind, " ")
        gutter = style + Style(dim=True) if kind != CONTEXT else self._style("gutter")
        segments = [Segment(self._number(number), gutter), Segment(marker + " ", style), *self._code(line, style)]
        return Segment.adjust_line_length(segments, width, style)

    def _split_row(self, row: SplitRow, width: int) -> Strip:
        if row.kind in (HEADER, HUNK_HEADER, NOTE):
            assert row.left is not None
            style = self._row_style(row.kind)
            return Strip(Segment.adjust_line_length([Segment(_clean(row.left.text), style)], width, style), width)
        half = max((width - 1) // 2, 1)
        segments = self._half(row.left, half, "left")
        segments.append(Segment("│", self._style("divider")))
        segments.extend(self._half(row.right, width - half - 1, "right"))
        return Strip(segments, width)

    def text_rows(self) -> list[str]:
        """What the rows say, as plain text (for tests and copying)."""
        return [f"{MARKERS.get(line.kind, '')}{line.text}" if line.kind in MARKERS else line.text
                for line in self.lines]
