"""Reasoning written inline: a leading ``<think>…</think>`` at the start of the content.

Some servers (Novita on the Hugging Face router, older Ollama builds, a llama.cpp or vLLM without
a reasoning parser) put a reasoning model's thinking in ``content`` itself, between tags. Only a
block that opens the answer (after blank space) is reasoning: a ``<think>`` later in an answer is
text the model wrote. The tags may be split across chunks anywhere, so a chunk that could still
be the start of a tag is held until the next one says what it is.
"""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"


def _held_suffix(text: str, tag: str) -> int:
    """How many characters at the end of ``text`` could begin ``tag`` (held for the next chunk)."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkSplitter:
    """Splits streamed content into (reasoning, answer) pieces. ``feed`` returns what can be told
    apart so far; ``flush`` (at the end) what was held. After the answer has begun, every chunk
    goes straight through: a constant cost per chunk for an answer without tags."""

    __slots__ = ("_held", "_state")

    def __init__(self) -> None:
        self._state = "start"  # start | thinking | after | answer
        self._held = ""

    @property
    def passthrough(self) -> bool:
        return self._state == "answer"

    @property
    def thinking(self) -> bool:
        """Inside an open ``<think>`` block (a stream cut now ended while thinking)."""
        return self._state == "thinking"

    def feed(self, chunk: str) -> tuple[str, str]:
        if self._state == "answer":
            return "", chunk
        text = self._held + chunk
        self._held = ""
        reasoning = answer = ""
        if self._state == "start":
            stripped = text.lstrip()
            if not stripped or (len(stripped) < len(OPEN) and OPEN.startswith(stripped)):
                self._held = text  # blank so far, or what may still become "<think>"
                return "", ""
            if not stripped.startswith(OPEN):
                self._state = "answer"
                return "", text
            self._state, text = "thinking", stripped[len(OPEN):]
        if self._state == "thinking":
            end = text.find(CLOSE)
            if end < 0:
                keep = _held_suffix(text, CLOSE)
                if keep:
                    text, self._held = text[:-keep], text[-keep:]
                return text, ""
            reasoning, text = text[:end], text[end + len(CLOSE):]
            self._state = "after"
        if self._state == "after":  # the blank lines between the block and the answer are not text
            text = text.lstrip()
            if not text:
                return reasoning, ""
            self._state = "answer"
            answer = text
        return reasoning, answer

    def flush(self) -> tuple[str, str]:
        """The end of the stream: held text is what its state says (an unclosed block's tail is
        reasoning; a lone ``<thi`` is answer text)."""
        held, self._held = self._held, ""
        if self._state == "thinking":
            return held, ""
        if self._state == "start" and held:  # a lone "<thi", or an answer that is only blanks
            self._state = "answer"
            return "", held
        return "", ""
