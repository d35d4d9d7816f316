"""Each provider against the simulator over real loopback sockets: text byte for byte, headers
exactly as providers.md says, TTFT as configured, every fault as its documented error."""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing

import pytest

from qwen_tui.providers import base
from qwen_tui.providers.base import ChatRequest, Finished, Message, Phase, ProviderError, TextDelta, Timeouts, Usage
from qwen_tui.sim import DEFAULT_KEYS, DEFAULT_WORKSPACE, Fault

from .conftest import PROVIDERS

QUESTION = [Message("user", "hello")]
TRICKY = "Plain ascii, then ä ö ü, CJK 漢字かな, emoji 🚀👩‍💻, and a fence:\n```python\nprint('ok')\n```\n"


async def collect(provider, request=None):
    text, events = [], []
    async with aclosing(provider.stream(request or ChatRequest(QUESTION))) as stream:
        async for event in stream:
            events.append(event)
            if isinstance(event, TextDelta):
                text.append(event.text)
    return "".join(text), events


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_text_equals_the_reply_byte_for_byte(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply=TRICKY, chunk_chars=3)
    text, events = await collect(make_provider(kind))
    assert text == TRICKY
    assert isinstance(events[-1], Finished)
    assert events[-1].timing.outcome == "complete"
    assert events[-1].timing.tokens > 1


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_split_utf8_reads_decode_the_same(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply=TRICKY, chunk_chars=5)
    sim.push_fault(Fault(kind="split_utf8"), provider=kind)
    text, _ = await collect(make_provider(kind))
    assert text == TRICKY


async def test_auth_headers_per_provider(make_provider, sim) -> None:
    for kind in ("huggingface", "sambanova", "openai"):
        await collect(make_provider(kind))
        req = sim.last_chat(kind)
        assert req.headers["authorization"] == f"Bearer {DEFAULT_KEYS[kind]}"
        assert req.body["stream"] is True
        assert req.body["stream_options"] == {"include_usage": True}
        assert req.body["messages"] == [{"role": "user", "content": "hello"}]
    await collect(make_provider("blaxel"))
    req = sim.last_chat("blaxel")
    assert req.headers["x-blaxel-authorization"] == f"Bearer {DEFAULT_KEYS['blaxel']}"
    assert req.headers["x-blaxel-workspace"] == DEFAULT_WORKSPACE
    assert "authorization" not in req.headers
    assert req.path == f"/blaxel/run/{DEFAULT_WORKSPACE}/models/sim-model/v1/chat/completions"
    assert req.body["model"] == "qwen2.5-coder-32b-instruct"  # spec.runtime.model
    await collect(make_provider("ollama"))
    req = sim.last_chat("ollama")
    assert req.path == "/ollama/api/chat"
    assert "authorization" not in req.headers
    assert req.body["model"] == "qwen2.5-coder:7b" and req.body["stream"] is True


@pytest.mark.timing
@pytest.mark.parametrize("kind", PROVIDERS)
async def test_ttft_matches_the_simulator(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, ttft_ms=120.0, tps=400.0)
    provider = make_provider(kind)
    await provider.warm()
    _, events = await collect(provider)
    timing = events[-1].timing
    assert timing.ttft_ms is not None
    # Against what the simulator did (same clock, same process), not only its knob: on a loaded
    # machine the simulator's own timer runs late too, and that is not the client's error. The
    # request leaves before the server has it and the first token arrives after it went out, so
    # the client's TTFT is at least the server's, and above it by the client's delivery only.
    served = sim.last_chat(kind)
    server_ttft_ms = (served.first_token_at - served.received_at) * 1000
    assert server_ttft_ms >= 119.5, server_ttft_ms
    assert server_ttft_ms - 1.0 <= timing.ttft_ms <= server_ttft_ms + 10.0, (timing.ttft_ms, server_ttft_ms)
    assert timing.headers_ms is not None and timing.headers_ms < timing.ttft_ms
    assert timing.tokens_per_s is not None and 200 < timing.tokens_per_s < 600


