"""A turn of the conversation: the question and what came back, and the history the next
request carries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qwen_tui.conversation.loop import Answer
from qwen_tui.providers.base import Message
from qwen_tui.timing import RequestTiming

if TYPE_CHECKING:
    from qwen_tui.conversation.agent import ToolStep


@dataclass(slots=True)
class Turn(Answer):
    """One question and its answer (the answer's fields are the loop's ``Answer``)."""

    question: str
    provider: str = ""
    model: str = ""
    steps: list[ToolStep] = field(default_factory=list)  # the tool calls of the answer, in order
    step_timings: list[RequestTiming] = field(default_factory=list)  # one per request of the answer

    @property
    def answer(self) -> str:
        return self.text

    @answer.setter
    def answer(self, value: str) -> None:
        self.text = value


def history_messages(turns: Iterable[Turn]) -> list[Message]:
    """What the next request carries of the conversation: each question, and each answer that
    has text (a failed answer's partial text included: the model sees what the user saw)."""
    messages: list[Message] = []
    for turn in turns:
        messages.append(Message("user", turn.question))
        text = turn.text
        if text:
            messages.append(Message("assistant", text))
    return messages
