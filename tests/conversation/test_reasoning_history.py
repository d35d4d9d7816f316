"""Reasoning in a conversation: the session keeps it (and a resumed one shows it), while no later
request sends it back, whichever shape it came in and across tool steps: asserted on what the
simulator received."""

from __future__ import annotations

import json

import pytest

from qwen_tui.conversation import AnswerSink, Conversation, Turn
from qwen_tui.conversation.agent import AgentSink, run_agent
from qwen_tui.providers.base import ChatRequest, Message
from qwen_tui.session import SessionStore, export_markdown
from qwen_tui.tools.checkpoints import CheckpointStore
from qwen_tui.tools.policy import ApprovalPolicy
from qwen_tui.tools.toolbox import Toolbox

THOUGHT = "SECRET-PLAN: think about the greeting first."
SHAPES = [("sambanova", "reasoning"), ("huggingface", "reasoning_content"), ("huggingface", "think_tags"),
          ("ollama", "thinking"), ("ollama", "think_tags")]


async def ask(conversation: Conversation, provider, question: str) -> Turn:
    messages = [*conversation.history_messages(), Message("user", question)]
    turn = Turn(question, provider=provider.name, model=provider.settings.model)
    await conversation.answer(turn, provider, messages, AnswerSink())
    return turn


def everything_sent(sim, kind: str) -> str:
    return json.dumps([r.body for r in sim.requests if r.is_chat and r.provider == kind], ensure_ascii=False)


@pytest.mark.parametrize(("kind", "shape"), SHAPES, ids=[f"{k}-{s}" for k, s in SHAPES])
async def test_kept_in_the_session_never_sent_back(kind, shape, make_provider, sim, tmp_path) -> None:
    store = SessionStore(tmp_path / "sessions")
    provider = make_provider(kind)
    conversation = Conversation(tmp_path, store)
    sim.set_knobs(provider=kind, reply="First answer.", reasoning=THOUGHT, reasoning_shape=shape, chunk_chars=5)
    first = await ask(conversation, provider, "first question")
    assert "".join(first.reasoning) == THOUGHT and first.text == "First answer."
    sim.set_knobs(provider=kind, reply="Second answer.", reasoning="")
    await ask(conversation, provider, "second question")
    sent = sim.last_chat(kind).body["messages"]
    assert [m["content"] for m in sent] == ["first question", "First answer.", "second question"]
    assert "SECRET-PLAN" not in everything_sent(sim, kind) and "think>" not in everything_sent(sim, kind)
    await conversation.saved()
    saved = store.load(conversation.session.id)
    assert [t.reasoning for t in saved.turns if t.role == "assistant"] == [THOUGHT, ""]
    assert "SECRET-PLAN" not in json.dumps([m.to_wire() for m in saved.history()])
    assert f"<summary>Thinking</summary>\n\n{THOUGHT}" in export_markdown(saved)
    # a resumed conversation shows it and still does not send it
    resumed = Conversation(tmp_path, store)
    resumed.resume(saved)
    assert resumed.turns[0].reasoning == [THOUGHT]
    await ask(resumed, provider, "third question")
    assert "SECRET-PLAN" not in json.dumps(sim.last_chat(kind).body)


@pytest.mark.parametrize("kind", ["sambanova", "ollama"])
async def test_tool_steps_do_not_send_the_earlier_steps_reasoning(kind, make_provider, sim, tmp_path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n")
    toolbox = Toolbox(root, policy=ApprovalPolicy(), checkpoints=CheckpointStore(root, tmp_path / "checkpoints"))
    sim.set_knobs(provider=kind, reasoning=THOUGHT, script=[
        {"text": "Let me look.", "tool_calls": [{"name": "read_file", "arguments": {"path": "app.py"}}]},
        {"text": "It prints hi."}])
    turn = Turn("what does app.py do?", provider=kind)
    await run_agent(make_provider(kind), ChatRequest([Message("user", "what does app.py do?")]), AgentSink(),
                    turn, toolbox.start_answer())
    assert turn.outcome == "complete" and turn.text == "Let me look.\nIt prints hi."
    assert "".join(turn.reasoning) == THOUGHT * 2  # each step's, kept in the turn
    second = sim.last_chat(kind).body["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "tool"]
    assert "SECRET-PLAN" not in json.dumps(second)
