"""One answer's streamed content and reasoning as events, the same way for every wire format.

Reasoning comes three ways: a field of its own (``delta.reasoning_content`` / ``delta.reasoning``,
Ollama's ``message.thinking``), or a leading ``<think>`` block in the content (``think_tags``).
Either way it becomes ``ReasoningDelta`` events, and the answer text goes on to the tool-call
scanner (when tools were offered). Timing: any token stamps TTFT; the first answer token (text
or a call) stamps ``answer_at``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qwen_tui.providers.base import (
    ProviderError, ReasoningDelta, StreamEvent, TextDelta, ThinkingOnly, ToolCall,
)
from qwen_tui.providers.think_tags import ThinkSplitter
from qwen_tui.timing import RequestTiming

if TYPE_CHECKING:
    from qwen_tui.providers.tool_text import TextCallScanner


def thinking_only(provider: str, finish: str | None, timing: RequestTiming) -> ProviderError:
    if finish == "length":
        return ThinkingOnly(provider, "the model spent its whole token budget thinking and wrote no answer",
                            "its reasoning is kept above; ask for less, raise max_tokens, or use a model "
                            "(or a setting) without thinking", timing=timing)
    return ThinkingOnly(provider, "the model reasoned but wrote no answer",
                        "its reasoning is kept above; ask again, or rephrase the question", timing=timing)


class AnswerStream:
    """What one request's content and reasoning chunks become. ``partial`` collects the answer
    text (for errors); ``calls`` the text-form tool calls found in it."""

    __slots__ = ("_scanner", "_splitter", "calls", "partial", "reasoned", "timing")

    def __init__(self, timing: RequestTiming, partial: list[str], scanner: TextCallScanner | None,
                 calls: list[ToolCall]) -> None:
        self.timing, self.partial, self.calls = timing, partial, calls
        self._scanner = scanner
        self._splitter: ThinkSplitter | None = ThinkSplitter()
        self.reasoned = False  # any reasoning arrived

    def reasoning(self, text: str) -> list[StreamEvent]:
        self.timing.mark_content()
        self.reasoned = self.timing.reasoned = True
        return [ReasoningDelta(text)]

    def content(self, text: str) -> list[StreamEvent]:
        """A content chunk (already non-empty): its reasoning part, then its answer part."""
        self.timing.mark_content()
        splitter = self._splitter
        if splitter is None:
            return self._answer(text)
        thought, text = splitter.feed(text)
        if splitter.passthrough:
            self._splitter = None  # the answer has begun: no more checks per chunk
        events: list[StreamEvent] = []
        if thought:
            self.reasoned = self.timing.reasoned = True
            events.append(ReasoningDelta(thought))
        if text:
            events += self._answer(text)
        return events

    def tool_call_began(self) -> None:
        """A native tool call streams: the answer has begun (a model may answer with calls only)."""
        self.timing.mark_content()
        self.timing.mark_answer()

    def flush(self) -> list[StreamEvent]:
        """The end of the stream: text held as a possible ``<think>`` tag, then the scanner's."""
        events: list[StreamEvent] = []
        if self._splitter is not None:
            thought, text = self._splitter.flush()
            self._splitter = None
            if thought:
                self.reasoned = self.timing.reasoned = True
                events.append(ReasoningDelta(thought))
            if text:
                events += self._answer(text)
        if self._scanner is not None:
            shown, found = self._scanner.flush()
            if shown:
                self.partial.append(shown)
                events.append(TextDelta(shown))
            self.calls.extend(found)
            events.extend(found)
        return events

    def _answer(self, text: str) -> list[StreamEvent]:
        self.timing.mark_answer()
        if self._scanner is None:
            self.partial.append(text)
            return [TextDelta(text)]
        shown, found = self._scanner.feed(text)
        events: list[StreamEvent] = []
        if shown:
            self.partial.append(shown)
            events.append(TextDelta(shown))
        self.calls.extend(found)
        events.extend(found)
        return events
