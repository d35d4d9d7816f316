"""A race from the app (Ctrl+T): the prompt's question to the providers picked, the kept answer
continuing the conversation on that provider; every lane in the session file and the figures."""

from __future__ import annotations


from qwen_tui.session import SessionStore
from qwen_tui.ui.screens.race import RaceProviders, RaceScreen
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.prompt import PromptInput
from tests.support.app import until

SIZE = (120, 40)


async def test_ctrl_t_races_the_question_and_the_kept_answer_continues_the_conversation(make_app, sim) -> None:
    sim.set_knobs(provider="sambanova", ttft_ms=5.0, reply="Samba says hi.\n")
    sim.set_knobs(provider="ollama", ttft_ms=40.0, reply="Ollama says hi.\n")
    app = make_app(check_health=False, load_metrics=False)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(PromptInput).insert("which is faster?")
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, RaceProviders))
        picker = app.screen
        picker.query_one("SelectionList").deselect_all()
        for name in ("sambanova", "ollama"):
            picker.query_one("SelectionList").select(name)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RaceScreen) and app.screen.report is not None)
        race = app.screen
        for lane in race.lanes:
            await lane.body.wait_rendered()
        await pilot.press("2")  # keep ollama's answer
        await until(pilot, lambda: not isinstance(app.screen, RaceScreen))
        await pilot.pause()
        assert app.active == "ollama"
        assert app.state.race_providers == ["sambanova", "ollama"]
        assert [(t.question, t.answer) for t in app.turns] == [("which is faster?", "Ollama says hi.\n")]
        assert app.query_one(PromptInput).text == ""
        assert app.query_one(ChatView).last_answer.text == "Ollama says hi.\n"
        assert app.stats["sambanova"].last is not None and app.stats["ollama"].last is not None
        # the next question goes to the kept provider with the kept answer in its history
        sim.set_knobs(provider="ollama", ttft_ms=5.0, reply="Go on.\n")
        app.ask("and then?")
        await app.request_worker.wait()
        sent = sim.last_chat("ollama").body["messages"]
        assert [m["content"] for m in sent if m["role"] != "system"][-3:] == [
            "which is faster?", "Ollama says hi.\n", "and then?"]
        await app.conversation.saved()
        saved = SessionStore().load(app.session.id)
        assert [(t.role, t.content) for t in saved.turns[:2]] == [("user", "which is faster?"),
                                                                   ("assistant", "Ollama says hi.\n")]
        assert saved.turns[1].race and [a["content"] for a in saved.turns[1].alternates] == ["Samba says hi.\n"]
        assert saved.turns[1].provider == "ollama" and saved.turns[-1].content == "Go on.\n"


async def test_ctrl_t_with_an_empty_prompt_says_what_to_do(make_app) -> None:
    app = make_app(check_health=False, load_metrics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not isinstance(app.screen, RaceProviders)
        assert any("Type the question first" in str(n.message) for n in app._notifications)
