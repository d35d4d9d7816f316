"""Which tools a model is offered, and which calls run without asking the user.

- ``tools = "none"``: no tools; ``"read"``: read-only tools only (built-in read tools and MCP tools
  marked ``readOnlyHint``), the others are not offered at all; ``"edit"``: every tool.
- Read-only tools run without asking. File writes (undoable through checkpoints) ask under
  ``approve = "ask"`` and are applied under ``"auto"``. A command is never covered by ``auto``: it
  runs without asking only when an ``allow`` pattern matches, never when a ``deny`` pattern does
  (deny wins), and is asked otherwise.
- A command line that chains or redirects (``;``, ``&&``, ``|``, ``>``, backticks, ``$(``) is
  never allowed by a pattern: ``pytest*`` must not let ``pytest; rm -rf ~`` through. Deny patterns
  are checked against every part of such a line.
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

TOOLS_MODES = ("none", "read", "edit")
APPROVE_MODES = ("ask", "auto")
COMMAND_TOOL = "run_command"
_CHAINING = re.compile(r"[;|&`<>\n]|\$\(")
_SPLIT = re.compile(r";|&&|\|\||\||\n|&")


class Decision(enum.Enum):
    RUN = "run"  # no need to ask
    ASK = "ask"  # the user decides
    DENY = "deny"  # never (not offered, or a deny pattern)


class HasSpec(Protocol):
    name: str
    read_only: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    reason: str = ""


def _matches(command: str, patterns: Iterable[str]) -> str | None:
    for pattern in patterns:
        if fnmatch.fnmatchcase(command, pattern.strip()):
            return pattern
    return None


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    tools: str = "edit"  # none | read | edit
    approve: str = "ask"  # ask | auto
    allow_commands: tuple[str, ...] = ()
    deny_commands: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.tools not in TOOLS_MODES:
            raise ValueError(f"tools must be one of {', '.join(TOOLS_MODES)}, not {self.tools!r}")
        if self.approve not in APPROVE_MODES:
            raise ValueError(f"approve must be one of {', '.join(APPROVE_MODES)}, not {self.approve!r}")

    @classmethod
    def from_settings(cls, settings: Any, tools: str = "edit", *, yes: bool = False,
                      allow_commands: Iterable[str] = ()) -> ApprovalPolicy:
        """The policy from a ``config.ToolsSettings``, the ``--tools`` mode, ``--yes`` (writes
        applied without asking) and ``--allow-command`` patterns (added to the configured ones)."""
        commands = settings.commands
        return cls(tools=tools, approve="auto" if yes else settings.approve,
                   allow_commands=tuple(commands.allow) + tuple(allow_commands),
                   deny_commands=tuple(commands.deny))

    def offers(self, spec: HasSpec) -> bool:
        if self.tools == "none":
            return False
        return self.tools == "edit" or bool(spec.read_only)

    def offered(self, specs: Sequence[Any]) -> list[Any]:
        """The specs a request carries under this policy, in their order."""
        return [s for s in specs if self.offers(s)]

    def command_verdict(self, command: str) -> Verdict:
        line = command.strip()
        parts = [p.strip() for p in _SPLIT.split(line) if p.strip()] or [line]
        for part in [line, *parts]:
            hit = _matches(part, self.deny_commands)
            if hit:
                return Verdict(Decision.DENY, f"the command matches the deny pattern {hit!r}")
        if not _CHAINING.search(line):
            hit = _matches(line, self.allow_commands)
            if hit:
                return Verdict(Decision.RUN, f"allowed by {hit!r}")
        return Verdict(Decision.ASK, "commands run only with the user's yes")

    def verdict(self, spec: HasSpec, arguments: dict[str, Any] | None = None) -> Verdict:
        """Whether a call of ``spec`` runs, is asked, or is refused."""
        if not self.offers(spec):
            return Verdict(Decision.DENY, f"{spec.name} is not offered (tools: {self.tools})")
        if spec.read_only:
            return Verdict(Decision.RUN)
        if spec.name == COMMAND_TOOL:
            return self.command_verdict(str((arguments or {}).get("command", "")))
        if self.approve == "auto" and getattr(spec, "undoable", False):
            return Verdict(Decision.RUN, "approve = auto (undo takes it back)")
        return Verdict(Decision.ASK)
