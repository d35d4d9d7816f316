"""``qwen-tui ask``: one question, the answer streamed to stdout, timing to stderr."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from qwen_tui import paths
from qwen_tui.config import AppConfig
from qwen_tui.context import ContextError, ProjectIndex, Selection, build_prompt
from qwen_tui.context.instructions import instructions_section, load_instructions
from qwen_tui.conversation import Answer, AnswerSink, stream_answer
from qwen_tui.providers.base import ChatRequest, Message, Provider, ProviderError
from qwen_tui.subcommands.output import (
    EXIT_OK,
    UsageError,
    emit_json,
    err,
    exit_code_for,
    fmt_ms,
    safe,
)
from qwen_tui.timing import RequestTiming
from qwen_tui.metrics import append_history


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
    sink = _StdoutSink(provider, as_json)
    answer = await stream_answer(provider, ChatRequest(messages=list(built.messages), model=model), sink)
    _finish(provider, answer.timing, answer.outcome, as_json, sink.wrote_newline, answer.error)
    return exit_code_for(answer.error) if answer.error is not None else EXIT_OK


class _StdoutSink(AnswerSink):
    """The answer on stdout as it streams (or one JSON object per delta); notes on stderr."""

    def __init__(self, provider: Provider, as_json: bool) -> None:
        self.provider, self.as_json = provider, as_json
        self.out = sys.stdout
        self.wrote_newline = True

    def on_text(self, text: str) -> None:
        if self.as_json:
            emit_json({"type": "delta", "text": text}, self.out)
        else:
            self.out.write(safe(text, self.out))
            self.out.flush()
            self.wrote_newline = text.endswith("\n")

    def on_phase(self, name: str, timing: RequestTiming | None) -> None:
        if name == "loading_model" and not self.as_json:
            err(f"{self.provider.name}: loading the model (no answer yet)…")

    def on_cancel(self, answer: Answer) -> None:
        """Ctrl+C: the summary still goes out, then the command ends."""
        _finish(self.provider, answer.timing, "cancelled", self.as_json, self.wrote_newline, None)


def _finish(
    provider: Provider,
    timing: RequestTiming | None,
    outcome: str,
    as_json: bool,
    wrote_newline: bool,
    error: ProviderError | None,
) -> None:
    out = sys.stdout
    if not as_json and not wrote_newline:
        out.write("\n")
        out.flush()
    if error is not None:
        if as_json:
            emit_json(error.to_dict(), out)
        err(f"error: {error.message}")
    summary: dict[str, Any] = {
        "type": "summary",
        "provider": provider.name,
        "model": timing.model if timing else provider.settings.model,
        "ttft_ms": None,
        "connect_ms": None,
        "reused_connection": None,
        "tokens": 0,
        "tokens_per_s": None,
        "outcome": outcome,
    }
    if timing is not None:
        s = timing.summary()
        for key in ("ttft_ms", "connect_ms", "reused_connection", "tokens", "tokens_per_s"):
            summary[key] = s[key]
        if timing.started and outcome != "pending":
            timing.outcome = outcome
            try:
                append_history(paths.metrics_file(), timing, error=error.message if error else None)
            except OSError:
                pass
    if as_json:
        emit_json(summary, out)
    conn = "reused connection" if summary["reused_connection"] else f"connect {fmt_ms(summary['connect_ms'])}"
    rate = summary["tokens_per_s"]
    err(
        f"{provider.name} · {summary['model']} · TTFT {fmt_ms(summary['ttft_ms'])} ({conn}) · "
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