async def test_connect_time_on_a_cold_connection_and_reuse_after(make_provider) -> None:
    provider = make_provider("sambanova")
    _, events = await collect(provider)
    first = events[-1].timing
    assert first.reused_connection is False and first.connect_ms is not None and first.connect_ms >= 0
    _, events = await collect(provider)
    second = events[-1].timing
    assert second.reused_connection is True and second.connect_ms == 0.0


async def test_sambanova_usage_timing_is_kept(make_provider) -> None:
    _, events = await collect(make_provider("sambanova"))
    usage = [e for e in events if isinstance(e, Usage)]
    assert usage and usage[-1].completion_tokens
    assert "time_to_first_token" in usage[-1].server_timing
    assert "time_to_first_token" in events[-1].timing.server


async def test_ollama_durations_and_loading_phase(make_provider, sim) -> None:
    sim.set_knobs(provider="ollama", load_ms=700.0)
    text, events = await collect(make_provider("ollama"))
    assert text
    phases = [e.name for e in events if isinstance(e, Phase)]
    assert "loading_model" in phases
    timing = events[-1].timing
    assert timing.server["load_ms"] >= 600
    assert timing.ttft_ms >= 700
    sim.set_knobs(provider="ollama", load_ms=0.0)


# ---- faults ------------------------------------------------------------------------------


async def fail(provider) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await collect(provider)
    err = info.value
    assert err.message.startswith(f"{provider.name}: ")
    assert " — " in err.message  # every message says what to do
    return err


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_drop_mid_stream_is_truncated_and_keeps_partial(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply="abcdefghijklmnopqrstuvwxyz", chunk_chars=2)
    sim.push_fault(Fault(kind="drop", after_tokens=4), provider=kind)
    err = await fail(make_provider(kind))
    assert isinstance(err, base.Truncated)
    assert err.partial_text == "abcdefgh"
    assert err.timing is not None and err.timing.outcome == "error"


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_in_stream_error_event(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply="abcdefghijkl", chunk_chars=2)
    sim.push_fault(Fault(kind="error_event", after_tokens=2, message="model overloaded"), provider=kind)
    err = await fail(make_provider(kind))
    assert isinstance(err, base.StreamErrorEvent)
    assert err.partial_text == "abcd"
    assert "overloaded" in err.message


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_garbage_line_is_bad_response(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply="abcdefghijkl", chunk_chars=2)
    sim.push_fault(Fault(kind="garbage", after_tokens=3), provider=kind)
    err = await fail(make_provider(kind))
    assert isinstance(err, base.BadResponse)
    assert err.partial_text == "abcdef"
    assert "cannot be decoded" in err.message


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_rate_limit_says_when(kind, make_provider, sim) -> None:
    sim.push_fault(Fault(kind="status", status=429, retry_after=17), provider=kind)
    err = await fail(make_provider(kind))
    assert isinstance(err, base.RateLimited)
    assert err.retry_after == 17
    assert "try again in 17 s" in err.message


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_server_error(kind, make_provider, sim) -> None:
    sim.push_fault(Fault(kind="status", status=500), provider=kind)
    err = await fail(make_provider(kind))
    assert isinstance(err, base.Unavailable) and err.status == 500


async def test_hf_model_loading_gives_the_estimate(make_provider, sim) -> None:
    sim.push_fault(Fault(kind="loading"), provider="huggingface")
    err = await fail(make_provider("huggingface"))
    assert isinstance(err, base.ModelLoading)
    assert "try again in about 20 s" in err.message


@pytest.mark.parametrize("kind", ["huggingface", "sambanova", "blaxel", "openai"])
async def test_wrong_key_is_auth_error_naming_the_env_var(kind, make_provider) -> None:
    provider = make_provider(kind, api_key="wrong-key-000000")
    err = await fail(provider)
    assert isinstance(err, base.AuthError) and err.status == 401
    assert "wrong-key-000000" not in err.message
    if provider.settings.api_key_env:
        assert provider.settings.api_key_env in err.message


