"""The providers' official client libraries talk to the simulator as to the real services."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import ollama
import openai
import pytest
from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError

from qwen_tui.sim import DEFAULT_KEYS, DEFAULT_REPLY, Fault, Simulator

from .conftest import MESSAGES


@dataclass(frozen=True)
class Target:
    provider: str
    model: str

    def client_kwargs(self, sim: Simulator) -> dict[str, object]:
        urls = sim.base_urls()
        if self.provider == "blaxel":  # the Blaxel SDK calls {metadata.url}/v1 with its headers
            return {
                "base_url": f"{sim.blaxel_model_url('sim-model')}/v1",
                "api_key": "unused",
                "default_headers": {
                    "X-Blaxel-Authorization": f"Bearer {DEFAULT_KEYS['blaxel']}",
                    "X-Blaxel-Workspace": sim.workspace,
                },
            }
        if self.provider == "ollama":
            return {"base_url": f"{urls['ollama']}/v1", "api_key": "ollama"}
        return {"base_url": urls[self.provider], "api_key": DEFAULT_KEYS[self.provider]}


TARGETS = [
    Target("huggingface", "Qwen/Qwen2.5-Coder-32B-Instruct:fastest"),
    Target("sambanova", "Meta-Llama-3.3-70B-Instruct"),
    Target("openai", "sim-openai-model"),
    Target("ollama", "qwen2.5-coder:7b"),
    Target("blaxel", "qwen2.5-coder-32b-instruct"),
]
IDS = [t.provider for t in TARGETS]


def _client(sim: Simulator, target: Target) -> openai.OpenAI:
    return openai.OpenAI(max_retries=0, timeout=10.0, **target.client_kwargs(sim))


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_openai_sdk_streams_the_exact_reply_and_reads_usage(sim: Simulator, target: Target) -> None:
    with _client(sim, target) as client:
        stream = client.chat.completions.create(
            model=target.model,
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == DEFAULT_REPLY
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[0].choices[0].delta.content == ""
    finish = [c.choices[0].finish_reason for c in chunks if c.choices]
    finish = [reason for reason in finish if reason]
    assert finish == ["stop"]
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == []
    assert usage_chunk.usage is not None
    assert usage_chunk.usage.completion_tokens == len(chunks) - 3  # minus role, finish, usage
    assert usage_chunk.usage.total_tokens == (
        usage_chunk.usage.prompt_tokens + usage_chunk.usage.completion_tokens
    )
    recorded = sim.last_chat(target.provider)
    assert recorded is not None
    assert recorded.body["messages"] == MESSAGES
    assert recorded.body["model"] == target.model


def test_sambanova_usage_carries_its_timing_fields(sim: Simulator) -> None:
    sim.set_knobs("sambanova", ttft_ms=30, tps=2000)
    with _client(sim, TARGETS[1]) as client:
        chunks = list(
            client.chat.completions.create(
                model="DeepSeek-V3.1",
                messages=MESSAGES,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    usage = chunks[-1].usage.model_dump()
    for name in (
        "time_to_first_token",
        "total_latency",
        "completion_tokens_per_sec",
        "completion_tokens_after_first_per_sec",
        "total_tokens_per_sec",
        "start_time",
        "end_time",
    ):
        assert isinstance(usage[name], float), name
    assert usage["is_last_response"] is True
    assert usage["stop_reason"] == "stop"
    assert 0.029 <= usage["time_to_first_token"] < 0.1
    assert usage["end_time"] > usage["start_time"]
    assert 1500 < usage["completion_tokens_after_first_per_sec"] < 2500


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_openai_sdk_non_streaming(sim: Simulator, target: Target) -> None:
    with _client(sim, target) as client:
        completion = client.chat.completions.create(model=target.model, messages=MESSAGES)
    assert completion.choices[0].message.content == DEFAULT_REPLY
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens > 0


# Blaxel lists models on its control plane, not the run plane (see test_blaxel.py)
@pytest.mark.parametrize("target", TARGETS[:4], ids=IDS[:4])
def test_openai_sdk_lists_models(sim: Simulator, target: Target) -> None:
    with _client(sim, target) as client:
        ids = [m.id for m in client.models.list()]
    assert target.model.split(":fastest")[0] in ids


@pytest.mark.parametrize(
    "target", [t for t in TARGETS if t.provider != "ollama"], ids=lambda t: t.provider
)
def test_wrong_key_is_an_authentication_error(sim: Simulator, target: Target) -> None:
    kwargs = target.client_kwargs(sim)
    if target.provider == "blaxel":
        kwargs["default_headers"] = {
            "X-Blaxel-Authorization": "Bearer wrong",
            "X-Blaxel-Workspace": sim.workspace,
        }
    else:
        kwargs["api_key"] = "wrong-key"
    with openai.OpenAI(max_retries=0, **kwargs) as client:
        with pytest.raises(openai.AuthenticationError) as caught:
            client.chat.completions.create(model=target.model, messages=MESSAGES)
    assert caught.value.status_code == 401
    assert "wrong" not in str(caught.value.body)  # the key is never echoed


def test_auth_error_bodies_are_each_providers_own(sim: Simulator) -> None:
    urls = sim.base_urls()
    body = {"model": "x", "messages": MESSAGES}
    hf = httpx.post(f"{urls['huggingface']}/chat/completions", json=body)
    assert hf.status_code == 401
    assert hf.json() == {"error": "Invalid credentials in Authorization header"}
    sn = httpx.post(f"{urls['sambanova']}/chat/completions", json=body).json()
    assert sn["error"]["type"] == "invalid_request_error"
    assert sn["error"]["code"] == "invalid_authentication"
    assert sn["error"]["param"] is None and sn["request_id"]
    bl = httpx.post(f"{sim.blaxel_model_url()}/v1/chat/completions", json=body)
    assert bl.status_code == 401
    assert bl.json()["error"]["code"] == "AUTHENTICATION_FAILED"
    assert bl.json()["error"]["status"] == 401 and bl.json()["error"]["retryable"] is False
    # Ollama needs no key, and accepts any it is given
    ol = httpx.post(
        f"{urls['ollama']}/api/chat",
        json={"model": "llama3.2:3b", "messages": MESSAGES, "stream": False},
        headers={"Authorization": "Bearer anything"},
    )
    assert ol.status_code == 200 and ol.json()["message"]["content"] == DEFAULT_REPLY


def test_unknown_models_fail_in_each_providers_shape(sim: Simulator) -> None:
    with _client(sim, TARGETS[0]) as client, pytest.raises(openai.BadRequestError) as hf:
        client.chat.completions.create(model="nobody/nothing", messages=MESSAGES)
    assert hf.value.body == (
        "The requested model 'nobody/nothing' is not supported by any provider you have enabled."
    )
    with _client(sim, TARGETS[1]) as client, pytest.raises(openai.NotFoundError) as sn:
        client.chat.completions.create(model="Nope-1B", messages=MESSAGES)
    assert sn.value.code == "model_not_found"
    with _client(sim, TARGETS[2]) as client, pytest.raises(openai.NotFoundError) as oa:
        client.chat.completions.create(model="gpt-nope", messages=MESSAGES)
    assert oa.value.code == "model_not_found"
    with _client(sim, TARGETS[3]) as client, pytest.raises(openai.NotFoundError) as ol:
        client.chat.completions.create(model="nope:1b", messages=MESSAGES)
    assert "model 'nope:1b' not found" in str(ol.value)
    kwargs = TARGETS[4].client_kwargs(sim)
    kwargs["base_url"] = f"{sim.blaxel_model_url('no-such-model')}/v1"
    with (
        openai.OpenAI(max_retries=0, **kwargs) as client,
        pytest.raises(openai.NotFoundError) as bl,
    ):
        client.chat.completions.create(model="x", messages=MESSAGES)
    assert bl.value.code == "WORKLOAD_NOT_FOUND"


def test_rate_limit_is_a_rate_limit_error_with_retry_after(sim: Simulator) -> None:
    sim.push_fault(Fault("status", status=429, retry_after=7), provider="sambanova")
    with _client(sim, TARGETS[1]) as client, pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=TARGETS[1].model, messages=MESSAGES, stream=True)
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.code == "rate_limit_exceeded"
    # the fault was consumed: the next request succeeds
    with _client(sim, TARGETS[1]) as client:
        assert client.chat.completions.create(model=TARGETS[1].model, messages=MESSAGES)


def test_blaxel_sandbox_model_is_forbidden(sim: Simulator) -> None:
    kwargs = TARGETS[4].client_kwargs(sim)
    kwargs["base_url"] = f"{sim.blaxel_model_url('sandbox-model')}/v1"
    with openai.OpenAI(max_retries=0, **kwargs) as client:
        with pytest.raises(openai.PermissionDeniedError) as caught:
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert caught.value.status_code == 403
    assert caught.value.body["message"] == "Endpoint not allowed on sandbox model"
    assert caught.value.code == "FORBIDDEN"


@pytest.mark.parametrize("provider", ["huggingface", "sambanova", "openai"])
def test_in_stream_error_event_raises_api_error(sim: Simulator, provider: str) -> None:
    target = next(t for t in TARGETS if t.provider == provider)
    sim.push_fault(Fault("error_event", after_tokens=2, message="boom"), provider=provider)
    received: list[str] = []
    with _client(sim, target) as client, pytest.raises(openai.APIError) as caught:
        for chunk in client.chat.completions.create(
            model=target.model,
            messages=MESSAGES,
            stream=True,
        ):
            if chunk.choices:
                received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == DEFAULT_REPLY[:8]
    if provider != "huggingface":  # TGI's error is a plain string: the SDK uses a generic message
        assert "boom" in str(caught.value)


async def test_async_openai_client_streams(sim: Simulator) -> None:
    target = TARGETS[0]
    async with openai.AsyncOpenAI(max_retries=0, **target.client_kwargs(sim)) as client:
        stream = await client.chat.completions.create(
            model=target.model,
            messages=MESSAGES,
            stream=True,
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == DEFAULT_REPLY


# ------------------------------------------------------------------ ollama-python


def test_ollama_client_streams_lists_and_shows(sim: Simulator) -> None:
    client = ollama.Client(host=sim.base_urls()["ollama"])
    parts = list(client.chat(model="qwen2.5-coder:7b", messages=MESSAGES, stream=True))
    assert "".join(p.message.content or "" for p in parts) == DEFAULT_REPLY
    final = parts[-1]
    assert final.done is True and final.done_reason == "stop"
    assert final.eval_count == len(parts) - 1
    assert final.total_duration and final.total_duration > 0
    names = [m.model for m in client.list().models]
    assert names == ["qwen2.5-coder:7b", "llama3.2:3b", "llama3:8b"]
    shown = client.show("qwen2.5-coder:7b")
    assert shown.modelinfo is not None and shown.modelinfo["qwen2.context_length"] == 32768
    assert [m.model for m in client.ps().models] == ["qwen2.5-coder:7b"]
    assert sim.last_chat("ollama").body["messages"] == MESSAGES


async def test_ollama_async_client_and_errors(sim: Simulator) -> None:
    client = ollama.AsyncClient(host=sim.base_urls()["ollama"])
    text = ""
    async for part in await client.chat(model="llama3.2:3b", messages=MESSAGES, stream=True):
        text += part.message.content or ""
    assert text == DEFAULT_REPLY
    with pytest.raises(ollama.ResponseError) as missing:
        await client.chat(model="ghost:1b", messages=MESSAGES)
    assert missing.value.status_code == 404
    assert missing.value.error == "model 'ghost:1b' not found"
    sim.push_fault(Fault("error_event", after_tokens=3, message="CUDA out of memory"), "ollama")
    with pytest.raises(ollama.ResponseError) as mid:
        async for _ in await client.chat(model="llama3.2:3b", messages=MESSAGES, stream=True):
            pass
    assert mid.value.error == "CUDA out of memory"
    sim.push_fault(Fault("status", status=503), "ollama")
    with pytest.raises(ollama.ResponseError) as busy:
        await client.chat(model="llama3.2:3b", messages=MESSAGES)
    assert busy.value.status_code == 503
    assert "server busy" in busy.value.error


# ------------------------------------------------------------------ huggingface_hub


def test_huggingface_hub_inference_client_streams(sim: Simulator) -> None:
    client = InferenceClient(
        base_url=sim.base_urls()["huggingface"], api_key=DEFAULT_KEYS["huggingface"]
    )
    stream = client.chat_completion(
        messages=MESSAGES,
        model="Qwen/Qwen2.5-Coder-32B-Instruct",
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == DEFAULT_REPLY
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    recorded = sim.last_chat("huggingface")
    assert recorded is not None and recorded.path == "/hf/v1/chat/completions"
    assert recorded.headers["authorization"] == f"Bearer {DEFAULT_KEYS['huggingface']}"


def test_huggingface_hub_surfaces_http_errors(sim: Simulator) -> None:
    client = InferenceClient(base_url=sim.base_urls()["huggingface"], api_key="hf_wrong")
    with pytest.raises(HfHubHTTPError) as caught:
        client.chat_completion(messages=MESSAGES, model="Qwen/Qwen2.5-Coder-32B-Instruct")
    assert caught.value.response.status_code == 401
    sim.push_fault(Fault("loading", seconds=12), provider="huggingface")
    good = InferenceClient(
        base_url=sim.base_urls()["huggingface"], api_key=DEFAULT_KEYS["huggingface"]
    )
    with pytest.raises(HfHubHTTPError) as loading:
        good.chat_completion(messages=MESSAGES, model="Qwen/Qwen2.5-Coder-32B-Instruct")
    assert loading.value.response.status_code == 503
    assert loading.value.response.json() == {
        "error": "Model Qwen/Qwen2.5-Coder-32B-Instruct is currently loading",
        "estimated_time": 12.0,
    }


# ------------------------------------------------------------------ reasoning ("thinking")

THOUGHT = "Think first: ä, 漢字, then answer."
SHAPED = [(t, shape) for t in TARGETS for shape in ("reasoning_content", "reasoning", "think_tags")]


@pytest.mark.parametrize(("target", "shape"), SHAPED, ids=[f"{t.provider}-{s}" for t, s in SHAPED])
def test_openai_sdk_reads_each_reasoning_shape(sim: Simulator, target: Target, shape: str) -> None:
    """The field names are the SDK's own reading (extra fields of a delta), not ours."""
    sim.set_knobs(provider=target.provider, reasoning=THOUGHT, reasoning_shape=shape, chunk_chars=3)
    with _client(sim, target) as client:
        chunks = list(client.chat.completions.create(model=target.model, messages=MESSAGES, stream=True,
                                                     stream_options={"include_usage": True}))
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    content = "".join(d.content or "" for d in deltas)
    if shape == "think_tags":
        assert content == f"<think>{THOUGHT}</think>\n\n{DEFAULT_REPLY}"
    else:
        assert content == DEFAULT_REPLY
        assert "".join((d.model_extra or {}).get(shape) or "" for d in deltas) == THOUGHT
    usage = chunks[-1].usage
    assert usage is not None
    assert usage.completion_tokens == len(deltas) - 2  # every generated token, reasoning too
    if target.provider == "sambanova" and shape != "think_tags":
        assert usage.completion_tokens_details.reasoning_tokens == -(-len(THOUGHT) // 3)


def test_ollama_client_reads_thinking_and_think_off(sim: Simulator) -> None:
    sim.set_knobs(provider="ollama", reasoning=THOUGHT, chunk_chars=3)
    client = ollama.Client(host=sim.base_urls()["ollama"])
    parts = list(client.chat(model="qwen2.5-coder:7b", messages=MESSAGES, stream=True))
    assert "".join(p.message.thinking or "" for p in parts) == THOUGHT
    assert "".join(p.message.content or "" for p in parts) == DEFAULT_REPLY
    assert parts[-1].eval_count == len(parts) - 1  # thinking counted in eval_count
    whole = client.chat(model="qwen2.5-coder:7b", messages=MESSAGES, think=True)
    assert whole.message.thinking == THOUGHT and whole.message.content == DEFAULT_REPLY
    off = client.chat(model="qwen2.5-coder:7b", messages=MESSAGES, think=False)
    assert not off.message.thinking and off.message.content == DEFAULT_REPLY
    assert sim.last_chat("ollama").body["think"] is False
