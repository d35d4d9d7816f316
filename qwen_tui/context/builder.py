"""Selected files + conversation -> the messages sent to the model, with a token budget check.

Layout of ``BuiltPrompt.messages``:

1. one ``system`` message: the system prompt, then the project instructions (AGENTS.md, QWEN.md;
   see ``instructions``), then a "Project files" section with each file under a
   ``## path`` heading (plus ``(lines a-b)`` and any note, e.g. that it was cut) and its text in a
   fenced block tagged with its language. The files live in the single system message because some
   chat templates reject a second system message or one that is not first;
2. the earlier conversation (``history``), unchanged;
3. the user's question.

Budget: the model's context window (the provider's model listing when it gives one, else the
configured value, else ``DEFAULT_CONTEXT_WINDOW``; see ``resolve_context_window``) minus the
tokens kept for the answer. Over budget the prompt is held: ``over_budget`` is True and
``held_message`` says so in plain words, naming the largest files. Nothing is ever cut silently here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from qwen_tui.context.reader import FileContent
from qwen_tui.context.tokens import MESSAGE_OVERHEAD_TOKENS, TokenEstimator
from qwen_tui.providers.base import Message

DEFAULT_CONTEXT_WINDOW = 32_768
DEFAULT_RESERVE_TOKENS = 4096
DEFAULT_SYSTEM_PROMPT = (
    "You are a careful coding assistant working inside the user's project. Answer precisely, "
    "refer to files by their paths, and show code changes as minimal, complete snippets."
)
FILES_HEADING = "# Project files"
FILES_INTRO = "The user attached these files. Paths are relative to the project root."
_BACKTICKS = re.compile(r"`{3,}")


def resolve_context_window(
    listed: int | None, configured: int | None = None, default: int = DEFAULT_CONTEXT_WINDOW
) -> int:
    """The provider's listing wins, then the configuration, then the default."""
    for value in (listed, configured):
        if value and value > 0:
            return int(value)
    return default


def fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks inside ``text``."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def format_file(file: FileContent) -> str:
    """One file as it appears in the prompt."""
    heading = f"## {file.path}"
    extras = []
    if file.line_range is not None:
        extras.append(f"lines {file.line_range[0]}-{file.line_range[1]}")
    if file.note:
        extras.append(file.note)
    if extras:
        heading += f" ({'; '.join(extras)})"
    fence = fence_for(file.text)
    body = file.text if file.text.endswith("\n") or not file.text else file.text + "\n"
    return f"{heading}\n{fence}{file.language}\n{body}{fence}\n"


@dataclass(slots=True)
class BuiltPrompt:
    messages: list[Message]
    file_tokens: dict[str, int]  # label (path, or path:a-b) -> tokens, in prompt order
    total_tokens: int
    budget: int
    context_window: int
    reserve_tokens: int
    estimator: TokenEstimator = field(repr=False)
    instruction_tokens: int = 0  # the instructions section's share of ``total_tokens``
    warnings: list[str] = field(default_factory=list)  # for the user: e.g. an MCP resource not read

    @property
    def over_budget(self) -> bool:
        return self.total_tokens > self.budget

    def largest(self, n: int = 5) -> list[tuple[str, int]]:
        return sorted(self.file_tokens.items(), key=lambda item: (-item[1], item[0]))[:n]

    @property
    def held_message(self) -> str | None:
        """Why the prompt was not sent and what to do, or None when it fits."""
        if not self.over_budget:
            return None
        text = (
            f"Not sent: this prompt is about {self.total_tokens:,} tokens, over the budget of "
            f"{max(self.budget, 0):,} (a {self.context_window:,}-token context window minus "
            f"{self.reserve_tokens:,} kept for the answer)."
        )
        largest = self.largest(5)
        if largest:
            listed = ", ".join(f"{path} (~{tokens:,})" for path, tokens in largest)
            text += f" Largest files: {listed}. Remove some, or narrow them to line ranges like @path:10-40."
        else:
            text += " The conversation itself is too long: start a new one or shorten the question."
        return text

    def calibrate(self, reported_prompt_tokens: int) -> None:
        """Feed the provider's ``prompt_tokens`` for this prompt back into the estimator."""
        self.estimator.calibrate(self.total_tokens, reported_prompt_tokens)


def build_prompt(
    question: str,
    history: Sequence[Message],
    files: Sequence[FileContent],
    system_prompt: str | None = None,
    context_window: int | None = None,
    reserve_tokens: int = DEFAULT_RESERVE_TOKENS,
    estimator: TokenEstimator | None = None,
    instructions: str = "",
) -> BuiltPrompt:
    """The messages for one question (layout in the module docstring) and their token estimate."""
    estimator = estimator or TokenEstimator()
    window = resolve_context_window(context_window)
    system_text = DEFAULT_SYSTEM_PROMPT if system_prompt is None else system_prompt
    instruction_tokens = 0
    if instructions:
        instruction_tokens = estimator.estimate(instructions)
        system_text = f"{system_text}\n\n{instructions}" if system_text else instructions
    file_tokens: dict[str, int] = {}
    parts: list[str] = []
    for file in files:
        block = format_file(file)
        parts.append(block)
        label = file.label
        file_tokens[label] = file_tokens.get(label, 0) + estimator.estimate(block)
    preamble = f"{FILES_HEADING}\n\n{FILES_INTRO}\n\n" if parts else ""
    if parts:
        if system_text:
            preamble = "\n\n" + preamble
    base_text = system_text + preamble  # everything of the system message but the files
    if parts:
        system_text = base_text + "\n".join(parts)
    messages: list[Message] = []
    if system_text:
        messages.append(Message("system", system_text))
    messages.extend(history)
    messages.append(Message("user", question))
    total = sum(file_tokens.values()) + estimator.estimate(base_text)
    total += MESSAGE_OVERHEAD_TOKENS if system_text else 0
    total += estimator.estimate_messages(messages[1:] if system_text else messages)
    return BuiltPrompt(messages, file_tokens, total, window - reserve_tokens, window, reserve_tokens, estimator,
                       instruction_tokens)