@pytest.mark.parametrize("kind", ["huggingface", "sambanova", "blaxel"])
async def test_missing_key_names_the_env_var_before_sending(kind, make_provider, sim) -> None:
    provider = make_provider(kind, api_key=None)
    err = await fail(provider)
    assert isinstance(err, base.MissingKey)
    assert provider.settings.api_key_env in err.message
    assert sim.last_chat(kind) is None


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_unknown_model_lists_available_ones(kind, make_provider) -> None:
    provider = make_provider(kind, model="no-such-model")
    err = await fail(provider)
    assert isinstance(err, base.NotFound)
    if kind != "blaxel":
        assert "available" in err.message or "installed" in err.message


async def test_blaxel_sandbox_model(make_provider, sim) -> None:
    err = await fail(make_provider("blaxel", model="sandbox-model"))
    assert isinstance(err, base.SandboxModel)
    assert "Endpoint not allowed on sandbox model" in err.message
    assert "deploy a non-sandbox model" in err.message


async def test_blaxel_sandbox_403_from_the_run_plane(make_provider, sim) -> None:
    provider = make_provider("blaxel", model="sandbox-model")
    url = sim.base_urls()["blaxel"] + f"/{DEFAULT_WORKSPACE}/models/sandbox-model"
    provider._resolved["sandbox-model"] = (url, "sandbox-model", False)  # control plane not asked
    err = await fail(provider)
    assert isinstance(err, base.SandboxModel) and err.status == 403


async def test_blaxel_missing_workspace_is_an_error_before_any_request(make_provider, sim) -> None:
    err = await fail(make_provider("blaxel", workspace=None))
    assert isinstance(err, base.MissingKey) and "BL_WORKSPACE" in err.message
    assert sim.requests == []


async def test_blaxel_lists_models_agents_workspaces_across_pages(make_provider, monkeypatch) -> None:
    from qwen_tui.providers import blaxel

    monkeypatch.setattr(blaxel, "PAGE_LIMIT", 2)
    provider = make_provider("blaxel")
    models = await provider.list_models()
    names = {m.id for m in models}
    assert {"sim-model", "sandbox-model"} <= names and len(names) == len(models) >= 5
    assert next(m for m in models if m.id == "sandbox-model").sandbox
    assert await provider.list_agents()
    assert await provider.list_workspaces()


async def test_empty_stream(make_provider, sim) -> None:
    for kind in PROVIDERS:
        sim.push_fault(Fault(kind="empty"), provider=kind)
        err = await fail(make_provider(kind))
        assert isinstance(err, base.BadResponse) and "empty" in err.message


async def test_finish_without_done_marker_is_accepted(make_provider, sim) -> None:
    sim.set_knobs(provider="openai", reply="abcdef")
    sim.push_fault(Fault(kind="no_done"), provider="openai")
    text, events = await collect(make_provider("openai"))
    assert text == "abcdef" and isinstance(events[-1], Finished)


@pytest.mark.timing
async def test_first_byte_timeout(make_provider, sim) -> None:
    sim.push_fault(Fault(kind="hang"), provider="sambanova")
    provider = make_provider("sambanova", timeouts=Timeouts(connect=1, first_byte=0.3, between_chunks=1))
    start = time.perf_counter()
    err = await fail(provider)
    assert isinstance(err, base.ProviderTimeout) and "no response within 0.3 s" in err.message
    assert time.perf_counter() - start < 1.5


async def test_stall_mid_stream_times_out_and_keeps_partial(make_provider, sim) -> None:
    sim.set_knobs(provider="huggingface", reply="abcdefghij", chunk_chars=2)
    sim.push_fault(Fault(kind="stall", after_tokens=2, seconds=2.0), provider="huggingface")
    provider = make_provider("huggingface", timeouts=Timeouts(connect=1, first_byte=2, between_chunks=0.3))
    err = await fail(provider)
    assert isinstance(err, base.ProviderTimeout) and "stalled" in err.message
    assert err.partial_text == "abcd"


