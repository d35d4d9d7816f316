"""Reviewing one proposed edit before anything is written: the file, created or modified, its
``+added −removed`` and the diff; apply, reject (optionally with a reason the model reads) or
apply every later edit of this question. The screen only returns the decision: the agent loop
writes (checkpointed) or declines."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from qwen_tui.terminal_text import visible
from qwen_tui.tools.edits import ProposedEdit
from qwen_tui.ui.keys import TOOLS
from qwen_tui.ui.widgets.diff_view import DiffView

if TYPE_CHECKING:
    from textual.app import App


@dataclass(frozen=True, slots=True)
class Review:
    """The user's word on one proposed edit."""

    apply: bool
    reason: str | None = None  # read by the model with a rejection
    apply_all: bool = False  # this and every later edit of the question, without asking


def edit_title(proposal: ProposedEdit) -> Text:
    """``src/app.py  modified  +3 −1``: the file, what happens to it, and its line counts."""
    title = Text()
    title.append(visible(proposal.path, single_line=True), style="bold")
    title.append("  created" if proposal.created else "  modified", style="italic")
    title.append("  ")
    title.append(f"+{proposal.added}", style="bold green")
    title.append(" ")
    title.append(f"−{proposal.removed}", style="bold red")
    return title


async def review_edit(app: App, proposal: ProposedEdit, code_theme: str | None = None) -> Review:
    """The user's decision on ``proposal`` (call it from a worker). If the answer is stopped
    meanwhile, the review closes unanswered: nothing is written."""
    screen = EditReview(proposal, code_theme)
    try:
        return await app.push_screen_wait(screen)
    except asyncio.CancelledError:
        screen.abandon()
        raise


class EditReview(ModalScreen[Review]):
    DEFAULT_CSS = """
    EditReview { align: center middle; }
    EditReview > Vertical { width: 100%; height: 100%; border: round $warning; background: $surface;
                            padding: 0 1; }
    EditReview .review-title { height: 1; }
    EditReview DiffView { height: 1fr; }
    EditReview .hint { color: $text-muted; height: auto; }
    EditReview Input { display: none; }
    EditReview Input.shown { display: block; }
    """
    BINDINGS = [
        Binding("y,enter", "apply", "Apply the edit", id="review.apply", group=TOOLS),
        Binding("n", "reject", "Reject the edit", id="review.reject", group=TOOLS),
        Binding("r", "reject_why", "Reject, with a reason for the model", id="review.reject_reason", group=TOOLS),
        Binding("a", "apply_all", "Apply it and every later edit of this question", id="review.apply_all",
                group=TOOLS),
        Binding("escape", "escape", "Reject the edit", id="review.escape", group=TOOLS),
    ]

    def __init__(self, proposal: ProposedEdit, code_theme: str | None = None) -> None:
        super().__init__()
        self.proposal = proposal
        self.code_theme = code_theme
        self.abandoned = False  # nobody waits for the decision any more (the answer was stopped)

    def compose(self) -> ComposeResult:
        proposal = self.proposal
        theme = self.code_theme or getattr(self.app, "code_theme", None) or "monokai"
        with Vertical():
            title = Text(f"{proposal.tool}  ", style="dim")
            title.append_text(edit_title(proposal))
            title.append("  · not written until you choose", style="dim")
            yield Static(title, classes="review-title", markup=False)
            yield DiffView(proposal.diff, proposal.path, theme=theme, id="review-diff")
            yield Static(Text("y apply · n reject · r reject with a reason · a apply all · Esc reject", style="dim"),
                         classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(DiffView).focus()

    def abandon(self) -> None:
        """Close without a result: its waiter was cancelled (a result would be set on a future
        already cancelled)."""
        self.abandoned = True
        if self.is_current:
            self.app.pop_screen()

    def decide(self, review: Review) -> None:
        if self.abandoned:
            if self.is_current:
                self.app.pop_screen()
            return
        self.dismiss(review)

    def action_apply(self) -> None:
        self.decide(Review(True))

    def action_apply_all(self) -> None:
        self.decide(Review(True, apply_all=True))

    def action_reject(self) -> None:
        self.decide(Review(False))

    def action_escape(self) -> None:
        """Rejects; while a reason is being typed, only closes the reason."""
        reasons = self.query("#reason")
        if reasons and reasons.first().has_class("shown"):
            reasons.first().remove_class("shown")
            self.query_one(DiffView).focus()
            return
        self.decide(Review(False))

    def action_reject_why(self) -> None:
        """The reason's field, built when first asked for (the review opens sooner without it)."""
        reasons = self.query("#reason")
        if reasons:
            reason = reasons.first(Input)
        else:
            reason = Input(placeholder="why not (the model reads it); Enter sends", id="reason")
            self.query_one(Vertical).mount(reason)
        reason.add_class("shown")
        reason.focus()

    @on(Input.Submitted, "#reason")
    def _reason(self, event: Input.Submitted) -> None:
        event.stop()
        self.decide(Review(False, event.value.strip() or None))
