"""Ollama's native ``/api/chat``: NDJSON, one object a line (ollama docs/api.md).

Content lines carry ``message.content`` and ``done: false``; the last line has ``done: true``,
``done_reason`` and durations in nanoseconds (``load_duration`` includes the simulated cold load).
A mid-stream error keeps status 200 and ends with a ``{"error": ...}`` line.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from qwen_tui.sim.chat import ChatJob, before_headers
from qwen_tui.sim.pacing import Pacer, Wire, drop_connection

DEFAULT_STREAM_ERROR = "an error was encountered while running the model: unexpected EOF"
NS = 1_000_000_000


def _line(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _content_line(job: ChatJob, content: str, thinking: str = "") -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    if thinking:
        message["thinking"] = thinking
    return {"model": job.model, "created_at": _now(), "message": message, "done": False}


def _final_line(
    job: ChatJob, pacer: Pacer, count: int, finish_reason: str, content: str = ""
) -> dict[str, Any]:
    end = asyncio.get_running_loop().time()
    first = pacer.first_sent if pacer.first_sent is not None else end
    last = pacer.last_sent if pacer.last_sent is not None else end
    loaded_at = job.t0 + job.load_s
    # eval_count / eval_duration should give the generation rate: n tokens over n intervals
    eval_s = (last - first) * count / (count - 1) if count > 1 else (pacer.interval * count)
    return {
        "model": job.model,
        "created_at": _now(),
        "message": {"role": "assistant", "content": content},
        "done": True,
        "done_reason": finish_reason,
        "total_duration": int((end - job.t0) * NS),
        "load_duration": int(job.load_s * NS),
        "prompt_eval_count": job.prompt_tokens(),
        "prompt_eval_duration": int(max(0.0, first - loaded_at) * NS),
        "eval_count": count,
        "eval_duration": int(max(eval_s, 0.0) * NS),
    }


def _calls_line(job: ChatJob, calls: tuple) -> dict[str, Any]:
    """Whole calls in one chunk, arguments as an object, no id (Ollama's native API)."""
    line = _content_line(job, "")
    line["message"]["tool_calls"] = [
        {"function": {"name": c.name, "arguments": c.arguments_object()}} for c in calls]
    return line


def call_lines(job: ChatJob) -> list[dict[str, Any]]:
    if not job.calls:
        return []
    if job.step is not None and job.step.separate:
        return [_calls_line(job, (call,)) for call in job.calls]
    return [_calls_line(job, job.calls)]


async def ollama_chat(request: web.Request, job: ChatJob) -> web.StreamResponse:
    early = await before_headers(request, job)
    if early is not None:
        return early
    tokens, finish_reason = job.tokens()
    finish_reason = "length" if finish_reason == "length" else "stop"
    thinking = job.reasoning_tokens()  # eval_count counts them too
    pacer = job.pacer()
    if not job.stream:
        if job.fault_is("drop"):
            await pacer.until_token(0)
            drop_connection(request)
            return web.Response(status=499)  # never sent: the socket is closed
        if tokens or thinking:
            await pacer.until_token(len(thinking) + len(tokens) - 1)
            pacer.first_sent = pacer.first_due
            pacer.mark_sent()
        body = _final_line(job, pacer, len(thinking) + len(tokens), finish_reason, "".join(tokens))
        if thinking:
            body["message"]["thinking"] = "".join(thinking)
        if job.calls:
            body["message"]["tool_calls"] = _calls_line(job, job.calls)["message"]["tool_calls"]
        return web.Response(body=_line(body), content_type="application/json")

    fault = job.fault
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    if fault is not None and fault.kind in ("drop", "no_done"):
        response.force_close()
    await response.prepare(request)
    wire = Wire(response, split=job.fault_is("split_utf8"))

    lines = [_content_line(job, "", piece) for piece in thinking] + [_content_line(job, t) for t in tokens]
    midstream = fault is not None and fault.kind in ("drop", "error_event", "garbage", "stall")
    at = min(fault.after_tokens, len(lines)) if fault is not None else -1
    for index in range(len(lines) + 1):
        if midstream and index == at:
            assert fault is not None
            if fault.kind == "drop":
                drop_connection(request)
                return response
            if fault.kind == "error_event":
                await wire.send(_line({"error": fault.message or DEFAULT_STREAM_ERROR}))
                await response.write_eof()
                return response
            if fault.kind == "garbage":
                text = fault.message or "<html><body>502 Bad Gateway</body></html>"
                await wire.send(f"{text}\n".encode())
            elif fault.kind == "stall":
                pacer.shift(fault.seconds if fault.seconds is not None else 5.0)
        if index == len(lines):
            break
        await pacer.until_token(index)
        await wire.send(_line(lines[index]))
        pacer.mark_sent()

    for line in call_lines(job):
        await pacer.until_token(len(lines))
        await wire.send(_line(line))
        pacer.mark_sent()
    if not job.fault_is("no_done"):
        await wire.send(_line(_final_line(job, pacer, len(lines) + len(job.calls), finish_reason)))
    await response.write_eof()
    return response
