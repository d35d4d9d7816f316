"""The one streaming loop: a provider's events become an answer and a viewer's calls.

The TUI, ``qwen-tui ask``, ``qwen-tui bench`` and a race all read a provider through
``stream_answer``; what differs is the ``AnswerSink`` that renders what it is told. The loop keeps
what arrived (a failure keeps the partial answer), gives the event loop back every few milliseconds
of a burst, and holds the oldest garbage generation while it streams. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from qwen_tui.providers.base import (
    ChatRequest,
    Finished,
    Phase,
    Provider,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    ToolCallStarted,
    Usage,
)
from qwen_tui.redact import redact
from qwen_tui.timing import RequestTiming

#: While deltas stream, the loop gives the event loop back after this much handling: one network
#: read can hold thousands of deltas, and keys and frames must not wait for all of them.
YIELD_EVERY_S = 0.004
#: Lets another runnable process have this core at once (a no-op when none waits): a server on
#: this machine (Ollama, the simulator) may wait for a core to read the request just written.
yield_cpu: Callable[[], None] = getattr(os, "sched_yield", lambda: None)


class UnexpectedFailure(ProviderError):
    """A failure nobody planned for (a plugin's bug, say), told like any provider error so the
    viewer needs one path; the original stays in ``__cause__`` for the log."""

    kind = "unexpected"


@dataclass(slots=True, kw_only=True)
class Answer:
    """What came back for one request, filled in as it streams.

    The text is kept as the pieces that arrived: adding one is O(1) however long the answer is;
    ``text`` joins them once when the whole is needed."""

    parts: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    outcome: str = "pending"  # pending | complete | error | cancelled
    timing: RequestTiming | None = None
    error: ProviderError | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)  # the calls the model made, in order

    @property
    def text(self) -> str:
        parts = self.parts
        if len(parts) > 1:
            parts[:] = ["".join(parts)]
        return parts[0] if parts else ""

    @text.setter
    def text(self, value: str) -> None:
        self.parts[:] = [value] if value else []


class AnswerSink:
    """What a viewer is told while an answer streams; every call is a no-op here, so a viewer
    overrides only what it shows. ``on_text`` is the hot path: keep it O(len(text))."""

    def on_text(self, text: str) -> None:
        pass

    def on_reasoning(self, text: str) -> None:
        pass

    def on_phase(self, name: str, timing: RequestTiming | None) -> None:
        pass

    def on_usage(self, usage: Usage) -> None:
        pass

    def on_call_started(self, name: str) -> None:
        """A tool call is arriving (its name known, maybe not its arguments): this answer will
        end in a call. Told again for each call and for the whole call when it comes."""

    def on_finish(self, answer: Answer) -> None:
        pass

    def on_error(self, error: ProviderError, answer: Answer) -> None:
        pass

    def on_cancel(self, answer: Answer) -> None:
        pass


async def stream_answer(provider: Provider, request: ChatRequest, sink: AnswerSink,
                        answer: Answer | None = None) -> Answer:
    """Stream ``request`` from ``provider`` into ``answer`` (a new one by default), telling ``sink``.

    Expected failures end in ``sink.on_error`` with the partial answer kept, never an exception;
    a cancellation (Escape, a stopped lane) calls ``sink.on_cancel`` and propagates."""
    answer = answer if answer is not None else Answer()
    parts = answer.parts
    base = len(answer.text) if parts else 0  # an agent's later request streams after earlier text
    on_text = sink.on_text
    loop = asyncio.get_running_loop()
    try:
        with no_full_collections():
            async with contextlib.aclosing(provider.stream(request)) as events:
                slice_start = loop.time()
                async for event in events:
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
                        on_text(event.text)
                        if loop.time() - slice_start > YIELD_EVERY_S:
                            await asyncio.sleep(0)
                            slice_start = loop.time()
                        continue
                    slice_start = loop.time()
                    if isinstance(event, Phase):
                        if event.timing is not None:
                            answer.timing = event.timing
                        sink.on_phase(event.name, answer.timing)
                    elif isinstance(event, ReasoningDelta):
                        answer.reasoning.append(event.text)
                        sink.on_reasoning(event.text)
                    elif isinstance(event, ToolCallStarted):
                        sink.on_call_started(event.name)
                    elif isinstance(event, ToolCall):
                        answer.tool_calls.append(event)
                        sink.on_call_started(event.name)
                    elif isinstance(event, Finished):
                        answer.timing, answer.finish_reason = event.timing, event.reason
                        if event.tool_calls:
                            answer.tool_calls = list(event.tool_calls)
                    elif isinstance(event, Usage):
                        answer.usage = event
                        sink.on_usage(event)
        answer.outcome = "complete"
        _stamp(answer, provider)
        sink.on_finish(answer)
    except asyncio.CancelledError:
        answer.outcome = "cancelled"
        _stamp(answer, provider)
        sink.on_cancel(answer)
        raise
    except ProviderError as err:
        _failed(answer, provider, err, sink, base)
    except Exception as exc:  # noqa: BLE001 - an unexpected failure still must not end the caller
        err = UnexpectedFailure(provider.name, f"unexpected error ({redact(f'{exc.__class__.__name__}: {exc}')})",
                                "--debug shows details")
        err.__cause__ = exc
        _failed(answer, provider, err, sink, base)
    return answer


def _failed(answer: Answer, provider: Provider, err: ProviderError, sink: AnswerSink, base: int = 0) -> None:
    answer.outcome, answer.error = "error", err
    answer.timing = err.timing or answer.timing
    # What arrived is the provider's partial text: the viewer is shown any of it not shown yet
    # (text held back because it might have begun a tool call, say).
    if err.partial_text:
        seen = answer.text[base:] if answer.parts else ""
        if err.partial_text.startswith(seen) and len(err.partial_text) > len(seen):
            tail = err.partial_text[len(seen):]
            answer.parts.append(tail)
            sink.on_text(tail)
    _stamp(answer, provider)
    sink.on_error(err, answer)


def _stamp(answer: Answer, provider: Provider) -> None:
    timing = answer.timing
    if timing is not None:
        timing.outcome = answer.outcome
        if not timing.provider:
            timing.provider = provider.name


_held = 0  # how many streams hold the full collection off (a race streams several at once)
_saved_thresholds: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def no_full_collections() -> Iterator[None]:
    """While an answer streams, the garbage collector's oldest generation is not collected.

    Rendering an answer allocates hundreds of thousands of small objects; a full collection walks
    all of them and held the event loop long enough to delay a key press in a burst. Young
    collections still run (they free nearly all cyclic garbage); the full one comes back when the
    last stream ends."""
    global _held, _saved_thresholds
    _held += 1
    if _held == 1:
        _saved_thresholds = gc.get_threshold()
        first, second, third = _saved_thresholds
        gc.set_threshold(first, second, max(third, 1_000_000))
    try:
        yield
    finally:
        _held -= 1
        if _held == 0:
            gc.set_threshold(*_saved_thresholds)
