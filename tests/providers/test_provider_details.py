"""Hugging Face and SambaNova details: the context window of a suffixed model id, SambaNova's
unknown-model (400) and retired-model (410) answers, rate-limit headers on a 429, nested usage."""

from __future__ import annotations

import pytest

from qwen_tui.providers.base import (
    ChatRequest, Message, ModelInfo, NotFound, RateLimited, Usage, model_window, window_in_listing,
)
from qwen_tui.sim import Fault, Simulator
from qwen_tui.timing import RequestTiming

QUESTION = ChatRequest([Message("user", "hi")])


async def failure(provider, request: ChatRequest = QUESTION) -> Exception:
    with pytest.raises(Exception) as info:
        async for _ in provider.stream(request):
            pass
    return info.value


# -- Hugging Face: context window --------------------------------------------------------------

@pytest.mark.parametrize("model", [
    "Qwen/Qwen2.5-Coder-32B-Instruct",
    "Qwen/Qwen2.5-Coder-32B-Instruct:sambanova",
    "Qwen/Qwen2.5-Coder-32B-Instruct:fastest",
])
async def test_hf_window_is_found_with_or_without_a_routing_suffix(make_provider, model):
    provider = make_provider("huggingface")
    assert await provider.context_window_for(model) == 32768


async def test_hf_window_of_a_longer_model_is_not_the_default(make_provider):
    provider = make_provider("huggingface")
    assert await provider.context_window_for("meta-llama/Llama-3.3-70B-Instruct:novita") == 131072
    assert await provider.context_window_for("nobody/unknown-model:sambanova") is None


def test_hf_window_of_a_pinned_provider_is_that_provider_s(make_provider):
    provider = make_provider("huggingface")
    listing = [ModelInfo("org/m", context_window=131072, details={"providers": [
        {"provider": "sambanova", "context_length": 16384},
        {"provider": "novita", "context_length": 131072},
    ]})]
    assert provider.window_of("org/m:sambanova", listing) == 16384
    assert provider.window_of("org/m:SambaNova", listing) == 16384
    assert provider.window_of("org/m:cheapest", listing) == 131072  # a policy: the listed window
    assert provider.window_of("org/m", listing) == 131072
    assert window_in_listing(provider, "org/m:novita", listing) == 131072


async def test_model_window_asks_each_provider_its_own_way(make_provider, sim):
    assert await model_window(make_provider("huggingface"), "Qwen/Qwen2.5-Coder-32B-Instruct:novita") == 32768
    assert await model_window(make_provider("ollama"), "llama3:8b") == 8192  # from /api/show
    assert await model_window(make_provider("sambanova"), "DeepSeek-V3.1") == 32768

    class Plugin:
        name = "plugin"

        async def list_models(self):
            return [ModelInfo("m", context_window=4096)]

    assert await model_window(Plugin(), "m") == 4096  # type: ignore[arg-type]


def test_a_plugin_without_window_of_matches_ids_exactly():
    class Plugin:
        pass

    listing = [ModelInfo("m", context_window=8192)]
    assert window_in_listing(Plugin(), "m", listing) == 8192  # type: ignore[arg-type]
    assert window_in_listing(Plugin(), "m:x", listing) is None  # type: ignore[arg-type]


# -- SambaNova: unknown and retired models -------------------------------------------------------

async def test_sambanova_400_model_not_found_says_so(make_provider, sim: Simulator):
    sim.push_fault(Fault(kind="status", status=400, code="model_not_found",
                               message="Model 'Meta-Llama-3.3-70B-Instruct' not found"), provider="sambanova")
    error = await failure(make_provider("sambanova"))
    assert isinstance(error, NotFound) and error.status == 400
    assert "SambaNova does not serve the model Meta-Llama-3.3-70B-Instruct" in error.message
    assert "qwen-tui models sambanova" in error.message and "case-sensitive" in error.message
    assert "available: " in error.message  # the names it does serve, from its listing
    assert "Traceback" not in error.message


