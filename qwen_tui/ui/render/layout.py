"""The rendered lines of one streaming answer at one width, brought up to date incrementally.

Kept apart from the widget so that the Markdown parser, Pygments and Rich's Markdown (about
90 ms of imports) load only when the first answer is drawn, not before the app's first frame.
"""

from __future__ import annotations

from time import perf_counter
from typing import TYPE_CHECKING

from textual.strip import Strip

from qwen_tui.ui.render.blocks import BlockSplitter, OpenFence
from qwen_tui.ui.render.lines import (
    FenceHighlighter,
    RenderedBlock,
    blank_line,
    join_blocks,
    render_block,
)

if TYPE_CHECKING:
    from rich.console import Console


class AnswerLayout:
    """The rendered lines of one answer at one width, brought up to date incrementally."""

    def __init__(self, console: Console, width: int) -> None:
        self.console = console
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
        #: Work was left for the next frame (``sync`` ran out of its time budget): closed blocks
        #: not rendered yet, or code lines of the open fence not highlighted yet.
        self.behind = False
        self._tail_hidden = False  # the open tail comes after blocks not rendered yet: not shown

    @property
    def height(self) -> int:
        return len(self.frozen) + self.separator + self.tail_height

    @property
    def tail_height(self) -> int:
        if self._tail_hidden:
            return 0
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
        if self._tail_hidden:
            return blank_line(self.width)
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

    def sync(self, splitter: BlockSplitter, final: bool, code_theme: str, budget: float | None = None) -> int:
        """Catch up with the splitter. Returns the first line that may have changed.

        With a ``budget`` (seconds), rendering stops once it is spent (after at least one block
        or code line) and :attr:`behind` is set: the caller calls again at the next frame. This
        keeps a burst (thousands of tokens in one read) from holding the event loop."""
        console = self.console
        width = self.width
        deadline = None if budget is None else perf_counter() + budget
        first_changed = len(self.frozen) + self.separator  # the tail's first line
        closed = splitter.closed
        if len(self.frozen_blocks) < len(closed):
            first_changed = len(self.frozen)
            previous = self.frozen_blocks[-1:]
            new = []
            for src in closed[len(self.frozen_blocks) :]:
                new.append(render_block(console, src, width, code_theme))
                if deadline is not None and perf_counter() > deadline:
                    break
            self.frozen_blocks.extend(new)
            joined = join_blocks(previous + new, width)
            self.frozen.extend(joined[len(previous[0].strips) :] if previous else joined)
        if len(self.frozen_blocks) < len(closed):
            self.behind = True
            if not self._tail_hidden:
                self._tail_hidden = True
                first_changed = min(first_changed, len(self.frozen))
            if self.separator:
                self.separator = False
                first_changed = min(first_changed, len(self.frozen))
            return first_changed
        self.behind = False
        if self._tail_hidden:
            self._tail_hidden = False
            first_changed = min(first_changed, len(self.frozen))

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
                self.fence_done += 1
                if deadline is not None and perf_counter() > deadline:
                    break
            if self.fence_done < len(fence.lines):
                self.behind = True
                self.partial = []  # the partial line comes after lines not highlighted yet
            else:
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
                old_strips = self.tail.strips if self.tail is not None else []
                self.tail_source = source
                self.tail = render_block(console, source, width, code_theme)
                if first_changed == len(self.frozen) + self.separator:
                    # An open paragraph re-renders whole; only lines that differ go to the screen.
                    first_changed += _common_prefix(old_strips, self.tail.strips)
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


def _common_prefix(old: list[Strip], new: list[Strip]) -> int:
    """How many leading lines ``old`` and ``new`` share."""
    count = 0
    for a, b in zip(old, new):
        if a != b:
            break
        count += 1
    return count
