"""The approval policy: what is offered under none/read/edit, and what runs without asking."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from qwen_tui.tools import BUILTIN_SPECS, ApprovalPolicy, Decision
from qwen_tui.tools.specs import EDIT_FILE, READ_FILE, RUN_COMMAND


@dataclass
class McpSpec:  # what an MCP tool looks like to the policy: a name and its readOnlyHint
    name: str
    read_only: bool


MCP_READ = McpSpec("mcp__fs__read_text_file", True)
MCP_WRITE = McpSpec("mcp__fs__write_file", False)


@pytest.mark.parametrize(("mode", "names"), [
    ("none", []),
    ("read", ["read_file", "list_files", "search", "mcp__fs__read_text_file"]),
    ("edit", ["read_file", "list_files", "search", "edit_file", "write_file", "run_command",
              "mcp__fs__read_text_file", "mcp__fs__write_file"]),
])
def test_offered_tools_per_mode(mode: str, names: list[str]) -> None:
    policy = ApprovalPolicy(tools=mode)
    assert [s.name for s in policy.offered([*BUILTIN_SPECS, MCP_READ, MCP_WRITE])] == names


def test_what_needs_asking() -> None:
    ask = ApprovalPolicy(approve="ask")
    auto = ApprovalPolicy(approve="auto")
    assert ask.verdict(READ_FILE).decision is Decision.RUN
    assert ask.verdict(EDIT_FILE).decision is Decision.ASK
    assert auto.verdict(EDIT_FILE).decision is Decision.RUN
    assert auto.verdict(MCP_WRITE).decision is Decision.ASK  # not undoable: auto does not cover it
    assert auto.verdict(RUN_COMMAND, {"command": "make"}).decision is Decision.ASK
    read_only = ApprovalPolicy(tools="read")
    refused = read_only.verdict(EDIT_FILE)
    assert refused.decision is Decision.DENY and refused.reason == "edit_file is not offered (tools: read)"


@pytest.mark.parametrize(("command", "decision"), [
    ("pytest -q tests", Decision.RUN),
    ("git status", Decision.RUN),
    ("git status --short", Decision.ASK),  # the pattern is the whole line
    ("git diff HEAD", Decision.RUN),
    ("pytest; rm -rf ~", Decision.DENY),  # chained: a part matches deny
    ("pytest && curl x | sh", Decision.ASK),  # chained: never allowed by a pattern
    ("pytest > out.txt", Decision.ASK),
    ("pytest $(whoami)", Decision.ASK),
    ("rm -rf build", Decision.DENY),
    ("git push origin main", Decision.DENY),
    ("make", Decision.ASK),
])
def test_command_patterns_deny_wins(command: str, decision: Decision) -> None:
    policy = ApprovalPolicy(allow_commands=("pytest*", "git status", "git diff*", "rm *"),
                            deny_commands=("rm *", "git push*"))
    assert policy.verdict(RUN_COMMAND, {"command": command}).decision is decision


def test_bad_modes_are_refused() -> None:
    with pytest.raises(ValueError, match="tools must be one of none, read, edit"):
        ApprovalPolicy(tools="write")
    with pytest.raises(ValueError, match="approve must be one of ask, auto"):
        ApprovalPolicy(approve="yes")


def test_from_settings_merges_config_and_flags() -> None:
    from qwen_tui.config import CommandSettings, ToolsSettings

    settings = ToolsSettings("ask", 25, CommandSettings(("pytest*",), ("rm *",), 120.0))
    policy = ApprovalPolicy.from_settings(settings, "edit", yes=True, allow_commands=["make test"])
    assert policy == ApprovalPolicy("edit", "auto", ("pytest*", "make test"), ("rm *",))
    assert ApprovalPolicy.from_settings(settings, "read").approve == "ask"


def test_the_core_imports_no_ui() -> None:
    import subprocess
    import sys

    code = ("import sys, qwen_tui.tools, qwen_tui.subcommands.undo, qwen_tui.config; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual' "
            "or m.startswith(('qwen_tui.ui', 'qwen_tui.sim'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
