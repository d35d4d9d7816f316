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
from qwen_tui.context.instructions import Instructions, instructions_section, load_instructions
from qwen_tui.context.reader import DEFAULT_MAX_FILE_BYTES
from qwen_tui.context.resources import RESOURCE_PREFIX, ResourceReader, ResourceRef, resource_content
from qwen_tui.config import ContextSettings
from qwen_tui.providers.base import Message

#: A context panel entry id for an instructions file (files are ids by their path).
INSTRUCTIONS_PREFIX = "instructions:"

#: ``@path`` in a question adds that file to the context.
MENTION = re.compile(r"(?:^|(?<=\s))@([^\s@]+)")

__all__ = ["ContextEntry", "ProjectContext", "DEFAULT_CONTEXT_WINDOW", "estimate_tokens"]

_ESTIMATOR = TokenEstimator()


def estimate_tokens(text: str) -> int:
    return _ESTIMATOR.estimate(text)


@dataclass(slots=True)
class ContextEntry:
    """One selected file, folder or range with its token estimate (None: not counted yet), one
    instructions file (``kind`` "instructions": ``enabled`` False when switched off for the session,
    ``problem`` why a refused one is not sent), or one MCP resource (``kind`` "resource", ``path``
    its ``mcp://server/uri`` id, ``size`` its characters, ``problem`` why it could not be read)."""

    path: str
    tokens: int | None = None
    problem: str | None = None
    kind: str = "file"
    enabled: bool = True
    size: int | None = None

    @property
    def id(self) -> str:
        return INSTRUCTIONS_PREFIX + self.path if self.kind == "instructions" else self.path

    @property
    def counted(self) -> int:
        """What it adds to the request: nothing when switched off or refused."""
        return (self.tokens or 0) if self.enabled else 0


class ProjectContext:
    """Index + selection for one project root."""

    def __init__(self, root: Path, *, system_prompt: str | None = None, reserve_tokens: int | None = None,
                 max_file_kb: int | None = None, instructions: bool = True,
                 user_instructions_dir: Path | None = None) -> None:
        self.root = root.resolve()
        self.read_instructions = instructions
        self.user_instructions_dir = user_instructions_dir
        #: The instructions files as last read (None: not read yet); ``measure`` reads them again.
        self.instructions: list[Instructions] | None = None
        #: Labels of the instructions files switched off for this session.
        self.instructions_off: set[str] = set()
        self.system_prompt = system_prompt
        self.reserve_tokens = reserve_tokens or DEFAULT_RESERVE_TOKENS
        max_bytes = max_file_kb * 1024 if max_file_kb else DEFAULT_MAX_FILE_BYTES
        self.index = ProjectIndex(self.root, max_file_bytes=max_bytes)
        self.selection = Selection()
        #: MCP resources in the context, in the order added; read through ``resource_reader``.
        self.resources: list[ResourceRef] = []
        #: Set by the front end once MCP servers run (None: every resource is "not read").
        self.resource_reader: ResourceReader | None = None
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
        """What is saved per project (files, folders, ranges, then resource ids)."""
        return self.selection.to_list() + [ref.id for ref in self.resources]

    def add_resource(self, server: str, uri: str) -> bool:
        """Add an MCP resource; False if it is already in the context."""
        ref = ResourceRef(server, uri)
        with self._lock:
            if ref in self.resources:
                return False
            self.resources.append(ref)
            return True

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
        ref = ResourceRef.parse(spec)
        with self._lock:
            if ref is not None:
                if ref not in self.resources:
                    return False
                self.resources.remove(ref)
                return True
            return self.selection.remove(spec)

    def toggle(self, spec: str) -> bool:
        """True when it is now in the context."""
        with self._lock:
            return self.selection.toggle(spec, self.index)

    def clear(self) -> None:
        with self._lock:
            self.selection.clear()
            self.resources.clear()

    def restore(self, items: list[str]) -> list[str]:
        """Put back a saved selection; returns the items that could not be restored."""
        dropped = []
        for item in items:
            ref = ResourceRef.parse(item) if item.startswith(RESOURCE_PREFIX) else None
            if ref is not None:  # read (or told missing) once its server is ready
                self.add_resource(ref.server, ref.uri)
                continue
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

    # -- instructions -------------------------------------------------------------------------
    def load_instructions(self) -> list[Instructions]:
        """Read the instructions files again (blocking: a thread's job)."""
        items = load_instructions(self.root, self.user_instructions_dir) if self.read_instructions else []
        self.instructions = items
        return items

    def toggle_instructions(self, label: str) -> bool:
        """Switch an instructions file off (or back on) for the session; True when it is now sent."""
        if label in self.instructions_off:
            self.instructions_off.discard(label)
            return True
        self.instructions_off.add(label)
        return False

    def instructions_text(self) -> str:
        """The system prompt's instructions section (read from disk the first time: blocking)."""
        items = self.instructions if self.instructions is not None else self.load_instructions()
        return instructions_section(item for item in items if item.label not in self.instructions_off)

    def _instruction_entries(self) -> list[ContextEntry]:
        entries = []
        for item in self.load_instructions():
            tokens = self.estimator.estimate(instructions_section([item])) if item.usable else None
            entries.append(ContextEntry(item.label, tokens, item.error, kind="instructions",
                                        enabled=item.usable and item.label not in self.instructions_off))
        return entries

    # -- reading (threads) --------------------------------------------------------------------
    def measure(self) -> list[ContextEntry]:
        """Token estimate of every instructions file and every entry (blocking)."""
        measured: list[ContextEntry] = self._instruction_entries()
        for entry in self.selection.entries:
            try:
                files, notes = Selection([entry]).expand(self.index)
            except ContextError as exc:
                measured.append(ContextEntry(str(entry), None, str(exc)))
                continue
            tokens = sum(self.estimator.estimate(format_file(f)) for f in files)
            measured.append(ContextEntry(str(entry), tokens, "; ".join(notes) or None))
        for ref in list(self.resources):
            content, problem = resource_content(ref, self.resource_reader)
            tokens = None if problem else self.estimator.estimate(format_file(content))
            measured.append(ContextEntry(ref.id, tokens, problem, kind="resource",
                                         size=None if problem else len(content.text)))
        return measured

    def plan(self, question: str, history: list[Message], context_window: int) -> BuiltPrompt:
        """The messages for one question (blocking): system prompt, instructions, files, history,
        question. The instructions are those ``measure`` last read (it runs in a thread after every
        change and answer), read here only the first time."""
        files, _notes = self.selection.expand(self.index)
        warnings = []
        for ref in list(self.resources):  # read again now: what is sent is what the server gives
            content, problem = resource_content(ref, self.resource_reader)
            files.append(content)
            if problem:
                warnings.append(f"{ref.id} was not read ({problem}); the request says so. It stays in the context.")
        built = build_prompt(question, history, files, system_prompt=self.system_prompt,
                             context_window=context_window, reserve_tokens=self.reserve_tokens,
                             estimator=self.estimator, instructions=self.instructions_text())
        built.warnings = warnings
        return built

