"""Ollama's native API: ``/api/chat`` streaming NDJSON, ``/api/tags``.

A cold model sends no response headers until it is loaded (tens of seconds), so the first-byte
timeout is long (300 s) and a ``loading_model`` phase is announced while nothing has come.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

from qwen_tui.providers.base import BadResponse, ChatRequest, Finished, ModelInfo, StreamErrorEvent, StreamEvent, TextDelta, ToolCall, Truncated, Usage
from qwen_tui.providers.tool_calls import make_call
from qwen_tui.providers.tool_text import TextCallScanner
from qwen_tui.redact import redact
from qwen_tui.providers.http import HTTPProvider, error_text
from qwen_tui.providers.streams import DecodeError, NDJSONDecoder
from qwen_tui.timing import RequestTiming

NS = 1e9


class OllamaProvider(HTTPProvider):
    kind = "ollama"
    needs_key = False
    label = "Ollama"
    models_word = "installed"
    slow_header_phase = "loading_model"

    def refused_message(self, url: str) -> tuple[str, str]:
        return (f"Ollama is not running at {self.settings.base_url}",
                "start it with `ollama serve` (or set OLLAMA_HOST / base_url)")

    def timeout_fix(self) -> str:
        return "the model may still be loading; try again, or raise first_byte_timeout in the config"

    def not_found_fix(self) -> str:
        return f"pull it with `ollama pull {self.settings.model}`, or pick one `qwen-tui models {self.name}` lists"

    def warm_url(self) -> str:
        return f"{self.settings.base_url}/api/version"

    async def open_connection(self) -> None:
        await self.client.get(self.warm_url(), headers=self.auth_headers())

    async def list_models(self) -> list[ModelInfo]:
        body = await self.get_json(f"{self.settings.base_url}/api/tags")
        models = []
        for item in body.get("models", []) if isinstance(body, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                models.append(ModelInfo(item["name"], details=item))
        return models

    def chat_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.max_tokens is not None:
            options["num_predict"] = request.max_tokens
        if self.settings.context_window:
            options["num_ctx"] = self.settings.context_window
        body: dict[str, Any] = {
            "model": model,
            "messages": [m.to_ollama() for m in request.messages],
            "stream": True,
            "keep_alive": "10m",
        }
        if request.tools:
            body["tools"] = request.tools
        if options:
            body["options"] = options
        return body

    async def before_chat(self, request: ChatRequest) -> tuple[str, str, dict[str, str]]:
        return f"{self.settings.base_url}/api/chat", request.model or self.settings.model, {
            "Accept": "application/x-ndjson"}

    async def decode(self, resp: Any, timing: RequestTiming, partial: list[str],
                     request: ChatRequest | None = None) -> AsyncIterator[StreamEvent]:
        decoder = NDJSONDecoder()
        last: dict[str, Any] | None = None
        calls: list[ToolCall] = []
        scanner = TextCallScanner(request.tools) if request is not None and request.tools else None
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
                    content = message.get("content")
                    if content and isinstance(content, str):
                        timing.mark_content()
                        if scanner is None:
                            partial.append(content)
                            yield TextDelta(content)
                        else:
                            shown, found = scanner.feed(content)
                            if shown:
                                partial.append(shown)
                                yield TextDelta(shown)
                            for call in found:
                                calls.append(call)
                                yield call
                    native = message.get("tool_calls")
                    if native and isinstance(native, list):  # whole calls, arguments an object, no id
                        timing.mark_content()
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
        if scanner is not None:
            shown, found = scanner.flush()
            if shown:
                partial.append(shown)
                yield TextDelta(shown)
            for call in found:
                calls.append(call)
                yield call
        if not partial and not calls:
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
