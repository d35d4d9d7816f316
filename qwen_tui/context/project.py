"""The UI's view of the project, on top of ``qwen_tui.context``: the file index and its ignore
rules, the context selection, per-entry token estimates and the prompt built from them.
Every method that touches the disk is meant to run in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qwen_tui.context import (
    DEFAULT_CONTEXT_WINDOW,
    DEFAULT_RESERVE_TOKENS,
    BuiltPrompt,
    ContextError,
    ProjectIndex,
    Selection,
    TokenEstimator,
    build_prompt,
    format_file,
)
from qwen_tui.context.reader import DEFAULT_MAX_FILE_BYTES
from qwen_tui.config import ContextSettings
from qwen_tui.providers.base import Message

#: ``@path`` in a question adds that file to the context.
MENTION = re.compile(r"(?:^|(?<=\s))@([^\s@]+)")

__all__ = ["ContextEntry", "ProjectContext", "DEFAULT_CONTEXT_WINDOW", "estimate_tokens"]

_ESTIMATOR = TokenEstimator()


def estimate_tokens(text: str) -> int:
    return _ESTIMATOR.estimate(text)


@dataclass(slots=True)
class ContextEntry:
    """One selected file, folder or range with its token estimate (None: not counted yet)."""

    path: str
    tokens: int | None = None
    problem: str | None = None


class ProjectContext:
    """Index + selection for one project root."""

    def __init__(self, root: Path, *, system_prompt: str | None = None, reserve_tokens: int | None = None,
                 max_file_kb: int | None = None) -> None:
        self.root = root.resolve()
        self.system_prompt = system_prompt
        self.reserve_tokens = reserve_tokens or DEFAULT_RESERVE_TOKENS
        max_bytes = max_file_kb * 1024 if max_file_kb else DEFAULT_MAX_FILE_BYTES
        self.index = ProjectIndex(self.root, max_file_bytes=max_bytes)
        self.selection = Selection()
        self.estimator = TokenEstimator()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, root: Path, settings: ContextSettings) -> ProjectContext:
        """As the ``[context]`` table of config.toml sets it up."""
        return cls(root, system_prompt=settings.system_prompt, reserve_tokens=settings.reserve_tokens,
                   max_file_kb=settings.max_file_kb)

    # -- index --------------------------------------------------------------------------------
    @property
    def files(self) -> list[str]:
        return self.index.files

    async def keep_fresh(self, busy: Callable[[], bool], every: float) -> None:
        """Rescan changed folders every ``every`` seconds, in a thread, so new files reach ``@``
        completion and go-to-file; skipped while ``busy()`` (an answer streaming has the CPU)."""
        while True:
            await asyncio.sleep(every)
            if not busy():
                with contextlib.suppress(OSError):
                    await asyncio.to_thread(self.index.refresh)

    def build(self) -> list[str]:
        """Walk the project (blocking: call in a thread)."""
        self.index.build()
        return self.index.files

    def is_ignored(self, rel: str, is_dir: bool) -> bool:
        """``.git`` and whatever the ignore rules leave out."""
        return self.index.is_ignored(rel + ("/" if is_dir else ""))

    # -- selection ----------------------------------------------------------------------------
    @property
    def entries(self) -> list[str]:
        return self.selection.to_list()

    def add_mentions(self, text: str) -> bool:
        """Add every ``@path`` of ``text`` that names a file or folder; True if any was new.
        "@someone" in prose is not a file and is left alone."""
        changed = False
        for match in MENTION.finditer(text):
            try:
                changed = self.add(match.group(1).rstrip(".,;:!?)")) or changed
            except ContextError:
                continue
        return changed

    def add(self, spec: str) -> bool:
        """Add a file, folder (``src`` or ``src/``) or range; False if already covered.
        Raises ``ContextError`` (missing, outside the root, bad range) in plain words."""
        with self._lock:
            return self.selection.add(spec, self.index)

    def remove(self, spec: str) -> bool:
        with self._lock:
            return self.selection.remove(spec)

    def toggle(self, spec: str) -> bool:
        """True when it is now in the context."""
        with self._lock:
            return self.selection.toggle(spec, self.index)

    def clear(self) -> None:
        with self._lock:
            self.selection.clear()

    def restore(self, items: list[str]) -> list[str]:
        """Put back a saved selection; returns the items that could not be restored."""
        dropped = []
        for item in items:
            try:
                self.add(item)
            except ContextError:
                dropped.append(item)
        return dropped

    def contains(self, rel: str) -> bool:
        """Whether the file or folder ``rel`` is selected, itself or through a selected folder."""
        rel = rel.strip("/")
        for entry in self.selection.entries:
            if entry.is_folder:
                if entry.path == "./" or (rel + "/").startswith(entry.path):
                    return True
            elif entry.path == rel:
                return True
        return False

    # -- reading (threads) --------------------------------------------------------------------
    def measure(self) -> list[ContextEntry]:
        """Token estimate of every entry (blocking)."""
        measured: list[ContextEntry] = []
        for entry in self.selection.entries:
            try:
                files, notes = Selection([entry]).expand(self.index)
            except ContextError as exc:
                measured.append(ContextEntry(str(entry), None, str(exc)))
                continue
            tokens = sum(self.estimator.estimate(format_file(f)) for f in files)
            measured.append(ContextEntry(str(entry), tokens, "; ".join(notes) or None))
        return measured

    def plan(self, question: str, history: list[Message], context_window: int) -> BuiltPrompt:
        """The messages for one question (blocking): system prompt, files, history, question."""
        files, _notes = self.selection.expand(self.index)
        return build_prompt(question, history, files, system_prompt=self.system_prompt,
                            context_window=context_window, reserve_tokens=self.reserve_tokens,
                            estimator=self.estimator)

