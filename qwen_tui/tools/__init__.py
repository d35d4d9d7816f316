"""The assistant's hands: built-in project tools, the edit engine, approval policy, checkpoints.

No Textual here. Modules:

- ``safety``: ``ProjectPaths``, model-given paths resolved inside the root (never ``.git/``)
- ``specs``: ``ToolSpec`` and the built-in specs, exported as OpenAI ``tools`` JSON
- ``arguments``: checking a call's arguments against its spec
- ``scope``: ``AnswerScope``, what one answer read and was given
- ``reading``: read_file, list_files, search
- ``edits``: ``ProposedEdit``, edit_file and write_file (nothing written until applied)
- ``search_replace`` / ``blocks_engine``: SEARCH/REPLACE blocks parsed, then proposed by the same engine
- ``checkpoints``: ``CheckpointStore``, change sets on disk, undo and redo
- ``policy``: ``ApprovalPolicy``, what is offered and what needs asking
- ``toolbox``: ``Toolbox`` and ``Answer``, the dispatcher the agent loop calls
- ``command_policy``: ``CommandPolicy``, allow/deny/ask for a command line (every part of it)
- ``command_runner``: ``CommandRun``, one shell command in its own process group, stopped whole
- ``command_output``: ``OutputCapture``, head and tail of a command's output in bounded memory
- ``commands``: ``CommandTool``, run_command registered into the toolbox (``CommandTool.install``)
"""

from qwen_tui.tools.blocks_engine import BlockOutcome
from qwen_tui.tools.checkpoints import ChangeSet, ChangeSetInfo, CheckpointStore, FileChange, UndoReport
from qwen_tui.tools.command_policy import CommandPolicy
from qwen_tui.tools.command_runner import CommandOutcome, CommandRun
from qwen_tui.tools.commands import CommandTool
from qwen_tui.tools.edits import ProposedEdit
from qwen_tui.tools.errors import ToolError
from qwen_tui.tools.policy import ApprovalPolicy, Decision, Verdict
from qwen_tui.tools.results import ToolResult
from qwen_tui.tools.safety import ProjectPaths, SafePath
from qwen_tui.tools.scope import AnswerScope
from qwen_tui.tools.search_replace import (
    SEARCH_REPLACE_PROMPT, Block, BlockError, failure_report, has_blocks, parse_blocks,
)
from qwen_tui.tools.specs import BUILTIN_SPECS, RUN_COMMAND, ToolSpec, openai_tools
from qwen_tui.tools.toolbox import Answer, Toolbox, ToolImpl

__all__ = [
    "BUILTIN_SPECS", "RUN_COMMAND", "SEARCH_REPLACE_PROMPT", "Answer", "AnswerScope", "ApprovalPolicy", "Block",
    "BlockError", "BlockOutcome", "ChangeSet", "CommandOutcome", "CommandPolicy", "CommandRun", "CommandTool",
    "ChangeSetInfo", "CheckpointStore", "Decision", "FileChange",
    "ProjectPaths", "ProposedEdit", "SafePath", "ToolError", "ToolImpl", "ToolResult", "ToolSpec", "Toolbox",
    "UndoReport", "Verdict", "failure_report", "has_blocks", "openai_tools", "parse_blocks",
]
