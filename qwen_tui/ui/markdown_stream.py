"""StreamingMarkdown: a chat answer rendered as it streams, at constant cost per token.

Why not Textual's MarkdownStream: it re-parses and re-highlights the whole open block on every
write, so a growing code fence costs O(n) per token. Here:

- ``append`` only buffers; the widget updates itself at most once per frame (~60 fps);
- finished top-level blocks are rendered once, at their close, and kept as lines (frozen);
- an open code fence is highlighted one line at a time; each finished line once, cached;
  only the current partial line is re-highlighted per frame;
- the open block gets its final (exact) render when it closes or when ``finish`` is called.

It is a Line API widget: one widget per answer, ``render_line`` serves cached strips, and a
frame refreshes only the lines that changed. Model text is data: control characters are shown as
placeholders and no Rich markup is interpreted.
"""

from __future__ import annotations

import asyncio
from time import monotonic

from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from qwen_tui.ui.render.blocks import PARSER, BlockSplitter, OpenFence
from qwen_tui.ui.render.lines import (
    DEFAULT_CODE_THEME,
    FenceHighlighter,
    RenderedBlock,
    blank_line,
    join_blocks,
    render_block,
)

FRAME_SECONDS = 1 / 60
#: While streaming, the widget's height grows in steps of this many lines. A height change means
#: a relayout and a repaint of the whole visible screen; growing in steps makes most frames
#: repaint only the changed lines (a few bytes per token over SSH). Exact again at ``finish``.
GROW_STEP = 8


class _Layout:
    """The rendered lines of one answer at one width, brought up to date incrementally."""

    def __init__(self, widget: StreamingMarkdown, width: int) -> None:
        self.widget = widget
        self.width = width
        self.frozen_blocks: list[RenderedBlock] = []
        self.frozen: list[Strip] = []
        self.separator = False  # a blank line between the frozen lines and the tail
        # open fence, streamed line by line
        self.fence: OpenFence | None = None
        self.highlighter: FenceHighlighter | None = None
        self.fence_strips: list[Strip] = []
        self.fence_done = 0  # fence lines already in fence_strips
        self.partial: list[Strip] = []  # the fence's partial line
        # any other open tail: rendered whole
        self.tail: RenderedBlock | None = None
        self.tail_source: str | None = None

    def _console(self):  # noqa: ANN202 - Rich Console
        return self.widget.app.console

    @property
    def height(self) -> int:
        return len(self.frozen) + self.separator + self.tail_height

    @property
    def tail_height(self) -> int:
        if self.fence is not None:
            return 2 + len(self.fence_strips) + len(self.partial)
        return len(self.tail.strips) if self.tail is not None else 0

    def line(self, y: int) -> Strip:
        frozen = self.frozen
        if y < len(frozen):
            return frozen[y]
        y -= len(frozen)
        if self.separator:
            if y == 0:
                return blank_line(self.width)
            y -= 1
        if self.fence is not None:
            assert self.highlighter is not None
            if y == 0:
                return self.highlighter.top
            y -= 1
            if y < len(self.fence_strips):
                return self.fence_strips[y]
            y -= len(self.fence_strips)
            if y < len(self.partial):
                return self.partial[y]
            if y == len(self.partial):
                return self.highlighter.bottom
            return blank_line(self.width)
        if self.tail is not None and y < len(self.tail.strips):
            return self.tail.strips[y]
        return blank_line(self.width)

    def sync(self, splitter: BlockSplitter, final: bool, code_theme: str) -> int:
        """Catch up with the splitter. Returns the first line that may have changed."""
        console = self._console()
        width = self.width
        first_changed = len(self.frozen) + self.separator  # the tail's first line
        closed = splitter.closed
        if len(self.frozen_blocks) < len(closed):
            first_changed = len(self.frozen)
            previous = self.frozen_blocks[-1:]
            new = [render_block(console, src, width, code_theme) for src in closed[len(self.frozen_blocks) :]]
            self.frozen_blocks.extend(new)
            joined = join_blocks(previous + new, width)
            self.frozen.extend(joined[len(previous[0].strips) :] if previous else joined)

        fence = None if final else splitter.fence
        if fence is not None:
            if fence is self.fence and first_changed == len(self.frozen) + self.separator:
                first_changed += 1 + len(self.fence_strips)  # earlier code lines are unchanged
            if fence is not self.fence:
                self.fence = fence
                self.highlighter = FenceHighlighter(console, fence.lexer_name, code_theme, width)
                self.fence_strips = []
                self.fence_done = 0
                self.tail = None
                self.tail_source = None
            assert self.highlighter is not None
            for code_line in fence.lines[self.fence_done :]:
                self.fence_strips.extend(self.highlighter.line(code_line))
            self.fence_done = len(fence.lines)
            partial = splitter.partial
            self.partial = self.highlighter.line(partial) if partial else []
            lead = RenderedBlock([], takes_separator=True)
        else:
            self.fence = None
            self.highlighter = None
            self.fence_strips = []
            self.partial = []
            source = splitter.open_source
            if source != self.tail_source:
                self.tail_source = source
                self.tail = render_block(console, source, width, code_theme)
            lead = self.tail or RenderedBlock([])
        previous_block = self.frozen_blocks[-1] if self.frozen_blocks else None
        has_tail = self.fence is not None or bool(lead.strips)
        separator = bool(
            previous_block is not None
            and previous_block.strips
            and has_tail
            and previous_block.gives_separator
            and lead.takes_separator
        )
        if separator != self.separator:
            first_changed = min(first_changed, len(self.frozen))
            self.separator = separator
        return first_changed