async def test_connection_refused(make_provider) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = await fail(make_provider("ollama", base_url=f"http://127.0.0.1:{port}"))
    assert isinstance(err, base.Unavailable)
    assert f"Ollama is not running at http://127.0.0.1:{port}" in err.message and "ollama serve" in err.message
    err = await fail(make_provider("sambanova", base_url=f"http://127.0.0.1:{port}/v1"))
    assert "connection refused" in err.message


@pytest.mark.timing
@pytest.mark.parametrize("kind", PROVIDERS)
async def test_cancel_returns_fast_and_keeps_partial(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply="x" * 4000, chunk_chars=4, tps=50.0, ttft_ms=5.0)
    provider = make_provider(kind)
    got: list[str] = []

    async def consume() -> None:
        async with aclosing(provider.stream(ChatRequest(QUESTION))) as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    got.append(event.text)

    task = asyncio.create_task(consume())
    while len(got) < 3:
        await asyncio.sleep(0.01)
    start = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - start < 0.1
    assert "".join(got).startswith("xxxxxxxxxxxx")


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_list_models_and_check(kind, make_provider) -> None:
    provider = make_provider(kind)
    models = await provider.list_models()
    assert provider.settings.model in {m.id for m in models}
    health = await provider.check()
    assert health.reachable and health.error is None


async def test_a_slow_consumer_is_not_a_stalled_stream(make_provider, sim) -> None:
    """The between-chunks timeout measures the server, not how long the app takes per event."""
    sim.set_knobs(provider="sambanova", reply="abcdefgh", chunk_chars=2, tps=0)
    provider = make_provider("sambanova", timeouts=Timeouts(connect=1, first_byte=2, between_chunks=0.2))
    text = []
    async with aclosing(provider.stream(ChatRequest(QUESTION))) as stream:
        async for event in stream:
            if isinstance(event, TextDelta):
                text.append(event.text)
                await asyncio.sleep(0.3)
    assert "".join(text) == "abcdefgh"


async def test_blaxel_workload_unavailable_is_retryable_not_unknown(make_provider, sim) -> None:
    sim.push_fault(Fault(kind="loading"), provider="blaxel")
    err = await fail(make_provider("blaxel"))
    assert isinstance(err, base.Unavailable) and err.status == 404
    assert "not available yet" in err.message and "try again" in err.message


@pytest.mark.timing
async def test_ollama_loading_phase_shows_while_the_model_loads(make_provider, sim) -> None:
    """The 'loading model' state must reach the app while nothing has come, not after the load."""
    sim.set_knobs(provider="ollama", load_ms=1500.0)
    seen: dict[str, float] = {}
    start = time.perf_counter()
    try:
        async with aclosing(make_provider("ollama").stream(ChatRequest(QUESTION))) as stream:
            async for event in stream:
                if isinstance(event, Phase):
                    seen.setdefault(event.name, time.perf_counter() - start)
                elif isinstance(event, TextDelta):
                    seen.setdefault("text", time.perf_counter() - start)
    finally:
        sim.set_knobs(provider="ollama", load_ms=0.0)
    assert seen["loading_model"] < 1.0 <= seen["text"]


@pytest.mark.timing
@pytest.mark.parametrize("kind", PROVIDERS)
async def test_on_sent_once_the_request_is_written(kind, make_provider, sim) -> None:
    """The TUI puts its screen work after the request has left: ``on_sent`` must come once,
    after the simulator has the request, before the first token."""
    sim.set_knobs(provider=kind, ttft_ms=80.0, reply="ok then")
    sent: list[float] = []
    first_token: list[float] = []
    request = ChatRequest(QUESTION, on_sent=lambda: sent.append(time.perf_counter()))
    async with aclosing(make_provider(kind).stream(request)) as stream:
        async for event in stream:
            if isinstance(event, TextDelta) and not first_token:
                first_token.append(time.perf_counter())
    assert len(sent) == 1
    arrived = [r for r in sim.requests if r.is_chat][-1].received_at
    assert arrived <= sent[0] + 0.005  # same clock: the simulator runs in this process
    assert sent[0] < first_token[0]
