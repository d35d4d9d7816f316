"""Blaxel agents as providers, against the simulator's agent endpoint."""

from __future__ import annotations

import dataclasses

import pytest

from qwen_tui.config import load_config
from qwen_tui.providers import base
from qwen_tui.providers.base import ChatRequest, Finished, Message, Phase, TextDelta
from qwen_tui.providers.blaxel_agent import BlaxelAgentProvider, prompt_text, unwrap
from qwen_tui.providers.registry import build_provider
from qwen_tui.sim import DEFAULT_KEYS, DEFAULT_REPLY, Simulator

QUESTION = ChatRequest([Message("system", "You review code.\n\nFile app.py:\nx = 1"), Message("user", "Any bugs?")])


def _toml(table: dict) -> str:
    lines = ["[providers.reviewer]"]
    for key, value in table.items():
        raw = isinstance(value, str) and value.startswith("{")  # an inline table, as written
        lines.append(f"{key} = {value}" if raw else f'{key} = "{value}"')
    return "\n".join(lines) + "\n"


@pytest.fixture
async def make_agent(sim: Simulator, tmp_path):
    made: list[BlaxelAgentProvider] = []

    def make(extra_toml: str = "", env: dict | None = None, **table: str) -> BlaxelAgentProvider:
        path = tmp_path / "config.toml"
        path.write_text(_toml({**sim.blaxel_agent_table(), **table}) + extra_toml)
        config = load_config(path, env={"BL_API_KEY": DEFAULT_KEYS["blaxel"], **(env or {})})
        provider = build_provider(config.providers["reviewer"])
        assert isinstance(provider, BlaxelAgentProvider)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


async def _events(provider, request=QUESTION):
    return [event async for event in provider.stream(request)]


@pytest.mark.parametrize("agent_format", ["text", "json", "sse"])
async def test_an_agent_answers_with_the_default_body(make_agent, sim: Simulator, agent_format: str) -> None:
    sim.set_knobs("blaxel", agent_format=agent_format, ttft_ms=40)
    provider = make_agent()
    events = await _events(provider)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == DEFAULT_REPLY  # JSON unwrapped, SSE data lines joined
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.reason == "stop"
    assert [e.name for e in events if isinstance(e, Phase)] == ["connecting", "streaming"]
    timing = finished.timing
    assert timing.ttft_ms is not None and timing.ttft_ms >= 35  # the simulator's 40 ms, from our clock
    assert timing.answer_ms is not None and timing.outcome == "complete"
    request = sim.last_chat("blaxel")
    assert request.path == f"/blaxel/run/{sim.workspace}/agents/code-reviewer"
    assert request.method == "POST" and request.headers["content-type"] == "application/json"
    assert request.headers["x-blaxel-authorization"] == f"Bearer {DEFAULT_KEYS['blaxel']}"
    assert request.headers["x-blaxel-workspace"] == sim.workspace
    assert request.body == {"inputs": "You review code.\n\nFile app.py:\nx = 1\n\nAny bugs?"}


async def test_text_streams_as_it_arrives(make_agent, sim: Simulator) -> None:
    sim.set_knobs("blaxel", reply="one two three four five six", chunk_chars=4, tps=20)
    deltas = [e for e in await _events(make_agent()) if isinstance(e, TextDelta)]
    assert len(deltas) >= 4  # chunk by chunk (50 ms apart), not one body at the end


async def test_a_body_template_carries_the_question_and_the_messages(make_agent, sim: Simulator) -> None:
    provider = make_agent(body_template='{ input = { question = "$input" }, history = "$messages", mode = "review" }')
    await _events(provider)
    body = sim.last_chat("blaxel").body
    assert body["input"]["question"].endswith("Any bugs?") and body["mode"] == "review"
    assert body["history"] == [m.to_wire() for m in QUESTION.messages]


async def test_an_unknown_agent_says_so_and_lists_the_agents(make_agent, sim: Simulator) -> None:
    with pytest.raises(base.NotFound) as info:
        await _events(make_agent(agent="nobody"))
    message = info.value.message
    assert "has no agent 'nobody'" in message and "code-reviewer" in message
    assert DEFAULT_KEYS["blaxel"] not in message


