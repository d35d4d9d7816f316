"""Which shell commands run without asking, which never run, and which need the user's yes.

A command is split into the simple commands the shell would run (on ``;``, ``&``, ``&&``, ``||``,
``|``, newlines, parentheses, and the insides of ``$(...)``, backticks and ``<(...)``); every part
must match an allow pattern for the whole to be allowed, and any part matching a deny pattern
denies the whole (deny wins). Anything the splitter cannot read is asked about, never allowed."""

from __future__ import annotations

import fnmatch
import shlex
from dataclasses import dataclass, field
from typing import Literal

Decision = Literal["allow", "deny", "ask"]

DEFAULT_TIMEOUT_S = 120.0
MAX_TIMEOUT_S = 3600.0

# Words that run the rest of the line as a command: stripped before deny patterns are matched,
# so that ``sudo rm -rf x`` or ``{ rm -rf x; }`` is still caught by ``rm *``.
_WRAPPERS = frozenset(
    "sudo doas env command builtin exec nohup time nice ionice timeout xargs stdbuf "
    "if then elif else do while until ! { } fi done".split()
)
# Tools whose second word names what they do (``git status``, ``uv run``): proposed patterns keep it.
_SUBCOMMAND_TOOLS = frozenset(
    "git uv npm npx pnpm yarn cargo go docker podman kubectl make pip pip3 poetry hatch bun deno "
    "dotnet gradle mvn rustup brew apt systemctl".split()
)


@dataclass(frozen=True)
class CommandPart:
    """One simple command of a command line, as the policy sees it."""

    text: str  # the raw text, substitutions replaced by ``$()``
    words: tuple[str, ...] | None  # shell words after quote removal; None when unreadable
    writes_file: bool  # has an output redirection to something other than /dev/null or a descriptor

    @property
    def normalized(self) -> str | None:
        return " ".join(self.words) if self.words is not None else None


@dataclass(frozen=True)
class SplitCommand:
    parts: tuple[CommandPart, ...]
    readable: bool  # False: unbalanced quotes or substitutions; never allowed without asking


def _scan(command: str) -> tuple[list[tuple[str, bool]], bool]:
    """Split ``command`` into (part text, writes_file) pairs; the bool says whether it parsed."""
    parts: list[tuple[str, bool]] = []
    ok = True
    i, n = 0, len(command)

    def scan_until(end: str | None) -> tuple[int, bool]:
        """Scan from i; return at ``end`` (")" or "`") or the end of the text."""
        nonlocal i, ok
        buf: list[str] = []
        writes = False
        quote: str | None = None

        def flush() -> None:
            nonlocal writes
            text = "".join(buf).strip()
            if text:
                parts.append((text, writes))
            buf.clear()
            writes = False

        while i < n:
            c = command[i]
            if quote == "'":
                buf.append(c)
                i += 1
                if c == "'":
                    quote = None
                continue
            if c == "\\" and i + 1 < n:
                buf.append(command[i : i + 2])
                i += 2
                continue
            if c == "`" and end != "`":
                i += 1
                scan_until("`")
                buf.append("$()")
                continue
            if c == "`" and end == "`":
                i += 1
                flush()
                return i, True
            if c == "$" and command.startswith("$(", i):
                i += 2
                scan_until(")")
                buf.append("$()")
                continue
            if quote == '"':
                buf.append(c)
                i += 1
                if c == '"':
                    quote = None
                continue
            # unquoted from here on
            if c in "'\"":
                quote = c
                buf.append(c)
                i += 1
                continue
            if c in "<>" and command.startswith("(", i + 1):
                i += 2
                scan_until(")")
                buf.append("$()")
                continue
            if c == ">" or (c == "&" and command.startswith(">", i + 1)):
                j = i + (2 if c == "&" else 1)
                if j < n and command[j] in ">|":
                    j += 1
                buf.append(command[i:j])
                k = j
                while k < n and command[k] in " \t":
                    k += 1
                if k < n and command[k] == "&":  # >&2, >&-: a descriptor, not a file
                    k += 1
                    while k < n and (command[k].isdigit() or command[k] == "-"):
                        k += 1
                    buf.append(command[j:k])
                    i = k
                    continue
                start = k
                while k < n and command[k] not in " \t\n;&|()<>`":
                    k += 1
                target = command[start:k]
                if target != "/dev/null":
                    writes = True
                i = j
                continue
            if c == ")" and end == ")":
                i += 1
                flush()
                return i, True
            if c in ";&|\n()":
                flush()
                i += 1
                continue
            buf.append(c)
            i += 1
        if quote is not None or end is not None:
            ok = False
        flush()
        return i, end is None

    scan_until(None)
    return parts, ok


