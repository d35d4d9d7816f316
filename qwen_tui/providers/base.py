"""The provider contract: request and event types, the error family.

Everything a UI or a script needs to talk to a model lives behind these types, so the core can be
used and tested without a terminal. No Textual import here or anywhere under ``providers/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from qwen_tui.redact import redact, register_secret
from qwen_tui.timing import RequestTiming

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One complete tool call of an answer, whichever way the server sent it.

    Also a stream event: emitted once the call is whole (OpenAI-style: at the finish chunk, its
    argument fragments joined; Ollama: the chunk that carries it; text form: when its closing tag
    or brace has streamed). ``arguments`` is the parsed object; when the model's arguments are not
    a JSON object, ``arguments`` is ``{}``, ``error`` says what was wrong and ``raw_arguments`` keeps
    what it wrote, so the loop can send the error back as the call's result instead of running it.
    """

    id: str  # the server's id, or one made up (Ollama and text-form calls have none)
    name: str
    arguments: dict[str, Any]
    raw_arguments: str  # the arguments as JSON text, exactly as they came when they came as text
    error: str | None = None
    index: int = 0  # position in the answer's calls
    from_text: bool = False  # written in the answer's text, recognised by providers.tool_text

    def to_openai(self) -> dict[str, Any]:
        """This call as an entry of an OpenAI assistant message's ``tool_calls``. Invalid
        arguments go back as ``{}``: servers re-parse the history and may refuse broken JSON."""
        return {"id": self.id, "type": "function",
                "function": {"name": self.name, "arguments": "{}" if self.error else self.raw_arguments}}

    def to_ollama(self) -> dict[str, Any]:
        """This call as an entry of an Ollama assistant message's ``tool_calls`` (an object)."""
        return {"function": {"name": self.name, "arguments": self.arguments}}


@dataclass(frozen=True, slots=True)
class Message:
    """One message of the history. An assistant message may carry the answer's ``tool_calls``;
    a ``tool`` message is one call's result, tied to it by ``tool_call_id`` (OpenAI-style) and
    ``tool_name`` (Ollama). ``Message.tool_result(call, text)`` builds one with both."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    tool_name: str | None = None

    @classmethod
    def tool_result(cls, call: ToolCall, content: str) -> Message:
        return cls("tool", content, tool_call_id=call.id, tool_name=call.name)

    def to_wire(self) -> dict[str, Any]:
        """OpenAI chat format."""
        if self.tool_calls:
            return {"role": self.role, "content": self.content, "tool_calls": [c.to_openai() for c in self.tool_calls]}
        if self.role == "tool":
            return {"role": "tool", "tool_call_id": self.tool_call_id or "", "content": self.content}
        return {"role": self.role, "content": self.content}

    def to_ollama(self) -> dict[str, Any]:
        """Ollama's native ``/api/chat`` format."""
        if self.tool_calls:
            return {"role": self.role, "content": self.content, "tool_calls": [c.to_ollama() for c in self.tool_calls]}
        if self.role == "tool":
            return {"role": "tool", "tool_name": self.tool_name or "", "content": self.content}
        return {"role": self.role, "content": self.content}


