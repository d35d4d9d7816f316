"""The official ``sambanova`` SDK talks to the simulator's SambaNova as to the real service: the
streamed reply, its usage with SambaNova's own timing fields, a plain completion, the model list,
and a rate limit raised as the SDK's own error."""

from __future__ import annotations

import pytest
import sambanova

from qwen_tui.sim import DEFAULT_KEYS, DEFAULT_REPLY, Fault, Simulator

from .conftest import MESSAGES

MODEL = "Meta-Llama-3.3-70B-Instruct"


def client(sim: Simulator) -> sambanova.SambaNova:
    return sambanova.SambaNova(api_key=DEFAULT_KEYS["sambanova"], base_url=sim.base_urls()["sambanova"],
                               max_retries=0, timeout=10.0)


def test_the_sdk_streams_the_exact_reply_and_sambanovas_usage(sim: Simulator) -> None:
    sim.set_knobs("sambanova", ttft_ms=30, tps=2000)
    with client(sim) as sdk:
        chunks = list(sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True,
                                                  stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    usage = chunks[-1].usage.model_dump()
    assert usage["completion_tokens"] > 0
    assert 0.029 <= usage["time_to_first_token"] < 0.1
    assert usage["end_time"] > usage["start_time"]
    recorded = sim.last_chat("sambanova")
    assert recorded.body["messages"] == MESSAGES and recorded.body["model"] == MODEL


def test_the_sdk_reads_a_plain_completion_and_the_model_list(sim: Simulator) -> None:
    with client(sim) as sdk:
        completion = sdk.chat.completions.create(model=MODEL, messages=MESSAGES)
        ids = [m.id for m in sdk.models.list().data]  # a ModelsResponse, not a pager
    assert completion.choices[0].message.content == DEFAULT_REPLY
    assert completion.choices[0].finish_reason == "stop"
    assert MODEL in ids


def test_a_rate_limit_is_the_sdks_own_error_with_its_header(sim: Simulator) -> None:
    sim.push_fault(Fault("status", status=429, retry_after=7), provider="sambanova")
    with client(sim) as sdk, pytest.raises(sambanova.RateLimitError) as raised:
        sdk.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert raised.value.status_code == 429
    assert raised.value.response.headers.get("retry-after") == "7"
