"""A question whose request would not fit the model's window is held (``QwenApp._answer``) and
the user is offered the ways out (``RequestTooBig``): compact, drop the oldest turns, or remove
the context files; the question is then sent again. Nothing is cut unasked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qwen_tui.conversation.compaction import turns_to_drop
from qwen_tui.ui import compacting
from qwen_tui.ui.screens.request_fit import FitProblem, RequestTooBig

if TYPE_CHECKING:
    from qwen_tui.context.builder import BuiltPrompt
    from qwen_tui.ui.app import QwenApp


def fit_problem(app: QwenApp, plan: BuiltPrompt) -> FitProblem:
    over = plan.total_tokens - plan.budget
    conversation = app.conversation
    start = conversation.compacted.covers if conversation.compacted is not None else 0
    drop = turns_to_drop(conversation, over, plan.estimator.estimate_messages) if len(conversation.turns) > start else 0
    return FitProblem(plan.total_tokens, plan.budget, plan.context_window, plan.reserve_tokens, drop,
                      len(app.project.entries), sum(plan.file_tokens.values()))


def offer_ways_to_fit(app: QwenApp, question: str, plan: BuiltPrompt) -> None:
    """Ask what to do about ``question``'s request being ``plan.total_tokens - plan.budget`` over."""
    problem = fit_problem(app, plan)

    def chosen(choice: str | None) -> None:
        if choice == "compact":
            compacting.start_compaction(app, then_ask=question)
            return
        if choice == "drop" and compacting.drop_oldest_turns(app, problem.turns_to_drop):
            app.ask(question, note=f"after dropping {problem.turns_to_drop} turns")
            return
        if choice == "context":
            app.project.clear()
            app.refresh_context()
            app.notify("Context cleared", timeout=2)
            app.ask(question, note="without the context files")
            return
        from qwen_tui.ui.widgets.prompt import PromptInput

        prompt = app.query_one(PromptInput)
        if not prompt.text.strip():  # the held question waits in the prompt
            prompt.load_text(question)
            prompt.move_cursor(prompt.document.end)

    app.push_screen(RequestTooBig(problem), chosen)
