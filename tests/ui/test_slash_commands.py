"""Slash commands in the prompt (pilot, simulator): each runs its palette action and is never sent
to a provider; an unknown one says so and stays in the prompt."""

from __future__ import annotations

from qwen_tui.ui.screens.help import HelpScreen
from qwen_tui.ui.compacting import COMPACTED
from qwen_tui.ui.widgets.chat_view import AssistantMessage, ChatView, UserMessage
from qwen_tui.ui.widgets.prompt import PromptInput
from tests.support.app import settle, until, until_indexed

SIZE = (120, 40)


async def _type(pilot, text: str) -> PromptInput:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")
    await pilot.pause(0.05)
    return prompt


def _shown_turns(app) -> list:
    return [w for w in app.query_one(ChatView).children if isinstance(w, UserMessage | AssistantMessage)]


def _notes(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def _chats(sim) -> int:
    return len([r for r in sim.requests if r.path.endswith("/chat/completions")])


async def test_unknown_command_is_a_message_and_stays_in_the_prompt(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = await _type(pilot, "/frobnicate now")
        assert prompt.text == "/frobnicate now"
        assert "Unknown command /frobnicate" in _notes(app) and "/compact" in _notes(app)
        assert "start it with a space" in _notes(app)
        assert not app.conversation.turns and _chats(sim) == 0


async def test_completion_lists_the_commands_and_tab_accepts(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(PromptInput).focus()
        await pilot.press("slash", "p", "r")
        mentions = app.query_one("#mentions")
        assert mentions.has_class("shown")
        assert [mentions.get_option_at_index(i).id for i in range(mentions.option_count)] == ["/provider"]
        await pilot.press("tab")
        assert app.query_one(PromptInput).text == "/provider "
        app.query_one(PromptInput).clear()
        await pilot.press("slash")
        from qwen_tui.ui.slash_commands import COMMANDS

        assert [mentions.get_option_at_index(i).id for i in range(mentions.option_count)] == \
            [f"/{c.name}" for c in COMMANDS]
        assert "/run" in [f"/{c.name}" for c in COMMANDS]


async def test_clear_starts_a_new_conversation(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _type(pilot, "first question")
        await settle(app)
        assert app.conversation.turns
        prompt = await _type(pilot, "/clear")
        await pilot.pause(0.1)
        assert not app.conversation.turns and prompt.text == ""
        assert "New conversation" in _notes(app)
        assert not list(app.query_one(ChatView).children)


async def test_undo_runs_the_undo_of_edits(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = await _type(pilot, "/undo")
        await until(pilot, lambda: "Undo" in [n.title for n in app._notifications])
        assert prompt.text == "" and "Undo" in [n.title for n in app._notifications]
        assert _chats(sim) == 0


async def test_compact_sends_the_summary_instead_and_dims_the_turns_and_undo_restores(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for question in ("first question", "second question"):
            await _type(pilot, question)
            await settle(app)
        sim.set_knobs(provider="sambanova", reply="SUMMARY: two questions were asked.")
        prompt = await _type(pilot, "/compact")
        await until(pilot, lambda: app.conversation.compacted is not None)
        assert prompt.text == "" and app.conversation.compacted.covers == 2
        turns = _shown_turns(app)
        assert len(turns) == 4 and all(w.has_class(COMPACTED) for w in turns)
        notes = " ".join(str(n.render()) for n in app.query(".chat-note"))
        assert "Compacted 2 turns" in notes and "SUMMARY: two questions" in notes

        sim.set_knobs(provider="sambanova", reply="Third answer.")
        await _type(pilot, "third question")
        await settle(app)
        body = str(sim.last_chat("sambanova").body["messages"])
        assert "SUMMARY: two questions" in body and "first question" not in body

        prompt = await _type(pilot, "/compact undo")
        assert prompt.text == "" and app.conversation.compacted is None
        assert not any(w.has_class(COMPACTED) for w in app.query_one(ChatView).children)
        assert "first question" in str(app.conversation.history_messages())


async def test_f7_compacts_as_slash_compact_does(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for question in ("first question", "second question"):
            await _type(pilot, question)
            await settle(app)
        sim.set_knobs(provider="sambanova", reply="SUMMARY: two questions.")
        await pilot.press("f7")
        await until(pilot, lambda: app.conversation.compacted is not None)
        assert app.conversation.compacted is not None and app.conversation.compacted.covers == 2
        assert "SUMMARY: two questions." in str(app.conversation.history_messages())


async def test_provider_and_model(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        other = next(name for name in app.providers if name != app.active)
        prompt = await _type(pilot, f"/provider {other}")
        assert app.active == other and prompt.text == ""
        prompt = await _type(pilot, "/provider nosuch")
        assert app.active == other and prompt.text == "/provider nosuch"
        assert "No provider named nosuch" in _notes(app)
        prompt.clear()
        prompt = await _type(pilot, "/model my-model-7b")
        assert app.models[other] == "my-model-7b" and prompt.text == ""
        prompt = await _type(pilot, "/model")
        assert "Usage: /model NAME" in _notes(app) and prompt.text == "/model"


async def test_race_puts_the_question_in_the_prompt_and_opens_the_race(make_app, sim):
    from qwen_tui.ui.screens.race import RaceProviders

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = await _type(pilot, "/race which sort is stable?")
        await pilot.pause(0.1)
        assert prompt.text == "which sort is stable?"
        assert isinstance(app.screen, RaceProviders)


async def test_add_drop_and_tokens(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until_indexed(pilot, app)
        prompt = await _type(pilot, "/add src/app.py")
        assert app.project.entries == ["src/app.py"] and prompt.text == ""
        prompt = await _type(pilot, "/add nosuch.py")
        assert prompt.text == "/add nosuch.py" and app.project.entries == ["src/app.py"]
        prompt.clear()
        await _type(pilot, "/tokens")
        for _ in range(50):
            if "total" in _notes(app):
                break
            await pilot.pause(0.02)
        notes = _notes(app)
        assert "src/app.py" in notes and "context files" in notes and "instructions" in notes
        assert "system prompt" in notes and "history" in notes and "tool results" in notes
        assert "window" in notes and "for the answer" in notes
        prompt = await _type(pilot, "/drop src/app.py")
        assert app.project.entries == [] and prompt.text == ""
        prompt = await _type(pilot, "/drop src/app.py")
        assert "is not in the context" in _notes(app) and prompt.text == "/drop src/app.py"
        assert _chats(sim) == 0


async def test_help_opens_help(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = await _type(pilot, "/help")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HelpScreen) and prompt.text == ""


async def test_the_palette_entries_compact_and_undo(make_app, sim):
    from qwen_tui.ui.commands import QwenCommands

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _type(pilot, "a question")
        await settle(app)
        entries = {title: callback for title, callback, _ in QwenCommands(app.screen)._commands()}
        sim.set_knobs(provider="sambanova", reply="PALETTE SUMMARY")
        entries["Chat: compact the conversation"]()
        await until(pilot, lambda: app.conversation.compacted is not None)
        assert app.conversation.compacted.summary == "PALETTE SUMMARY"
        entries["Chat: undo the compaction"]()
        assert app.conversation.compacted is None


async def test_a_resumed_compacted_session_shows_the_turns_dimmed_and_sends_the_summary(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for question in ("old question", "newer question"):
            await _type(pilot, question)
            await settle(app)
        sim.set_knobs(provider="sambanova", reply="RESUMED SUMMARY")
        await _type(pilot, "/compact")
        await until(pilot, lambda: app.conversation.compacted is not None)
        await app.conversation.saved()
    again = make_app(resume="latest")
    async with again.run_test(size=SIZE) as pilot:
        # the turns are set, then mounted, then dimmed: wait for the last of the three
        await until(pilot, lambda: len(_shown_turns(again)) == 4
                    and all(w.has_class(COMPACTED) for w in _shown_turns(again)))
        assert len(again.conversation.turns) == 2
        sim.set_knobs(provider="sambanova", reply="Fine.")
        await _type(pilot, "go on")
        await settle(again)
        body = str(sim.last_chat("sambanova").body["messages"])
        assert "RESUMED SUMMARY" in body and "old question" not in body
