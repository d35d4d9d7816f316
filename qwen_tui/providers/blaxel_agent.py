"""A Blaxel agent as a provider (``kind = "blaxel-agent"``, ``agent = "name"``).

An agent is not a model: it is called as the SDK's ``BlAgent.run`` calls it (sdk-python
``core/agents/__init__.py``): ``POST {run_url}/{workspace}/agents/{name}`` with a JSON body the
agent defines and the Blaxel headers; its answer is the response body. Blaxel's agent templates
read ``{"inputs": "..."}``, the default body; ``body_template`` changes it (``"$input"`` stands for
the question with its context, ``"$messages"`` for the conversation as OpenAI messages).

The body is streamed as text as it arrives (plain text, or SSE ``data:`` lines); a JSON answer
(``application/json``) is read whole and unwrapped (``{"output": "..."}`` and the like). TTFT is
the first non-empty text, measured by the same ``RequestTiming`` as every provider.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterator
from typing import Any

from qwen_tui.providers.answer_stream import AnswerStream
from qwen_tui.providers.base import (
    BadResponse, ChatRequest, Finished, ModelInfo, NotFound, ProviderSettings, StreamEvent,
)
from qwen_tui.providers.blaxel import BlaxelProvider
from qwen_tui.providers.streams import DecodeError, SSEDecoder, parse_json
from qwen_tui.timing import RequestTiming

INPUT = "$input"
MESSAGES = "$messages"
DEFAULT_BODY: dict[str, Any] = {"inputs": INPUT}
#: Where agents put their answer in a JSON body, in the order they are tried.
ANSWER_KEYS = ("output", "outputs", "answer", "response", "result", "text", "content", "message", "data")


def prompt_text(request: ChatRequest) -> str:
    """The question and its context as one text: the system prompt (project files, instructions),
    earlier turns labelled, the question last. Tool traffic is left out: an agent takes none."""
    messages = [m for m in request.messages if m.role in ("system", "user", "assistant") and m.content]
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    parts: list[str] = []
    for index, message in enumerate(messages):
        if message.role == "system" or index == last_user:
            parts.append(message.content)
        else:
            parts.append(f"{'User' if message.role == 'user' else 'Assistant'}: {message.content}")
    return "\n\n".join(parts)


def fill_template(template: Any, text: str, messages: list[dict[str, Any]]) -> Any:
    """The template with every ``"$input"`` replaced by ``text`` and ``"$messages"`` by the list."""
    if template == INPUT:
        return text
    if template == MESSAGES:
        return messages
    if isinstance(template, dict):
        return {key: fill_template(value, text, messages) for key, value in template.items()}
    if isinstance(template, list):
        return [fill_template(value, text, messages) for value in template]
    return template


def unwrap(answer: Any) -> str | None:
    """The answer text inside a JSON answer, or None when there is none to find."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, list):
        if answer and all(isinstance(item, dict) and "content" in item for item in answer):
            return unwrap(answer[-1]["content"])  # a message list (LangGraph): the last one
        texts = [t for t in (unwrap(item) for item in answer) if t]
        return "".join(texts) if texts else None
    if isinstance(answer, dict):
        choices = answer.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):  # an OpenAI completion
            found = unwrap(choices[0].get("message") or choices[0].get("delta") or choices[0].get("text"))
            if found is not None:
                return found
        for key in ANSWER_KEYS:
            if key in answer:
                found = unwrap(answer[key])
                if found is not None:
                    return found
        if isinstance(answer.get("messages"), list):
            return unwrap(answer["messages"])
    return None


