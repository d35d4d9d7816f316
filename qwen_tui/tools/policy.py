"""Which tools a model is offered, and which calls run without asking the user.

- ``tools = "none"``: no tools; ``"read"``: read-only tools only (built-in read tools and MCP tools
  marked ``readOnlyHint``), the others are not offered at all; ``"edit"``: every tool.
- Read-only tools run without asking. File writes (undoable through checkpoints) ask under
  ``approve = "ask"`` and are applied under ``"auto"``. A command is never covered by ``auto``: it
  runs without asking only when an ``allow`` pattern matches, never when a ``deny`` pattern does
  (deny wins), and is asked otherwise.
- Commands are decided by ``CommandPolicy`` (``command_policy``): a command line is split into its
  simple commands (``;``, ``&&``, ``|``, substitutions...); any part matching a deny pattern denies
  the whole, and the whole is allowed only when every part matches an allow pattern: ``pytest*``
  does not let ``pytest; rm -rf ~`` through. Patterns the user allowed "for the session" live in
  ``commands.session_allow``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from qwen_tui.tools.command_policy import CommandPolicy

TOOLS_MODES = ("none", "read", "edit")
APPROVE_MODES = ("ask", "auto")
COMMAND_TOOL = "run_command"


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


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    tools: str = "edit"  # none | read | edit
    approve: str = "ask"  # ask | auto
    allow_commands: tuple[str, ...] = ()
    deny_commands: tuple[str, ...] = ()
    #: decides commands; built from allow_commands and deny_commands when not given
    commands: CommandPolicy = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.commands is None:
            object.__setattr__(self, "commands", CommandPolicy(self.allow_commands, self.deny_commands))
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
        allow, deny = tuple(commands.allow) + tuple(allow_commands), tuple(commands.deny)
        return cls(tools=tools, approve="auto" if yes else settings.approve, allow_commands=allow,
                   deny_commands=deny, commands=CommandPolicy(allow, deny, float(commands.timeout)))

    def offers(self, spec: HasSpec) -> bool:
        if self.tools == "none":
            return False
        return self.tools == "edit" or bool(spec.read_only)

    def offered(self, specs: Sequence[Any]) -> list[Any]:
        """The specs a request carries under this policy, in their order."""
        return [s for s in specs if self.offers(s)]

    def command_verdict(self, command: str) -> Verdict:
        decision = self.commands.decide(command)
        if decision == "deny":
            pattern = self.commands.denied_by(command)
            reason = f"the command matches the deny pattern {pattern!r}" if pattern else "the command is empty"
            return Verdict(Decision.DENY, reason + " in the user's settings")
        if decision == "allow":
            return Verdict(Decision.RUN, "allowed by the user's command patterns")
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
