"""A command the model runs, in the chat: its output streams in live as a few last lines under
its header, and stays there, folded, once it has ended (Enter or a click unfolds it).

The runner hands output over from the command's own thread at most every 50 ms, already
neutralised (``visible``) and redacted; ``feed`` posts it to the widget, so no thread waits on
the screen. Only the last ``KEEP_LINES`` lines are kept here: the model's copy is the runner's
capture (head and tail), not this one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from qwen_tui.terminal_text import visible
from qwen_tui.ui.keys import TOOLS

KEEP_LINES = 500
LIVE_LINES = 6  # shown while it runs
LINE_CELLS = 400  # a longer line is cut here (the model's copy is not)


class CommandBlock(Vertical, can_focus=True):
    DEFAULT_CSS = """
    CommandBlock { height: auto; margin: 0 0 0 2; }
    CommandBlock > .command-header { color: $text-muted; }
    CommandBlock > .command-output { color: $text-muted; background: $panel; padding: 0 1; height: auto; }
    CommandBlock > .command-output.folded { display: none; }
    CommandBlock:focus > .command-header { text-style: bold; }
    """
    BINDINGS = [
        Binding("enter", "toggle", "Show or hide a command's output", id="command_block.toggle", group=TOOLS),
    ]

    @dataclass
    class Output(Message):
        text: str

    def __init__(self, command: str) -> None:
        super().__init__(classes="command-block")
        self.command = command
        self.lines: deque[str] = deque(maxlen=KEEP_LINES)
        self._partial = ""
        self.total_lines = 0
        self.ended: str | None = None  # the runner's one-line summary, once it has ended
        self.unfolded = False
        self._header = Static(self._header_text(), markup=False, classes="command-header")
        self._output = Static("", markup=False, classes="command-output folded")

    def compose(self):
        yield self._header
        yield self._output

    def feed(self, text: str) -> None:
        """Output from any thread (the runner's callback)."""
        self.post_message(self.Output(text))

    @on(Output)
    def _output_arrived(self, event: Output) -> None:
        event.stop()
        pieces = (self._partial + event.text).split("\n")
        self._partial = pieces.pop()
        for line in pieces:
            self.lines.append(line[:LINE_CELLS])
            self.total_lines += 1
        self._show()

    def finish(self, summary: str) -> None:
        """The command ended: ``summary`` is the runner's line (exit code, lines, time)."""
        if self._partial:
            self.lines.append(self._partial[:LINE_CELLS])
            self.total_lines += 1
            self._partial = ""
        self.ended = summary
        self._show()

    def action_toggle(self) -> None:
        self.unfolded = not self.unfolded
        self._show()

    def on_click(self) -> None:
        self.action_toggle()

    def _header_text(self) -> Text:
        text = Text("$ ", style="bold")
        if self.ended is None:
            text.append(visible(self.command, single_line=True))
            text.append(f" · running · {self.total_lines:,} lines", style="italic")
        else:
            text.append(visible(self.ended.removeprefix("$ "), single_line=True))
            if self.lines:
                text.append(" · Enter hides the output" if self.unfolded else " · Enter shows the output",
                            style="dim")
        return text

    def _show(self) -> None:
        self._header.update(self._header_text())
        running = self.ended is None
        shown = list(self.lines)[-LIVE_LINES:] if running else list(self.lines)
        if running and self._partial:
            shown = [*shown[1 - LIVE_LINES:], self._partial[:LINE_CELLS]] if shown else [self._partial[:LINE_CELLS]]
        visible_now = bool(shown) and (running or self.unfolded)
        self._output.set_class(not visible_now, "folded")
        if visible_now:
            body = "\n".join(shown)
            if not running and self.total_lines > len(self.lines):
                body = f"… {self.total_lines - len(self.lines):,} earlier lines not kept here\n" + body
            self._output.update(Text(body))
