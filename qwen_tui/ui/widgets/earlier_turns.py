"""The older turns of a resumed session, kept as blanks of their estimated height until they
scroll near the view.

Rendering all 300 answers of a long session held the event loop for seconds (no key answered,
the provider checks starved) and kept every answer's rendered lines in memory. A resumed session
now mounts its latest turns at once; each older question with its answer is an ``EarlierTurn``:
one empty widget of about the height the turn will take (so the scrollbar tells the session's
length), holding the saved turns until the chat renders them (``ChatView._fill_near_view``).
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from textual.widget import Widget

from qwen_tui.ui.widgets.background_rows import BackgroundRows

#: A code fence's opening or closing line.
_FENCE = re.compile(r"^\s*(```|~~~)")


class EarlierTurns(BackgroundRows, Widget):
    """The older questions and answers of a resumed session, not rendered yet: one blank of
    their estimated height. The chat renders them from the bottom, a question with its answers
    at a time (``split_at``), as they come near the view."""

    DEFAULT_CSS = """
    EarlierTurns { width: 1fr; }
    """

    def __init__(self, groups: list[list], width: int, rows: list[int] | None = None) -> None:
        super().__init__(classes="earlier-turns")
        self.groups = groups
        self._rows = rows if rows is not None else [estimate_rows(group, width) for group in groups]
        self.styles.height = max(1, sum(self._rows))
        #: After a split, the last widget that now ends where this blank ended: the chat keeps
        #: that one's bottom in place (the view does not jump).
        self.replaced_by: Widget | None = None

    @property
    def questions(self) -> int:
        """How many questions it still holds."""
        return sum(1 for group in self.groups for turn in group if turn.role == "user")

    def spans(self) -> list[tuple[int, int, int]]:
        """Each group's (index, first row, end row), within this blank."""
        out, y = [], 0
        for index, rows in enumerate(self._rows):
            out.append((index, y, y + rows))
            y += rows
        return out

    def split_at(self, index: int, width: int) -> tuple[list, EarlierTurns | None]:
        """Take group ``index`` off: this blank keeps the groups before it; the ones after it
        go to the blank returned (None when there are none). Its height changes at ``fit``."""
        group, after = self.groups[index], self.groups[index + 1:]
        rest = EarlierTurns(after, width, rows=self._rows[index + 1:]) if after else None
        del self.groups[index:], self._rows[index:]
        return group, rest

    def take_back(self, group: list, rows: int, *, at_end: bool) -> None:
        """A rendered group, far from the view again, back in this blank (at its real height)."""
        if at_end:
            self.groups.append(group)
            self._rows.append(rows)
        else:
            self.groups.insert(0, group)
            self._rows.insert(0, rows)

    def fit(self) -> None:
        """Take the height of the groups it holds now."""
        self.styles.height = max(1, sum(self._rows))

    def render(self) -> str:
        return ""


def group_turns(turns: list) -> list[list]:
    """A session's turns in groups that each start at a question (the first group may not)."""
    groups: list[list] = []
    for turn in turns:
        if turn.role == "user" or not groups:
            groups.append([turn])
        else:
            groups[-1].append(turn)
    return groups


def estimate_rows(turns: list, width: int) -> int:
    """About the rows ``turns`` take in a chat ``width`` cells wide (margins included)."""
    width = max(width, 10)
    rows = 0
    for turn in turns:
        if turn.role == "user":
            rows += 2 + _text_rows(turn.content, width - 3)  # margin, "You", the question
        elif turn.role == "assistant":
            rows += 2 + _markdown_rows(turn.content, width)  # margin, header, the answer
            if turn.reasoning:
                rows += 1
            rows += len(turn.tools)
            if turn.error:
                rows += 1 + _text_rows(turn.error, width - 3)
    return rows


def _text_rows(text: str, width: int) -> int:
    width = max(width, 1)
    return sum(max(1, -(-len(line) // width)) for line in text.split("\n"))


def _markdown_rows(text: str, width: int) -> int:
    rows = 0
    in_code = False
    blank = True
    for line in text.rstrip("\n").split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            rows += 1  # the code block's padding row, above and below
            blank = False
            continue
        if in_code:
            rows += 1
            continue
        if not line.strip():
            if not blank:
                rows += 1
            blank = True
            continue
        blank = False
        rows += max(1, -(-len(line) // max(width - 2, 1)))
    return max(rows, 1)


def prerender(turns: list, width: int, code_theme: str, color_system: str | None) -> dict[int, tuple[Any, Any]]:
    """The answers of ``turns`` rendered at ``width`` (blocking: a thread's job, so that a long
    answer's 30-100 ms of Markdown and highlighting never hold the event loop): turn index to
    (block splitter, answer layout), for ``StreamingMarkdown.adopt``. Its own console: the app's
    is the loop's."""
    from qwen_tui.ui.render.blocks import BlockSplitter
    from qwen_tui.ui.render.layout import AnswerLayout

    console = Console(color_system=color_system, markup=False, highlight=False, emoji=False,  # type: ignore[arg-type]
                      legacy_windows=False, force_terminal=True, safe_box=False, soft_wrap=False)
    rendered: dict[int, tuple[Any, Any]] = {}
    for index, turn in enumerate(turns):
        if turn.role == "assistant" and turn.content:
            splitter = BlockSplitter()
            splitter.feed(turn.content)
            layout = AnswerLayout(console, max(width, 1))
            layout.sync(splitter, True, code_theme)
            rendered[index] = (splitter, layout)
    return rendered
