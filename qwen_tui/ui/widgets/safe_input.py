"""A one-line input that never writes control characters to the terminal: Textual's ``Input``
draws its value as is, so a pasted model reply or a prefilled file name holding ESC, C1 or bidi
characters would reach the terminal raw. Pasted text and the starting value are shown in their
visible form; ``original`` gives back the starting value when it was left unchanged."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from qwen_tui.terminal_text import visible


class SafeInput(Input):
    def __init__(self, value: str | None = None, **kwargs) -> None:
        self.original = value or ""
        super().__init__(value=visible(self.original, single_line=True), **kwargs)

    def _on_paste(self, event: events.Paste) -> None:
        """Made visible here; ``Input._on_paste`` runs next (handlers run down the class
        hierarchy) and inserts it."""
        event.text = visible(event.text.replace("\r\n", "\n"))

    def submitted_value(self, value: str) -> str:
        """``value`` as submitted; the raw starting value if the visible one was kept as is."""
        return self.original if value == visible(self.original, single_line=True) else value
