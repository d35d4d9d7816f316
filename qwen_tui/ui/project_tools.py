"""The project's tools as the TUI holds them: built once, in a thread after the first frame (so
neither start-up nor the first question pays their imports), or on first use if asked sooner."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qwen_tui.config import AppConfig

if TYPE_CHECKING:
    from qwen_tui.context.files import ProjectIndex
    from qwen_tui.tools import Toolbox
    from qwen_tui.tools.checkpoints import UndoReport
    from qwen_tui.tools.command_runner import CommandRun


class ProjectTools:
    def __init__(self, root: Path, config: AppConfig, index: ProjectIndex | None) -> None:
        self.root, self.config, self.index = root, config, index
        self._toolbox: Toolbox | None = None
        self._lock = threading.Lock()
        self.commands: Any = None  # run_command's runner, once the toolbox is built
        #: Told (in the command's thread) when a command starts: the answer showing it opens a block.
        self.on_command_start: Callable[[CommandRun], None] | None = None

    @property
    def toolbox(self) -> Toolbox:
        with self._lock:
            if self._toolbox is None:
                from qwen_tui.providers import tool_text  # noqa: F401 - the stream's call scanner, used with tools
                from qwen_tui.tools import ApprovalPolicy, CheckpointStore, CommandTool, Toolbox

                policy = ApprovalPolicy.from_settings(self.config.tools, "edit")
                toolbox = Toolbox(self.root, index=self.index, policy=policy, checkpoints=CheckpointStore(self.root))
                self.commands = CommandTool.install(toolbox, self.config, on_start=self._command_started)
                toolbox.openai_tools()  # the schemas, built once
                self._toolbox = toolbox
            return self._toolbox

    def prepare(self) -> None:
        """Build the toolbox now (called in a thread)."""
        self.toolbox  # noqa: B018 - built for its side effect

    def _command_started(self, run: CommandRun) -> None:
        if self.on_command_start is not None:
            self.on_command_start(run)

    def stop_commands(self) -> None:
        """A command runs in a thread: cancelling the answer does not end it, this does."""
        if self.commands is not None:
            self.commands.stop_all()

    async def undo(self, redo: bool = False) -> UndoReport:
        """In a thread, toolbox included (an undo before it was built would import it on the loop)."""
        def run() -> UndoReport:
            store = self.toolbox.checkpoints
            return store.redo() if redo else store.undo()

        return await asyncio.to_thread(run)