async def test_agents_are_listed_as_its_models(make_agent) -> None:
    names = [m.id for m in await make_agent().list_models()]
    assert names == ["code-reviewer", "doc-writer", "test-runner"]


async def test_the_forced_url_of_the_sdk_is_honoured(make_agent, sim: Simulator) -> None:
    url = f"{sim.base_urls()['blaxel']}/{sim.workspace}/agents/doc-writer"
    provider = make_agent(env={"BL_AGENT_CODE_REVIEWER_URL": url})
    await _events(provider)
    assert sim.last_chat("blaxel").path.endswith("/agents/doc-writer")


def test_config_needs_the_agent_and_an_input_in_the_template(tmp_path, sim: Simulator) -> None:
    from qwen_tui.config import ConfigError

    table = {k: v for k, v in sim.blaxel_agent_table().items() if k != "agent"}
    path = tmp_path / "c.toml"
    path.write_text(_toml(table))
    with pytest.raises(ConfigError, match=r"providers.reviewer.agent: missing"):
        load_config(path, env={})
    path.write_text(_toml({**sim.blaxel_agent_table(), "body_template": '{ inputs = "hello" }'}))
    with pytest.raises(ConfigError, match=r'body_template: has no "\$input"'):
        load_config(path, env={})
    path.write_text(_toml(sim.blaxel_agent_table()))
    dev = load_config(path, env={"BL_ENV": "dev"}).providers["reviewer"]
    assert dev.model == "code-reviewer" and dev.extra["agent"] == "code-reviewer"
    assert dev.timeouts.first_byte == 300.0  # an agent may work a while before its first byte
    assert dev.api_url == sim.base_urls()["blaxel_api"]  # the file wins over BL_ENV
    path.write_text('[providers.reviewer]\nkind = "blaxel-agent"\nagent = "a"\n')
    dev = load_config(path, env={"BL_ENV": "dev"}).providers["reviewer"]
    assert (dev.base_url, dev.api_url) == ("https://run.blaxel.dev", "https://api.blaxel.dev/v0")


def test_prompt_text_labels_earlier_turns() -> None:
    request = ChatRequest([Message("system", "S"), Message("user", "q1"), Message("assistant", "a1"),
                           Message("user", "q2")])
    assert prompt_text(request) == "S\n\nUser: q1\n\nAssistant: a1\n\nq2"


def test_unwrap_reads_the_usual_answer_shapes() -> None:
    assert unwrap({"output": "hi"}) == "hi"
    assert unwrap({"result": {"content": "hi"}}) == "hi"
    assert unwrap({"choices": [{"message": {"role": "assistant", "content": "hi"}}]}) == "hi"
    assert unwrap({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "hi"}]}) == "hi"
    assert unwrap("hi") == "hi"
    assert unwrap({"unknown": 1}) is None


def test_settings_are_not_mutated_by_the_provider(sim: Simulator) -> None:
    settings = base.ProviderSettings(name="a", kind="blaxel-agent", base_url="http://x", model="m",
                                     extra={"agent": "code-reviewer"})
    provider = BlaxelAgentProvider(dataclasses.replace(settings))
    assert provider.agent == "code-reviewer" and provider.body_template == {"inputs": "$input"}


async def test_demo_keeps_an_agent_an_agent(sim: Simulator) -> None:
    from qwen_tui.demo import demo_settings

    settings = base.ProviderSettings(name="rev", kind="blaxel-agent", base_url="https://run.blaxel.ai",
                                     model="my-agent", workspace="mine", extra={"agent": "my-agent",
                                                                                "agent_url": "https://x"})
    demo = demo_settings(settings, sim)
    assert demo.kind == "blaxel-agent" and demo.extra == {"agent": "code-reviewer"}
    provider = build_provider(demo)
    try:
        text = "".join(e.text for e in await _events(provider) if isinstance(e, TextDelta))
    finally:
        await provider.aclose()
    assert text == DEFAULT_REPLY and sim.last_chat("blaxel").path.endswith("/agents/code-reviewer")


async def test_a_picked_agent_is_the_one_called(make_agent, sim: Simulator) -> None:
    provider = make_agent()
    request = ChatRequest(QUESTION.messages, model="doc-writer")
    finished = (await _events(provider, request))[-1]
    assert sim.last_chat("blaxel").path.endswith("/agents/doc-writer") and finished.timing.model == "doc-writer"
