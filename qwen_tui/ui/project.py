"""The UI's view of the project: file index, ignore rules, the context selection and the prompt
built from it. It calls ``qwen_tui.context`` (ProjectIndex, Selection, build_prompt) when those are
there; until they land, a small fallback (root ``.gitignore`` only, ~4 characters a token) keeps
the UI usable. Every method that touches the disk is meant to run in a thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from qwen_tui.providers.base import Message

try:
    from qwen_tui.context import ProjectIndex, Selection, build_prompt  # type: ignore[attr-defined]
except ImportError:  # the context package is still being built
    ProjectIndex = Selection = build_prompt = None  # type: ignore[assignment,misc]

DEFAULT_SYSTEM_PROMPT = (
    "You are a coding assistant working in the user's project. Files from the project may follow; "
    "answer using them, and say so when they are not enough."
)
DEFAULT_CONTEXT_WINDOW = 32768
DEFAULT_RESERVE_TOKENS = 2048
ALWAYS_HIDDEN = {".git", ".hg", ".svn"}


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


@dataclass(slots=True)
class ContextEntry:
    """One selected file or folder with its token estimate (None while counting / unreadable)."""

    path: str
    tokens: int | None = None
    problem: str | None = None


@dataclass(slots=True)
class PromptPlan:
    messages: list[Message]
    total_tokens: int
    budget: int
    over_budget: bool
    held_message: str = ""
    file_tokens: dict[str, int] = field(default_factory=dict)


class ProjectContext:
    """Index + selection for one project root."""

    def __init__(self, root: Path, *, system_prompt: str | None = None, reserve_tokens: int | None = None,
                 max_file_kb: int | None = None) -> None:
        self.root = root.resolve()
        self.system_prompt = system_prompt or DEFAULT_SYSTEM_PROMPT
        self.reserve_tokens = reserve_tokens or DEFAULT_RESERVE_TOKENS
        self.max_file_kb = max_file_kb or 256
        self.files: list[str] = []
        self.entries: list[str] = []
        self._index = ProjectIndex(self.root) if ProjectIndex is not None else None
        self._spec = None

    # -- index (thread) -----------------------------------------------------------------------
    def build(self) -> list[str]:
        """Walk the project once (call in a thread)."""
        if self._index is not None:
            self._index.build()
            self.files = sorted(str(getattr(f, "rel", f)) for f in self._index.files)
            return self.files
        self._load_spec()
        files: list[str] = []
        for folder, dirs, names in os.walk(self.root):
            rel_folder = os.path.relpath(folder, self.root).replace(os.sep, "/")
            rel_folder = "" if rel_folder == "." else rel_folder + "/"
            dirs[:] = sorted(d for d in dirs if not self.is_ignored(rel_folder + d, True))
            for name in sorted(names):
                rel = rel_folder + name
                if not self.is_ignored(rel, False) and not os.path.islink(os.path.join(folder, name)):
                    files.append(rel)
            if len(files) > 200_000:
                break
        self.files = files
        return files

    def _load_spec(self) -> None:
        if self._spec is not None:
            return
        from pathspec import GitIgnoreSpec

        try:
            lines = (self.root / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        self._spec = GitIgnoreSpec.from_lines(lines)

    def is_ignored(self, rel: str, is_dir: bool) -> bool:
        """``.git`` and whatever the ignore rules ignore."""
        if rel.split("/")[-1] in ALWAYS_HIDDEN:
            return True
        if self._index is not None and hasattr(self._index, "is_ignored"):
            return bool(self._index.is_ignored(rel + ("/" if is_dir else "")))
        self._load_spec()
        return bool(self._spec.match_file(rel + ("/" if is_dir else "")))

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix() if path.is_absolute() else path.as_posix()

    # -- selection ----------------------------------------------------------------------------
    def add(self, rel: str) -> bool:
        rel = rel.strip("/") or "."
        if rel in self.entries:
            return False
        self.entries.append(rel)
        return True

    def remove(self, rel: str) -> bool:
        if rel in self.entries:
            self.entries.remove(rel)
            return True
        return False

    def toggle(self, rel: str) -> bool:
        """Add or remove; True when it is now in the context."""
        if rel in self.entries:
            self.remove(rel)
            return False
        self.add(rel)
        return True

    def clear(self) -> None:
        self.entries.clear()

    def contains(self, rel: str) -> bool:
        """Whether ``rel`` is selected, itself or through a selected folder."""
        for entry in self.entries:
            if entry == rel or entry == "." or rel.startswith(entry + "/"):
                return True
        return False

    # -- reading (thread) ---------------------------------------------------------------------
    def expand(self, entry: str) -> list[str]:
        """The files an entry stands for (a folder: its indexed files)."""
        path = self.root / entry
        if path.is_dir():
            prefix = "" if entry == "." else entry + "/"
            return [f for f in self.files if f.startswith(prefix)]
        return [entry]

    def read(self, rel: str) -> str:
        path = (self.root / rel).resolve()
        path.relative_to(self.root)  # raises ValueError when it leaves the root
        data = path.read_bytes()[: self.max_file_kb * 1024]
        if b"\0" in data[:8192]:
            raise ValueError("binary file")
        return data.decode("utf-8", errors="replace")

    def measure(self) -> list[ContextEntry]:
        """Token estimate of every entry (call in a thread)."""
        measured: list[ContextEntry] = []
        for entry in list(self.entries):
            total, problem = 0, None
            for rel in self.expand(entry):
                try:
                    total += estimate_tokens(self.read(rel)) + 20
                except (OSError, ValueError) as exc:
                    problem = str(exc) or exc.__class__.__name__
            measured.append(ContextEntry(entry, total, problem))
        return measured

    def plan(self, question: str, history: list[Message], context_window: int) -> PromptPlan:
        """The messages for one question: system prompt, files, history, question (thread)."""
        files: dict[str, str] = {}
        for entry in list(self.entries):
            for rel in self.expand(entry):
                try:
                    files[rel] = self.read(rel)
                except (OSError, ValueError):
                    continue
        budget = max(0, context_window - self.reserve_tokens)
        parts = [f"File: {rel}\n```\n{text}\n```" for rel, text in files.items()]
        system = self.system_prompt + ("\n\n" + "\n\n".join(parts) if parts else "")
        messages = [Message("system", system), *history, Message("user", question)]
        file_tokens = {rel: estimate_tokens(text) for rel, text in files.items()}
        total = sum(estimate_tokens(m.content) + 4 for m in messages)
        over = total > budget
        held = (
            f"The request needs about {total:,} tokens but the model's window leaves {budget:,}: "
            "remove files from the context (Delete in the context panel) or clear it (Ctrl+L)."
            if over else ""
        )
        return PromptPlan(messages, total, budget, over, held, file_tokens)