def split_command(command: str) -> SplitCommand:
    """The simple commands in ``command``, for matching against patterns."""
    raw, readable = _scan(command)
    parts = []
    for text, writes in raw:
        try:
            words: tuple[str, ...] | None = tuple(shlex.split(text, posix=True))
        except ValueError:
            words = None
            readable = False
        parts.append(CommandPart(text=text, words=words, writes_file=writes))
    return SplitCommand(parts=tuple(parts), readable=readable)


def _normalize_pattern(pattern: str) -> str:
    return " ".join(pattern.split())


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return bool(eq) and name.replace("_", "a").isalnum() and not name[0].isdigit()


def _deny_forms(part: CommandPart) -> list[str]:
    """The texts a deny pattern is tried on: raw, normalised, and without wrappers or paths."""
    forms = [" ".join(part.text.split())]
    words = list(part.words or ())
    if words:
        forms.append(" ".join(words))
        while words and (words[0] in _WRAPPERS or _is_assignment(words[0]) or words[0].startswith("-")):
            words.pop(0)
        if words:
            words[0] = words[0].rsplit("/", 1)[-1]
            forms.append(" ".join(words))
    return forms


@dataclass
class CommandPolicy:
    """``[tools.commands]``: allow and deny glob lists (deny wins), the default timeout, and the
    patterns the user allowed for this session."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT_S
    session_allow: list[str] = field(default_factory=list)

    def allow_for_session(self, pattern: str) -> None:
        """Remember an "always allow" answer until the app exits."""
        pattern = _normalize_pattern(pattern)
        if pattern and pattern not in self.session_allow:
            self.session_allow.append(pattern)

    def _allow_patterns(self) -> list[str]:
        return [_normalize_pattern(p) for p in (*self.allow, *self.session_allow) if p.strip()]

    def _part_allowed(self, part: CommandPart) -> bool:
        text = part.normalized
        if text is None:
            return False
        for pattern in self._allow_patterns():
            if part.writes_file and ">" not in pattern:
                continue  # ``pytest*`` does not allow ``pytest > ~/.bashrc``
            if fnmatch.fnmatchcase(text, pattern):
                return True
        return False

    def _part_denied(self, part: CommandPart) -> bool:
        patterns = [_normalize_pattern(p) for p in self.deny if p.strip()]
        return any(fnmatch.fnmatchcase(form, p) for form in _deny_forms(part) for p in patterns)

    def denied_by(self, command: str) -> str | None:
        """The deny pattern that refuses ``command`` (``""`` for an empty command), else None."""
        split = split_command(command)
        if not split.parts:
            return ""
        patterns = [p for p in self.deny if p.strip()]
        for part in split.parts:
            for form in _deny_forms(part):
                for pattern in patterns:
                    if fnmatch.fnmatchcase(form, _normalize_pattern(pattern)):
                        return pattern
        return None

    def decide(self, command: str) -> Decision:
        """``deny`` if any part is denied (or there is nothing to run), ``allow`` if every part is
        allowed, else ``ask``."""
        split = split_command(command)
        if not split.parts:
            return "deny"
        if any(self._part_denied(p) for p in split.parts):
            return "deny"
        if split.readable and all(self._part_allowed(p) for p in split.parts):
            return "allow"
        return "ask"

    def timeout_for(self, requested: float | None) -> float:
        """The timeout of one run: the model's ``timeout_s`` when sane, else the configured one."""
        if isinstance(requested, (int, float)) and not isinstance(requested, bool) and 0 < requested:
            return float(min(requested, MAX_TIMEOUT_S))
        return self.timeout

    def propose_patterns(self, command: str) -> list[str]:
        """Patterns for "always allow", one per part not yet allowed: the command word (and its
        subcommand, e.g. ``git status``) followed by ``*``. Parts that cannot be covered safely
        (unreadable, a redirection to a file, a variable or substitution as the command) get none."""
        split = split_command(command)
        proposals: list[str] = []
        if not split.readable:
            return proposals
        for part in split.parts:
            if self._part_allowed(part) or self._part_denied(part) or not part.words or part.writes_file:
                continue
            words = part.words
            first = words[0]
            if _is_assignment(first) or first in _WRAPPERS or "$" in first or "*" in first:
                continue
            keep = [first]
            base = first.rsplit("/", 1)[-1]
            if base in _SUBCOMMAND_TOOLS and len(words) > 1 and words[1][:1].isalnum():
                keep.append(words[1])
            elif base.startswith("python") and words[1:2] == ("-m",) and len(words) > 2:
                keep += ["-m", words[2]]
            pattern = shlex.join(keep) + "*"
            if pattern not in proposals:
                proposals.append(pattern)
        return proposals
