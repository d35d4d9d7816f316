"""Compaction over the simulator: the provider is asked for a summary of the conversation, the next
request carries it instead of the old turns, the session file keeps the originals (marked), a
resumed session goes on compacted, and undo sends the turns again. No terminal."""

from __future__ import annotations

import json

import pytest

from qwen_tui.conversation import AnswerSink, Conversation, Turn
from qwen_tui.conversation.compaction import (
    SUMMARY_INTRO,
    SUMMARY_REQUEST,
    CompactionError,
    compact,
    drop_oldest,
    turns_to_drop,
)
from qwen_tui.context.tokens import TokenEstimator
from qwen_tui.providers.base import Message
from qwen_tui.session import SessionStore
from qwen_tui.sim import Fault


async def ask(conversation: Conversation, provider, sim, question: str, reply: str) -> Turn:
    sim.set_knobs(provider=provider.name, reply=reply)
    messages = [*conversation.history_messages(), Message("user", question)]
    turn = Turn(question, provider=provider.name, model=provider.settings.model)
    await conversation.answer(turn, provider, messages, AnswerSink())
    return turn


def sent(sim, name: str) -> list[dict]:
    return sim.last_chat(name).body["messages"]


async def test_the_summary_replaces_the_old_turns_and_the_session_keeps_them(make_provider, sim, tmp_path) -> None:
    store = SessionStore(tmp_path / "sessions")
    provider = make_provider("sambanova")
    conversation = Conversation(tmp_path, store)
    await ask(conversation, provider, sim, "first question", "First answer.")
    await ask(conversation, provider, sim, "second question", "Second answer.")
    sim.set_knobs(provider="sambanova", reply="We sorted lists; merge sort chosen.")
    compaction = await compact(conversation, provider, provider.settings.model)
    summary_request = sent(sim, "sambanova")
    assert summary_request[:4] == [
        {"role": "user", "content": "first question"}, {"role": "assistant", "content": "First answer."},
        {"role": "user", "content": "second question"}, {"role": "assistant", "content": "Second answer."}]
    assert summary_request[4] == {"role": "user", "content": SUMMARY_REQUEST}
    assert compaction.covers == 2 and compaction.summary == "We sorted lists; merge sort chosen."

    await ask(conversation, provider, sim, "third question", "Third answer.")
    body = sent(sim, "sambanova")
    assert body[0]["role"] == "user" and body[0]["content"].startswith(SUMMARY_INTRO)
    assert "merge sort chosen" in body[0]["content"] and body[1]["role"] == "assistant"
    assert body[2:] == [{"role": "user", "content": "third question"}]
    assert "first question" not in str(body)
    assert len(conversation.turns) == 3  # the originals stay in the conversation (on screen)

    await conversation.saved()
    saved = store.load(conversation.session.id)
    assert [t.content for t in saved.turns if t.role == "user"] == ["first question", "second question",
                                                                   "third question"]
    assert saved.compactions == [{"summary": "We sorted lists; merge sort chosen.", "covers": 2,
                                  "provider": "sambanova", "model": provider.settings.model}]
    records = saved.path.read_text().splitlines()
    kinds = [json.loads(line)["type"] for line in records]
    assert kinds.count("compaction") == 1 and kinds.count("answer_end") == 3
    at = kinds.index("compaction")  # after the second answer's end, before the third question
    assert kinds[:at].count("answer_end") == 2 and kinds[at + 1] == "user"

    resumed = Conversation(tmp_path, store)
    resumed.resume(store.load(conversation.session.id))
    assert resumed.history_messages() == conversation.history_messages()


