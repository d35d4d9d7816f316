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
from typing import TYPE_CHECKING

from textual.geometry import Region, Size
from rich.cells import cell_len
from textual.strip import Strip
from textual.widget import Widget

from qwen_tui.ui.paint_now import paint_now
from qwen_tui.ui.textual_fixes.one_layout import LaidOutOnce
from qwen_tui.ui.render import DEFAULT_CODE_THEME

if TYPE_CHECKING:
    from rich.style import Style

    from qwen_tui.ui.render.blocks import BlockSplitter
    from qwen_tui.ui.render.layout import AnswerLayout

FRAME_SECONDS = 1 / 60
#: While streaming, the widget's height grows in steps of this many lines. A height change means
#: a relayout and a repaint of the whole visible screen; growing in steps makes most frames
#: repaint only the changed lines (a few bytes per token over SSH). Exact again at ``finish``.
GROW_STEP = 8
#: Rendering work per frame. A burst (thousands of tokens in one network read) is drawn over a
#: few frames rather than in one long stretch that would hold the event loop (keys wait).
RENDER_BUDGET_S = 0.006


class StreamingMarkdown(LaidOutOnce, Widget):
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
        self._block_splitter: BlockSplitter | None = None  # made at the first append (lazy imports)
        self._final = False
        self._settled = False  # finished and down to the height of its text (``_settle``)
        self._layout: AnswerLayout | None = None
        self._height = 0  # the height shown (padded while streaming)
        self._lines = 0  # the rendered lines behind it
        self._shown: list[Strip | None] = []  # each row's line as last sent to the screen
        #: While streaming, the height grows in steps of ``grow_step`` lines once it passes
        #: ``room`` (the lines left below the widget's top in its scroll view, when known). A
        #: container that follows the tail sets a step of nearly a screen: the view then scrolls
        #: once a screenful instead of once a line, and between jumps only new lines change.
        self.grow_step = GROW_STEP
        self.room: int | None = None
        #: Set (rows of the previous page kept in view): the answer is alone at the top of its
        #: own scroll view (a race's lane): its room is the view's height, its step a page less
        #: these rows, both taken at each layout, so no layout of their own.
        self.page_context: int | None = None
        #: Answers streaming side by side share one (``SharedFrames``): one screen update per
        #: frame for all of them, instead of one per answer. None: the answer keeps its own.
        self.frames: SharedFrames | None = None
        self._flush_scheduled = False
        self._last_flush = 0.0
        self._waiters: list[asyncio.Future[None]] = []
        self._settle_waiters: list[asyncio.Future[None]] = []  # released once it has settled
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
            from qwen_tui.ui.render.blocks import PARSER

            tokens = PARSER.parse(text)
            self._code_blocks = (len(text), [t.content for t in tokens if t.type == "fence"])
        return list(self._code_blocks[1])

    def append(self, text: str) -> None:
        """Buffer ``text``; the screen catches up at the next frame. Cheap: no parsing here."""
        if not text:
            return
        self._received.append(text)
        self._pending.append(text)
        self._final = self._settled = False
        self._schedule_flush()

    def adopt(self, splitter: BlockSplitter, layout: AnswerLayout) -> None:
        """Take the lines of the text appended so far, rendered elsewhere (a saved answer, in a
        thread: ``qwen_tui.ui.widgets.earlier_turns.prerender``) at ``layout.width``. Call it
        before ``finish``; at another width the text is laid out again here."""
        self._pending.clear()
        self._block_splitter = splitter
        self._layout = layout
        self._shown = []
        self._height = self._lines = layout.height

    def drop_lines(self) -> None:
        """Let go of the rendered lines (the widget is being removed): a widget lives in reference
        cycles that only a full garbage collection frees, and its thousands of lines freed with it
        made that collection long. Dropped here, they go at once; drawn again, the text is laid
        out again."""
        self._layout = None
        self._shown = []

    def set_code_theme(self, name: str) -> None:
        """Draw code blocks with the Pygments theme ``name`` (the app's theme changed): every
        line is laid out again with it."""
        if name == self.code_theme:
            return
        self.code_theme = name
        self._layout = None
        if self.is_mounted:
            self.refresh(layout=True)

    @property
    def finished(self) -> bool:
        """The stream has ended (``finish`` was called and nothing was appended since)."""
        return self._final

    def finish(self) -> None:
        """The stream ended (complete, stopped, failed, cut off): show everything, in final form.

        The last text is painted at once, in the room the answer streamed in; the answer comes
        down to the height of its text after that paint. That change lays out and repaints the
        whole view (10 KB, 15-35 ms for a long answer): done first, it held the end of the
        answer off the screen as long."""
        self._final = True
        self._flush(paint=True)
        if self.is_mounted:
            self.call_after_refresh(self._settle)
        else:
            self._settled = True

    def _settle(self) -> None:
        waiters, self._settle_waiters = self._settle_waiters, []
        if self._final and not self._settled:
            self._settled = True
            height = self._shown_height(self._layout) if self._layout is not None else self._height
            if height != self._height:
                self._height = height
                self.refresh(layout=True)
        if waiters:
            self.call_after_refresh(self._release, waiters)

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
        if self.frames is not None:
            self.frames.request(self)
            return
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

    def _flush(self, paint: bool = False) -> None:
        """Bring the screen up to what was received; ``paint``: paint the changed rows now,
        not at the screen's next frame (when the layout need not change)."""
        self._flush_scheduled = False
        self._last_flush = monotonic()
        self._consume()
        if self.is_mounted and self._layout is not None:
            layout = self._layout
            old_height, old_lines = self._height, self._lines
            first = layout.sync(self._splitter, self._final, self.code_theme, RENDER_BUDGET_S)
            height = self._shown_height(layout)
            self._height, self._lines = height, layout.height
            if height != old_height:
                self.refresh(layout=True)
            end = max(layout.height, old_lines)  # padding lines stay blank: not repainted
            regions = self._changed_rows(layout, first, end)
            if regions:
                self.refresh(*regions)
                if (old_lines == 0 or paint) and height == old_height:
                    self._paint_now()
            if layout.behind:  # the rest at the next frame; waiters wait for all of it
                self._schedule_flush()
                return
        elif self.is_mounted:
            self.refresh(layout=True)
        waiters, self._waiters = self._waiters, []
        if waiters and self._final and not self._settled:
            self._settle_waiters += waiters  # on screen means at the height of its text
        elif waiters:
            self.call_after_refresh(self._release, waiters)

    def _paint_now(self) -> None:
        """The first text of an answer goes to the screen now, not at the screen's next frame
        (0-17 ms later, and later still behind the new turn's own layout): the first token is
        what the user waits for, and the TTFT the status bar shows should be what they see.
        Only when it changes rows, not the layout (the answer took its room beforehand)."""
        paint_now(self)

    def _changed_rows(self, layout: AnswerLayout, first: int, end: int) -> list[Region]:
        """The parts of rows ``[first, end)`` that differ from what is on screen.

        A block that closes, or an open paragraph that re-wraps, renders again lines that mostly
        read as before, and a growing line differs only past its old end: only what differs is
        sent to the terminal (what SSH carries)."""
        shown = self._shown
        if len(shown) < end:
            shown.extend([None] * (end - len(shown)))
        width = layout.width
        regions: list[Region] = []
        height = layout.height
        for y in range(first, end):
            strip = layout.line(y) if y < height else None
            old = shown[y]
            if strip is not None and old == strip:
                continue
            shown[y] = strip
            if old is not None and strip is not None:
                x = _same_cells(old, strip)
                # A growing line keeps its blank tail: the cells after what changed are not sent.
                right = width - min(_same_cells(old, strip, from_end=True), width - x - 1)
            else:
                x, right = 0, width
            if regions and x == 0 and right == width and regions[-1].x == 0 and regions[-1].right == width \
                    and regions[-1].bottom == y:
                regions[-1] = Region(0, regions[-1].y, width, regions[-1].height + 1)  # whole rows: one span
            else:
                regions.append(Region(x, y, right - x, 1))
        return regions

    @staticmethod
    def _release(waiters: list[asyncio.Future[None]]) -> None:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def on_mount(self) -> None:
        if self._pending:
            self._schedule_flush()

    # ----------------------------------------------------------------- Line API

    @property
    def _splitter(self) -> BlockSplitter:
        if self._block_splitter is None:
            from qwen_tui.ui.render.blocks import BlockSplitter

            self._block_splitter = BlockSplitter()
        return self._block_splitter

    def _layout_for(self, width: int) -> AnswerLayout:
        layout = self._layout
        if layout is None or layout.width != width:
            from qwen_tui.ui.render.layout import AnswerLayout

            self._consume()
            layout = AnswerLayout(self.app.console, max(width, 1))
            self._shown = []
            layout.sync(self._splitter, self._final, self.code_theme)
            self._layout = layout
            self._height = self._shown_height(layout)
            self._lines = layout.height
        return layout

    def _shown_height(self, layout: AnswerLayout) -> int:
        height = layout.height
        if self._settled:
            return height
        room = self.room
        step = max(self.grow_step, 1)
        if room is not None:
            # Take the room at once, before the first token (a page when there is none): one
            # layout while waiting, none at the first token (it repaints its rows only) and
            # one per page after it.
            if room > 0 and height <= room:
                return room
            return room + max(1, -(-(height - room) // step)) * step
        return -(-height // step) * step

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.page_context is not None and not self._final and container.height > 0:
            self.room = container.height
            self.grow_step = max(GROW_STEP, container.height - self.page_context)
            if self._layout is not None and self._layout.width == width:
                self._height = self._shown_height(self._layout)
        return self._shown_height(self._layout_for(width))

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style is worked out once for the lines of a paint, not once per line
        # (Textual walks every ancestor's styles for it, uncached).
        self._line_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._line_style = None

    _line_style: Style | None = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width <= 0:
            return Strip.blank(0)
        # The widget's own colours under the text (as RichLog does): lines rendered without a
        # background would otherwise show the terminal's default (dark bands under a light theme).
        return self._layout_for(width).line(y).apply_style(self._line_style or self.rich_style)


class SharedFrames:
    """One frame clock for answers that stream at once (a race's lanes): at each frame every
    answer with new text catches up, in one callback, so the screen composes one update for
    all of them. ``seconds`` is the frame: several columns are not read at the chat's rate."""

    def __init__(self, seconds: float = FRAME_SECONDS) -> None:
        self.seconds = seconds
        self._waiting: dict[StreamingMarkdown, None] = {}  # in the order they asked
        self._scheduled = False
        self._last = 0.0

    def request(self, answer: StreamingMarkdown) -> None:
        if not answer._last_flush:  # its first text: shown at once, as an answer's own first token is
            answer.call_later(answer._flush)
            return
        self._waiting[answer] = None
        if self._scheduled:
            return
        self._scheduled = True
        delay = self._last + self.seconds - monotonic()
        if delay <= 0:
            answer.app.call_later(self._tick)  # no frame for a frame's time: this one now
        else:
            answer.app.set_timer(delay, self._tick, name="shared-stream-frame")

    def _tick(self) -> None:
        self._scheduled = False
        self._last = monotonic()
        waiting, self._waiting = list(self._waiting), {}
        for answer in waiting:
            if answer._flush_scheduled:  # not flushed meanwhile (``finish``, ``wait_rendered``)
                answer._flush()


def _same_cells(old: Strip, new: Strip, *, from_end: bool = False) -> int:
    """How many leading (or trailing) cells two lines share, text and style."""
    if from_end and old.cell_length != new.cell_length:
        return 0
    pairs = zip(reversed(list(old)), reversed(list(new))) if from_end else zip(old, new)
    x = 0
    for a, b in pairs:
        if a == b:
            x += a.cell_length
            continue
        if a.style == b.style and not a.control and not b.control:
            text_a, text_b = (a.text[::-1], b.text[::-1]) if from_end else (a.text, b.text)
            common = 0
            for ca, cb in zip(text_a, text_b):
                if ca != cb:
                    break
                common += 1
            x += cell_len(text_a[:common])
        break
    return x
