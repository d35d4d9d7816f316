"""A conversation that grows past a small configured window: the next question is held before
it is sent, the user is told by how much and offered compact / drop / remove context; compaction
brings it back under and the question goes (pilot, simulator)."""

from __future__ import annotations

from qwen_tui.ui.screens.request_fit import RequestTooBig
from qwen_tui.ui.widgets.prompt import PromptInput
from tests.support.app import settle, until, until_indexed

SIZE = (120, 40)
LONG_REPLY = "This answer is long on purpose. " * 55  # ~490 tokens
WINDOW, RESERVE = 1200, 200


def _chats(sim) -> list:
    return [r for r in sim.requests if r.path.endswith("/chat/completions")]


async def _ask(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")
    await pilot.pause(0.05)


def _small_window(app) -> None:
    name = app.active
    app.providers[name].settings.context_window = WINDOW
    app.roster.windows.listed[(name, app.models[name])] = None  # known: the configured window counts
    app.project.reserve_tokens = RESERVE


async def _grow_past_the_window(pilot, app, sim) -> int:
    sim.set_knobs(provider="sambanova", reply=LONG_REPLY)
    for n in range(4):
        await _ask(pilot, f"question {n}")
        await settle(app)
        if isinstance(app.screen, RequestTooBig):
            break
    await until(pilot, lambda: isinstance(app.screen, RequestTooBig))
    assert isinstance(app.screen, RequestTooBig)
    return len(_chats(sim))


async def test_a_request_past_the_window_is_held_and_compaction_brings_it_under(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        _small_window(app)
        sent = await _grow_past_the_window(pilot, app, sim)
        screen = app.screen
        text = " ".join(str(w.render()) for w in screen.query("Static"))
        assert "Not sent" in text and f"over the budget of {WINDOW - RESERVE:,}" in text
        assert f"{screen.problem.over:,} over" in text and screen.problem.over > 0
        assert "c  compact" in text and "d  drop the oldest" in text
        assert len(_chats(sim)) == sent  # held: nothing went out
        asked = len(app.conversation.turns)

        sim.set_knobs(provider="sambanova", reply="Short summary.")
        await pilot.press("c")
        await until(pilot, lambda: len(app.conversation.turns) == asked + 1 and not app.streaming)
        await settle(app)
        assert app.conversation.compacted is not None
        last = _chats(sim)[-1].body["messages"]
        assert "Short summary." in str(last) and LONG_REPLY not in str(last)
        assert last[-1]["content"] == app.conversation.turns[-1].question
        plan = await app.conversation.plan(app.project, "next", app.context_window())
        assert not plan.over_budget


async def test_drop_the_oldest_turns_or_cancel(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        _small_window(app)
        await _grow_past_the_window(pilot, app, sim)
        held_question = f"question {len(app.conversation.turns)}"
        await pilot.press("escape")
        await pilot.pause(0.05)
        assert not isinstance(app.screen, RequestTooBig)
        assert app.query_one(PromptInput).text == held_question and app.conversation.compacted is None

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RequestTooBig))
        drop = app.screen.problem.turns_to_drop
        assert drop >= 1
        sim.set_knobs(provider="sambanova", reply="Fine.")
        await pilot.press("d")
        await until(pilot, lambda: app.conversation.turns and app.conversation.turns[-1].question == held_question)
        await settle(app)
        assert app.conversation.compacted.covers == drop and app.conversation.compacted.summary == ""
        assert "question 0" not in str(_chats(sim)[-1].body["messages"])


async def test_remove_the_context_files(make_app, sim, project):
    (project / "big.txt").write_text("data " * 1200)  # ~1700 tokens: over the window alone
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until_indexed(pilot, app)
        _small_window(app)
        app.project.add("big.txt")
        sent = len(_chats(sim))
        await _ask(pilot, "what is in it?")
        await until(pilot, lambda: isinstance(app.screen, RequestTooBig))
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "r  remove the 1 context file" in text and len(_chats(sim)) == sent
        await pilot.press("r")
        await until(pilot, lambda: len(_chats(sim)) == sent + 1)
        await settle(app)
        assert app.project.entries == [] and "data data" not in str(_chats(sim)[-1].body)


async def test_auto_compact_compacts_before_the_question_once_the_history_fills_its_share(make_app, sim):
    """``[context] auto_compact``: said in the chat, the summary sent in place of the old turns, the
    question then asked; off (0) by default."""
    from qwen_tui.ui.widgets.chat_view import ChatView

    app = make_app()
    app.config.context.auto_compact = 0.5
    async with app.run_test(size=SIZE) as pilot:
        await until_indexed(pilot, app)
        _small_window(app)
        sim.set_knobs(provider="sambanova", reply=LONG_REPLY)
        for n in range(2):  # ~1,000 tokens of history: over half of the 1,000-token budget
            await _ask(pilot, f"question {n}")
            await settle(app)
        await until(pilot, lambda: app.history_tokens > 500)
        sim.set_knobs(provider="sambanova", reply="SUMMARY: two long answers.")
        before = len(_chats(sim))
        await _ask(pilot, "the next question")
        await until(pilot, lambda: app.conversation.compacted is not None and len(_chats(sim)) >= before + 2)
        await settle(app)
        notes = " ".join(str(n.render()) for n in app.query(".chat-note"))
        assert "over 50% of the window (auto_compact in config.toml): compacting it" in notes
        last = _chats(sim)[-1].body["messages"]
        assert last[-1]["content"] == "the next question"
        assert "SUMMARY: two long answers." in str(last) and "question 0" not in str(last)
        assert app.query_one(PromptInput).text == ""
        assert app.query_one(ChatView).last_answer is not None
