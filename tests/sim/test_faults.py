"""Each fault kind, seen at the byte level with plain httpx, in every protocol's own shape."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from qwen_tui.sim import DEFAULT_REPLY, Fault, Simulator

from .helpers import chat_request, stream_raw

SSE_STYLES = ["huggingface", "sambanova", "openai", "ollama_openai", "blaxel"]
ALL_STYLES = [*SSE_STYLES, "ollama"]


def _owner(style: str) -> str:
    return "ollama" if style == "ollama_openai" else style


def test_normal_stream_order_and_framing(sim: Simulator) -> None:
    raw = stream_raw(sim, "openai")
    frames = raw.data.decode().split("\n\n")
    assert frames[-1] == "" and frames[-2] == "data: [DONE]"
    chunks = raw.sse_json()
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-2]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert raw.content() == DEFAULT_REPLY
    assert raw.headers["content-type"].startswith("text/event-stream")
    # UTF-8 goes on the wire as is, not as \u escapes
    assert "🚀".encode() in raw.data


def test_no_usage_chunk_unless_asked(sim: Simulator) -> None:
    raw = stream_raw(sim, "huggingface", stream_options=None)
    assert all(c["choices"] for c in raw.sse_json())


def test_ollama_native_lines(sim: Simulator) -> None:
    raw = stream_raw(sim, "ollama")
    assert raw.headers["content-type"] == "application/x-ndjson"
    lines = raw.ndjson()
    assert all(line["done"] is False for line in lines[:-1])
    assert lines[0]["message"] == {"role": "assistant", "content": DEFAULT_REPLY[:4]}
    assert lines[0]["model"] == "qwen2.5-coder:7b" and lines[0]["created_at"].endswith("Z")
    final = lines[-1]
    assert final["done"] is True and final["done_reason"] == "stop"
    for name in ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration",
                 "eval_count", "eval_duration"):
        assert isinstance(final[name], int), name
    assert raw.content() == DEFAULT_REPLY


@pytest.mark.parametrize("style", ALL_STYLES)
def test_max_tokens_cuts_the_reply_with_reason_length(sim: Simulator, style: str) -> None:
    extra = {"options": {"num_predict": 5}} if style == "ollama" else {"max_tokens": 5}
    raw = stream_raw(sim, style, **extra)
    assert raw.content() == DEFAULT_REPLY[:20]
    if style == "ollama":
        assert raw.ndjson()[-1]["done_reason"] == "length"
    else:
        reasons = [c["choices"][0]["finish_reason"] for c in raw.sse_json() if c["choices"]]
        assert reasons[-1] == "length"


@pytest.mark.parametrize("style", ALL_STYLES)
def test_drop_closes_after_n_tokens_without_end_marker(sim: Simulator, style: str) -> None:
    sim.push_fault(Fault("drop", after_tokens=3), provider=_owner(style))
    raw = stream_raw(sim, style)
    assert raw.status == 200
    assert isinstance(raw.error, httpx.RemoteProtocolError)  # incomplete chunked body
    assert raw.content() == DEFAULT_REPLY[:12]
    assert b"[DONE]" not in raw.data and b'"done":true' not in raw.data
    assert b"finish_reason\":\"stop" not in raw.data


@pytest.mark.parametrize("style", ["openai", "ollama"])
def test_drop_on_non_streaming_request_sends_nothing(sim: Simulator, style: str) -> None:
    sim.push_fault(Fault("drop"), provider=style)
    url, headers, body = chat_request(sim, style, stream=False)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(url, headers=headers, json=body)


def test_error_event_in_each_providers_shape(sim: Simulator) -> None:
    for style in ALL_STYLES:
        sim.push_fault(Fault("error_event", after_tokens=2, message="oops"), provider=_owner(style))
    hf = stream_raw(sim, "huggingface")
    assert hf.sse_data()[-1] == '{"error":"oops","error_type":"overloaded"}'
    sn = stream_raw(sim, "sambanova")
    assert sn.data.decode().endswith(
        'event: error\ndata: {"error":{"message":"oops","type":"server_error","param":null,'
        '"code":"overloaded"}}\n\n'
    )
    for style in ("openai", "ollama_openai", "blaxel"):
        raw = stream_raw(sim, style)
        assert json.loads(raw.sse_data()[-1])["error"]["message"] == "oops", style
    ol = stream_raw(sim, "ollama")
    assert ol.data.decode().splitlines()[-1] == '{"error":"oops"}'
    for raw in (hf, sn, ol):
        assert raw.status == 200 and raw.error is None
        assert b"[DONE]" not in raw.data and b'"done":true' not in raw.data
        assert raw.content() == DEFAULT_REPLY[:8]


@pytest.mark.parametrize("style", ["huggingface", "ollama"])
def test_garbage_line_then_the_stream_goes_on(sim: Simulator, style: str) -> None:
    sim.push_fault(Fault("garbage", after_tokens=4), provider=_owner(style))
    raw = stream_raw(sim, style)
    lines = [line for line in raw.data.decode().splitlines() if line]
    bad = [line for line in lines if "502 Bad Gateway" in line]
    assert len(bad) == 1
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad[0].removeprefix("data: "))
    good = [line for line in lines if line not in bad]
    if style == "ollama":
        assert lines.index(bad[0]) == 4
        assert "".join(json.loads(x)["message"]["content"] for x in good) == DEFAULT_REPLY
    else:
        assert lines[-1] == "data: [DONE]"


@pytest.mark.parametrize("style", ["sambanova", "ollama"])
def test_split_utf8_cuts_characters_across_reads(sim: Simulator, style: str) -> None:
    reply = "ä🚀漢字ß and more: ü" * 3
    sim.set_knobs(_owner(style), reply=reply, chunk_chars=3)
    sim.push_fault(Fault("split_utf8"), provider=_owner(style))
    raw = stream_raw(sim, style)
    cut_inside = 0
    for _, chunk in raw.reads:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            cut_inside += 1
    assert cut_inside >= 10  # many reads end or start inside a character
    assert raw.content() == reply  # yet the bytes, joined, are the same stream


def test_hang_never_sends_headers(sim: Simulator) -> None:
    sim.push_fault(Fault("hang"), provider="huggingface")
    url, headers, body = chat_request(sim, "huggingface")
    start = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(url, headers=headers, json=body, timeout=httpx.Timeout(5, read=0.3))
    assert time.perf_counter() - start >= 0.3


@pytest.mark.parametrize("style", ALL_STYLES)
def test_empty_has_end_marker_and_no_content(sim: Simulator, style: str) -> None:
    sim.push_fault(Fault("empty"), provider=_owner(style))
    raw = stream_raw(sim, style)
    assert raw.error is None and raw.content() == ""
    if style == "ollama":
        (final,) = raw.ndjson()
        assert final["done"] is True and final["eval_count"] == 0
    else:
        assert raw.sse_data()[-1] == "[DONE]"
        assert raw.sse_json()[-1]["usage"]["completion_tokens"] == 0


@pytest.mark.parametrize("style", ALL_STYLES)
def test_no_done_sends_everything_but_the_end_marker(sim: Simulator, style: str) -> None:
    sim.push_fault(Fault("no_done"), provider=_owner(style))
    raw = stream_raw(sim, style)
    assert raw.error is None  # the HTTP body ends cleanly
    assert raw.headers["connection"] == "close"
    assert raw.content() == DEFAULT_REPLY
    if style == "ollama":
        assert all(line["done"] is False for line in raw.ndjson())
    else:
        assert "[DONE]" not in raw.sse_data()
        reasons = [c["choices"][0]["finish_reason"] for c in raw.sse_json() if c["choices"]]
        assert reasons[-1] == "stop"


@pytest.mark.parametrize(
    ("style", "status", "check"),
    [
        ("huggingface", 402, lambda b: "monthly included credits" in b["error"]),
        ("huggingface", 500, lambda b: b == {"error": "Internal Server Error"}),
        ("sambanova", 503, lambda b: b["error"]["code"] == "service_unavailable"),
        ("ollama", 503, lambda b: b["error"].startswith("server busy")),
        ("ollama_openai", 500, lambda b: b["error"]["type"] == "api_error"),
        ("blaxel", 402, lambda b: b["error"]["code"] == "USAGE_LIMIT_EXCEEDED"),
        ("openai", 503, lambda b: b["error"]["type"] == "server_error"),
    ],
)
def test_status_fault_uses_the_providers_body(
    sim: Simulator, style: str, status: int, check: Callable[[Any], bool]
) -> None:
    sim.push_fault(Fault("status", status=status), provider=_owner(style))
    raw = stream_raw(sim, style)
    assert raw.status == status
    assert check(json.loads(raw.data))
    if status == 503:
        assert raw.headers["retry-after"] == "1"


def test_faults_target_the_right_provider_and_survive_refused_requests(sim: Simulator) -> None:
    sim.push_fault(Fault("status", status=500), provider="sambanova")
    assert stream_raw(sim, "huggingface").status == 200  # not sambanova's fault
    url, _, body = chat_request(sim, "sambanova")
    assert httpx.post(url, json=body).status_code == 401  # refused before the fault applies
    assert stream_raw(sim, "sambanova").status == 500
    assert stream_raw(sim, "sambanova").status == 200  # consumed once
    sim.push_fault(Fault("status", status=503))  # any provider
    assert stream_raw(sim, "ollama").status == 503
    assert stream_raw(sim, "huggingface").status == 200


def test_hf_loading_is_the_legacy_503(sim: Simulator) -> None:
    sim.push_fault(Fault("loading"), provider="huggingface")
    raw = stream_raw(sim, "huggingface")
    assert raw.status == 503
    assert json.loads(raw.data) == {
        "error": "Model Qwen/Qwen2.5-Coder-32B-Instruct is currently loading",
        "estimated_time": 20.0,
    }
