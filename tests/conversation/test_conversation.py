"""A conversation over the simulator: the history the next request carries, the session file
written off the loop (question, answer, end), resuming it, and asking again. No terminal."""

from __future__ import annotations

import asyncio

from qwen_tui.conversation import AnswerSink, Conversation, Turn
from qwen_tui.providers.base import Message
from qwen_tui.session import SessionStore
from qwen_tui.sim import Fault


async def ask(conversation: Conversation, provider, question: str) -> Turn:
    messages = [*conversation.history_messages(), Message("user", question)]
    turn = Turn(question, provider=provider.name, model=provider.settings.model)
    await conversation.answer(turn, provider, messages, AnswerSink(), context_files=["src/app.py"])
    return turn


async def test_each_request_carries_the_whole_conversation(make_provider, sim, tmp_path) -> None:
    provider = make_provider("sambanova")
    conversation = Conversation(tmp_path, None)
    sim.set_knobs(provider="sambanova", reply="First answer.")
    await ask(conversation, provider, "first question")
    sim.set_knobs(provider="sambanova", reply="Second answer.")
    await ask(conversation, provider, "second question")
    sent = sim.last_chat("sambanova").body["messages"]
    assert sent == [{"role": "user", "content": "first question"}, {"role": "assistant", "content": "First answer."},
                    {"role": "user", "content": "second question"}]
    assert [t.answer for t in conversation.turns] == ["First answer.", "Second answer."]


async def test_the_session_file_holds_questions_answers_and_a_failed_answers_partial(
        make_provider, sim, tmp_path) -> None:
    store = SessionStore(tmp_path / "sessions")
    provider = make_provider("ollama")
    conversation = Conversation(tmp_path, store)
    sim.set_knobs(provider="ollama", reply="Saved answer.", chunk_chars=4)
    await ask(conversation, provider, "keep this")
    sim.push_fault(Fault(kind="drop", after_tokens=2), provider="ollama")
    failed = await ask(conversation, provider, "and this")
    await conversation.saved()
    saved = store.load(conversation.session.id)
    assert [(t.role, t.content, t.outcome) for t in saved.turns] == [
        ("user", "keep this", None), ("assistant", "Saved answer.", "complete"),
        ("user", "and this", None), ("assistant", "Saved an", "error")]
    assert saved.turns[0].context_files == ["src/app.py"]
    assert saved.turns[-1].error == failed.error.message
    assert saved.turns[1].timing["ttft_ms"] is not None


async def test_a_resumed_conversation_continues_and_a_retry_takes_back_the_last_turn(
        make_provider, sim, tmp_path) -> None:
    store = SessionStore(tmp_path / "sessions")
    provider = make_provider("sambanova")
    first = Conversation(tmp_path, store)
    sim.set_knobs(provider="sambanova", reply="Old answer.")
    await ask(first, provider, "old question")
    await first.saved()
    again = Conversation(tmp_path, store)
    again.resume(store.load(first.session.id))
    assert again.history_messages() == [Message("user", "old question"), Message("assistant", "Old answer.")]
    assert again.take_back_last().question == "old question" and again.turns == []


async def test_a_session_that_cannot_be_written_is_told_once_and_the_answer_still_comes(
        make_provider, sim, tmp_path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the sessions folder should be")
    problems: list[str] = []
    conversation = Conversation(tmp_path, SessionStore(blocked), on_problem=problems.append)
    sim.set_knobs(provider="sambanova", reply="Still here.")
    turn = await ask(conversation, make_provider("sambanova"), "q")
    await conversation.saved()
    await asyncio.sleep(0.05)
    assert turn.answer == "Still here." and turn.outcome == "complete"
    assert len(problems) == 1 and problems[0].startswith("Session not saved")
    assert conversation.sessions is None
