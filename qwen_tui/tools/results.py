"""What a tool call gives back: text for the model, one line for the user, and, for a write,
the proposed change awaiting a yes or no."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qwen_tui.tools.command_runner import CommandOutcome
    from qwen_tui.tools.edits import ProposedEdit
    from qwen_tui.tools.policy import Decision


@dataclass(slots=True)
class ToolResult:
    """``content`` goes back to the model as the tool message; ``summary`` is one line for the UI
    and ``ask``'s stderr. ``pending`` means nothing ran yet: the caller approves or declines it."""

    name: str
    ok: bool
    content: str
    summary: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None
    pending: bool = False
    decision: Decision | None = None
    proposal: ProposedEdit | None = None
    proposals: list[ProposedEdit] = field(default_factory=list)  # SEARCH/REPLACE: one per file
    command: CommandOutcome | None = None  # run_command: exit code and output, for the session

    @classmethod
    def failure(cls, name: str, message: str, arguments: dict[str, Any] | None = None,
                call_id: str | None = None) -> ToolResult:
        first = message.splitlines()[0] if message else "failed"
        return cls(name, False, f"Error: {message}", first[:200], dict(arguments or {}), call_id)