async def test_sambanova_400_of_another_kind_is_not_a_missing_model(make_provider, sim: Simulator):
    sim.push_fault(Fault(kind="status", status=400, message="max_tokens is too large"), provider="sambanova")
    error = await failure(make_provider("sambanova"))
    assert not isinstance(error, NotFound)
    assert "max_tokens is too large" in error.message


@pytest.mark.parametrize("kind", ["sambanova", "huggingface"])
async def test_410_says_the_model_is_retired(make_provider, sim: Simulator, kind):
    sim.push_fault(Fault(kind="status", status=410, message="This model has been deprecated."), provider=kind)
    provider = make_provider(kind)
    error = await failure(provider)
    assert isinstance(error, NotFound) and error.status == 410
    assert f"the model {provider.settings.model} is no longer served" in error.message
    assert f"qwen-tui models {kind}" in error.message


# -- rate limits -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["sambanova", "huggingface"])
async def test_a_429_shows_its_rate_limit_headers(make_provider, sim: Simulator, kind):
    sim.push_fault(Fault(kind="status", status=429, retry_after=7, headers={
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "42",
    }), provider=kind)
    error = await failure(make_provider(kind))
    assert isinstance(error, RateLimited)
    assert error.limits == {"limit-requests": "60", "remaining-requests": "0", "reset-requests": "42"}
    assert "limits: limit-requests 60, remaining-requests 0, reset-requests 42" in error.message
    assert "try again in 7 s" in error.message


async def test_a_429_without_rate_limit_headers_says_nothing_of_them(make_provider, sim: Simulator):
    sim.push_fault(Fault(kind="status", status=429, retry_after=3), provider="sambanova")
    error = await failure(make_provider("sambanova"))
    assert isinstance(error, RateLimited) and error.limits == {}
    assert "limits" not in error.message


# -- nested usage --------------------------------------------------------------------------------

async def test_sambanova_nested_usage_is_kept(make_provider, sim: Simulator):
    usages = [e async for e in make_provider("sambanova").stream(QUESTION) if isinstance(e, Usage)]
    assert usages, "no usage event"
    usage = usages[-1]
    assert usage.reasoning_tokens == 0
    assert usage.server_timing["completion_tokens_details"] == {"reasoning_tokens": 0}
    assert "time_to_first_token" in usage.server_timing


def test_reasoning_tokens_are_read_from_the_nested_usage(make_provider):
    provider = make_provider("sambanova")
    timing = RequestTiming("sambanova", "m")
    usage = provider._usage({  # the shape of sambanova-python's CompletionUsage
        "prompt_tokens": 12, "completion_tokens": 140, "total_tokens": 152,
        "completion_tokens_details": {"reasoning_tokens": 100, "accepted_prediction_tokens": None},
        "prompt_tokens_details": {"cached_tokens": 8},
    }, timing)
    assert usage.reasoning_tokens == 100 and usage.completion_tokens == 140
    assert usage.server_timing["prompt_tokens_details"] == {"cached_tokens": 8}
    assert timing.server["reasoning_tokens"] == 100


@pytest.mark.parametrize(("kind", "model", "window"), [
    ("huggingface", "meta-llama/Llama-3.3-70B-Instruct:sambanova", 131072),  # was the 32k default
    ("ollama", "llama3:8b", 8192),  # was the 32k default: Ollama would have cut the prompt
])
async def test_the_budget_uses_the_window_the_provider_really_has(make_provider, sim, kind, model, window):
    from qwen_tui.context.builder import DEFAULT_CONTEXT_WINDOW
    from qwen_tui.context.windows import ContextWindows

    provider = make_provider(kind)
    windows = ContextWindows()
    assert windows.of(provider, model) == DEFAULT_CONTEXT_WINDOW != window
    assert await windows.learn(provider, model)
    assert windows.of(provider, model) == window
