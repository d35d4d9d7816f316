"""One question in the chat, from its plan to its figures: the conversation core answers (with
tools), ``ChatSink`` renders, and what the request measured goes to the status bar, the
dashboard and the metrics file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from qwen_tui.conversation import Turn
from qwen_tui.terminal_text import visible
from qwen_tui.ui.chat_sink import ChatSink, result_note
from qwen_tui.ui.held_request import offer_ways_to_fit
from qwen_tui.ui.widgets.status_bar import LiveRequest

if TYPE_CHECKING:
    from qwen_tui.ui.app import QwenApp
    from qwen_tui.ui.widgets.chat_view import PendingTurn


async def answer_question(app: QwenApp, question: str, pending: PendingTurn, name: str,
                          on_sent: Callable[[], None] | None = None) -> None:
    """Held, not sent, when it would not fit the window; otherwise answered to its end."""
    provider, model = app.providers[name], app.models[name]
    question = app.user_runs.attach(question)  # what the user ran with /run goes first
    plan = await app.conversation.plan(app.project, question, app.context_window())
    for warning in plan.warnings:  # e.g. an MCP resource whose server is gone: said in the request too
        app.notify(visible(warning), title="Context", severity="warning", markup=False, timeout=8)
    if plan.over_budget:
        pending.answer.show_error("Not sent: it would not fit in the model's context window.", plan.held_message or "")
        pending.answer.finish("held")
        offer_ways_to_fit(app, question, plan)  # compact, drop the oldest turns or remove context
        return
    sent = False

    def request_sent() -> None:
        nonlocal sent
        sent = True
        sink.request_sent()
        if on_sent is not None:
            on_sent()

    app.live = LiveRequest(provider=name, started=app.clock())  # shown at the first phase
    sink = ChatSink(app, pending, name, lambda: sent)
    turn = Turn(question, provider=name, model=model)
    context_files = list(app.project.entries)
    tools = app.toolbox.start_answer(context_files, label=question[:60])
    without_tools = app.roster.without_tools
    app.tools.on_command_start = sink.on_command_started
    try:
        await app.conversation.answer(
            turn, provider, plan.messages, sink, context_files=context_files, on_sent=request_sent,
            tools=tools, blocks=not provider.settings.tool_calls or name in without_tools,
            max_steps=app.config.tools.max_steps, on_fallback=lambda: without_tools.add(name))
    finally:
        app.tools.on_command_start = None
        answered(app, name, turn)
    if turn.usage is not None and turn.usage.prompt_tokens:
        plan.calibrate(turn.usage.prompt_tokens)  # better estimates next time


def answered(app: QwenApp, name: str, turn: Turn) -> None:
    """The request is over (whatever its end): figures, state and the context panel follow."""
    timing, outcome = turn.timing, turn.outcome
    error = turn.error.message if turn.error is not None else None
    app.statuses[name].after_answer(outcome, turn.error, bool(turn.parts), demo=app.demo)
    for measured in turn.step_timings or ([timing] if timing is not None else []):  # each request counts
        app.count_request(name, measured, error)
    app.dashboard_update(name, timing, "done", done=True, outcome=outcome, error=error)
    app.live = None
    app.last_result = f"last: {name} {result_note(timing)}" if timing is not None else ""
    app.refresh_status()
    app.refresh_context()
