"""Slash commands typed in the prompt (``/clear``, ``/model NAME``, ...): the command table the
prompt's completion lists, and ``run_slash`` that parses and runs one. Each mirrors a command
palette entry (``qwen_tui.ui.commands``); the app calls ``run_slash`` for a prompt starting with
``/``. A command that could not run (unknown, or a bad argument) says why and leaves the text in
the prompt."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qwen_tui.context import ContextError
from qwen_tui.terminal_text import visible

if TYPE_CHECKING:
    from qwen_tui.ui.app import QwenApp


@dataclass(frozen=True, slots=True)
class SlashCommand:
    name: str  # without the slash
    argument: str  # "" when it takes none, else a hint ("NAME", "PATH", "QUESTION"; "[...]": optional)
    help: str

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.argument}".rstrip()


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("compact", "[undo]", "Summarise the conversation so far to free the window (undo: take it back)"),
    SlashCommand("clear", "", "New conversation (the current one stays saved)"),
    SlashCommand("undo", "", "Undo the last change set"),
    SlashCommand("provider", "NAME", "Send the next question to provider NAME"),
    SlashCommand("model", "NAME", "Use model NAME on the current provider"),
    SlashCommand("race", "QUESTION", "Race QUESTION on 2-4 providers"),
    SlashCommand("add", "PATH", "Add a file, folder or range to the context"),
    SlashCommand("drop", "PATH", "Remove a file or folder from the context"),
    SlashCommand("tokens", "", "The next request's token budget, by part"),
    SlashCommand("run", "CMD", "Run CMD in the project folder; its output goes with the next question"),
    SlashCommand("help", "", "Every key, grouped"),
)
BY_NAME = {command.name: command for command in COMMANDS}


def matching(prefix: str) -> list[SlashCommand]:
    """The commands whose name starts with ``prefix`` (the completion's choices)."""
    return [command for command in COMMANDS if command.name.startswith(prefix.lower())]


def run_slash(app: QwenApp, text: str) -> bool:
    """Run the slash command in ``text``; True when it ran and the prompt can be cleared. False:
    it said why it did not run (or, for ``/race``, the question now waits in the prompt)."""
    name, _, argument = text.strip().removeprefix("/").partition(" ")
    argument = argument.strip()
    command = BY_NAME.get(name.lower())
    if command is None:
        known = " ".join(f"/{c.name}" for c in COMMANDS)
        app.notify(f"Unknown command /{visible(name, single_line=True)}. Known: {known}. "
                   "To send it as a question, start it with a space.",
                   title="Not a command", severity="warning", markup=False)
        return False
    if command.argument and command.argument != "QUESTION" and not command.argument.startswith("[") \
            and not argument:
        app.notify(f"Usage: {command.usage} — {command.help}.", severity="warning", markup=False)
        return False
    return _HANDLERS[command.name](app, argument)


def _run_action(app: QwenApp, action: str) -> bool:
    app.call_later(app.run_action, action)
    return True


def _compact(app: QwenApp, argument: str) -> bool:
    from qwen_tui.ui import compacting

    if argument.lower() == "undo":
        return compacting.undo_compaction(app)
    if argument:
        app.notify(f"Usage: {BY_NAME['compact'].usage}", severity="warning", markup=False)
        return False
    compacting.start_compaction(app)
    return True


def _provider(app: QwenApp, name: str) -> bool:
    if name not in app.providers:
        app.notify(f"No provider named {visible(name, single_line=True)}. Configured: {', '.join(app.providers)}",
                   severity="warning", markup=False)
        return False
    app.switch_provider(name)
    return True


def _model(app: QwenApp, model: str) -> bool:
    if not app.active:
        app.notify("No provider is configured.", severity="error")
        return False
    app.switch_provider(app.active, model)
    return True


def _race(app: QwenApp, question: str) -> bool:
    from qwen_tui.ui.widgets.prompt import PromptInput

    prompt = app.query_one(PromptInput)
    prompt.load_text(question)
    prompt.move_cursor(prompt.document.end)
    app.action_race()  # it reads the question from the prompt; the race's end clears it
    return False


def _add(app: QwenApp, path: str) -> bool:
    try:
        added = app.project.add(path)
    except ContextError as exc:
        app.notify(visible(str(exc)), severity="warning", markup=False)
        return False
    app.notify(f"{'Added' if added else 'Already in the context:'} {visible(path, single_line=True)}",
               timeout=2, markup=False)
    app.refresh_context()
    return True


def _drop(app: QwenApp, path: str) -> bool:
    if not app.project.remove(path):
        app.notify(f"{visible(path, single_line=True)} is not in the context.", severity="warning", markup=False)
        return False
    app.notify(f"Removed {visible(path, single_line=True)}", timeout=2, markup=False)
    app.refresh_context()
    return True


def _run(app: QwenApp, command: str) -> bool:
    if app.streaming:
        app.notify("An answer is still streaming: Escape stops it first.", severity="warning")
        return False
    from qwen_tui.ui.user_commands import run_user_command

    app.run_worker(run_user_command(app, command), exclusive=True, group="user-run")
    return True


def _tokens(app: QwenApp, _argument: str) -> bool:
    async def count() -> None:
        history = app.conversation.history_messages()

        def measure() -> str:  # file reads and token counts stay off the event loop
            plan = app.project.plan("", history, app.context_window())
            return budget_text(plan, plan.estimator.estimate_messages(history))

        app.notify(await asyncio.to_thread(measure), title="Tokens of the next request", timeout=15, markup=False)

    app.run_worker(count(), group="slash-tokens", exclusive=True)
    return True


def budget_text(plan, history_tokens: int) -> str:
    """The request's parts with their token counts, against the budget (plain text). Tool results
    are carried inside an answer's own requests, not in the history: they count 0 here."""
    files = sum(plan.file_tokens.values())
    system = max(0, plan.total_tokens - files - plan.instruction_tokens - history_tokens)
    lines = [f"system prompt  {system:,}", f"instructions   {plan.instruction_tokens:,}",
             f"context files  {files:,}"]
    lines += [f"  {label}  {tokens:,}" for label, tokens in plan.largest(5)]
    lines += [f"history        {history_tokens:,}", "tool results   0",
              f"total          {plan.total_tokens:,} of {max(plan.budget, 0):,} "
              f"({plan.context_window:,} window − {plan.reserve_tokens:,} for the answer)"]
    if plan.over_budget:
        lines.append(f"over by {plan.total_tokens - plan.budget:,}")
    return "\n".join(lines)


_HANDLERS = {
    "compact": _compact,
    "clear": lambda app, _arg: _run_action(app, "new_conversation"),
    "undo": lambda app, _arg: _run_action(app, "undo"),
    "provider": _provider,
    "model": _model,
    "race": _race,
    "add": _add,
    "drop": _drop,
    "tokens": _tokens,
    "run": _run,
    "help": lambda app, _arg: _run_action(app, "help"),
}
