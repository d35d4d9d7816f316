"""The agent loop: an answer that uses tools, request after request, until the model answers
without a call (at most ``max_steps`` requests).

Each request streams through ``stream_answer`` (the one loop); its calls run through the
project's ``tools.Answer`` in a thread; a write waits for the viewer's ``approve`` (unless the
policy says it needs no asking), and every result goes back to the model as the call's tool
message. A provider that refuses ``tools`` falls back to SEARCH/REPLACE blocks in the text, which
become proposals exactly like ``edit_file`` calls. Escape (a cancellation) stops it at any point,
keeping every step. No Textual here.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qwen_tui.conversation.loop import Answer, AnswerSink, stream_answer
from qwen_tui.conversation.turn import Turn
from qwen_tui.providers.base import ChatRequest, Message, Provider, ProviderError, ToolCall, ToolsUnsupported
from qwen_tui.timing import RequestTiming

if TYPE_CHECKING:
    from qwen_tui.tools.results import ToolResult
    from qwen_tui.tools.toolbox import Answer as ToolAnswer

DEFAULT_MAX_STEPS = 25


@dataclass(frozen=True, slots=True)
class Approval:
    """The user's word on one proposed write (or command)."""

    apply: bool
    reason: str | None = None  # sent to the model with a refusal
    apply_all: bool = False  # every later write of this question is applied without asking


@dataclass(slots=True)
class ToolStep:
    """One call of an answer and what came of it (kept in the turn, saved to the session)."""

    call: ToolCall
    result: ToolResult


class AgentSink(AnswerSink):
    """What the viewer of an answer with tools is told besides its text; no-ops by default (an
    ``approve`` nobody answers declines)."""

    def on_step(self, step: int, timing: RequestTiming | None) -> None:
        """Request ``step`` (from 2) of the same answer is about to go out; ``timing`` is the
        previous request's."""

    def on_tool_call(self, call: ToolCall) -> None:
        pass

    def on_tool_result(self, step: ToolStep) -> None:
        pass

    def on_note(self, text: str) -> None:
        """Something the user should know about the answer (a fallback, the step limit)."""

    async def approve(self, result: ToolResult) -> Approval:
        return Approval(False, "nobody was there to approve it")


class _StepSink(AnswerSink):
    """One request's events: the text goes straight to the viewer (no extra call on the hot
    path); the end of a request is not the end of the answer, so it is only recorded."""

    def __init__(self, outer: AgentSink) -> None:
        self.on_text = outer.on_text  # type: ignore[method-assign]
        self.on_reasoning = outer.on_reasoning  # type: ignore[method-assign]
        self.on_phase = outer.on_phase  # type: ignore[method-assign]
        self.on_usage = outer.on_usage  # type: ignore[method-assign]
        self.on_call_started = outer.on_call_started  # type: ignore[method-assign]


async def run_agent(provider: Provider, request: ChatRequest, sink: AgentSink, turn: Turn, tools: ToolAnswer,
                    *, blocks: bool = False, max_steps: int = DEFAULT_MAX_STEPS,
                    on_fallback: Callable[[], None] | None = None) -> Turn:
    """Answer ``request`` into ``turn``, running the calls the model makes. ``blocks``: the
    provider is taught SEARCH/REPLACE blocks instead of being offered tools (``tool_calls =
    false``, or after a fallback, which ``on_fallback`` is told of so it can be remembered)."""
    from qwen_tui.tools import SEARCH_REPLACE_PROMPT

    messages = list(request.messages)
    if blocks:
        messages = _teach_blocks(messages, SEARCH_REPLACE_PROMPT)
    step_sink, apply_all, blocks_reported = _StepSink(sink), False, False
    outcome = "complete"
    try:
        for step in range(1, max_steps + 1):
            if step > 1:
                sink.on_step(step, turn.timing)
            offered = None if blocks else tools.toolbox.openai_tools() or None
            if step > 1 and turn.parts and not turn.text.endswith("\n"):
                turn.parts.append("\n")  # the next request's text starts a line of its own
                sink.on_text("\n")
            start = len(turn.text)
            answer = Answer(parts=turn.parts)  # the text streams into the turn itself (saved as it comes)
            await stream_answer(provider, dataclasses.replace(request, messages=messages, tools=offered),
                                step_sink, answer)
            text = turn.text[start:]
            _merge(turn, answer)
            if answer.outcome == "error":
                if isinstance(answer.error, ToolsUnsupported) and not blocks and not answer.parts:
                    blocks, messages = True, _teach_blocks(messages, SEARCH_REPLACE_PROMPT)
                    sink.on_note(f"{provider.name} does not take tools: it is asked for SEARCH/REPLACE blocks "
                                 "instead (for the rest of this session).")
                    if on_fallback is not None:
                        on_fallback()
                    continue
                turn.outcome, turn.error = "error", answer.error
                sink.on_error(answer.error, turn)
                return turn
            if blocks:
                report = await _apply_blocks(text, tools, sink, turn, apply_all)
                if report is None:
                    break
                if blocks_reported:  # a failed block is reported to the model once
                    sink.on_note("Some SEARCH/REPLACE blocks still did not apply; the answer ends here.")
                    break
                blocks_reported, apply_all = True, report[1]
                messages += [Message("assistant", text), Message("user", report[0])]
                continue
            if not answer.tool_calls:
                break
            messages.append(Message("assistant", text, tool_calls=tuple(answer.tool_calls)))
            for call in answer.tool_calls:
                sink.on_tool_call(call)
                result, apply_all = await _run_call(call, tools, sink, apply_all)
                done = ToolStep(call, result)
                turn.steps.append(done)
                sink.on_tool_result(done)
                messages.append(Message.tool_result(call, result.content))
        else:
            outcome = "max_steps"
            sink.on_note(f"Stopped after {max_steps} tool steps (tools.max_steps): ask again to go on.")
    except asyncio.CancelledError:
        turn.outcome = "cancelled"
        sink.on_cancel(turn)
        raise
    turn.outcome = outcome
    sink.on_finish(turn)
    return turn


