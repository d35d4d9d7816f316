"""Which ``num_ctx`` an Ollama request carries, so the server never cuts a prompt silently.

Ollama loads a model with 4,096 tokens of context unless told otherwise (below 24 GiB of VRAM)
and drops the start of a longer prompt without a word: the files the user picked. So each request
says how much it needs: the prompt plus room for the answer, rounded up to a power of two, never
less than what was sent before for that model (a different ``num_ctx`` reloads the model), and at
most the usable window: the model's own length (``/api/show`` ``model_info.*.context_length``)
capped by ``max_context_window``. A configured ``context_window`` is the user's word: it is sent
as it is. A prompt that does not fit the usable window is held before it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qwen_tui.context.tokens import TokenEstimator
from qwen_tui.providers.base import ContextTooLong, Message

#: The largest num_ctx sent unless ``max_context_window`` says otherwise (memory grows with it).
DEFAULT_MAX_CONTEXT_WINDOW = 32768
#: Ollama's own default when a request sets no num_ctx.
OLLAMA_DEFAULT_NUM_CTX = 4096
#: Room for the answer when the request sets no max_tokens.
ANSWER_ROOM = 2048
#: Less room than this for the answer and the request is not worth sending.
MIN_ANSWER_ROOM = 256

_ESTIMATOR = TokenEstimator()


def model_context_length(show: object) -> int | None:
    """``model_info.<architecture>.context_length`` of an ``/api/show`` answer."""
    info = show.get("model_info") if isinstance(show, dict) else None
    if not isinstance(info, dict):
        return None
    arch = info.get("general.architecture")
    keys = [f"{arch}.context_length"] if isinstance(arch, str) else []
    keys += [k for k in info if isinstance(k, str) and k.endswith(".context_length")]
    for key in keys:
        value = info.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def prompt_tokens(messages: Sequence[Message]) -> int:
    """The prompt's size as the context panel estimates it."""
    return _ESTIMATOR.estimate_messages(messages)


@dataclass(slots=True)
class WindowPlan:
    """What a model's window is, here, and what the last request sent."""

    model_max: int | None = None  # the model's trained length, when /api/show told it
    cap: int = DEFAULT_MAX_CONTEXT_WINDOW  # max_context_window
    configured: int | None = None  # context_window: sent as it is
    sent: int = 0  # the largest num_ctx sent (or found loaded) for this model
    looked_up: float = 0.0  # time.monotonic() of the last /api/show

    @property
    def usable(self) -> int:
        """The largest window a request to this model will run with."""
        if self.configured:
            return self.configured
        return min(self.model_max, self.cap) if self.model_max else self.cap

    def num_ctx(self, prompt: int, max_tokens: int | None) -> int:
        """The num_ctx for a prompt of ``prompt`` tokens; remembers it as sent."""
        if self.configured:
            return self.configured
        needed = prompt + (max_tokens if max_tokens else ANSWER_ROOM)
        size = OLLAMA_DEFAULT_NUM_CTX
        while size < needed:
            size *= 2
        size = min(max(size, self.sent), self.usable)
        self.sent = max(self.sent, size)
        return size


def check_fits(provider: str, model: str, plan: WindowPlan, prompt: int) -> None:
    """Raise ContextTooLong when the prompt leaves no room for an answer in the usable window."""
    usable = plan.usable
    if prompt + MIN_ANSWER_ROOM <= usable:
        return
    if plan.configured:
        more = f"raise context_window in the config (now {plan.configured:,})"
    elif plan.model_max and plan.model_max > usable:
        more = f"raise max_context_window in the config (now {usable:,}; the model allows {plan.model_max:,})"
    else:
        more = "pick a model with a larger window"
    raise ContextTooLong(
        provider,
        f"not sent: the request is about {prompt:,} tokens and {model} runs with a window of {usable:,} "
        "(Ollama would silently drop its start)",
        f"remove files from the context or start a new conversation, or {more}",
    )
