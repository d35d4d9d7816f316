"""What the simulator can be told to do: per-provider knobs, queued faults, recorded requests.

The HTTP handlers run on the simulator's own thread while tests change knobs and push faults from
theirs, so every shared list is guarded by one lock. Knob objects are read once per request
(a snapshot), so changing one mid-stream affects only the next request.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Any

from qwen_tui.sim.reply import DEFAULT_REPLY
from qwen_tui.sim.script import ScriptError, ScriptStep, parse_script

PROVIDERS: tuple[str, ...] = ("huggingface", "sambanova", "ollama", "blaxel", "openai")

DEFAULT_KEYS: dict[str, str] = {
    "huggingface": "hf_simulatortoken0001",
    "sambanova": "sim-sambanova-key-0001",
    "blaxel": "bl_simulatorkey0001",
    "openai": "sim-openai-key-0001",
}
DEFAULT_WORKSPACE = "sim-workspace"

FAULT_KINDS: frozenset[str] = frozenset(
    {
        "status",  # an HTTP error in the provider's own body shape
        "loading",  # HF legacy 503 "currently loading"; Ollama: a cold load of `seconds`
        "drop",  # close the connection after N tokens, no end marker
        "error_event",  # an in-stream error after N tokens (status stays 200)
        "garbage",  # a non-JSON line after N tokens, then the stream goes on
        "split_utf8",  # every chunk written in pieces cut inside multi-byte characters
        "hang",  # accept the request and never send headers
        "stall",  # after N tokens pause `seconds`, then continue
        "empty",  # a well-formed stream with no content at all
        "no_done",  # content and finish chunk, but no [DONE] / done line, then close
    }
)


#: The ways servers send reasoning: OpenAI-style ``delta.reasoning_content`` (DeepSeek, vLLM) or
#: ``delta.reasoning`` (SambaNova, Ollama's /v1, OpenRouter); a leading ``<think>`` block in the
#: content (Novita, servers without a reasoning parser); Ollama's native ``message.thinking``.
#: "auto": SambaNova and Ollama's /v1 ``reasoning``, native Ollama ``thinking``, the others
#: ``reasoning_content``.
REASONING_SHAPES: tuple[str, ...] = ("auto", "reasoning_content", "reasoning", "think_tags", "thinking")


class SimError(ValueError):
    """A bad knob, fault or provider name given to the simulator."""


@dataclass
class Knobs:
    """How one provider answers. ``tps`` 0 or None: as fast as possible."""

    ttft_ms: float = 50.0
    tps: float | None = 200.0
    reply: str = DEFAULT_REPLY
    chunk_chars: int = 4
    load_ms: float = 0.0  # Ollama cold model load: no response headers until it has elapsed
    #: Scripted answers, one step per chat request (text and/or tool calls; see sim.script).
    script: list[Any] | None = None
    #: Refuse every request that offers ``tools`` with a 400 naming them (no function calling).
    refuse_tools: bool = False
    #: Reasoning streamed before the reply (a thinking model); empty: none. It counts against
    #: ``max_tokens`` like the reply, so a small limit cuts the answer off while it thinks.
    reasoning: str = ""
    #: How the reasoning is sent (see ``REASONING_SHAPES``); "auto": each server's own way.
    reasoning_shape: str = "auto"
    #: Blaxel's control plane: this many more models beyond the catalog (``sim-extra-001``...),
    #: to walk long listings page by page.
    extra_models: int = 0
    #: Blaxel's pages: "camel" (``meta.hasMore``/``nextCursor``, the wire since 2026-04-28) or
    #: "snake" (``has_more``/``next_cursor``, which the SDK's reader also accepts).
    page_keys: str = "camel"
    #: How a Blaxel agent answers: "text" (plain text, streamed), "json" (one ``{"output"}``
    #: object when done) or "sse" (``data:`` lines, each a JSON string).
    agent_format: str = "text"

    def snapshot(self) -> Knobs:
        return dataclasses.replace(self)

    def update(self, **fields: Any) -> None:
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(fields) - names)
        if unknown:
            raise SimError(f"unknown knob(s) {unknown}; known: {sorted(names)}")
        for name, value in fields.items():
            setattr(self, name, _checked_knob(name, value))

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _checked_knob(name: str, value: Any) -> Any:
    if name == "script":
        if value is None:
            return None
        try:
            parse_script(value)
        except ScriptError as exc:
            raise SimError(str(exc)) from None
        return list(value)
    if name == "refuse_tools":
        if not isinstance(value, bool):
            raise SimError("knob 'refuse_tools' must be true or false")
        return value
    if name in ("reply", "reasoning"):
        if not isinstance(value, str):
            raise SimError(f"knob {name!r} must be a string")
        return value
    if name == "reasoning_shape":
        if value not in REASONING_SHAPES:
            raise SimError(f"knob 'reasoning_shape' must be one of {list(REASONING_SHAPES)}")
        return value
    if name == "agent_format":
        if value not in ("text", "json", "sse"):
            raise SimError("knob 'agent_format' must be 'text', 'json' or 'sse'")
        return value
    if name == "page_keys":
        if value not in ("camel", "snake"):
            raise SimError("knob 'page_keys' must be 'camel' or 'snake'")
        return value
    if name == "extra_models":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
            raise SimError("knob 'extra_models' must be an integer from 0 to 10000")
        return value
    if name == "chunk_chars":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SimError("knob 'chunk_chars' must be an integer >= 1")
        return value
    if name == "tps" and value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise SimError(f"knob {name!r} must be a number >= 0")
    return float(value)


@dataclass(frozen=True)
class Fault:
    """One misbehaviour, consumed by the next chat request that passes auth and model checks."""

    kind: str
    after_tokens: int = 0
    status: int | None = None
    retry_after: float | None = None
    seconds: float | None = None
    message: str | None = None
    #: ``status`` faults: the error body's code (SambaNova ``model_not_found``...) and extra
    #: response headers (``x-ratelimit-remaining-requests``...).
    code: str | None = None
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise SimError(f"unknown fault kind {self.kind!r}; known: {sorted(FAULT_KINDS)}")
        if self.after_tokens < 0:
            raise SimError("after_tokens must be >= 0")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise SimError(f"unknown fault field(s) {unknown}; known: {sorted(names)}")
        if "kind" not in data:
            raise SimError("a fault needs a 'kind'")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the simulator received it (header names lower-case)."""

    provider: str | None
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    received_at: float  # time.perf_counter() on the simulator's clock
    is_chat: bool = False
    #: When the first and the last content token went out (a chat stream only), on the same
    #: clock (CLOCK_MONOTONIC on Linux, so comparable with other processes' time.monotonic()).
    first_token_at: float | None = None
    last_token_at: float | None = None
    #: When the last byte of a chat answer was written (after its finish, usage and ``[DONE]``
    #: frames): the end of the answer as the client can see it. Same clock.
    ended_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_provider(provider: str | None) -> str | None:
    if provider is not None and provider not in PROVIDERS:
        raise SimError(f"unknown provider {provider!r}; known: {list(PROVIDERS)}")
    return provider


