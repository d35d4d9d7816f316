"""OpenAI-style chat completions: SSE stream or one JSON body.

Chunk order follows Ollama's middleware/openai.go: a role chunk at once, content chunks on the
token schedule, a finish chunk with an empty delta, a usage chunk with ``choices: []`` when
``stream_options.include_usage`` is set (SambaNova's carries its timing fields), then
``data: [DONE]``. Mid-stream faults (drop, error_event, garbage, stall, no_done) act here.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

from qwen_tui.sim.chat import ChatJob, before_headers
from qwen_tui.sim.pacing import Pacer, Wire, drop_connection

DEFAULT_STREAM_ERROR = "Model is overloaded, please try again later."


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def sse(obj: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {_dumps(obj)}\n\n".encode()


def _chunk(job: ChatJob, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": job.id,
        "object": "chat.completion.chunk",
        "created": job.created,
        "model": job.model,
        "choices": [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        ],
    }
    if job.style == "ollama_openai":
        chunk["system_fingerprint"] = "fp_ollama"
    return chunk


def usage_block(
    job: ChatJob, pacer: Pacer, completion_tokens: int, finish_reason: str, reasoning_tokens: int = 0
) -> dict[str, Any]:
    prompt_tokens = job.prompt_tokens()
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if job.style == "sambanova":  # sambanova-python chat_completion_stream_response.py
        end = asyncio.get_running_loop().time()
        first = pacer.first_sent if pacer.first_sent is not None else end
        total = max(end - job.t0, 1e-6)
        after_first = end - first
        usage.update(
            {
                "time_to_first_token": first - job.t0,
                "total_latency": total,
                "completion_tokens_per_sec": completion_tokens / total,
                "completion_tokens_after_first_per_sec": (
                    (completion_tokens - 1) / after_first
                    if completion_tokens > 1 and after_first > 0
                    else 0.0
                ),
                "total_tokens_per_sec": (prompt_tokens + completion_tokens) / total,
                "start_time": job.wall_start,
                "end_time": time.time(),
                "is_last_response": True,
                "stop_reason": finish_reason,
                # the nested shape is SambaNova's (reasoning counted in completion_tokens too)
                "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
            }
        )
    return usage


def stream_error_frame(job: ChatJob) -> bytes:
    """An error inside a 200 stream, as each server sends it."""
    message = (job.fault.message if job.fault else None) or DEFAULT_STREAM_ERROR
    if job.style == "huggingface":  # TGI: error + error_type, no event name
        return sse({"error": message, "error_type": "overloaded"})
    if job.style == "sambanova":  # an SSE event named "error" (sambanova-python _streaming.py)
        return sse(
            {
                "error": {
                    "message": message,
                    "type": "server_error",
                    "param": None,
                    "code": "overloaded",
                }
            },
            event="error",
        )
    return sse({"error": {"message": message, "type": "server_error", "param": None, "code": None}})


def garbage_frame(job: ChatJob) -> bytes:
    text = (job.fault.message if job.fault else None) or "<html><body>502 Bad Gateway</body></html>"
    return f"data: {text}\n\n".encode()


def stream_deltas(job: ChatJob, tokens: list[str], reasoning: list[str] = ()) -> list[dict[str, Any]]:
    """The deltas of a streamed answer, one per token: reasoning in its field (``reasoning`` or
    ``reasoning_content``), text, then each scripted call as OpenAI streams it (index, id, type
    and name first with empty arguments, then argument fragments)."""
    field = job.reasoning_shape
    deltas: list[dict[str, Any]] = [{field: token} for token in reasoning]
    deltas += [{"content": token} for token in tokens]
    for index, call in enumerate(job.calls):
        deltas.append({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                       "function": {"name": call.name, "arguments": ""}}]})
        for fragment in call.fragments(job.knobs.chunk_chars):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
    return deltas


def whole_calls(job: ChatJob) -> list[dict[str, Any]]:
    return [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_text()}}
            for c in job.calls]


async def openai_chat(request: web.Request, job: ChatJob) -> web.StreamResponse:
    early = await before_headers(request, job)
    if early is not None:
        return early
    if not job.stream:
        return await _complete(request, job)
    return await _stream(request, job)


async def _complete(request: web.Request, job: ChatJob) -> web.StreamResponse:
    tokens, finish_reason = job.tokens()
    reasoning = job.reasoning_tokens()
    pacer = job.pacer()
    if job.fault_is("drop"):
        await pacer.until_token(0)
        drop_connection(request)
        return web.Response(status=499)  # never sent: the socket is closed
    count = len(reasoning) + len(tokens)
    if count:
        await pacer.until_token(count - 1)
        pacer.first_sent = pacer.first_due
        pacer.mark_sent()
    body = {
        "id": job.id,
        "object": "chat.completion",
        "created": job.created,
        "model": job.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "".join(tokens)},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage_block(job, pacer, count, finish_reason, len(reasoning)),
    }
    if reasoning:
        body["choices"][0]["message"][job.reasoning_shape] = "".join(reasoning)
    if job.calls:
        message = body["choices"][0]["message"]
        message["tool_calls"] = whole_calls(job)
        message["content"] = message["content"] or None
    return web.Response(text=_dumps(body), content_type="application/json")


async def _stream(request: web.Request, job: ChatJob) -> web.StreamResponse:
    fault = job.fault
    tokens, finish_reason = job.tokens()
    reasoning = job.reasoning_tokens()
    deltas = stream_deltas(job, tokens, reasoning) if job.calls or reasoning else None
    count = len(deltas) if deltas is not None else len(tokens)
    pacer = job.pacer()
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Request-Id": job.id,
        }
    )
    if fault is not None and fault.kind in ("drop", "no_done"):
        response.force_close()
    await response.prepare(request)
    wire = Wire(response, split=job.fault_is("split_utf8"))
    await wire.send(sse(_chunk(job, {"role": "assistant", "content": ""}, None)))

    midstream = fault is not None and fault.kind in ("drop", "error_event", "garbage", "stall")
    at = min(fault.after_tokens, count) if fault is not None else -1
    for index in range(count + 1):
        if midstream and index == at:
            assert fault is not None
            if fault.kind == "drop":
                drop_connection(request)
                return response
            if fault.kind == "error_event":
                await wire.send(stream_error_frame(job))
                await response.write_eof()
                return response
            if fault.kind == "garbage":
                await wire.send(garbage_frame(job))
            elif fault.kind == "stall":
                pacer.shift(fault.seconds if fault.seconds is not None else 5.0)
        if index == count:
            break
        await pacer.until_token(index)
        delta = deltas[index] if deltas is not None else {"content": tokens[index]}
        await wire.send(sse(_chunk(job, delta, None)))
        pacer.mark_sent()

    await wire.send(sse(_chunk(job, {}, finish_reason)))
    if job.include_usage:
        usage_chunk = {
            "id": job.id,
            "object": "chat.completion.chunk",
            "created": job.created,
            "model": job.model,
            "choices": [],
            "usage": usage_block(job, pacer, count, finish_reason, len(reasoning)),
        }
        await wire.send(sse(usage_chunk))
    if not job.fault_is("no_done"):
        await wire.send(b"data: [DONE]\n\n")
    await response.write_eof()
    return response
