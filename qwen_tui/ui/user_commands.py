"""``/run CMD``: the user runs a command (as aider's ``/run``); its output shows in the chat as the
model's commands do, and goes with the next question, so the model sees what the user saw."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.command_block import CommandBlock

if TYPE_CHECKING:
    from qwen_tui.ui.app import QwenApp


class UserRuns:
    """What the user ran since the last question, for the next one."""

    def __init__(self) -> None:
        self.waiting: list[str] = []

    def attach(self, question: str) -> str:
        """``question`` with the waiting outputs before it (then none wait)."""
        if not self.waiting:
            return question
        outputs, self.waiting = self.waiting, []
        return "\n\n".join([*outputs, question])


async def run_user_command(app: QwenApp, command: str) -> None:
    """In a thread, through the project's run_command runner (its environment without provider
    keys, its timeout, Escape stops it)."""
    from qwen_tui.tools.commands import outcome_summary, outcome_text  # the tools load after the first frame

    await asyncio.to_thread(app.tools.prepare)  # the runner comes with the toolbox
    tool = app.tools.commands
    chat = app.query_one(ChatView)
    block = CommandBlock(command)
    await chat.mount(block)
    chat.anchor()
    run = tool.new_run(command, None, block.feed)
    outcome = await asyncio.to_thread(tool.run_tracked, run)
    block.finish(outcome_summary(outcome))
    app.user_runs.waiting.append(f"I ran `{command}` in the project folder. {outcome_text(outcome)}")
    chat.add_note("Its output goes with your next question.")