class BlaxelAgentProvider(BlaxelProvider):
    kind = "blaxel-agent"
    label = "Blaxel agent"

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self.agent = str(settings.extra.get("agent") or settings.model)
        self.body_template = settings.extra.get("body_template") or DEFAULT_BODY

    def agent_url(self, agent: str | None = None) -> str:
        """The SDK's external URL; ``BL_AGENT_{NAME}_URL`` (read by the config) forces another
        for the configured agent."""
        agent = agent or self.agent
        forced = self.settings.extra.get("agent_url")
        if forced and agent == self.agent:
            return str(forced).rstrip("/")
        return f"{self.settings.base_url}/{self.settings.workspace}/agents/{agent}"

    def warm_url(self) -> str:
        return self.settings.base_url

    async def open_connection(self) -> None:  # not the agent itself: a HEAD would run nothing, but be safe
        await self.client.head(self.warm_url(), headers=self.auth_headers())

    def not_found_fix(self) -> str:
        return f"check the agent name; `qwen-tui models {self.name}` lists the workspace's agents"

    async def before_chat(self, request: ChatRequest) -> tuple[str, str, dict[str, str]]:
        # another of the workspace's agents when one was picked (F2 lists them as this provider's models)
        agent = request.model or self.agent
        # any Accept: an agent answers in text, JSON or SSE as it was written to
        return self.agent_url(agent), agent, {"Accept": "text/plain, application/json, text/event-stream, */*"}

    def chat_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        messages = [m.to_wire() for m in request.messages if m.role in ("system", "user", "assistant")]
        return fill_template(self.body_template, prompt_text(request), messages)

    async def list_models(self) -> list[ModelInfo]:
        """The workspace's agents: what this provider can be pointed at."""
        self.require_key()
        agents = []
        for item in await self.list_agents():
            name = (item.get("metadata") or {}).get("name")
            if isinstance(name, str):
                agents.append(ModelInfo(name, details=item))
        return agents

    async def available_hint(self) -> str:
        hint = await super().available_hint()
        return hint.replace(f"{self.models_word}:", "agents:", 1) if hint else ""

    def status_error(self, status: int, headers: Any, raw: bytes, timing: Any, *, url: str = "") -> Any:
        error = super().status_error(status, headers, raw, timing, url=url)
        unavailable = "WORKLOAD_UNAVAILABLE" in raw.decode("utf-8", "replace")
        if isinstance(error, NotFound) and status == 404 and not unavailable:
            agent = timing.model if timing is not None else self.agent
            return NotFound(self.name, f"the workspace {self.settings.workspace!r} has no agent {agent!r}",
                            self.not_found_fix(), status=status, timing=timing)
        return error

    # -- the answer -------------------------------------------------------------------------
    async def decode(self, resp: Any, timing: RequestTiming, partial: list[str],
                     request: ChatRequest | None = None) -> AsyncIterator[StreamEvent]:
        reader = AnswerStream(timing, partial, None, [])
        content_type = resp.headers.get("content-type", "").lower()
        if "json" in content_type and "ndjson" not in content_type:
            raw = b""
            async for chunk in self.iter_raw(resp, timing, partial):
                raw += chunk
            text = self._unwrapped(raw, timing)
            if text:
                for event in reader.content(text):
                    yield event
        elif "text/event-stream" in content_type:
            decoder = SSEDecoder()
            async for chunk in self.iter_raw(resp, timing, partial):
                try:
                    events = decoder.feed(chunk)
                except DecodeError as exc:
                    raise BadResponse(self.name, f"the agent's stream held data that cannot be decoded "
                                      f"({exc.sample!r})", "the partial answer is kept; try again",
                                      partial_text="".join(partial), timing=timing) from None
                for sse in events:
                    if sse.data == "[DONE]":
                        timing.outcome = "ending"
                        break
                    text = self._sse_text(sse.data)
                    if text:
                        for event in reader.content(text):
                            yield event
        else:  # text as it comes, decoded across split reads
            utf8 = codecs.getincrementaldecoder("utf-8")("replace")
            async for chunk in self.iter_raw(resp, timing, partial):
                text = utf8.decode(chunk)
                if text:
                    for event in reader.content(text):
                        yield event
            tail = utf8.decode(b"", final=True)
            if tail:
                for event in reader.content(tail):
                    yield event
        for event in reader.flush():
            yield event
        if not partial:
            raise BadResponse(self.name, f"the agent {self.agent!r} answered with no text",
                              "try again, or check what the agent returns (its body_template input)", timing=timing)
        timing.outcome = "complete"
        yield Finished("stop", timing)

    def _unwrapped(self, raw: bytes, timing: RequestTiming) -> str:
        try:
            answer = json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")  # said JSON, is not: the text as it is
        text = unwrap(answer)
        if text is None:  # an object with no answer field we know: show it as it came
            text = json.dumps(answer, ensure_ascii=False, indent=2)
        return text

    @staticmethod
    def _sse_text(data: str) -> str:
        if not data:
            return ""
        try:
            value = parse_json(data)
        except DecodeError:
            return data
        text = unwrap(value)
        return text if text is not None else data
