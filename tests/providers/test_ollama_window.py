"""Ollama's real window: learnt from /api/show, sent as num_ctx large enough for the request,
and a request that would not fit held before it is sent (Ollama would cut its start silently)."""

from __future__ import annotations

import pytest

from qwen_tui.providers.base import ChatRequest, ContextTooLong, Message, TextDelta
from qwen_tui.providers.ollama_window import WindowPlan, model_context_length, prompt_tokens
from qwen_tui.sim import Simulator

CHARS_PER_TOKEN = 3.6  # the estimator's, for ASCII text


def prompt_of(tokens: int) -> ChatRequest:
    text = "x" * int(tokens * CHARS_PER_TOKEN)
    return ChatRequest([Message("user", text)], model="llama3:8b")


def chat_bodies(sim: Simulator) -> list[dict]:
    return [r.body for r in sim.requests if r.path.endswith("/api/chat")]


async def answer(provider, request: ChatRequest) -> str:
    return "".join([e.text async for e in provider.stream(request) if isinstance(e, TextDelta)])


@pytest.fixture
def clean_sim(sim: Simulator) -> Simulator:
    sim.reset()  # nothing loaded: /api/ps lists no model
    sim.set_knobs(ttft_ms=5.0, tps=0)
    return sim


async def test_a_prompt_too_long_for_the_window_is_held_before_it_is_sent(make_provider, clean_sim: Simulator):
    provider = make_provider("ollama")
    request = prompt_of(10_000)
    assert 9_900 <= prompt_tokens(request.messages) <= 10_100
    with pytest.raises(ContextTooLong) as info:
        await answer(provider, request)
    message = info.value.message
    assert "not sent" in message and "llama3:8b runs with a window of 8,192" in message
    assert "remove files from the context" in message
    assert chat_bodies(clean_sim) == []  # nothing went out


async def test_a_prompt_that_fits_goes_out_with_num_ctx_at_least_its_size(make_provider, clean_sim: Simulator):
    provider = make_provider("ollama")
    assert await answer(provider, prompt_of(6_000))
    body = chat_bodies(clean_sim)[-1]
    assert 6_000 <= body["options"]["num_ctx"] <= 8192
    assert body["options"]["num_ctx"] == 8192


async def test_num_ctx_grows_with_the_prompt_and_never_shrinks(make_provider, clean_sim: Simulator):
    provider = make_provider("ollama")
    small = ChatRequest([Message("user", "hi")])  # qwen2.5-coder:7b, 32,768 tokens
    assert await answer(provider, small)
    assert chat_bodies(clean_sim)[-1]["options"]["num_ctx"] == 4096
    assert await answer(provider, ChatRequest([Message("user", "y" * int(10_000 * CHARS_PER_TOKEN))]))
    assert chat_bodies(clean_sim)[-1]["options"]["num_ctx"] == 16384
    assert await answer(provider, small)  # a different num_ctx would reload the model
    assert chat_bodies(clean_sim)[-1]["options"]["num_ctx"] == 16384


async def test_the_budget_is_the_window_requests_run_with(make_provider, clean_sim: Simulator):
    provider = make_provider("ollama")
    assert await provider.context_window_for("llama3:8b") == 8192
    assert await provider.context_window_for("qwen2.5-coder:7b") == 32768
    assert await provider.context_window_for("llama3.2:3b") == 32768  # 131,072 capped by max_context_window
    capped = make_provider("ollama", extra={"max_context_window": 65536})
    assert await capped.context_window_for("llama3.2:3b") == 65536
    configured = make_provider("ollama", context_window=12000)
    assert await configured.context_window_for("llama3.2:3b") == 12000


async def test_a_configured_context_window_is_sent_as_it_is(make_provider, clean_sim: Simulator):
    provider = make_provider("ollama", context_window=12000)
    assert await answer(provider, ChatRequest([Message("user", "hi")]))
    assert chat_bodies(clean_sim)[-1]["options"]["num_ctx"] == 12000
    assert not [r for r in clean_sim.requests if r.path.endswith("/api/show")]  # no lookup needed


async def test_a_loaded_model_s_context_is_kept_so_it_does_not_reload(make_provider, clean_sim: Simulator):
    first = make_provider("ollama")
    assert await answer(first, ChatRequest([Message("user", "z" * int(10_000 * CHARS_PER_TOKEN))]))
    assert chat_bodies(clean_sim)[-1]["options"]["num_ctx"] == 16384
    second = make_provider("ollama")  # a new process: learns the loaded context from /api/ps
    assert await answer(second, ChatRequest([Message("user", "hi")]))
    assert chat_bodies(clean_sim)[-1]["options"]["num_ctx"] == 16384


async def test_the_held_message_says_the_cap_can_be_raised(make_provider, clean_sim: Simulator):
    provider = make_provider("ollama", extra={"max_context_window": 8192})
    request = ChatRequest([Message("user", "q" * int(9_000 * CHARS_PER_TOKEN))], model="llama3.2:3b")
    with pytest.raises(ContextTooLong) as info:
        await answer(provider, request)
    assert "raise max_context_window in the config (now 8,192; the model allows 131,072)" in info.value.message


async def test_an_unknown_length_uses_the_cap_and_is_asked_again_later(make_provider, clean_sim: Simulator,
                                                                         monkeypatch):
    from qwen_tui.providers import ollama

    provider = make_provider("ollama")
    plan = await provider.window_plan("missing-model:1b")  # /api/show answers 404
    assert plan.model_max is None and plan.usable == 32768
    shows = lambda: len([r for r in clean_sim.requests if r.path.endswith("/api/show")])  # noqa: E731
    assert shows() == 1
    await provider.window_plan("missing-model:1b")
    assert shows() == 1  # not asked at every request
    monkeypatch.setattr(ollama, "RELOOK_S", 0.0)
    await provider.window_plan("missing-model:1b")
    assert shows() == 2  # the model may have been pulled since


def test_the_length_is_read_from_model_info():
    info = {"general.architecture": "qwen2", "qwen2.context_length": 32768}
    assert model_context_length({"model_info": info}) == 32768
    assert model_context_length({"model_info": {"gemma3.context_length": 131072}}) == 131072
    assert model_context_length({"model_info": {"general.architecture": "x"}}) is None
    assert model_context_length("not json") is None


def test_a_plan_rounds_up_to_a_power_of_two_within_the_window():
    plan = WindowPlan(model_max=8192)
    assert plan.num_ctx(100, None) == 4096
    assert plan.num_ctx(3000, 2000) == 8192
    assert plan.num_ctx(7000, None) == 8192  # capped at the window: the answer gets what is left


def test_max_context_window_in_the_config_reaches_the_settings(tmp_path):
    from qwen_tui.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text('[providers.ollama]\nmodel = "m"\nmax_context_window = 65536\n')
    assert load_config(path, env={}).providers["ollama"].extra == {"max_context_window": 65536}
    path.write_text('[providers.ollama]\nmodel = "m"\nmax_context_window = 0\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "providers.ollama.max_context_window: must be more than 0 tokens" in str(info.value)
