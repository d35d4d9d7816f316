"""Compaction in the TUI: ``/compact``, the palette entry and the "does not fit" offer run it
here; the compacted turns stay on screen, dimmed, and ``/compact undo`` takes it back. The work
itself is the core's (``qwen_tui.conversation.compaction``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qwen_tui.conversation.compaction import CompactionError, compact, drop_oldest
from qwen_tui.terminal_text import visible

if TYPE_CHECKING:
    from qwen_tui.ui.app import QwenApp

#: The class the compacted turns' widgets carry (dimmed by app.tcss).
COMPACTED = "compacted"
#: How much of the summary the note under the conversation shows.
NOTE_SUMMARY_CHARS = 400


def compact_before(app: QwenApp, question: str) -> bool:
    """``[context] auto_compact``: when the history (as last counted, off the event loop) fills
    more than that share of the window, say so and compact, then ask ``question`` (it stays in
    the prompt until then). False: nothing to do, ask it now."""
    share = app.config.context.auto_compact
    if not share or len(app.conversation.turns) < 2:
        return False
    budget = app.context_window() - app.project.reserve_tokens
    if budget <= 0 or app.history_tokens <= share * budget:
        return False
    from qwen_tui.ui.widgets.chat_view import ChatView

    app.query_one(ChatView).add_note(f"The conversation fills over {share:.0%} of the window "
                                     "(auto_compact in config.toml): compacting it before this question.")
    start_compaction(app, then_ask=question)
    return True


def start_compaction(app: QwenApp, then_ask: str | None = None) -> None:
    """Compact in a worker; with ``then_ask``, that question is asked once the summary is in."""
    app.run_worker(compact_now(app, then_ask), group="compact", exclusive=True)


async def compact_now(app: QwenApp, then_ask: str | None = None) -> bool:
    """Ask the current provider for the summary; True when the conversation was compacted."""
    from qwen_tui.ui.widgets.chat_view import ChatView

    if app.streaming:
        app.notify("An answer is still streaming: Escape stops it first.", severity="warning")
        return False
    name = app.active
    if not name:
        app.notify("No provider is configured.", severity="error")
        return False
    if not app.conversation.turns:
        app.notify("Nothing to compact yet.")
        return False
    chat = app.query_one(ChatView)
    chat.add_note(f"Compacting the conversation: {name} is summarising it…")
    try:
        compaction = await compact(app.conversation, app.providers[name], app.models[name],
                                   budget=app.context_window() - app.project.reserve_tokens,
                                   estimate=app.project.estimator.estimate_messages)
    except CompactionError as exc:
        app.notify(visible(str(exc)), title="Not compacted", severity="warning", markup=False)
        return False
    summary = compaction.summary
    shown = summary if len(summary) <= NOTE_SUMMARY_CHARS else summary[:NOTE_SUMMARY_CHARS] + "…"
    chat.add_note(f"Compacted {compaction.covers} turns: this summary is sent in their place "
                  f"(/compact undo sends them again).\n{shown}")
    dim_compacted(app)
    app.refresh_context()
    if then_ask is not None:
        from qwen_tui.ui.widgets.prompt import PromptInput

        prompt = app.query_one(PromptInput)
        app.ask(then_ask, note="after compaction", compact_first=False,
                on_shown=lambda: prompt.clear() if prompt.text == then_ask else None)
    return True


def drop_oldest_turns(app: QwenApp, turns: int) -> bool:
    """Stop sending the oldest ``turns`` turns (kept on screen, dimmed, and in the session)."""
    from qwen_tui.ui.widgets.chat_view import ChatView

    try:
        compaction = drop_oldest(app.conversation, turns)
    except CompactionError as exc:
        app.notify(visible(str(exc)), severity="warning", markup=False)
        return False
    app.query_one(ChatView).add_note(f"The first {compaction.covers} turns are no longer sent "
                                     "(/compact undo sends them again).")
    dim_compacted(app)
    app.refresh_context()
    return True


def undo_compaction(app: QwenApp) -> bool:
    from qwen_tui.ui.widgets.chat_view import ChatView

    undone = app.conversation.undo_compaction()
    if undone is None:
        app.notify("No compaction to undo.")
        return False
    app.query_one(ChatView).add_note(f"Compaction undone: the first {undone.covers} turns are sent again.")
    dim_compacted(app)
    app.refresh_context()
    return True


def dim_compacted(app: QwenApp) -> None:
    """The widgets of the turns the compaction in force covers carry ``COMPACTED``; the others not."""
    from qwen_tui.ui.widgets.chat_view import AssistantMessage, ChatView, UserMessage
    from qwen_tui.ui.widgets.earlier_turns import EarlierTurns

    compaction = app.conversation.compacted
    covers = compaction.covers if compaction is not None else 0
    questions = 0
    for child in app.query_one(ChatView).children:
        if isinstance(child, UserMessage):
            questions += 1
        if isinstance(child, UserMessage | AssistantMessage):
            child.set_class(questions <= covers, COMPACTED)
        elif isinstance(child, EarlierTurns):  # not rendered yet: dimmed when they are
            questions += child.questions
    app.query_one(ChatView).compacted_questions = covers