async def _run_call(call: ToolCall, tools: ToolAnswer, sink: AgentSink, apply_all: bool) -> tuple[ToolResult, bool]:
    """Run one call (in a thread); a write waits for approval unless the policy or "apply all"
    says yes. A call whose arguments are not JSON goes back as its error, never run."""
    from qwen_tui.tools.policy import Decision

    arguments = call.raw_arguments if call.error else call.arguments
    if tools.quick(call.name, arguments):  # a small read: no thread hop (it cost more than the read)
        result = tools.run(call.name, arguments, call.id)
    else:
        result = await asyncio.to_thread(tools.run, call.name, arguments, call.id)
    if not result.pending:
        return result, apply_all
    if result.decision is Decision.RUN or (apply_all and result.proposal is not None):
        return await asyncio.to_thread(tools.approve, result), apply_all
    approval = await sink.approve(result)
    if approval.apply:
        return await asyncio.to_thread(tools.approve, result), apply_all or approval.apply_all
    return await asyncio.to_thread(tools.decline, result, approval.reason), apply_all


async def _apply_blocks(text: str, tools: ToolAnswer, sink: AgentSink, turn: Turn,
                        apply_all: bool) -> tuple[str, bool] | None:
    """The SEARCH/REPLACE blocks of an answer as proposals, each approved like an ``edit_file``
    call; None when all applied (or there were none), else what to tell the model."""
    from qwen_tui.tools import failure_report, has_blocks
    from qwen_tui.tools.results import ToolResult

    if not has_blocks(text):
        return None
    outcome = await asyncio.to_thread(tools.propose_blocks, text)
    failures = list(outcome.failures)
    for number, proposal in enumerate(outcome.proposals, start=1):
        call = ToolCall(f"block_{len(turn.steps) + 1}", proposal.tool, {"path": proposal.path}, "{}", index=number)
        sink.on_tool_call(call)
        pending = ToolResult(proposal.tool, True, "", f"{proposal.path}: proposed", {"path": proposal.path},
                             pending=True, proposal=proposal)
        approval = Approval(True) if apply_all else await sink.approve(pending)
        apply_all = apply_all or approval.apply_all
        if approval.apply:
            result = await asyncio.to_thread(tools.approve, pending)
        else:
            result = await asyncio.to_thread(tools.decline, pending, approval.reason)
        done = ToolStep(call, result)
        turn.steps.append(done)
        sink.on_tool_result(done)
        if not result.ok:
            failures.append(result.content)
    return (failure_report(failures), apply_all) if failures else None


def _teach_blocks(messages: list[Message], prompt: str) -> list[Message]:
    """The SEARCH/REPLACE instructions joined to the system prompt (or first, if there is none)."""
    if messages and messages[0].role == "system":
        return [Message("system", f"{messages[0].content}\n\n{prompt}"), *messages[1:]]
    return [Message("system", prompt), *messages]


def _merge(turn: Turn, answer: Answer) -> None:
    """One request's figures into the turn (its text is already there): the first request's
    timing is the answer's; every request's is kept."""
    turn.reasoning.extend(answer.reasoning)
    if answer.timing is not None:
        turn.step_timings.append(answer.timing)
        if turn.timing is None:
            turn.timing = answer.timing
    turn.usage = answer.usage or turn.usage
    turn.finish_reason = answer.finish_reason


__all__ = ["AgentSink", "Approval", "DEFAULT_MAX_STEPS", "ProviderError", "ToolStep", "run_agent"]
