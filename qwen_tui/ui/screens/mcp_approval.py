"""Asking before an MCP tool that is not marked read-only: its server, its name and its arguments
on screen; run it once, or not (optionally with a reason the model reads). What it does happens in
the server: nothing of it is undoable here."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from qwen_tui.conversation.agent import Approval
from qwen_tui.terminal_text import visible
from qwen_tui.ui.keys import TOOLS

MAX_SHOWN = 4000


def arguments_text(arguments: dict[str, Any]) -> str:
    text = json.dumps(arguments, ensure_ascii=False, indent=2, default=str)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + f"\n… ({len(text) - MAX_SHOWN:,} more characters)"


class McpApproval(ModalScreen[Approval]):
    DEFAULT_CSS = """
    McpApproval { align: center middle; }
    McpApproval > Vertical { width: 90%; max-width: 110; height: auto; max-height: 90%; border: round $warning;
                             background: $surface; padding: 0 1; }
    McpApproval VerticalScroll { height: auto; max-height: 20; background: $panel; margin: 1 0; }
    McpApproval .hint { color: $text-muted; }
    McpApproval Input { display: none; }
    McpApproval Input.shown { display: block; }
    """
    BINDINGS = [
        Binding("y", "run", "Run the MCP tool once", id="mcp_tool.run", group=TOOLS),
        Binding("n,escape", "refuse", "Refuse", id="mcp_tool.refuse", group=TOOLS),
        Binding("R", "refuse_why", "Refuse, with a reason for the model", id="mcp_tool.refuse_reason", group=TOOLS),
    ]

    def __init__(self, name: str, arguments: dict[str, Any], description: str = "") -> None:
        super().__init__()
        self.tool, self.arguments, self.description = name, arguments, description

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"The model wants to use the MCP tool {visible(self.tool, single_line=True)}",
                              style="bold"), markup=False)
            if self.description:
                yield Static(Text(visible(self.description.splitlines()[0][:200]), style="dim"), markup=False)
            with VerticalScroll():
                yield Static(Text(visible(arguments_text(self.arguments))), id="mcp-arguments", markup=False)
            yield Static(Text("y run once · n refuse · R refuse with a reason\n"
                              "The server is not marked read-only: what it does is not undoable here.",
                              style="dim"), classes="hint", markup=False)
            yield Input(placeholder="why not (the model reads it); Enter sends", id="reason")

    def action_run(self) -> None:
        self.dismiss(Approval(True))

    def action_refuse(self) -> None:
        self.dismiss(Approval(False))

    def action_refuse_why(self) -> None:
        reason = self.query_one("#reason", Input)
        reason.add_class("shown")
        reason.focus()

    @on(Input.Submitted, "#reason")
    def _reason(self, event: Input.Submitted) -> None:
        self.dismiss(Approval(False, event.value.strip() or None))