@dataclass
class SimState:
    """Everything mutable the handlers share with the thread that owns the Simulator."""

    default_knobs: Knobs
    knobs: dict[str, Knobs] = field(default_factory=dict)
    faults: list[tuple[str | None, Fault]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    ollama_loaded: list[str] = field(default_factory=list)  # what /api/ps reports
    #: the context length each loaded model was loaded with (the request's num_ctx, else 4096)
    ollama_loaded_ctx: dict[str, int] = field(default_factory=dict)
    script_positions: dict[str, int] = field(default_factory=dict)  # chat requests played per provider
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.reset_knobs()

    def reset_knobs(self) -> None:
        for name in PROVIDERS:
            if name in self.knobs:  # keep the object identity: callers may hold it
                self.knobs[name].update(**self.default_knobs.to_json())
            else:
                self.knobs[name] = self.default_knobs.snapshot()

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.requests.clear()
            self.ollama_loaded.clear()
            self.ollama_loaded_ctx.clear()
            self.script_positions.clear()
        self.reset_knobs()

    def set_knobs(self, provider: str | None, **fields: Any) -> None:
        check_provider(provider)
        Knobs().update(**fields)  # validate everything before changing anything
        for name in [provider] if provider else PROVIDERS:
            self.knobs[name].update(**fields)
            if "script" in fields:
                with self.lock:
                    self.script_positions.pop(name, None)

    def next_step(self, provider: str, knobs: Knobs) -> ScriptStep | None:
        """The script step this chat request plays (the script advances per request), or None:
        no script, or past its end (the ``reply`` knob answers)."""
        if not knobs.script:
            return None
        with self.lock:
            position = self.script_positions.get(provider, 0)
            self.script_positions[provider] = position + 1
        if position >= len(knobs.script):
            return None
        return ScriptStep.from_json(knobs.script[position], position)

    def push_fault(self, fault: Fault, provider: str | None) -> None:
        check_provider(provider)
        with self.lock:
            self.faults.append((provider, fault))

    def take_fault(self, provider: str) -> Fault | None:
        with self.lock:
            for index, (wanted, fault) in enumerate(self.faults):
                if wanted is None or wanted == provider:
                    del self.faults[index]
                    return fault
        return None

    def mark_loaded(self, model: str, context_length: int = 4096) -> None:
        with self.lock:
            if model not in self.ollama_loaded:
                self.ollama_loaded.append(model)
            self.ollama_loaded_ctx[model] = context_length

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def note_tokens(self, request: RecordedRequest, first: float | None, last: float | None,
                    ended: float | None = None) -> None:
        """Add the send times of the first and last token (and of the answer's last byte) to a
        recorded request."""
        with self.lock:
            for index, kept in enumerate(self.requests):
                if kept is request:
                    self.requests[index] = dataclasses.replace(
                        request, first_token_at=first, last_token_at=last, ended_at=ended
                    )
                    return

    def recorded(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self.requests)

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()
