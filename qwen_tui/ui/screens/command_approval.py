"""Asking before a command the model wants to run: once, always (a pattern, for this session),
or not (optionally with a reason the model reads). A command's file changes are not undoable."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from qwen_tui.conversation.agent import Approval
from qwen_tui.terminal_text import visible
from qwen_tui.ui.keys import TOOLS


class CommandApproval(ModalScreen[Approval]):
    DEFAULT_CSS = """
    CommandApproval { align: center middle; }
    CommandApproval > Vertical { width: 90%; max-width: 110; height: auto; border: round $warning;
                                 background: $surface; padding: 0 1; }
    CommandApproval .command { background: $panel; padding: 0 1; margin: 1 0; }
    CommandApproval .hint { color: $text-muted; }
    CommandApproval Input { display: none; }
    CommandApproval Input.shown { display: block; }
    """
    BINDINGS = [
        Binding("y", "run", "Run it once", id="command.run", group=TOOLS),
        Binding("a", "always", "Always allow this pattern (this session)", id="command.always", group=TOOLS),
        Binding("n,escape", "refuse", "Refuse", id="command.refuse", group=TOOLS),
        Binding("R", "refuse_why", "Refuse, with a reason for the model", id="command.refuse_reason", group=TOOLS),
    ]

    def __init__(self, command: str, patterns: Sequence[str] = (),
                 allow: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.command, self.patterns, self.allow = command, list(patterns), allow

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("The model wants to run a command", style="bold"))
            yield Static(Text(visible(self.command)), classes="command", markup=False)
            always = f"a always allow {', '.join(self.patterns)}" if self.patterns else "(no pattern covers it)"
            yield Static(Text(f"y run once · {always} · n refuse · R refuse with a reason\n"
                              "It runs in the project folder; its changes to files are not undoable.",
                              style="dim"), classes="hint", markup=False)
            # disabled until R: a focused (even hidden) input would take the y/a/n keys as text
            yield Input(placeholder="why not (the model reads it); Enter sends", id="reason", disabled=True)

    def action_run(self) -> None:
        self.dismiss(Approval(True))

    def action_always(self) -> None:
        if not self.patterns or self.allow is None:
            self.notify("No pattern covers this command safely: y runs it once.", severity="warning")
            return
        for pattern in self.patterns:
            self.allow(pattern)
        self.dismiss(Approval(True))

    def action_refuse(self) -> None:
        self.dismiss(Approval(False))

    def action_refuse_why(self) -> None:
        reason = self.query_one("#reason", Input)
        reason.disabled = False
        reason.add_class("shown")
        reason.focus()

    @on(Input.Submitted, "#reason")
    def _reason(self, event: Input.Submitted) -> None:
        self.dismiss(Approval(False, event.value.strip() or None))
