"""What each built-in tool is called, what it takes, and whether it only reads.

The names and arguments are fixed by the design (tests outside the repo rely on them). A spec is
exported as an OpenAI ``tools`` entry; ``read_only`` decides whether it is offered under
``--tools read``; ``undoable`` whether ``approve = "auto"`` may run it without asking (file writes
are checkpointed; a command's effects are not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)  # JSON schema of the arguments object
    read_only: bool = True
    undoable: bool = False

    def openai(self) -> dict[str, Any]:
        """This tool as an entry of an OpenAI chat request's ``tools`` list."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters}}


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_PATH = {"type": "string", "description": "Path relative to the project root."}

READ_FILE = ToolSpec(
    "read_file",
    "Read a text file of the project. Lines come numbered (the numbers are not part of the file). "
    "Long files come in pages: pass offset (first line, from 1) and limit (number of lines).",
    _schema({
        "path": _PATH,
        "offset": {"type": "integer", "minimum": 1, "description": "First line to show, from 1."},
        "limit": {"type": "integer", "minimum": 1, "description": "How many lines to show (default 2000)."},
    }, ["path"]),
)
LIST_FILES = ToolSpec(
    "list_files",
    "List the project's files (the ones .gitignore lets through), optionally under a folder and "
    "matching a glob pattern such as '*.py' or 'src/**/test_*.py'.",
    _schema({
        "path": {"type": "string", "description": "Folder to list, relative to the root (default: the root)."},
        "pattern": {"type": "string", "description": "Glob pattern, gitignore-style ('*.py' matches at any depth)."},
    }, []),
)
SEARCH = ToolSpec(
    "search",
    "Search the project's text files with a regular expression (Python syntax). Each match comes "
    "as 'path:line: text'.",
    _schema({
        "pattern": {"type": "string", "description": "Regular expression to look for."},
        "path": {"type": "string", "description": "Folder or file to search in (default: the whole project)."},
    }, ["pattern"]),
)
EDIT_FILE = ToolSpec(
    "edit_file",
    "Replace text in a file you have read. old_string must appear exactly once in the file (give "
    "enough surrounding lines to make it unique) unless replace_all is true. Copy it exactly as the "
    "file has it, without the line numbers read_file shows.",
    _schema({
        "path": _PATH,
        "old_string": {"type": "string", "description": "The exact text to replace."},
        "new_string": {"type": "string", "description": "The text to put in its place."},
        "replace_all": {"type": "boolean", "description": "Replace every occurrence (default false)."},
    }, ["path", "old_string", "new_string"]),
    read_only=False,
    undoable=True,
)
WRITE_FILE = ToolSpec(
    "write_file",
    "Create a file, or replace the whole content of a file you have read.",
    _schema({"path": _PATH, "content": {"type": "string", "description": "The file's complete new content."}},
            ["path", "content"]),
    read_only=False,
    undoable=True,
)
RUN_COMMAND = ToolSpec(
    "run_command",
    "Run a shell command in the project folder and get its output and exit status. The user is "
    "asked first unless the command is allowed by their settings.",
    _schema({
        "command": {"type": "string", "description": "The command line to run."},
        "timeout_s": {"type": "number", "exclusiveMinimum": 0, "description": "Seconds before it is stopped."},
    }, ["command"]),
    read_only=False,
    undoable=False,
)

BUILTIN_SPECS: tuple[ToolSpec, ...] = (READ_FILE, LIST_FILES, SEARCH, EDIT_FILE, WRITE_FILE, RUN_COMMAND)


def openai_tools(specs: list[ToolSpec] | tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    """The ``tools`` list of an OpenAI-style chat request."""
    return [spec.openai() for spec in specs]
