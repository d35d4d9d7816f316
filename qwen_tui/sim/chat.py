"""One chat request as the simulator will answer it, and what happens before any header is sent.

Both wire formats (OpenAI-style SSE and Ollama's NDJSON) share this: the reply cut into tokens,
the ``max_tokens`` cut-off, and the faults that act before the response starts (``hang``,
``status``, ``loading``) together with Ollama's cold model load.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from qwen_tui.sim.errors import error_response
from qwen_tui.sim.knobs import Fault, Knobs
from qwen_tui.sim.pacing import Pacer, wait_forever
from qwen_tui.sim.reply import chunk_text, estimate_prompt_tokens
from qwen_tui.sim.script import ScriptStep

HF_LOADING_ESTIMATE_S = 20.0


@dataclass
class ChatJob:
    provider: str  # whose knobs and faults apply
    style: str  # wire dialect (see errors.STYLES)
    model: str  # echoed in every chunk
    body: dict[str, Any]
    knobs: Knobs  # a snapshot taken when the request arrived
    fault: Fault | None
    t0: float  # event-loop time when the request arrived
    wall_start: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4().hex[:24]}")
    load_s: float = 0.0  # cold-load time actually spent before headers
    last_pacer: Pacer | None = None  # the schedule of the reply being sent (its send times)
    step: ScriptStep | None = None  # the scripted answer, when the ``script`` knob is set

    @property
    def calls(self) -> tuple:
        return self.step.calls if self.step is not None else ()

    @property
    def created(self) -> int:
        return int(self.wall_start)

    @property
    def stream(self) -> bool:
        default = self.style == "ollama"  # Ollama's native API streams unless told not to
        value = self.body.get("stream", default)
        return bool(value)

    @property
    def include_usage(self) -> bool:
        options = self.body.get("stream_options")
        return isinstance(options, dict) and bool(options.get("include_usage"))

    def fault_is(self, kind: str) -> bool:
        return self.fault is not None and self.fault.kind == kind

    @property
    def reasoning_shape(self) -> str:
        """How this request's reasoning goes on the wire (the knob, "auto" resolved)."""
        shape = self.knobs.reasoning_shape
        if shape == "thinking" and self.style != "ollama":
            shape = "auto"  # only Ollama's native API has message.thinking
        if shape == "auto":
            if self.style == "ollama":
                return "thinking"
            return "reasoning" if self.style in ("sambanova", "ollama_openai") else "reasoning_content"
        if self.style == "ollama" and shape != "think_tags":
            return "thinking"  # the native API has one field for it
        return shape

    def _reasoning(self) -> str:
        if self.fault_is("empty") or not self.knobs.reasoning:
            return ""
        if self.style == "ollama" and self.body.get("think") is False:
            return ""  # asked not to think (the request's ``think`` field)
        return self.knobs.reasoning

    def reasoning_tokens(self) -> list[str]:
        """The reasoning sent in a field of its own, one piece a token, cut by the token limit
        (a ``<think>`` block is part of the content's tokens instead)."""
        text = self._reasoning()
        if not text or self.reasoning_shape == "think_tags":
            return []
        tokens = chunk_text(text, self.knobs.chunk_chars)
        limit = self.max_tokens()
        return tokens[:limit] if limit is not None and 0 < limit < len(tokens) else tokens

    def tokens(self) -> tuple[list[str], str]:
        """The reply's tokens and the finish reason (``length`` when a token limit cut it; the
        reasoning's tokens count against the limit first)."""
        if self.fault_is("empty"):
            return [], "stop"
        text = self.step.text if self.step is not None else self.knobs.reply
        reasoning = self._reasoning()
        if reasoning and self.reasoning_shape == "think_tags":
            text = f"<think>{reasoning}</think>\n\n{text}"
        tokens = chunk_text(text, self.knobs.chunk_chars)
        limit = self.max_tokens()
        spent = len(self.reasoning_tokens())
        if limit is not None and 0 < limit < spent + len(tokens):
            return tokens[:max(limit - spent, 0)], "length"
        if self.calls:
            return tokens, (self.step.finish_reason if self.step and self.step.finish_reason else "tool_calls")
        return tokens, (self.step.finish_reason if self.step and self.step.finish_reason else "stop")

    def max_tokens(self) -> int | None:
        if self.style == "ollama":
            options = self.body.get("options")
            value = options.get("num_predict") if isinstance(options, dict) else None
        else:
            value = self.body.get("max_completion_tokens", self.body.get("max_tokens"))
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def prompt_tokens(self) -> int:
        return estimate_prompt_tokens(self.body)

    def pacer(self) -> Pacer:
        """The token schedule; TTFT counts from arrival, so a cold load comes on top of it."""
        self.last_pacer = Pacer(self.t0 + self.load_s, self.knobs.ttft_ms, self.knobs.tps)
        return self.last_pacer


async def before_headers(request: web.Request, job: ChatJob) -> web.StreamResponse | None:
    """Apply faults that act before the response starts; return an error response, or None."""
    fault = job.fault
    if fault is not None and fault.kind == "hang":
        await wait_forever(request)
        return web.Response(status=499)  # never seen: the client has gone
    if fault is not None and fault.kind == "status":
        status = fault.status or 500
        retry_after = fault.retry_after
        if retry_after is None and status in (429, 503):
            retry_after = 1.0
        return error_response(job.style, status, fault.message, code=fault.code, retry_after=retry_after,
                              headers=fault.headers)
    load_s = job.knobs.load_ms / 1000.0 if job.provider == "ollama" else 0.0
    if fault is not None and fault.kind == "loading":
        seconds = fault.seconds if fault.seconds is not None else HF_LOADING_ESTIMATE_S
        if job.provider == "ollama":
            load_s += seconds
        else:
            return loading_response(job, seconds)
    if load_s > 0:
        await asyncio.sleep(load_s)
        job.load_s = asyncio.get_running_loop().time() - job.t0
    return None


def loading_response(job: ChatJob, seconds: float) -> web.Response:
    fault = job.fault
    message = (fault.message if fault else None) or f"Model {job.model} is currently loading"
    if job.style == "huggingface":  # the legacy Inference API's shape
        return error_response(
            "huggingface", 503, message, extra={"estimated_time": float(seconds)}
        )
    if job.style == "blaxel":  # providers.md: WORKLOAD_UNAVAILABLE is a retryable 404
        return error_response(
            "blaxel", 404, message, code="WORKLOAD_UNAVAILABLE", retry_after=seconds
        )
    return error_response(job.style, 503, message, retry_after=seconds)
