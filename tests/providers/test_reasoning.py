"""Reasoning ("thinking") output, every shape a server sends it in, for every provider against
the simulator: it becomes ``ReasoningDelta`` events apart from the answer; TTFT counts it,
``answer_ms`` does not; a budget spent thinking is its own error."""

from __future__ import annotations

from contextlib import aclosing

import pytest

from qwen_tui.config import load_config
from qwen_tui.conversation import AnswerSink, stream_answer
from qwen_tui.providers.base import ChatRequest, Finished, Message, ReasoningDelta, TextDelta, ThinkingOnly
from qwen_tui.providers.think_tags import ThinkSplitter

from .conftest import PROVIDERS

QUESTION = [Message("user", "hello")]
THOUGHT = "The user greets me. A short reply will do; mention ä and 漢字 to be safe."
REPLY = "Hello! ä 漢字 🚀\n"
OPENAI_STYLE = [kind for kind in PROVIDERS if kind != "ollama"]
SHAPES = [(kind, shape) for kind in OPENAI_STYLE for shape in ("reasoning_content", "reasoning", "think_tags")]
SHAPES += [("ollama", "thinking"), ("ollama", "think_tags")]


async def collect(provider, request: ChatRequest | None = None):
    events = []
    async with aclosing(provider.stream(request or ChatRequest(QUESTION))) as stream:
        async for event in stream:
            events.append(event)
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    return reasoning, text, events


@pytest.mark.parametrize(("kind", "shape"), SHAPES, ids=[f"{k}-{s}" for k, s in SHAPES])
async def test_each_shape_becomes_reasoning_apart_from_the_answer(kind, shape, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply=REPLY, reasoning=THOUGHT, reasoning_shape=shape, chunk_chars=3)
    reasoning, text, events = await collect(make_provider(kind))
    assert reasoning == THOUGHT
    assert text == REPLY  # no tag, no blank line left over from a <think> block
    kinds = [type(e) for e in events if isinstance(e, ReasoningDelta | TextDelta)]
    assert kinds.index(TextDelta) > max(i for i, k in enumerate(kinds) if k is ReasoningDelta)
    timing = events[-1].timing
    assert isinstance(events[-1], Finished) and events[-1].reason == "stop"
    assert timing.first_token_at is not None and timing.answer_at is not None
    assert timing.answer_at >= timing.first_token_at  # TTFT: any token; answer_ms: the answer's
    assert timing.answer_ms >= timing.ttft_ms
    assert timing.summary()["answer_ms"] is not None