async def test_undo_sends_the_turns_again(make_provider, sim, tmp_path) -> None:
    store = SessionStore(tmp_path / "sessions")
    provider = make_provider("ollama")
    conversation = Conversation(tmp_path, store)
    await ask(conversation, provider, sim, "old question", "Old answer.")
    sim.set_knobs(provider="ollama", reply="A summary.")
    await compact(conversation, provider, provider.settings.model)
    assert conversation.undo_compaction() is not None and conversation.undo_compaction() is None
    await ask(conversation, provider, sim, "new question", "New answer.")
    assert sent(sim, "ollama") == [
        {"role": "user", "content": "old question"}, {"role": "assistant", "content": "Old answer."},
        {"role": "user", "content": "new question"}]
    await conversation.saved()
    assert store.load(conversation.session.id).compactions == []


async def test_a_failed_summary_changes_nothing(make_provider, sim, tmp_path) -> None:
    provider = make_provider("sambanova")
    conversation = Conversation(tmp_path, None)
    with pytest.raises(CompactionError, match="Nothing to compact"):
        await compact(conversation, provider, provider.settings.model)
    await ask(conversation, provider, sim, "q", "A.")
    sim.push_fault(Fault(kind="status", status=500), provider="sambanova")
    with pytest.raises(CompactionError, match="No summary from sambanova"):
        await compact(conversation, provider, provider.settings.model)
    assert conversation.compacted is None
    assert conversation.history_messages() == [Message("user", "q"), Message("assistant", "A.")]


async def test_dropping_the_oldest_turns_sends_only_the_rest(make_provider, sim, tmp_path) -> None:
    provider = make_provider("sambanova")
    conversation = Conversation(tmp_path, None)
    for n in range(3):
        await ask(conversation, provider, sim, f"question {n} " + "x" * 400, f"Answer {n}.")
    estimator = TokenEstimator()
    one_turn = estimator.estimate_messages(conversation.history_messages()[:2])
    count = turns_to_drop(conversation, one_turn + 1, estimator.estimate_messages)
    assert count == 2
    drop_oldest(conversation, count)
    assert [m.content for m in conversation.history_messages()] == ["question 2 " + "x" * 400, "Answer 2."]
    conversation.undo_compaction()
    assert len(conversation.history_messages()) == 6


async def test_a_history_too_big_for_one_summary_request_is_summarised_a_part_at_a_time(
        make_provider, sim, tmp_path) -> None:
    provider = make_provider("sambanova")
    conversation = Conversation(tmp_path, None)
    for n in range(3):
        await ask(conversation, provider, sim, f"question {n} " + "y" * 1000, f"Answer {n}.")
    estimator = TokenEstimator()
    budget = 500  # one turn (~290 tokens) and the request fit; two do not
    sim.set_knobs(provider="sambanova", reply="Short summary.")
    before = len([r for r in sim.requests if r.path.endswith("/chat/completions")])
    compaction = await compact(conversation, provider, provider.settings.model, budget=budget,
                               estimate=estimator.estimate_messages)
    requests = [r for r in sim.requests if r.path.endswith("/chat/completions")][before:]
    assert len(requests) == 3 and compaction.covers == 3
    for request in requests:
        assert estimator.estimate_messages([Message(m["role"], m["content"]) for m in request.body["messages"]]) \
            <= budget
    assert "Short summary." in requests[2].body["messages"][0]["content"]  # the summary so far goes on
    with pytest.raises(CompactionError, match="too big to summarise"):
        await ask(conversation, provider, sim, "z" * 4000, "Big.")
        await compact(conversation, provider, provider.settings.model, budget=budget,
                      estimate=estimator.estimate_messages)
    assert conversation.compacted is compaction


async def test_taking_back_a_compacted_turn_undoes_the_compaction(make_provider, sim, tmp_path) -> None:
    provider = make_provider("sambanova")
    conversation = Conversation(tmp_path, None)
    await ask(conversation, provider, sim, "only question", "Only answer.")
    sim.set_knobs(provider="sambanova", reply="A summary.")
    await compact(conversation, provider, provider.settings.model)
    assert conversation.take_back_last().question == "only question"
    assert conversation.compacted is None and conversation.history_messages() == []
