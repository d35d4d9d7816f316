"""Compaction: the current provider summarises the conversation so far, and the summary is sent
in place of the older turns from then on.

The turns themselves stay: in ``Conversation.turns`` (on screen, dimmed), and in the session file,
where a ``compaction`` record marks how many of them the summary stands for. Undoing a compaction
(a ``compaction_undone`` record) sends the turns again. Dropping the oldest turns is a compaction
with no summary. The summary is asked through the one loop, ``stream_answer``. No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qwen_tui.conversation.loop import AnswerSink, stream_answer
from qwen_tui.conversation.turn import Turn, history_messages
from qwen_tui.providers.base import ChatRequest, Message, Provider

if TYPE_CHECKING:
    from qwen_tui.conversation.conversation import Conversation

SUMMARY_REQUEST = (
    "Summarise our conversation so far so that you can carry on from the summary alone: the user's "
    "goals, the decisions taken, the files and names that matter, code that was agreed on (briefly), "
    "and what is still open. Plain prose and short lists; no preamble."
)
SUMMARY_INTRO = "Summary of our earlier conversation (compacted: the original turns are not sent):"
SUMMARY_ACK = "Understood: I will carry on from this summary."


class CompactionError(Exception):
    """Nothing was compacted (nothing to compact, or the provider did not give a summary)."""


@dataclass(frozen=True, slots=True)
class Compaction:
    """The first ``covers`` turns are sent as ``summary`` (empty: dropped, nothing sent for them)."""

    summary: str
    covers: int
    provider: str = ""
    model: str = ""


def summary_messages(compaction: Compaction | None) -> list[Message]:
    """What a request carries in place of the compacted turns: the summary as a question and a
    short answer, so that user and assistant still alternate (some chat templates insist)."""
    if compaction is None or not compaction.summary:
        return []
    return [Message("user", f"{SUMMARY_INTRO}\n\n{compaction.summary}"), Message("assistant", SUMMARY_ACK)]


def sent_history(turns: Sequence[Turn], compaction: Compaction | None) -> list[Message]:
    """The history a request carries: the summary, then the turns it does not cover."""
    if compaction is None:
        return history_messages(turns)
    return summary_messages(compaction) + history_messages(turns[compaction.covers:])


async def compact(conversation: Conversation, provider: Provider, model: str, *, keep_last: int = 0,
                  sink: AnswerSink | None = None, budget: int | None = None,
                  estimate: Callable[[list[Message]], int] | None = None) -> Compaction:
    """Ask ``provider`` to summarise every turn but the last ``keep_last``; the summary then
    stands for them (and for an earlier summary). With ``budget`` (tokens a request may take) and
    ``estimate`` (a message list's tokens), a history too big for one summary request is
    summarised a part at a time, each part with the summary so far: no request is cut.
    Raises ``CompactionError`` when there is nothing new to compact, a single turn is too big to
    summarise, or no summary came back; the conversation is then unchanged."""
    turns = conversation.turns
    target = len(turns) - max(0, keep_last)
    so_far = conversation.compacted
    if target <= 0 or (so_far is not None and target <= so_far.covers):
        raise CompactionError("Nothing to compact yet: no turn since the last compaction.")
    while so_far is None or so_far.covers < target:
        start = so_far.covers if so_far is not None else 0
        end = target if budget is None or estimate is None else _fitting_end(turns, so_far, start, target,
                                                                           budget, estimate)
        if end <= start:
            raise CompactionError(f"Turn {start + 1} alone is too big to summarise in this model's window: "
                                  "drop it instead. Nothing was compacted.")
        messages = [*sent_history(turns[:end], so_far), Message("user", SUMMARY_REQUEST)]
        answer = await stream_answer(provider, ChatRequest(messages=messages, model=model), sink or AnswerSink())
        summary = answer.text.strip()
        if answer.outcome != "complete" or not summary:
            why = answer.error.message if answer.error is not None else "the answer was empty"
            raise CompactionError(f"No summary from {provider.name}: {why}. Nothing was compacted.")
        so_far = Compaction(summary, end, provider.name, model)
    conversation.add_compaction(so_far)
    return so_far


def _fitting_end(turns: Sequence[Turn], so_far: Compaction | None, start: int, target: int, budget: int,
                 estimate: Callable[[list[Message]], int]) -> int:
    """The furthest turn index up to ``target`` whose summary request fits ``budget``."""
    used = estimate([*summary_messages(so_far), Message("user", SUMMARY_REQUEST)])
    end = start
    while end < target:
        used += estimate(history_messages([turns[end]]))
        if used > budget:
            break
        end += 1
    return end


def drop_oldest(conversation: Conversation, turns: int) -> Compaction:
    """Stop sending the oldest ``turns`` turns (and any summary before them): they stay on screen
    and in the session file, and undo sends them again."""
    previous = conversation.compacted
    covers = min(len(conversation.turns), (previous.covers if previous is not None else 0) + max(0, turns))
    if covers <= (previous.covers if previous is not None else 0):
        raise CompactionError("No turn left to drop.")
    compaction = Compaction("", covers)
    conversation.add_compaction(compaction)
    return compaction


def turns_to_drop(conversation: Conversation, tokens_over: int, estimate) -> int:
    """How many of the oldest turns still sent must go for ``tokens_over`` tokens to be freed
    (``estimate`` counts a list of messages); all of them when that is not enough."""
    previous = conversation.compacted
    start = previous.covers if previous is not None else 0
    freed = estimate(summary_messages(previous))
    for count, turn in enumerate(conversation.turns[start:], start=1):
        freed += estimate(history_messages([turn]))
        if freed >= tokens_over:
            return count
    return len(conversation.turns) - start
