"""run_command as a tool of the toolbox: the project's environment for commands, the runs in
progress (so Escape can stop them), and the text the model gets back.

The toolbox is synchronous and runs calls in a worker thread, so ``CommandTool.impl`` runs the
command in an event loop of its own there (``CommandRun.run_blocking``); ``stop_all()`` may be
called from the UI's thread. An async caller can use ``CommandTool.run`` directly instead.
Whether a command runs at all (allow, deny, ask) is the toolbox's policy, decided before ``impl``.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qwen_tui.terminal_text import visible
from qwen_tui.tools.command_policy import DEFAULT_TIMEOUT_S, CommandPolicy
from qwen_tui.tools.command_runner import CommandOutcome, CommandRun, OutputCallback, command_environment
from qwen_tui.tools.results import ToolResult
from qwen_tui.tools.specs import RUN_COMMAND

if TYPE_CHECKING:
    from qwen_tui.config import AppConfig
    from qwen_tui.tools.toolbox import Answer, Toolbox

#: Called (in the thread that runs the command) when a run is about to start: the UI opens a block
#: for it, sets ``run.on_output`` and keeps ``run`` to stop it.
StartCallback = Callable[[CommandRun], None]

# Key variables of the built-in providers, removed even when the config names others.
_KNOWN_KEY_ENVS = ("HF_TOKEN", "SAMBANOVA_API_KEY", "BL_API_KEY", "OLLAMA_API_KEY")


def provider_key_envs(config: AppConfig | None) -> list[str]:
    """Every ``api_key_env`` of the config's providers, and the built-in ones."""
    names = list(_KNOWN_KEY_ENVS)
    if config is not None:
        names += [p.api_key_env for p in config.providers.values() if p.api_key_env]
    return names


def outcome_text(outcome: CommandOutcome) -> str:
    """What the model reads: how the command ended, then its output (head and tail)."""
    seconds = f"{outcome.duration_s:.1f} s"
    if outcome.status == "not_started":
        head = f"The command could not be started: {outcome.error}"
    elif outcome.status == "stopped":
        head = f"The user stopped the command after {seconds}; it and every process it started were ended."
    elif outcome.status == "timed_out":
        head = (f"The command timed out after {outcome.timeout_s:g} s and was stopped with every process it "
                "started (pass a larger timeout_s if it needs longer).")
    elif outcome.exit_code is not None and outcome.exit_code < 0:
        head = f"The command was killed by signal {_signal_name(-outcome.exit_code)} after {seconds}."
    else:
        head = f"Exit code: {outcome.exit_code} ({seconds})."
    if outcome.status == "not_started":
        return head
    if not outcome.lines:
        return head + "\nNo output."
    about = f"{outcome.lines:,} lines"
    if outcome.left_out:
        about += f", {outcome.left_out:,} left out in the middle"
    return f"{head}\nOutput ({about}, stdout and stderr together):\n{outcome.output}"


def outcome_summary(outcome: CommandOutcome) -> str:
    """One line for the UI and ``ask``'s stderr."""
    command = visible(outcome.command, single_line=True)
    if len(command) > 80:
        command = command[:79] + "…"
    if outcome.status == "exited":
        ended = f"exit {outcome.exit_code}" if (outcome.exit_code or 0) >= 0 else \
            f"killed by {_signal_name(-(outcome.exit_code or 0))}"
    else:
        ended = outcome.status.replace("_", " ")
    return f"$ {command}: {ended} ({outcome.lines:,} lines, {outcome.duration_s:.1f} s)"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


class CommandTool:
    """run_command for one project: where commands run, with which environment, and the runs in
    progress. Long-lived, like the toolbox it is registered in."""

    def __init__(self, root: Path | str, *, key_envs: Iterable[str | None] = (),
                 base_env: Mapping[str, str] | None = None, policy: CommandPolicy | None = None,
                 on_start: StartCallback | None = None) -> None:
        self.root = Path(root)
        self.env = command_environment(os.environ if base_env is None else base_env,
                                       [*_KNOWN_KEY_ENVS, *key_envs])
        self.policy = policy  # the timeout; None: the toolbox's policy when called through it
        self.on_start = on_start
        self._runs: list[CommandRun] = []
        self._lock = threading.Lock()

    @classmethod
    def install(cls, toolbox: Toolbox, config: AppConfig | None = None, *,
                on_start: StartCallback | None = None, base_env: Mapping[str, str] | None = None) -> CommandTool:
        """A CommandTool for ``toolbox``'s project, registered as its run_command."""
        tool = cls(toolbox.root, key_envs=provider_key_envs(config), base_env=base_env, on_start=on_start)
        toolbox.register(RUN_COMMAND, tool.impl)
        return tool

    def new_run(self, command: str, timeout_s: Any = None, on_output: OutputCallback | None = None,
                policy: CommandPolicy | None = None) -> CommandRun:
        """A run of ``command`` here; its timeout is ``timeout_s`` when sane, else the policy's."""
        policy = self.policy or policy or CommandPolicy(timeout=DEFAULT_TIMEOUT_S)
        return CommandRun(command, self.root, dict(self.env), policy.timeout_for(timeout_s), on_output)

    @property
    def running(self) -> list[CommandRun]:
        with self._lock:
            return list(self._runs)

    def stop_all(self) -> int:
        """Stop every run in progress (Escape); safe from any thread. How many were stopped."""
        runs = self.running
        for run in runs:
            run.stop()
        return len(runs)

    def _track(self, run: CommandRun, add: bool) -> None:
        with self._lock:
            if add:
                self._runs.append(run)
            elif run in self._runs:
                self._runs.remove(run)

    async def run(self, command: str, timeout_s: Any = None,
                  on_output: OutputCallback | None = None) -> CommandOutcome:
        """Run in the caller's event loop (cancelling the task stops the command)."""
        run = self.new_run(command, timeout_s, on_output)
        self._track(run, True)
        try:
            return await run.execute()
        finally:
            self._track(run, False)

    def run_tracked(self, run: CommandRun) -> CommandOutcome:
        """Run ``run`` to its end in this (worker) thread, stoppable by ``stop_all``: the user's
        own ``/run``, which no policy asks about."""
        self._track(run, True)
        try:
            return run.run_blocking()
        finally:
            self._track(run, False)

    def impl(self, answer: Answer, args: dict[str, Any]) -> ToolResult:
        """The toolbox's implementation: runs the (already approved) command to its end."""
        command = str(args.get("command", ""))
        policy = getattr(answer.toolbox.policy, "commands", None)
        run = self.new_run(command, args.get("timeout_s"), policy=policy)
        self._track(run, True)
        try:
            if self.on_start is not None:
                self.on_start(run)
            outcome = run.run_blocking()
        finally:
            self._track(run, False)
        return command_result(outcome, args)


def command_result(outcome: CommandOutcome, args: dict[str, Any] | None = None) -> ToolResult:
    """The tool result of a run: the model's text, a summary line, and the outcome for the session."""
    result = ToolResult(RUN_COMMAND.name, outcome.ok, outcome_text(outcome), outcome_summary(outcome),
                        dict(args or {"command": outcome.command}))
    result.command = outcome
    return result