class StreamingMarkdown(Widget):
    """A Markdown answer that grows as text streams in. See the module docstring."""

    DEFAULT_CSS = """
    StreamingMarkdown {
        height: auto;
    }
    """

    def __init__(
        self,
        text: str = "",
        code_theme: str | None = None,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.code_theme = code_theme or DEFAULT_CODE_THEME
        self._received: list[str] = []
        self._pending: list[str] = []  # appended but not yet handed to the splitter
        self._splitter = BlockSplitter()
        self._final = False
        self._layout: _Layout | None = None
        self._height = 0
        self._flush_scheduled = False
        self._last_flush = 0.0
        self._waiters: list[asyncio.Future[None]] = []
        self._code_blocks: tuple[int, list[str]] = (0, [])
        if text:
            self.append(text)

    # ----------------------------------------------------------------- public API

    @property
    def text(self) -> str:
        """All text received so far, as received."""
        if len(self._received) > 1:
            self._received[:] = ["".join(self._received)]
        return self._received[0] if self._received else ""

    @property
    def code_blocks(self) -> list[str]:
        """The contents of the fenced code blocks received so far (an open one included)."""
        text = self.text
        if self._code_blocks[0] != len(text):
            tokens = PARSER.parse(text)
            self._code_blocks = (len(text), [t.content for t in tokens if t.type == "fence"])
        return list(self._code_blocks[1])

    def append(self, text: str) -> None:
        """Buffer ``text``; the screen catches up at the next frame. Cheap: no parsing here."""
        if not text:
            return
        self._received.append(text)
        self._pending.append(text)
        self._final = False
        self._schedule_flush()

    def finish(self) -> None:
        """The stream ended (complete, stopped, failed, cut off): show everything, in final form."""
        self._final = True
        self._flush()

    async def wait_rendered(self) -> None:
        """Resolve once everything appended so far is on screen (for tests and benchmarks)."""
        if not self.is_mounted:
            self._consume()
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.call_later(self._flush)
        await waiter

    # ----------------------------------------------------------------- updating

    def _schedule_flush(self) -> None:
        if self._flush_scheduled or not self.is_mounted:
            return
        self._flush_scheduled = True
        delay = self._last_flush + FRAME_SECONDS - monotonic()
        if delay <= 0:
            self.call_later(self._flush)  # idle for a frame: show the first token at once
        else:
            self.set_timer(delay, self._flush, name="stream-frame")

    def _consume(self) -> None:
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            self._splitter.feed(text)

    def _flush(self) -> None:
        self._flush_scheduled = False
        self._last_flush = monotonic()
        self._consume()
        if self.is_mounted and self._layout is not None:
            layout = self._layout
            old_height = self._height
            first = layout.sync(self._splitter, self._final, self.code_theme)
            height = self._shown_height(layout)
            self._height = height
            if height != old_height:
                self.refresh(layout=True)
            end = max(height, old_height)
            if end > first:
                self.refresh(Region(0, first, layout.width, end - first))
        elif self.is_mounted:
            self.refresh(layout=True)
        waiters, self._waiters = self._waiters, []
        if waiters:
            self.call_after_refresh(self._release, waiters)

    @staticmethod
    def _release(waiters: list[asyncio.Future[None]]) -> None:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def on_mount(self) -> None:
        if self._pending:
            self._schedule_flush()

    # ----------------------------------------------------------------- Line API

    def _layout_for(self, width: int) -> _Layout:
        layout = self._layout
        if layout is None or layout.width != width:
            self._consume()
            layout = _Layout(self, max(width, 1))
            layout.sync(self._splitter, self._final, self.code_theme)
            self._layout = layout
            self._height = self._shown_height(layout)
        return layout

    def _shown_height(self, layout: _Layout) -> int:
        height = layout.height
        if self._final or height == 0:
            return height
        return -(-height // GROW_STEP) * GROW_STEP

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._shown_height(self._layout_for(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width <= 0:
            return Strip.blank(0)
        return self._layout_for(width).line(y)
