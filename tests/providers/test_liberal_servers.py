"""OpenAI-compatible servers differ (llama.cpp, vLLM, LM Studio...): the client takes what they send.

Each case is a real HTTP server on loopback serving a canned SSE body, byte for byte as such a
server might: role-only first deltas, ``: ping`` comments, no usage chunk, extra or missing fields.
"""

from __future__ import annotations

import json
from contextlib import aclosing

import pytest
from aiohttp import web

from qwen_tui.providers.base import ChatRequest, Finished, Message, ProviderSettings, TextDelta, Usage
from qwen_tui.providers.openai_compat import OpenAICompatProvider


def chunk(delta: dict | None = None, finish: str | None = None, **extra: object) -> bytes:
    body: dict = {"id": "x", "object": "chat.completion.chunk", **extra}
    if delta is not None or finish is not None:
        body["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return b"data: " + json.dumps(body).encode() + b"\n\n"


CASES = {
    # llama.cpp-like: role first, no usage, finish + [DONE]
    "role_first_no_usage": [chunk({"role": "assistant"}), chunk({"content": "Hel"}), chunk({"content": "lo"}),
                            chunk({}, "stop"), b"data: [DONE]\n\n"],
    # keep-alive comments between frames, CRLF line ends
    "pings_and_crlf": [b": ping\r\n\r\n", chunk({"content": "Hel"}).replace(b"\n", b"\r\n"), b": ping\n\n",
                       chunk({"content": "lo"}), chunk({}, "stop"), b"data: [DONE]\n\n"],
    # missing fields: no id/object/index, delta content null, extra unknown fields
    "sparse_and_extra": [b'data: {"choices":[{"delta":{"content":null,"role":"assistant"}}]}\n\n',
                         b'data: {"choices":[{"delta":{"content":"Hello"},"logprobs":null,"x_vendor":{"a":1}}],'
                         b'"system_fingerprint":"fp"}\n\n',
                         b'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n', b"data: [DONE]\n\n"],
    # usage inside the last content chunk instead of its own chunk; no [DONE] after the finish
    "usage_inline_no_done": [chunk({"content": "Hello"}, "stop", usage={"prompt_tokens": 3, "completion_tokens": 1,
                                                                      "total_tokens": 4})],
    # an empty choices list before the content (some proxies send a first "prompt filter" frame)
    "empty_choices_first": [b'data: {"choices":[],"prompt_filter_results":[]}\n\n', chunk({"content": "Hello"}),
                            chunk({}, "stop"), b"data: [DONE]\n\n"],
}


@pytest.fixture
async def server():
    frames: dict[str, list[bytes]] = {}

    async def chat(request: web.Request) -> web.StreamResponse:
        case = request.match_info["case"]
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for frame in frames[case]:
            await resp.write(frame)
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/{case}/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", frames
    await runner.cleanup()


@pytest.mark.parametrize("case", sorted(CASES))
async def test_liberal_in_what_it_accepts(case: str, server) -> None:
    base_url, frames = server
    frames[case] = CASES[case]
    provider = OpenAICompatProvider(
        ProviderSettings(name="local", kind="openai", base_url=f"{base_url}/{case}/v1", model="m"))
    text, events = [], []
    async with aclosing(provider.stream(ChatRequest([Message("user", "hi")]))) as stream:
        async for event in stream:
            events.append(event)
            if isinstance(event, TextDelta):
                text.append(event.text)
    await provider.aclose()
    assert "".join(text) == "Hello"
    assert isinstance(events[-1], Finished) and events[-1].reason == "stop"
    assert events[-1].timing.ttft_ms is not None
    if case == "usage_inline_no_done":
        assert any(isinstance(e, Usage) and e.completion_tokens == 1 for e in events)


async def test_requests_carry_no_authorization_without_a_key(server) -> None:
    """A local server configured without api_key_env gets no Authorization header at all."""
    base_url, frames = server
    provider = OpenAICompatProvider(ProviderSettings(name="local", kind="openai", base_url=base_url, model="m"))
    assert "Authorization" not in provider.auth_headers()
    await provider.aclose()
