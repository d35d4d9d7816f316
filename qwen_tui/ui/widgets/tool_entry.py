"""One tool call in an answer: a single line, ``✓ read_file src/app.py · 2 lines``, that opens
(Enter or a click) on what the tool gave back, capped.

It is drawn once when the call arrives and once when it ends: nothing here runs per token. The
details (a file's text, a diff) are data: shown through ``visible`` as plain text, never markup.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.widgets import Static

from qwen_tui.terminal_text import visible
from qwen_tui.ui.keys import TOOLS

MAX_DETAIL_LINES = 200
MAX_DETAIL_CHARS = 20_000
MAX_TARGET_CHARS = 80

#: ``changed src/app.py (+3 -1)``: the toolbox's summary of a proposed or written edit.
EDIT_SUMMARY = re.compile(r"^(proposed|changed|created) (.+) \(\+(\d+) -(\d+)\)$")

STATE_MARKS = {"running": ("○", "dim"), "pending": ("?", "bold yellow"), "ok": ("✓", "green"),
               "failed": ("✗", "bold red"), "rejected": ("⊘", "yellow"), "stopped": ("■", "dim")}


def call_target(name: str, arguments: dict[str, Any]) -> str:
    """What the call is about, in a few words: its path, pattern or command."""
    if not isinstance(arguments, dict):
        return ""
    if name == "search":
        pattern = arguments.get("pattern")
        where = arguments.get("path")
        text = repr(pattern) if isinstance(pattern, str) else ""
        return f"{text} in {where}" if isinstance(where, str) and where else text
    for key in ("path", "command", "pattern", "file", "query", "url"):
        value = arguments.get(key)
        if isinstance(value, str) and value:
            return value
    return next((v for v in arguments.values() if isinstance(v, str) and v), "")


def short_summary(summary: str, target: str) -> str:
    """The tool's summary without what the line already says (``read src/app.py: 2 lines`` →
    ``2 lines``; ``src/app.py: rejected (why)`` → ``rejected (why)``)."""
    if target:
        for prefix in (f"{target}: ",):
            if summary.startswith(prefix):
                return summary[len(prefix):]
        head, sep, rest = summary.partition(": ")
        if sep and target in head and len(head.split(" ", 1)) == 2:
            return rest
    return summary


class ToolEntry(Static):
    """A call of the tool ``name`` with ``arguments``; ``done`` and ``pending`` say how it went."""

    DEFAULT_CSS = """
    ToolEntry { height: auto; color: $text-muted; padding: 0 1; }
    ToolEntry:hover { background: $boost; }
    ToolEntry:focus { background: $boost; color: $text; }
    ToolEntry.-failed { color: $text-error; }
    """
    BINDINGS = [
        Binding("enter", "toggle", "Open or close a tool call", id="tool.toggle", group=TOOLS),
    ]
    can_focus = True

    def __init__(self, name: str, arguments: dict[str, Any], summary: str = "") -> None:
        super().__init__("", markup=False, classes="tool-entry")
        self.tool = name
        self.arguments = arguments if isinstance(arguments, dict) else {}
        self.target = visible(call_target(name, self.arguments), single_line=True)
        if len(self.target) > MAX_TARGET_CHARS:
            self.target = self.target[: MAX_TARGET_CHARS - 1] + "…"
        self.state = "running"
        self.summary = summary
        self.detail = ""
        self.expanded = False
        self._draw()

    # -- what the agent loop tells it -------------------------------------------------------------
    def pending(self, text: str) -> None:
        """It waits (for the user's decision, say): ``text`` says on what."""
        self.state, self.summary = "pending", text
        self._draw()

    def stopped(self) -> None:
        """The answer was stopped while it ran or waited (nothing more will come of it)."""
        if self.state in ("running", "pending"):
            self.state, self.summary = "stopped", "stopped before it ended; nothing was written"
            self._draw()

    def done(self, ok: bool, summary: str, detail: str = "") -> None:
        """It ended: ``summary`` in one line; ``detail`` (the result or the diff) when opened."""
        if ok:
            self.state = "ok"
        elif re.search(r"(^|: )(rejected|declined)\b", summary):
            self.state = "rejected"
        else:
            self.state = "failed"
        self.set_class(self.state == "failed", "-failed")
        self.summary, self.detail = summary, detail
        self._draw()

    # -- showing ----------------------------------------------------------------------------------
    @property
    def line(self) -> str:
        """The one line, as plain text."""
        return self._line().plain

    def _line(self) -> Text:
        mark, mark_style = STATE_MARKS.get(self.state, ("·", "dim"))
        line = Text()
        line.append(mark, style=mark_style)
        line.append(" ")
        line.append(visible(self.tool, single_line=True), style="bold")
        if self.target:
            line.append(" " + self.target)
        line.append(" · ")
        summary = visible(self.summary, single_line=True) if self.summary else ""
        edit = EDIT_SUMMARY.match(summary)
        if self.state == "running":
            line.append("running…", style="italic")
        elif edit is not None:
            line.append(edit.group(1) + " ")
            line.append(f"+{edit.group(3)}", style="green")
            line.append(" ")
            line.append(f"−{edit.group(4)}", style="red")
        else:
            line.append(short_summary(summary, self.target))
        if self.detail:
            line.append(" ▾" if self.expanded else " ▸", style="dim")
        return line

    def _detail(self) -> Text:
        text = visible(self.detail)
        lines = text.split("\n")
        more = ""
        if len(lines) > MAX_DETAIL_LINES:
            more = f"… {len(lines) - MAX_DETAIL_LINES:,} more lines"
            lines = lines[:MAX_DETAIL_LINES]
        shown = Text(no_wrap=False)
        used = 0
        is_diff = any(line.startswith("@@") for line in lines[:8])
        for line in lines:
            if used + len(line) > MAX_DETAIL_CHARS:
                more = "… cut here (too long to show)"
                break
            used += len(line) + 1
            style = ""
            if is_diff:
                if line.startswith("+") and not line.startswith("+++"):
                    style = "green"
                elif line.startswith("-") and not line.startswith("---"):
                    style = "red"
                elif line.startswith("@@"):
                    style = "cyan"
            shown.append(line.expandtabs(4) + "\n", style=style)
        if more:
            shown.append(more, style="dim italic")
        else:
            shown.rstrip()
        return shown

    def _draw(self) -> None:
        body = self._line()
        if self.expanded and self.detail:
            body.append("\n")
            body.append_text(self._detail())
        self.update(body)

    def action_toggle(self) -> None:
        if not self.detail:
            return
        self.expanded = not self.expanded
        self._draw()

    def on_click(self, event: Click) -> None:
        event.stop()
        self.action_toggle()
