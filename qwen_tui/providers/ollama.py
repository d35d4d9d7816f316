"""Ollama's native API: ``/api/chat`` streaming NDJSON, ``/api/tags``.

A cold model sends no response headers until it is loaded (tens of seconds), so the first-byte
timeout is long (300 s) and a ``loading_model`` phase is announced while nothing has come.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from qwen_tui.providers.answer_stream import AnswerStream, thinking_only
from qwen_tui.providers.base import (
    BadResponse, ChatRequest, Finished, ModelInfo, ModelTooLarge, ProviderError, ProviderSettings,
    StreamErrorEvent, StreamEvent, ToolCall, Truncated, Usage,
)
from qwen_tui.providers.tool_calls import make_call
from qwen_tui.providers.tool_text import TextCallScanner, keep_held
from qwen_tui.redact import redact
from qwen_tui.providers.http import HTTPProvider, error_text
from qwen_tui.providers.ollama_window import (
    DEFAULT_MAX_CONTEXT_WINDOW, WindowPlan, check_fits, model_context_length, prompt_tokens,
)
from qwen_tui.providers.streams import DecodeError, NDJSONDecoder
from qwen_tui.timing import RequestTiming

NS = 1e9
#: How long the first request to a model waits for /api/show and /api/ps (answered locally in ms).
WINDOW_LOOKUP_S = 3.0
#: A window that could not be learnt (server down, model not pulled yet) is asked again after this.
RELOOK_S = 30.0


def is_out_of_memory(text: str) -> bool:
    """Ollama's "model requires more system memory (9.5 GiB) than is available (6.2 GiB)" and
    its CUDA / Metal cousins ("out of memory", "unable to allocate")."""
    lowered = text.lower()
    return ("requires more system memory" in lowered or "out of memory" in lowered
            or "unable to allocate" in lowered or "insufficient memory" in lowered)


def memory_fix(context_window: int | None) -> str:
    ctx = f"lower context_window (now {context_window}, sent as num_ctx)" if context_window else \
        "set a smaller context_window (sent as num_ctx, e.g. 4096)"
    return (
        "the model does not fit in this machine's memory: pick a smaller model "
        f"(e.g. a 3b or 1.5b one, or a q4 quantization) or {ctx} in the config"
    )


def loaded_context(ps: Any, model: str) -> int | None:
    """The context length ``model`` is loaded with, from an ``/api/ps`` answer."""
    for item in ps.get("models", []) if isinstance(ps, dict) else []:
        if isinstance(item, dict) and model in (item.get("name"), item.get("model")):
            value = item.get("context_length")
            return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
    return None


class OllamaProvider(HTTPProvider):
    kind = "ollama"
    needs_key = False
    label = "Ollama"
    models_word = "installed"
    slow_header_phase = "loading_model"

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self._plans: dict[str, WindowPlan] = {}

    def refused_message(self, url: str) -> tuple[str, str]:
        return (f"Ollama is not running at {self.settings.base_url}",
                "start it with `ollama serve` (or set OLLAMA_HOST / base_url)")

    def timeout_fix(self) -> str:
        return "the model may still be loading; try again, or raise first_byte_timeout in the config"

    def not_found_fix(self) -> str:
        return f"pull it with `ollama pull {self.settings.model}`, or pick one `qwen-tui models {self.name}` lists"

    def status_error(self, status: int, headers: Any, raw: bytes, timing: Any, *, url: str = "") -> ProviderError:
        """A model too large for the machine is not "try again later": say what would fit."""
        error = super().status_error(status, headers, raw, timing, url=url)
        if not is_out_of_memory(error.what):
            return error
        text = redact(error_text(self.parse_error_body(raw)))
        return ModelTooLarge(self.name, f"{self.settings.model if timing is None else timing.model} "
                             f"cannot be loaded ({text})", memory_fix(self.settings.context_window),
                             status=status, timing=timing)

    def warm_url(self) -> str:
        return f"{self.settings.base_url}/api/version"

    async def warm(self) -> None:
        """Also learn the configured model's window: the first question then goes out at once
        (a race's requests leave together; nothing of ours sits before its clock)."""
        await super().warm()
        with contextlib.suppress(Exception):  # best effort, like the connection: met again when asking
            await self.window_plan(self.settings.model)

    async def open_connection(self) -> None:
        await self.client.get(self.warm_url(), headers=self.auth_headers())

    async def list_models(self) -> list[ModelInfo]:
        body = await self.get_json(f"{self.settings.base_url}/api/tags")
        models = []
        for item in body.get("models", []) if isinstance(body, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                models.append(ModelInfo(item["name"], details=item))
        return models

    # -- the window (see ollama_window) ------------------------------------------------------
    def _new_plan(self) -> WindowPlan:
        cap = self.settings.extra.get("max_context_window")
        return WindowPlan(cap=cap if isinstance(cap, int) and cap > 0 else DEFAULT_MAX_CONTEXT_WINDOW,
                          configured=self.settings.context_window)

    async def window_plan(self, model: str) -> WindowPlan:
        """The model's window here, learnt once per model: its length from ``/api/show``, and
        the context it is loaded with now (``/api/ps``), so a request does not reload it."""
        plan = self._plans.get(model)
        if plan is not None and (plan.configured or plan.model_max or time.monotonic() - plan.looked_up < RELOOK_S):
            return plan
        plan = plan or self._new_plan()
        plan.looked_up = time.monotonic()
        if not plan.configured:
            base = self.settings.base_url

            async def show() -> Any:
                return await self.control_json("POST", f"{base}/api/show", body={"model": model})

            try:
                async with asyncio.timeout(WINDOW_LOOKUP_S):
                    shown, ps = await asyncio.gather(show(), self.get_json(f"{base}/api/ps"),
                                                     return_exceptions=True)
            except TimeoutError:
                shown = ps = None
            plan.model_max = model_context_length(shown) if not isinstance(shown, BaseException) else None
            loaded = loaded_context(ps, model) if not isinstance(ps, BaseException) else None
            if loaded and loaded <= plan.usable:
                plan.sent = max(plan.sent, loaded)
        self._plans[model] = plan
        return plan

    async def context_window_for(self, model: str | None = None) -> int | None:
        """The window requests to ``model`` will really run with (what the budget must use)."""
        return (await self.window_plan(model or self.settings.model)).usable

    def window_of(self, model: str, models: list[ModelInfo]) -> int | None:
        plan = self._plans.get(model)  # /api/tags lists no windows
        return plan.usable if plan is not None else None

    def chat_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.max_tokens is not None:
            options["num_predict"] = request.max_tokens
        plan = self._plans.get(model)
        if plan is not None:
            options["num_ctx"] = plan.num_ctx(prompt_tokens(request.messages), request.max_tokens)
        elif self.settings.context_window:
            options["num_ctx"] = self.settings.context_window
        body: dict[str, Any] = {
            "model": model,
            "messages": [m.to_ollama() for m in request.messages],
            "stream": True,
        }
        keep_alive = self.settings.extra.get("keep_alive")
        if keep_alive is not None:  # else the server's own (OLLAMA_KEEP_ALIVE, 5 min by default)
            body["keep_alive"] = keep_alive.strip() if isinstance(keep_alive, str) else keep_alive
        think = self.settings.extra.get("think")
        if think is not None:  # else the model's own default (thinking models think)
            body["think"] = think
        if request.tools:
            body["tools"] = request.tools
        if options:
            body["options"] = options
        return body

    async def before_chat(self, request: ChatRequest) -> tuple[str, str, dict[str, str]]:
        """The window is learnt (once) and the prompt checked against it before the clock starts."""
        model = request.model or self.settings.model
        plan = await self.window_plan(model)
        check_fits(self.name, model, plan, prompt_tokens(request.messages))
        return f"{self.settings.base_url}/api/chat", model, {"Accept": "application/x-ndjson"}

    async def decode(self, resp: Any, timing: RequestTiming, partial: list[str],
                     request: ChatRequest | None = None) -> AsyncIterator[StreamEvent]:
        decoder = NDJSONDecoder()
        last: dict[str, Any] | None = None
        calls: list[ToolCall] = []
        scanner = TextCallScanner(request.tools) if request is not None and request.tools else None
        reader = AnswerStream(timing, partial, scanner, calls)
        try:
            async for chunk in self.iter_raw(resp, timing, partial):
                try:
                    items = decoder.feed(chunk)
                except DecodeError as exc:
                    raise BadResponse(
                        self.name, f"the stream held data that cannot be decoded ({exc.sample!r})",
                        "the partial answer is kept; try again", partial_text="".join(partial),
                    ) from None
                for item in items:
                    if not isinstance(item, dict):
                        continue
                    if item.get("error"):
                        where = "mid-answer" if partial else "before the answer"
                        raise StreamErrorEvent(
                            self.name, f"Ollama reported an error {where}: {redact(error_text(item))}",
                            "the partial answer is kept; try again", partial_text="".join(partial),
                        )
                    message = item.get("message")
                    if isinstance(message, dict):
                        thinking = message.get("thinking")  # beside content: the think request field
                        if thinking and isinstance(thinking, str):
                            for event in reader.reasoning(thinking):
                                yield event
                        content = message.get("content")
                        if content and isinstance(content, str):
                            for event in reader.content(content):
                                yield event
                        native = message.get("tool_calls")
                        if native and isinstance(native, list):  # whole calls, arguments an object, no id
                            reader.tool_call_began()
                            for entry in native:
                                call = self._call(entry, len(calls))
                                if call is not None:
                                    calls.append(call)
                                    yield call
                    if item.get("done"):
                        last = item
                        timing.outcome = "ending"  # iter_raw drains the rest for connection reuse
                        break
            if last is None:
                raise Truncated(self.name, "the stream ended before its last line (done: true)",
                                "the partial answer is kept; ask again to get the rest",
                                partial_text="".join(partial), timing=timing)
        except ProviderError as exc:
            keep_held(exc, partial, scanner)
            raise
        for event in reader.flush():
            yield event
        if not partial and not calls:
            if reader.reasoned:
                self._usage(last, timing)  # the figures still count (tokens spent thinking)
                raise thinking_only(self.name, str(last.get("done_reason") or "stop"), timing)
            raise BadResponse(self.name, "the answer was empty", "try again, or another model", timing=timing)
        yield self._usage(last, timing)
        timing.outcome = "complete"
        reason = "tool_calls" if calls else str(last.get("done_reason") or "stop")  # Ollama says "stop"
        yield Finished(reason, timing, tuple(calls))

    @staticmethod
    def _call(entry: Any, index: int) -> ToolCall | None:
        function = entry.get("function") if isinstance(entry, dict) else None
        if not isinstance(function, dict):
            return None
        name = function.get("name")
        call_id = entry.get("id")  # newer servers number their calls; older ones do not
        return make_call(name if isinstance(name, str) else "", function.get("arguments"),
                         call_id=call_id if isinstance(call_id, str) and call_id else None, index=index)

    @staticmethod
    def _usage(last: dict[str, Any], timing: RequestTiming) -> Usage:
        def num(key: str) -> float | None:
            """A finite non-negative number, else missing (a server may send NaN or Infinity)."""
            value = last.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            value = float(value)
            return value if math.isfinite(value) and value >= 0 else None

        server: dict[str, Any] = {}
        for key in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration"):
            value = num(key)
            if value is not None:
                server[key.replace("_duration", "_ms")] = value / 1e6
        eval_count, eval_ns = num("eval_count"), num("eval_duration")
        if eval_count and eval_ns:
            server["tokens_per_s"] = eval_count / eval_ns * NS
        if "load_ms" in server or "prompt_eval_ms" in server:
            server["ttft_ms"] = server.get("load_ms", 0.0) + server.get("prompt_eval_ms", 0.0)
        timing.server.update(server)
        if eval_count:
            timing.tokens = int(eval_count)
        prompt = last.get("prompt_eval_count") if isinstance(last.get("prompt_eval_count"), int) else None
        if prompt is not None:
            timing.server["prompt_tokens"] = prompt
        completion = int(eval_count) if eval_count else None
        total = (prompt or 0) + (completion or 0) if (prompt or completion) else None
        return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total, server_timing=server)
