"""OpenAI-style chat over Server-Sent Events: the client under Hugging Face, SambaNova and
Blaxel, and on its own (kind ``openai``) for any server that speaks the OpenAI chat API
(llama.cpp's server, vLLM, LM Studio).

Liberal in what it accepts: a first delta with a role and no content, SSE comments, a usage chunk
with ``choices: []`` or none at all, extra or missing fields, a finish chunk with no ``[DONE]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from qwen_tui.providers.answer_stream import AnswerStream, thinking_only
from qwen_tui.providers.base import (
    BadResponse, ChatRequest, Finished, MissingKey, ModelInfo, ProviderError, StreamErrorEvent,
    StreamEvent, ToolCall, ToolCallStarted, Truncated, Usage,
)
from qwen_tui.providers.tool_calls import CallAssembler
from qwen_tui.providers.tool_text import TextCallScanner, keep_held
from qwen_tui.redact import redact
from qwen_tui.providers.http import HTTPProvider, error_text
from qwen_tui.providers.streams import DecodeError, SSEDecoder, parse_json
from qwen_tui.timing import RequestTiming

USAGE_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")


class OpenAICompatProvider(HTTPProvider):
    kind = "openai"
    needs_key = False  # a local server needs none; if api_key_env is set, its key is required
    label = "OpenAI-compatible server"

    def require_key(self) -> None:
        self.require_headers()
        if self.needs_key or self.settings.api_key_env:
            if not self.settings.api_key:
                env = self.settings.api_key_env or "the api_key_env of this provider"
                raise MissingKey(self.name, "no API key", f"set the environment variable {env} and start again")

    # -- endpoints ----------------------------------------------------------------------------
    def api_base(self) -> str:
        return self.settings.base_url

    def chat_url(self) -> str:
        return f"{self.api_base()}/chat/completions"

    def models_url(self) -> str:
        return f"{self.api_base()}/models"

    def warm_url(self) -> str:
        return self.models_url()

    def request_model(self, request: ChatRequest) -> str:
        return request.model or self.settings.model

    def chat_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "messages": [m.to_wire() for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.tools:
            body["tools"] = request.tools
            body["tool_choice"] = request.tool_choice
        return body

    async def before_chat(self, request: ChatRequest) -> tuple[str, str, dict[str, str]]:
        """URL, model and extra headers for a chat request (Blaxel resolves its model here)."""
        return self.chat_url(), self.request_model(request), {}

    # -- listing ------------------------------------------------------------------------------
    async def list_models(self) -> list[ModelInfo]:
        self.require_key()
        body = await self.get_json(self.models_url())
        items = body.get("data", []) if isinstance(body, dict) else body if isinstance(body, list) else []
        models = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                models.append(ModelInfo(item["id"], context_window=context_length(item),
                                        owned_by=item.get("owned_by"), details=item))
        return models

    # -- streaming ----------------------------------------------------------------------------
    async def decode(self, resp: Any, timing: RequestTiming, partial: list[str],
                     request: ChatRequest | None = None) -> AsyncIterator[StreamEvent]:
        decoder = SSEDecoder()
        finish: str | None = None
        done = False
        assembler = CallAssembler()  # delta.tool_calls fragments, joined by index
        calls: list[ToolCall] = []  # the answer's calls, native and text-form, as emitted
        scanner = TextCallScanner(request.tools) if request is not None and request.tools else None
        reader = AnswerStream(timing, partial, scanner, calls)
        try:
            async for chunk in self.iter_raw(resp, timing, partial):
                try:
                    events = decoder.feed(chunk)
                except DecodeError as exc:
                    raise self._undecodable(exc, partial) from None
                for sse in events:
                    if sse.data == "[DONE]":
                        done = True
                        timing.outcome = "ending"  # iter_raw drains the rest for connection reuse
                        break
                    if sse.event == "error":
                        raise self._stream_error(sse.data, partial)
                    if not sse.data:
                        continue
                    try:
                        obj = parse_json(sse.data)
                    except DecodeError as exc:
                        raise self._undecodable(exc, partial) from None
                    if not isinstance(obj, dict):
                        continue
                    if obj.get("error"):
                        raise self._stream_error(obj, partial)
                    choices = obj.get("choices")
                    if choices and isinstance(choices, list) and isinstance(choices[0], dict):
                        choice = choices[0]
                        delta = choice.get("delta") or {}
                        if isinstance(delta, dict):
                            # reasoning first: a chunk carrying both ends the thinking
                            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
                            if reasoning and isinstance(reasoning, str):
                                for event in reader.reasoning(reasoning):
                                    yield event
                            content = delta.get("content")
                            if content and isinstance(content, str):
                                for event in reader.content(content):
                                    yield event
                            fragments = delta.get("tool_calls")
                            if fragments:
                                reader.tool_call_began()
                                for index, name in assembler.feed(fragments):
                                    yield ToolCallStarted(len(calls) + index, name)
                        if choice.get("finish_reason"):
                            finish = str(choice["finish_reason"])
                            for event in self._finish_calls(assembler, reader, calls):
                                yield event
                    usage = obj.get("usage")
                    if isinstance(usage, dict):
                        yield self._usage(usage, timing)
            if not done:
                try:
                    for sse in decoder.flush():
                        if sse.data == "[DONE]":
                            done = True
                except DecodeError:
                    pass
            if not done and finish is None:
                raise Truncated(
                    self.name,
                    "the stream ended before its end marker",
                    "the partial answer is kept; ask again to get the rest",
                    partial_text="".join(partial),
                    timing=timing,
                )
        except ProviderError as exc:
            keep_held(exc, partial, scanner)
            raise
        for event in self._finish_calls(assembler, reader, calls):
            yield event
        if not partial and not calls:
            if reader.reasoned:
                raise thinking_only(self.name, finish, timing)
            raise BadResponse(self.name, "the answer was empty", "try again, or another model", timing=timing)
        timing.outcome = "complete"
        yield Finished("tool_calls" if calls else finish or "stop", timing, tuple(calls))

    @staticmethod
    def _finish_calls(assembler: CallAssembler, reader: AnswerStream, calls: list[ToolCall]) -> list[StreamEvent]:
        """At the end of the answer: text held as a possible ``<think>`` tag or call, and the
        assembled native calls (each emitted once, after any text-form ones)."""
        events = reader.flush()
        if assembler:
            native = assembler.take(first_index=len(calls))  # emptied: a second finish adds nothing
            calls.extend(native)
            events.extend(native)
        return events

    def _usage(self, usage: dict[str, Any], timing: RequestTiming) -> Usage:
        counts = {k: usage.get(k) if isinstance(usage.get(k), int) else None for k in USAGE_COUNTS}
        server = {k: v for k, v in usage.items() if k not in USAGE_COUNTS and v is not None}  # nested kept
        details = usage.get("completion_tokens_details")
        reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
        reasoning = reasoning if isinstance(reasoning, int) and not isinstance(reasoning, bool) else None
        if reasoning is not None:
            server["reasoning_tokens"] = reasoning
        if counts["completion_tokens"]:
            timing.tokens = counts["completion_tokens"]
        if counts["prompt_tokens"] is not None:
            timing.server["prompt_tokens"] = counts["prompt_tokens"]
        timing.server.update(server)
        return Usage(server_timing=server, reasoning_tokens=reasoning, **counts)

    def _stream_error(self, payload: Any, partial: list[str]) -> ProviderError:
        if isinstance(payload, str):
            try:
                payload = parse_json(payload)
            except DecodeError:
                pass
        text = redact(error_text(payload) if not isinstance(payload, str) else payload)
        kind = payload.get("error_type") if isinstance(payload, dict) else None
        fix = "the partial answer is kept; try again"
        if kind == "overloaded":
            fix = "the provider is overloaded; the partial answer is kept; try again in a moment"
        elif kind == "validation":
            fix = "the request was refused; check the model and the length of the context"
        where = "mid-answer" if partial else "before the answer"
        return StreamErrorEvent(self.name, f"the provider reported an error {where}: {text}", fix,
                                partial_text="".join(partial))

    def _undecodable(self, exc: DecodeError, partial: list[str]) -> ProviderError:
        return BadResponse(
            self.name,
            f"the stream held data that cannot be decoded ({exc.sample!r})",
            "the partial answer is kept; try again; "
            "if it persists, check base_url points at an OpenAI-compatible server",
            partial_text="".join(partial),
        )


def context_length(item: dict[str, Any]) -> int | None:
    """A model's context window from an OpenAI-style listing (HF lists it per serving provider)."""
    for key in ("context_length", "context_window", "max_context_length", "max_model_len"):
        value = item.get(key)
        if isinstance(value, int) and value > 0:
            return value
    providers = item.get("providers")
    if isinstance(providers, list):
        lengths = [p.get("context_length") for p in providers if isinstance(p, dict)]
        lengths = [n for n in lengths if isinstance(n, int) and n > 0]
        if lengths:
            return max(lengths)
    return None