@dataclass(slots=True)
class ChatRequest:
    messages: list[Message]
    model: str | None = None  # None: the provider's configured model
    max_tokens: int | None = None
    temperature: float | None = None
    #: Tools offered, as OpenAI ``tools`` entries (``ToolSpec.openai()``); None or empty: none.
    #: With tools, calls written as text (``<tool_call>``...) are recognised too (tool_text).
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] = "auto"  # sent only with tools
    #: Scheduled on the event loop once the request has been written to the connection: a
    #: client can do its screen work after the bytes have left rather than before.
    on_sent: Callable[[], None] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``first_byte`` covers connect + send + wait for response headers."""

    connect: float = 10.0
    first_byte: float = 30.0
    between_chunks: float = 60.0


@dataclass(slots=True)
class ProviderSettings:
    """One configured provider, resolved from config file, env and defaults."""

    name: str
    kind: str
    base_url: str
    model: str
    api_key_env: str | None = None
    api_key: str | None = field(default=None, repr=False)  # read from api_key_env, never saved
    api_url: str | None = None  # Blaxel control plane
    workspace: str | None = None  # Blaxel
    timeouts: Timeouts = field(default_factory=Timeouts)
    context_window: int | None = None
    tool_calls: bool = True  # False: taught SEARCH/REPLACE blocks instead of being offered tools
    extra: dict[str, Any] = field(default_factory=dict)
    #: Extra headers on every request (a gateway's, Modal's proxy auth): header -> the environment
    #: variable it is read from, and header -> its value (secret: registered like a key).
    header_envs: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.api_key:
            register_secret(self.api_key)
        for value in self.headers.values():
            register_secret(value)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    context_window: int | None = None
    owned_by: str | None = None
    sandbox: bool = False
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Health:
    """Result of ``Provider.check()``: one cheap call."""

    provider: str
    reachable: bool
    key_set: bool
    key_accepted: bool | None  # None: not known (no key needed, or unreachable)
    latency_ms: float | None = None
    error: str | None = None  # plain words, redacted
    #: The check itself failed on our side (not the provider's answer): its state is unknown,
    #: never "down"; ``providers.health.check_provider`` logs it and tries again.
    check_failed: bool = False


# ---- stream events -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Phase:
    """A visible state change before the first token: ``connecting``, ``waiting`` (request sent,
    no headers yet), ``loading_model`` (Ollama: no byte yet, the model is probably loading),
    ``streaming`` (headers in)."""

    name: Literal["connecting", "waiting", "loading_model", "streaming"]
    timing: RequestTiming | None = None  # the live measurement, for elapsed-time displays


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """Reasoning ("thinking") text a model streams before or beside its answer: from
    ``delta.reasoning_content`` / ``delta.reasoning``, Ollama's ``message.thinking``, or a leading
    ``<think>`` block in the content. Shown apart from the answer, never sent back to a model."""

    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    server_timing: dict[str, Any] = field(default_factory=dict)  # provider's own figures
    #: Generated tokens spent on reasoning (``completion_tokens_details.reasoning_tokens``);
    #: counted inside ``completion_tokens`` too.
    reasoning_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """A tool call's name has streamed; its arguments are still coming (OpenAI-style only). For
    a display such as "writing edit_file…"; the call itself comes as a ``ToolCall``."""

    index: int
    name: str


@dataclass(frozen=True, slots=True)
class Finished:
    """Always the last event of a successful stream. ``reason`` is ``"tool_calls"`` whenever the
    answer made calls (Ollama says "stop"; text-form calls have no reason of their own); the
    calls are repeated in ``tool_calls``, in order, so a loop may read them here alone."""

    reason: str  # "stop", "length", "tool_calls", ...
    timing: RequestTiming
    tool_calls: tuple[ToolCall, ...] = ()


StreamEvent = Phase | TextDelta | ReasoningDelta | Usage | ToolCallStarted | ToolCall | Finished


async def model_window(provider: Provider, model: str) -> int | None:
    """The context window requests to ``model`` will run with, as the provider knows it: its own
    ``context_window_for`` (Ollama asks /api/show; Hugging Face reads past a ``:provider``
    suffix), else its model list matched by id (a plugin). None when it does not say."""
    own = getattr(provider, "context_window_for", None)
    if callable(own):
        return await own(model)
    return window_in_listing(provider, model, await provider.list_models())


def window_in_listing(provider: Provider, model: str, models: list[ModelInfo]) -> int | None:
    """``model``'s context window in ``provider``'s listing: the provider reads its own ids
    (Hugging Face's ``:provider`` suffix); a plugin without ``window_of`` matches ids exactly."""
    window_of = getattr(provider, "window_of", None)
    if callable(window_of):
        return window_of(model, models)
    return next((m.context_window for m in models if m.id == model), None)


@runtime_checkable
class Provider(Protocol):
    """What every provider offers. Built-ins and plugins alike are constructed as
    ``ProviderClass(settings)``."""

    settings: ProviderSettings
    kind: str
    #: True for providers whose endpoint has an API key to check (a local Ollama does not).
    needs_key: bool

    @property
    def name(self) -> str: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...

    async def list_models(self) -> list[ModelInfo]: ...

    async def check(self) -> Health: ...

    async def warm(self) -> None: ...

    async def aclose(self) -> None: ...


# ---- errors --------------------------------------------------------------------------------


class ProviderError(Exception):
    """An expected failure, told in plain words: which provider, what happened, what to do.

    ``partial_text`` holds whatever answer text arrived before the failure; ``timing`` what was
    measured up to it.
    """

    kind = "error"

    def __init__(
        self,
        provider: str,
        what: str,
        fix: str = "",
        *,
        status: int | None = None,
        retry_after: float | None = None,
        partial_text: str = "",
        timing: RequestTiming | None = None,
    ) -> None:
        self.provider = provider
        self.what = redact(what)
        self.fix = redact(fix)
        self.status = status
        self.retry_after = retry_after
        self.partial_text = partial_text
        self.timing = timing
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.provider}: {self.what}"
        if self.fix:
            text += f" — {self.fix}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "error",
            "error": self.kind,
            "provider": self.provider,
            "message": self.message,
            "status": self.status,
            "retry_after": self.retry_after,
        }


class AuthError(ProviderError):
    kind = "auth"


class MissingKey(AuthError):
    kind = "missing_key"


class NotFound(ProviderError):
    kind = "not_found"


class RateLimited(ProviderError):
    kind = "rate_limited"
    #: The response's rate-limit headers (``remaining-requests`` ...), when it sent any.
    limits: dict[str, str] = {}  # noqa: RUF012 - replaced per instance, never mutated


class SandboxModel(ProviderError):
    kind = "sandbox_model"


class UnsupportedModel(ProviderError):
    """The model is there but speaks another API than ours (a Blaxel model of a non-OpenAI runtime
    type): refused before anything is sent."""

    kind = "unsupported_model"


class Unavailable(ProviderError):
    """Server error, overloaded, not running, unreachable, model loading."""

    kind = "unavailable"


class ModelLoading(Unavailable):
    kind = "model_loading"


class ProviderTimeout(Unavailable):
    kind = "timeout"


class Truncated(ProviderError):
    """The stream ended before its end marker; ``partial_text`` keeps what came."""

    kind = "truncated"


class BadResponse(ProviderError):
    """Undecodable data, or an error event inside a 200 stream."""

    kind = "bad_response"


class ThinkingOnly(BadResponse):
    """The model reasoned and wrote no answer: its token budget went on thinking (``length``),
    or it stopped after thinking. Not "the answer was empty": its reasoning is kept and shown."""

    kind = "thinking_only"


class StreamErrorEvent(BadResponse):
    kind = "stream_error"


class ContextTooLong(ProviderError):
    """The prompt does not fit the window the model will run with: held, not sent."""

    kind = "context_too_long"


class ModelTooLarge(ProviderError):
    """The server is up but cannot load the model (not enough memory): not a "down" provider."""

    kind = "model_too_large"


class PaymentRequired(ProviderError):
    kind = "payment_required"


class ToolsUnsupported(BadResponse):
    """The request was refused because of its ``tools`` (HTTP 400/422 whose message names them):
    the model or server does not do function calling. The loop falls back to SEARCH/REPLACE."""

    kind = "tools_unsupported"
