"""A race from the chat: the prompt's question to the providers the user picks, and the kept
answer back into the conversation (the race itself is ``qwen_tui.race``; its screen
``screens/race.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qwen_tui.terminal_text import visible
from qwen_tui.ui.chat_sink import result_note
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.prompt import PromptInput

if TYPE_CHECKING:
    from qwen_tui.ui.app import QwenApp
    from qwen_tui.ui.screens.race import RacePick


def offer_race(app: QwenApp) -> None:
    """Ask which providers race (2-4; the last set is offered), then run it in a worker."""
    question = app.query_one(PromptInput).text
    if app.streaming:
        app.notify("An answer is still streaming: Escape stops it first.", severity="warning")
    elif not question.strip():
        app.notify("Type the question first: Ctrl+T races it on the providers you pick.")
    elif len(app.providers) < 2:
        app.notify("A race needs two providers or more in config.toml.", severity="warning")
    else:
        from qwen_tui.ui.screens.race import RaceProviders

        def chosen(names: list[str] | None) -> None:
            if names:
                app.run_worker(run_race(app, question, names), exclusive=True, group="race")

        offered = [(name, app.models[name]) for name in app.providers]
        app.push_screen(RaceProviders(offered, app.state.race_providers), chosen)


async def run_race(app: QwenApp, question: str, names: list[str]) -> None:
    from qwen_tui.race import Race
    from qwen_tui.ui.screens.race import RaceScreen

    app.state.race_providers = list(names)
    app.save_state()
    if app.project.add_mentions(question):
        app.refresh_context()
    plan = await app.conversation.plan(app.project, question, min(app.roster.context_window(n) for n in names))
    for warning in plan.warnings:  # e.g. an MCP resource whose server is gone: said in the request too
        app.notify(visible(warning), title="Context", severity="warning", markup=False, timeout=8)
    if plan.over_budget:
        app.notify(visible(plan.held_message or "The question does not fit the providers' context windows."),
                   title="Race not started", severity="warning", markup=False)
        return
    race = Race([app.providers[n] for n in names], [app.models[n] for n in names], list(plan.messages))
    keep_pick(app, await app.push_screen_wait(RaceScreen(question, race, app.code_theme)))


def keep_pick(app: QwenApp, pick: RacePick) -> None:
    """Every lane's figures join the metrics; the kept answer continues the conversation."""
    for lane in pick.lanes:
        if lane.timing is not None:
            app.count_request(lane.name, lane.timing, lane.error)
    turn = app.conversation.add_race(pick.question, pick.lanes, pick.kept, pick.spread_ms,
                                     context_files=list(app.project.entries))
    prompt = app.query_one(PromptInput)
    if turn is None:
        app.refresh_status()
        return
    if prompt.text == pick.question:
        prompt.clear()
    chat = app.query_one(ChatView)
    chat.add_user(pick.question, f"race of {len(pick.lanes)}")
    answer = chat.add_assistant(turn.provider, turn.model)
    answer.body.code_theme = app.code_theme
    answer.append(turn.text)
    answer.finish(turn.outcome, result_note(turn.timing))
    chat.anchor()
    app.switch_provider(turn.provider, turn.model)
