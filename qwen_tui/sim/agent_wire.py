"""A Blaxel agent's answer: the body is the answer, as plain text streamed in chunks (the
default), one JSON object (``{"output": ...}``, the ``agent_format`` knob "json"), or SSE
``data:`` lines ("sse"). The text is the ``reply`` knob (or the script's step), on the same token
schedule as a chat stream, so TTFT compares with the models'.
"""

from __future__ import annotations

import json

from aiohttp import web

from qwen_tui.sim.chat import ChatJob, before_headers
from qwen_tui.sim.pacing import Wire, drop_connection


async def agent_answer(request: web.Request, job: ChatJob) -> web.StreamResponse:
    early = await before_headers(request, job)
    if early is not None:
        return early
    tokens, _ = job.tokens()
    pacer = job.pacer()
    form = job.knobs.agent_format
    if form == "json":
        if tokens:
            await pacer.until_token(len(tokens) - 1)
            pacer.first_sent = pacer.first_due
            pacer.mark_sent()
        body = {"output": "".join(tokens), "agent": job.model}
        return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json")
    content_type = "text/event-stream; charset=utf-8" if form == "sse" else "text/plain; charset=utf-8"
    response = web.StreamResponse(headers={"Content-Type": content_type, "X-Request-Id": job.id})
    if job.fault_is("drop"):
        response.force_close()
    await response.prepare(request)
    wire = Wire(response, split=job.fault_is("split_utf8"))
    drop_at = job.fault.after_tokens if job.fault_is("drop") and job.fault is not None else -1
    for index, token in enumerate(tokens):
        if index == drop_at:
            drop_connection(request)
            return response
        await pacer.until_token(index)
        if form == "sse":
            await wire.send(f"data: {json.dumps(token, ensure_ascii=False)}\n\n".encode())
        else:
            await wire.send(token.encode("utf-8"))
        pacer.mark_sent()
    if form == "sse":
        await wire.send(b"data: [DONE]\n\n")
    await response.write_eof()
    return response
