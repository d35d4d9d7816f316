"""A request that would not fit the model's window is held, and this asks what to do: compact the
conversation, stop sending its oldest turns, or remove the context files. Nothing is cut unasked.
Dismissed with "compact", "drop", "context", or None (the question waits in the prompt)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from qwen_tui.ui.keys import FIT


@dataclass(frozen=True, slots=True)
class FitProblem:
    """How far over the request is, and what each way out would do."""

    total: int  # tokens of the whole request
    budget: int  # the window minus what is kept for the answer
    window: int
    reserve: int
    turns_to_drop: int  # the oldest turns still sent whose removal frees enough (0: none to drop)
    context_files: int  # files in the context
    context_tokens: int

    @property
    def over(self) -> int:
        return self.total - self.budget


class RequestTooBig(ModalScreen[str | None]):
    DEFAULT_CSS = """
    RequestTooBig { align: center middle; }
    RequestTooBig > Vertical { width: 90%; max-width: 100; height: auto; border: round $warning;
                               background: $surface; padding: 0 1; }
    RequestTooBig .choices { margin: 1 0 0 0; }
    RequestTooBig .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("c", "choose('compact')", "Compact the conversation, then send", id="fit.compact", group=FIT),
        Binding("d", "choose('drop')", "Stop sending the oldest turns, then send", id="fit.drop", group=FIT),
        Binding("r", "choose('context')", "Remove the context files, then send", id="fit.context", group=FIT),
        Binding("escape", "choose('')", "Keep the question in the prompt", id="fit.cancel", group=FIT),
    ]

    def __init__(self, problem: FitProblem) -> None:
        super().__init__()
        self.problem = problem

    def compose(self) -> ComposeResult:
        p = self.problem
        with Vertical():
            yield Static(Text("Not sent: the request does not fit the model's window", style="bold"))
            yield Static(Text(
                f"It is about {p.total:,} tokens: {p.over:,} over the budget of {max(p.budget, 0):,} "
                f"(a {p.window:,}-token window minus {p.reserve:,} kept for the answer)."), markup=False)
            yield Static(Text("\n".join(self.choices())), classes="choices", markup=False)
            yield Static(Text("Esc: nothing is changed; the question waits in the prompt.", style="dim"),
                         classes="hint", markup=False)

    def choices(self) -> list[str]:
        p = self.problem
        lines = ["c  compact: the provider summarises the conversation, the summary is sent instead"]
        if p.turns_to_drop:
            lines.append(f"d  drop the oldest {p.turns_to_drop} turn{'s' if p.turns_to_drop != 1 else ''} "
                         "(kept on screen and in the session; /compact undo sends them again)")
        if p.context_files:
            lines.append(f"r  remove the {p.context_files} context file{'s' if p.context_files != 1 else ''} "
                         f"(~{p.context_tokens:,} tokens)")
        return lines

    def action_choose(self, choice: str) -> None:
        if choice == "drop" and not self.problem.turns_to_drop:
            self.notify("No turn to drop.", severity="warning")
        elif choice == "context" and not self.problem.context_files:
            self.notify("The context holds no file.", severity="warning")
        else:
            self.dismiss(choice or None)