@pytest.mark.parametrize("kind", ["sambanova", "ollama"])
async def test_tokens_count_the_reasoning_too(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply=REPLY, reasoning=THOUGHT, chunk_chars=3)
    _, _, events = await collect(make_provider(kind))
    expected = -(-len(THOUGHT) // 3) + -(-len(REPLY) // 3)
    assert events[-1].timing.tokens == expected  # the provider's count: every generated token


def test_the_sim_wire_says_which_field(sim) -> None:
    """What the simulator really sends for "auto": the field each server uses (non-streamed)."""
    import httpx

    sim.set_knobs(reply=REPLY, reasoning=THOUGHT)
    urls = sim.base_urls()
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    with httpx.Client() as client:
        samba = client.post(f"{urls['sambanova']}/chat/completions",
                            json={**body, "model": "Meta-Llama-3.3-70B-Instruct"},
                            headers={"Authorization": "Bearer sim-sambanova-key-0001"}).json()
        native = client.post(f"{urls['ollama']}/api/chat", json={**body, "model": "qwen2.5-coder:7b"}).json()
    assert samba["choices"][0]["message"]["reasoning"] == THOUGHT
    assert native["message"]["thinking"] == THOUGHT and native["message"]["content"] == REPLY


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_a_budget_spent_thinking_is_its_own_error(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply=REPLY, reasoning=THOUGHT, chunk_chars=3)
    answer = await stream_answer(make_provider(kind), ChatRequest(QUESTION, max_tokens=5), AnswerSink())
    assert answer.outcome == "error"
    assert isinstance(answer.error, ThinkingOnly)
    assert "token budget thinking" in answer.error.what
    assert "max_tokens" in answer.error.fix
    assert "".join(answer.reasoning) == THOUGHT[:15]  # 5 tokens of 3 characters, kept
    assert answer.text == ""


async def test_inline_thinking_cut_by_the_limit_is_the_same_error(make_provider, sim) -> None:
    sim.set_knobs(provider="huggingface", reply=REPLY, reasoning=THOUGHT, reasoning_shape="think_tags", chunk_chars=4)
    answer = await stream_answer(make_provider("huggingface"), ChatRequest(QUESTION, max_tokens=6), AnswerSink())
    assert isinstance(answer.error, ThinkingOnly)
    assert "".join(answer.reasoning) == ("<think>" + THOUGHT)[7:24]


async def test_ollama_think_is_sent_as_configured(make_provider, sim) -> None:
    sim.set_knobs(provider="ollama", reply=REPLY, reasoning=THOUGHT)
    off = make_provider("ollama", extra={"think": False})
    reasoning, text, _ = await collect(off)
    assert sim.last_chat("ollama").body["think"] is False
    assert (reasoning, text) == ("", REPLY)  # the simulated model did not think
    level = make_provider("ollama", extra={"think": "high"})
    reasoning, _, _ = await collect(level)
    assert sim.last_chat("ollama").body["think"] == "high" and reasoning == THOUGHT
    await collect(make_provider("ollama"))
    assert "think" not in sim.last_chat("ollama").body  # unset: the model's own default


def test_think_in_the_config(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[providers.ollama]\nthink = false\n[providers.gptoss]\nkind = "ollama"\n'
                    'base_url = "http://127.0.0.1:11434"\nmodel = "gpt-oss:20b"\nthink = "low"\n')
    config = load_config(path, env={})
    assert config.providers["ollama"].extra["think"] is False
    assert config.providers["gptoss"].extra["think"] == "low"
    path.write_text('[providers.ollama]\nthink = "max"\n')
    with pytest.raises(Exception, match="thinking level"):
        load_config(path, env={})


# ---- the inline <think> splitter ------------------------------------------------------------------


def split_all(text: str, cuts: list[int]) -> tuple[str, str]:
    splitter, reasoning, answer, start = ThinkSplitter(), [], [], 0
    for cut in [*cuts, len(text)]:
        thought, shown = splitter.feed(text[start:cut])
        reasoning.append(thought)
        answer.append(shown)
        start = cut
    thought, shown = splitter.flush()
    return "".join(reasoning) + thought, "".join(answer) + shown


@pytest.mark.parametrize("text", [
    "<think>plan it</think>\n\nThe answer.",
    "  \n<think>a < b, and </thin is not the end</think>The answer.",
])
def test_a_leading_block_splits_the_same_wherever_the_chunks_are_cut(text) -> None:
    expected = split_all(text, [])
    assert expected[1] == "The answer."
    for cut in range(1, len(text)):
        assert split_all(text, [cut]) == expected, cut
    assert split_all(text, list(range(1, len(text)))) == expected  # one character a chunk


@pytest.mark.parametrize("text", ["Use <think> tags like this.", "<thinking>no tag</thinking>", "<thi", "\n\nHello",
                                  " ", "\n \n"])
def test_text_that_is_not_a_leading_block_is_the_answer(text) -> None:
    assert split_all(text, []) == ("", text)  # blanks alone too: the text, not "empty"
    for cut in range(1, len(text)):
        assert split_all(text, [cut]) == ("", text)


def test_an_unclosed_block_is_all_reasoning() -> None:
    assert split_all("<think>still thinking when cut </thi", [9, 20]) == ("still thinking when cut </thi", "")
