"""Shows one streaming answer: the conversation loop's events rendered on the chat's answer
widget, the status bar's live request and an open dashboard.

From the first byte of a tool call the screen is held (not painted) until the answer after it shows something,
ends, needs the user, or ``HOLD_S`` after the next request went out (or after its answer began):
the event loop reads the end of an answer and sends the next request only between paints, so a
paint under way when a model's answer ends in a call (the last step's entry, the status line)
delayed the whole next step.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from qwen_tui.conversation import Answer, UnexpectedFailure
from qwen_tui.conversation.agent import AgentSink, Approval, ToolStep
from qwen_tui.providers.base import ProviderError, ToolCall
from qwen_tui.timing import RequestTiming, first_tokens_text
from qwen_tui.ui.widgets.status_bar import fmt_ms
from qwen_tui.ui.widgets.thinking import fold_thinking, thinking_of

if TYPE_CHECKING:
    from qwen_tui.tools.command_runner import CommandRun
    from qwen_tui.tools.results import ToolResult
    from qwen_tui.ui.app import QwenApp
    from qwen_tui.ui.widgets.chat_view import PendingTurn
    from qwen_tui.ui.widgets.tool_entry import ToolEntry

#: How long the screen stays held after a tool call or after the request that follows it was
#: sent, at most: a few frames, unseen; a fast model's next answer has ended well within it.
HOLD_S = 0.05


class ChatSink(AgentSink):
    """``pending.answer`` (the widget) is first read when there is something to show in it: it is
    built then, after the request has been written."""

    def __init__(self, app: QwenApp, pending: PendingTurn, name: str, was_sent: Callable[[], bool]) -> None:
        self.app, self.pending, self.name, self.was_sent = app, pending, name, was_sent
        self.timing: RequestTiming | None = None
        self._append: Callable[[str], None] | None = None
        self._entries: dict[str, ToolEntry] = {}  # tool call id -> its entry in the answer
        self._command_block = None  # the command running now, shown live
        #: Calls not yet in the chat, and how those that ended went: their entries are built and
        #: mounted when the screen is released (``_release``), not between an answer and the next.
        self._waiting_calls: list[ToolCall] = []
        self._ended: dict[str, tuple[bool, str, str]] = {}
        self._stepped = False  # a tool call came: later requests hold the screen when sent
        self._hold: contextlib.ExitStack | None = None  # the screen held (``App.batch_update``)
        self._hold_timer: asyncio.TimerHandle | None = None
        self._status_stale = False  # a phase came while held: the status bar is told at release

    def on_text(self, text: str) -> None:
        append = self._append
        if append is None:
            append = self._text_starts()
        append(text)

    def _text_starts(self) -> Callable[[str], None]:
        """The first text since the answer (or the screen's hold) began."""
        if self._hold is not None:
            self._release()
        self.app.dashboard_update(self.name, self.timing, "streaming")
        fold_thinking(self.pending.answer)
        append = self._append = self.pending.answer.append
        return append

    def on_reasoning(self, text: str) -> None:
        if self._hold is not None:
            self._release()
        thinking_of(self.pending.answer).append(text)

    def on_phase(self, name: str, timing: RequestTiming | None) -> None:
        app = self.app
        self.timing = timing
        if app.live is not None:
            app.live.phase, app.live.timing = name, timing
        app.statuses[self.name].after_phase(name)
        if name == "streaming" and self._stepped:  # the answer after a tool step has begun: it may end
            self._hold_screen()  # in a few ms with a call, or show text (which releases the screen)
        if self._hold is not None:  # told when the screen is released
            self._status_stale = True
            return
        if name != "connecting" or self.was_sent():
            app.refresh_status()  # "connecting" shows with the question, once sent
        app.dashboard_update(self.name, timing, name)

    def on_finish(self, answer: Answer) -> None:
        self._release()
        self.pending.answer.finish(answer.outcome, result_note(answer.timing))

    # -- the screen held across a tool step -----------------------------------------------------
    def request_sent(self) -> None:
        """A request of this answer is on the wire: after a tool step, the screen stays held
        while its answer is awaited (``HOLD_S`` at most)."""
        if self._stepped:
            self._hold_screen()

    def _hold_screen(self) -> None:
        """Nothing is painted from now until ``_release`` (``HOLD_S`` from now at the latest)."""
        if self._hold is None:
            hold = contextlib.ExitStack()
            hold.enter_context(self.app.batch_update())
            self._hold, self._append = hold, None  # the first text releases it
        if self._hold_timer is not None:
            self._hold_timer.cancel()
        self._hold_timer = asyncio.get_running_loop().call_later(HOLD_S, self._release)

    def _release(self) -> None:
        """The entries of the calls so far mounted, the status bar told, and the screen painted."""
        if self._hold_timer is not None:
            self._hold_timer.cancel()
            self._hold_timer = None
        hold, self._hold = self._hold, None
        try:
            self._show_entries()
            if self._status_stale:
                self._status_stale = False
                self.app.refresh_status()
                self.app.dashboard_update(self.name, self.timing, self.app.live.phase if self.app.live else "done")
        finally:
            if hold is not None:
                hold.close()
                with contextlib.suppress(Exception):  # no screen: the app is closing
                    self.app.screen.check_idle()  # it skipped its idle checks while held

    # -- tools ----------------------------------------------------------------------------------
    def on_call_started(self, name: str) -> None:
        """The answer is writing a call: held from its first byte, not from its end, so the status
        line's tick (or anything else due) is not painted while the call's last bytes come."""
        self._hold_screen()

    def on_tool_call(self, call: ToolCall) -> None:
        self._stepped = True
        self._waiting_calls.append(call)
        self._hold_screen()

    def _show_entries(self) -> None:
        if not self._waiting_calls:
            return
        from qwen_tui.ui.widgets.tool_entry import ToolEntry

        calls, self._waiting_calls = self._waiting_calls, []
        for call in calls:
            entry = self._entries[call.id] = ToolEntry(call.name, call.arguments)
            ended = self._ended.pop(call.id, None)
            if ended is not None:
                entry.done(*ended)
            self.pending.answer.add_tool(entry)

    def on_tool_result(self, step: ToolStep) -> None:
        result = step.result  # an applied edit opens on its diff; anything else on what the model read
        detail = result.proposal.diff if result.proposal is not None and result.ok else result.content
        entry = self._entries.get(step.call.id)
        if entry is not None:
            entry.done(result.ok, result.summary, detail)
        else:  # not built yet: it shows how it ended when it is
            self._ended[step.call.id] = (result.ok, result.summary, detail)
        if step.call.name == "run_command" and self._command_block is not None:
            self._command_block.finish(step.result.summary)
            self._command_block = None

    def on_command_started(self, run: CommandRun) -> None:
        """In the command's thread, before it starts: its block opens and takes its output."""
        try:
            self.app.call_from_thread(self._open_command_block, run)
        except RuntimeError:  # the app is closing: the command still runs, unseen
            pass

    def _open_command_block(self, run: CommandRun) -> None:
        from qwen_tui.ui.widgets.command_block import CommandBlock

        self._release()  # its call's entry first
        block = self._command_block = CommandBlock(run.command)
        self.pending.answer.add_tool(block)
        run.on_output = block.feed

    def on_note(self, text: str) -> None:
        from qwen_tui.ui.widgets.chat_view import ChatView

        self._release()
        self.app.query_one(ChatView).add_note(text)

    def on_step(self, step: int, timing: RequestTiming | None) -> None:
        if self.app.live is not None:  # the next request's wait shows as the first one's did
            self.app.live.started, self.app.live.phase = self.app.clock(), "connecting"

    async def approve(self, result: ToolResult) -> Approval:
        """The diff (or the command) on screen until the user decides; nothing is written meanwhile."""
        self._release()
        entry = self._entries.get(result.call_id or "")
        if entry is not None:
            entry.pending("waiting for your decision")
        if result.proposal is not None:
            from qwen_tui.ui.screens.edit_review import review_edit

            review = await review_edit(self.app, result.proposal)
            return Approval(review.apply, review.reason, review.apply_all)
        if result.name.startswith("mcp__"):  # an MCP tool not marked read-only: its own question
            from qwen_tui.ui.screens.mcp_approval import McpApproval

            spec = self.app.toolbox.spec(result.name)
            return await self.app.push_screen_wait(McpApproval(result.name, result.arguments,
                                                               spec.description if spec else ""))
        from qwen_tui.ui.screens.command_approval import CommandApproval

        command = str(result.arguments.get("command", ""))
        commands = self.app.toolbox.policy.commands
        return await self.app.push_screen_wait(
            CommandApproval(command, commands.propose_patterns(command), commands.allow_for_session))

    def on_cancel(self, answer: Answer) -> None:
        self._release()
        for entry in self._entries.values():  # a call stopped before it ended says so
            entry.stopped()
        self.pending.answer.finish("cancelled", "Stopped — kept what arrived. Ctrl+R asks again.")

    def on_error(self, error: ProviderError, answer: Answer) -> None:
        self._release()
        widget = self.pending.answer
        if isinstance(error, UnexpectedFailure):
            self.app.log.error(f"unexpected error in the request: {error.__cause__!r}")
            widget.show_error(f"{error.provider}: {error.what}", "Ctrl+R retries; --debug shows details.")
        else:
            fix = error.fix
            if fix and not fix.endswith("."):
                fix = f"{fix[:1].upper()}{fix[1:]}."
            widget.show_error(f"{error.provider}: {error.what}",
                              (fix + "\n" if fix else "") + "Ctrl+R retries · F2 switches provider.")
        widget.finish("error")


def result_note(timing: RequestTiming | None) -> str:
    """The figures under a finished answer: ``TTFT 310ms · answer 2.4s · 84 tok/s · 120 tokens``."""
    if timing is None:
        return ""
    parts = [first_tokens_text(timing.ttft_ms, timing.answer_ms, fmt_ms)]
    if timing.tokens_per_s:
        parts.append(f"{timing.tokens_per_s:.0f} tok/s")
    parts.append(f"{timing.tokens} tokens")
    return " · ".join(parts)
