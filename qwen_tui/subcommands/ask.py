"""``qwen-tui ask``: one question, the answer streamed to stdout, timing to stderr."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qwen_tui import paths
from qwen_tui.config import AppConfig
from qwen_tui.context import ContextError, ProjectIndex, Selection, build_prompt
from qwen_tui.context.instructions import instructions_section, load_instructions
from qwen_tui.conversation import Answer, Turn, stream_answer
from qwen_tui.conversation.agent import AgentSink, Approval, ToolStep, run_agent
from qwen_tui.providers.base import ChatRequest, Message, Provider, ProviderError, ToolCall
from qwen_tui.subcommands.mcp import mcp_for_ask
from qwen_tui.subcommands.output import (
    EXIT_OK,
    UsageError,
    emit_json,
    err,
    exit_code_for,
    fmt_ms,
    safe,
)
from qwen_tui.timing import RequestTiming, first_tokens_text
from qwen_tui.metrics import append_history

if TYPE_CHECKING:
    from qwen_tui.tools import Toolbox
    from qwen_tui.tools.results import ToolResult


def gather_context(root: Path, file_args: list[str], max_file_bytes: int) -> list[Any]:
    """The files named by ``--file``, through the same index and selection the TUI uses.

    A single named file that is binary, missing or outside the root is a usage error; inside a
    folder such files are skipped with a note on stderr.
    """
    if not file_args:
        return []
    index = ProjectIndex(root, max_file_bytes=max_file_bytes)
    index.build()
    selection = Selection()
    try:
        for arg in file_args:
            selection.add(arg, index)
        files, notes = selection.expand(index, strict=True)
    except ContextError as exc:
        raise UsageError(f"--file: {exc}") from None
    for note in notes:
        err(f"note: {note}")
    return files


async def run_ask(
    config: AppConfig,
    provider: Provider,
    prompt: str,
    files: list[Any],
    *,
    model: str | None,
    as_json: bool,
    tools: str = "read",
    yes: bool = False,
    allow_commands: Sequence[str] = (),
    instructions: bool = True,
) -> int:
    ctx = config.context
    found = load_instructions(Path.cwd()) if instructions else []
    for item in found:
        if item.error:
            err(f"note: {item.error}")
    built = build_prompt(prompt, [], files, system_prompt=ctx.system_prompt,
                         context_window=provider.settings.context_window, reserve_tokens=ctx.reserve_tokens,
                         instructions=instructions_section(found))
    if built.over_budget:
        raise UsageError(built.held_message or "the context does not fit the model's context window")
    request = ChatRequest(messages=list(built.messages), model=model)
    sink = _StdoutSink(provider, as_json)
    if tools == "none":
        answer = await stream_answer(provider, request, sink)
        _finish(provider, answer, as_json, sink.wrote_newline)
        return exit_code_for(answer.error) if answer.error is not None else EXIT_OK
    toolbox = _toolbox(config, tools, yes, allow_commands)
    turn = Turn(prompt, provider=provider.name, model=model or provider.settings.model)
    async with mcp_for_ask(config, toolbox):  # MCP servers: started here, ended when the answer is done
        await run_agent(provider, request, sink, turn,
                        toolbox.start_answer([f.path for f in files], label=prompt[:60]),
                        blocks=not provider.settings.tool_calls, max_steps=config.tools.max_steps)
    _finish(provider, turn, as_json, sink.wrote_newline)
    return exit_code_for(turn.error) if turn.error is not None else EXIT_OK


def _toolbox(config: AppConfig, tools: str, yes: bool, allow_commands: Sequence[str]) -> Toolbox:
    from qwen_tui.tools import ApprovalPolicy, CommandTool, Toolbox

    policy = ApprovalPolicy.from_settings(config.tools, tools, yes=yes, allow_commands=allow_commands)
    toolbox = Toolbox(Path.cwd(), policy=policy)
    CommandTool.install(toolbox, config)
    return toolbox


class _StdoutSink(AgentSink):
    """The answer on stdout as it streams (or one JSON object per event); notes on stderr. Nobody
    is there to approve a write: without ``--yes`` it is declined, and listed on stderr."""

    def __init__(self, provider: Provider, as_json: bool) -> None:
        self.provider, self.as_json = provider, as_json
        self.out = sys.stdout
        self.wrote_newline = True
        self.thinking = False  # reasoning is being written to stderr (a line of its own follows)

    def on_reasoning(self, text: str) -> None:
        """Reasoning is never part of the answer on stdout: an object of its own, or stderr."""
        if self.as_json:
            emit_json({"type": "reasoning", "text": text}, self.out)
        else:
            self.thinking = not text.endswith("\n")
            sys.stderr.write(safe(text, sys.stderr))
            sys.stderr.flush()

    def on_error(self, error: ProviderError, answer: Answer) -> None:
        if self.thinking:  # the error goes on a line of its own
            self.thinking = False
            sys.stderr.write("\n")

    def on_text(self, text: str) -> None:
        if self.thinking:
            self.thinking = False
            sys.stderr.write("\n")
        if self.as_json:
            emit_json({"type": "delta", "text": text}, self.out)
        else:
            self.out.write(safe(text, self.out))
            self.out.flush()
            self.wrote_newline = text.endswith("\n")

    def on_phase(self, name: str, timing: RequestTiming | None) -> None:
        if name == "loading_model" and not self.as_json:
            err(f"{self.provider.name}: loading the model (no answer yet)…")

    def on_tool_call(self, call: ToolCall) -> None:
        if self.as_json:
            emit_json({"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments}, self.out)

    def on_tool_result(self, step: ToolStep) -> None:
        call, result = step.call, step.result
        if self.as_json:
            emit_json({"type": "tool_result", "id": call.id, "name": call.name, "ok": result.ok,
                       "summary": result.summary}, self.out)
            edit = result.proposal
            if edit is not None and edit.state == "applied":
                emit_json({"type": "edit", "path": edit.path, "added": edit.added, "removed": edit.removed}, self.out)
        else:
            err(f"{'✓' if result.ok else '✗'} {safe(result.summary, sys.stderr)}")

    def on_note(self, text: str) -> None:
        err(f"note: {text}")

    async def approve(self, result: ToolResult) -> Approval:
        what = result.proposal.path if result.proposal is not None else result.arguments.get("command", result.name)
        err(f"declined: {result.name} {safe(str(what), sys.stderr)} (ask applies writes only with --yes"
            f"{'' if result.proposal is not None else ', commands with --allow-command'})")
        return Approval(False, "the user ran qwen-tui ask without permission for this (--yes / --allow-command)")

    def on_cancel(self, answer: Answer) -> None:
        """Ctrl+C: the summary still goes out, then the command ends."""
        _finish(self.provider, answer, self.as_json, self.wrote_newline)


def _finish(provider: Provider, answer: Answer, as_json: bool, wrote_newline: bool) -> None:
    """The error (if any) and the summary; every request's figures go to the metrics history."""
    out, timing, error, outcome = sys.stdout, answer.timing, answer.error, answer.outcome
    if not as_json and not wrote_newline:
        out.write("\n")
        out.flush()
    if error is not None:
        if as_json:
            emit_json(error.to_dict(), out)
        err(f"error: {error.message}")
    steps = getattr(answer, "steps", [])
    summary: dict[str, Any] = {
        "type": "summary",
        "provider": provider.name,
        "model": timing.model if timing else provider.settings.model,
        "ttft_ms": None,
        "answer_ms": None,
        "connect_ms": None,
        "reused_connection": None,
        "tokens": 0,
        "tokens_per_s": None,
        "tool_steps": len(steps),
        "outcome": outcome,
    }
    if timing is not None:
        figures = timing.summary()
        for key in ("ttft_ms", "answer_ms", "connect_ms", "reused_connection", "tokens", "tokens_per_s"):
            summary[key] = figures.get(key, summary[key])
    for measured in getattr(answer, "step_timings", None) or ([timing] if timing is not None else []):
        if measured.started:
            with contextlib.suppress(OSError):
                append_history(paths.metrics_file(), measured, error=error.message if error else None)
    if as_json:
        emit_json(summary, out)
    conn = "reused connection" if summary["reused_connection"] else f"connect {fmt_ms(summary['connect_ms'])}"
    rate = summary["tokens_per_s"]
    err(
        f"{provider.name} · {summary['model']} · "
        f"{first_tokens_text(summary['ttft_ms'], summary['answer_ms'], fmt_ms)} ({conn}) · "
        f"{'—' if rate is None else f'{rate:,.1f}'} tok/s · {summary['tokens']} tokens · {outcome}"
    )


def read_prompt(arg: str) -> str:
    if arg == "-":
        text = sys.stdin.read()
    else:
        text = arg
    if not text.strip():
        raise UsageError("the prompt is empty")
    return text


__all__ = ["run_ask", "gather_context", "read_prompt", "Message"]
