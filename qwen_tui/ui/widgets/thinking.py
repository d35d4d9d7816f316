"""The model's reasoning ("thinking") above its answer: a dim section that streams as fast as the
model thinks and folds to one line when the answer begins; a key (``app.toggle_thinking``)
unfolds it again.

Cost per token is constant: ``append`` only buffers; at most once a frame the new text is cut
into rows. Finished lines are wrapped once and kept as strips; only the open line (the paragraph
being written) is wrapped again, and only its rows are repainted. The height grows a few rows at
a time (a relayout of the chat per step, not per row) and is exact once the section is done.
Reasoning is model text: control characters are shown as placeholders, no markup is read.
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from qwen_tui.terminal_text import visible

if TYPE_CHECKING:
    from qwen_tui.ui.widgets.chat_view import AssistantMessage, ChatView

FRAME_SECONDS = 1 / 60
#: While streaming, the height grows in steps of this many rows.
GROW_ROWS = 4
#: The binding that folds and unfolds it (``QwenApp.BINDINGS``), named in the folded header.
BINDING_ID = "app.toggle_thinking"


class ThinkingText(Widget):
    """Plain reasoning text, wrapped to the width, appended to and never re-rendered whole."""

    DEFAULT_CSS = """
    ThinkingText { height: auto; color: $text-muted; text-style: italic; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._received: list[str] = []
        self._pending: list[str] = []
        self._done_lines: list[str] = []  # finished lines (up to a newline), as shown
        self._open = ""  # the line being written
        self._rows: list[Strip] = []  # the finished lines' rows, at ``_width``
        self._open_rows: list[Strip] = []
        self._width = 0
        self._flush_scheduled = False
        self._last_flush = 0.0
        self.done = False  # no more text is coming: the height is exact

    @property
    def text(self) -> str:
        if len(self._received) > 1:
            self._received[:] = ["".join(self._received)]
        return self._received[0] if self._received else ""

    def append(self, text: str) -> None:
        if not text:
            return
        self._received.append(text)
        self._pending.append(text)
        if self.is_mounted and not self._flush_scheduled:
            self._flush_scheduled = True
            delay = self._last_flush + FRAME_SECONDS - monotonic()
            if delay <= 0:
                self.call_later(self._flush)
            else:
                self.set_timer(delay, self._flush, name="thinking-frame")

    def finish(self) -> None:
        self.done = True
        self._flush()
        if self.is_mounted:
            self.refresh(layout=True)

    def on_mount(self) -> None:
        if self._pending:
            self.call_later(self._flush)

    # -- rows -------------------------------------------------------------------------------------
    def _wrap(self, line: str) -> list[Strip]:
        if not line:
            return [Strip.blank(0)]
        console = self.app.console
        rows = Text(visible(line)).wrap(console, max(self._width, 1))
        return [Strip(list(row.render(console))) for row in rows]

    def _take_pending(self) -> bool:
        """Move buffered text into the lines; True when a line was finished."""
        if not self._pending:
            return False
        text = "".join(self._pending)
        self._pending.clear()
        pieces = text.split("\n")
        self._open += pieces[0]
        finished = len(pieces) > 1
        for piece in pieces[1:]:
            self._done_lines.append(self._open)
            if self._width:
                self._rows += self._wrap(self._open)
            self._open = piece
        return finished

    def _flush(self) -> None:
        self._flush_scheduled = False
        self._last_flush = monotonic()
        if not self._pending:
            return
        first = len(self._rows)  # the open line's first row: what changes from here down
        old_height = self._shown_height()
        self._take_pending()
        if not self.is_mounted or not self._width:
            return
        self._open_rows = self._wrap(self._open) if self._open else []
        if self._shown_height() != old_height:
            self.refresh(layout=True)
        elif len(self._rows) + len(self._open_rows) > first:
            self.refresh(Region(0, first, self._width, len(self._rows) + len(self._open_rows) - first))

    def _rows_at(self, width: int) -> None:
        if width == self._width:
            return
        self._width = width
        self._take_pending()
        self._rows = [row for line in self._done_lines for row in self._wrap(line)]
        self._open_rows = self._wrap(self._open) if self._open else []

    def _shown_height(self) -> int:
        rows = len(self._rows) + len(self._open_rows)
        return rows if self.done else -(-rows // GROW_ROWS) * GROW_ROWS

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._rows_at(width)
        return self._shown_height()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width <= 0:
            return Strip.blank(0)
        self._rows_at(width)
        rows, opened = self._rows, self._open_rows
        if y < len(rows):
            row = rows[y]
        elif y - len(rows) < len(opened):
            row = opened[y - len(rows)]
        else:
            row = Strip.blank(width)
        return row.adjust_cell_length(width).apply_style(self.rich_style)


class ThinkingSection(Vertical):
    """A header ("Thinking") and the reasoning under it; folded, the header alone."""

    DEFAULT_CSS = """
    ThinkingSection { height: auto; margin-bottom: 1; }
    ThinkingSection > .thinking-header { color: $text-muted; text-style: bold italic; }
    ThinkingSection.folded > ThinkingText { display: none; }
    """

    def __init__(self) -> None:
        super().__init__(classes="thinking")
        self.body = ThinkingText()
        self.folded = False
        self.streaming = True
        self._header = Static(self._header_text(), markup=False, classes="thinking-header")

    def compose(self):
        yield self._header
        yield self.body

    @property
    def text(self) -> str:
        return self.body.text

    def append(self, text: str) -> None:
        self.body.append(text)

    def fold(self) -> None:
        """The answer began: the reasoning steps aside (one line says it is there)."""
        self.streaming = False
        self.set_folded(True)

    def finish(self) -> None:
        """The answer ended: no more reasoning is coming."""
        self.streaming = False
        self.body.finish()
        self._header.update(self._header_text())

    def toggle(self) -> None:
        self.set_folded(not self.folded)

    def set_folded(self, folded: bool) -> None:
        self.folded = folded
        self.set_class(folded, "folded")
        self._header.update(self._header_text())

    def _header_text(self) -> Text:
        text = Text()
        if self.folded:
            words = len(self.body.text.split())
            text.append(f"▸ Thinking · {words:,} word{'s' if words != 1 else ''}")
            key = self._key_name()
            if key:
                text.append(f" · {key} shows it", style="not bold")
        elif self.streaming:
            text.append("▾ Thinking…")
        else:
            text.append("▾ Thinking")
        return text

    def _key_name(self) -> str:
        """The key bound to ``app.toggle_thinking`` now (a user may have remapped it)."""
        from qwen_tui.ui.screens.help import key_label

        try:
            for key, active in self.app.active_bindings.items():
                if active.binding.id == BINDING_ID:
                    return key_label(key)
        except Exception:  # noqa: BLE001 - not in an app (yet): no hint, nothing else changes
            return ""
        return ""


def thinking_of(message: AssistantMessage) -> ThinkingSection:
    """``message``'s Thinking section, made (above its text) at the first piece of reasoning."""
    section = message.thinking
    if section is None:
        section = message.thinking = ThinkingSection()
        if message.body.parent is message:  # composed already; else its compose yields it
            message.mount(section, before=message.body)
    return section


def fold_thinking(message: AssistantMessage) -> None:
    """The answer's text began: fold its reasoning, if it had any."""
    if message.thinking is not None and message.thinking.streaming:
        message.thinking.fold()


def toggle_last_thinking(view: ChatView) -> bool:
    """Fold or unfold the newest answer's reasoning that has any; False when none has."""
    for message in reversed(view.assistant_messages):
        if message.thinking is not None:
            message.thinking.toggle()
            if not message.thinking.folded:
                view.call_after_refresh(message.thinking.scroll_visible, animate=False)
            return True
    return False
