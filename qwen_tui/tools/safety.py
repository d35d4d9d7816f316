"""Where a tool may read and write: inside the project root, never in ``.git/``.

A model-given path goes through ``ProjectIndex.relative`` (the context's own rules: ``@`` prefix,
absolute paths inside the root, no ``..`` above it), then every component that exists on disk is
checked, so a symlink anywhere on the way (also to a file that is yet to be created) cannot lead
out of the root. Refusals are ``ToolError`` in plain words.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qwen_tui.context.errors import ContextError
from qwen_tui.context.files import ProjectIndex
from qwen_tui.context.ignore import ALWAYS_IGNORED_DIRS
from qwen_tui.terminal_text import visible_controls
from qwen_tui.tools.errors import ToolError

MAX_PATH_BYTES = 1024
MAX_NAME_BYTES = 255
_VCS_DIRS = frozenset(name.lower() for name in ALWAYS_IGNORED_DIRS)
#: Bidi overrides and marks: they make a name read differently from what it is.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True, slots=True)
class SafePath:
    """A path a tool may use. ``rel`` is posix and relative to the root (the real file's, when the
    given path was a symlink inside the root); ``path`` is absolute; ``exists`` as checked."""

    rel: str
    path: Path
    exists: bool
    is_dir: bool = False


def _check_text(given: str) -> None:
    if not isinstance(given, str):
        raise ToolError("the path must be a string")
    for ch in given:
        if ch in _BIDI or unicodedata.category(ch) == "Cc":
            shown = visible_controls(given)[:200]
            raise ToolError(f"the path {shown!r} contains a control character (U+{ord(ch):04X}); paths are plain text")
    if len(given.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise ToolError(f"the path is too long ({len(given):,} characters; the limit is {MAX_PATH_BYTES:,} bytes)")


def _check_parts(given: str, rel: str) -> None:
    for part in rel.split("/") if rel else []:
        if len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise ToolError(f"{given}: a name in the path is longer than {MAX_NAME_BYTES} bytes")
        if part.lower() in _VCS_DIRS:
            raise ToolError(f"{given}: inside {part}/, which tools never read or change")


class ProjectPaths:
    """Resolves model-given paths against one project's root, with the index's rules."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.root = index.root

    def relative(self, given: str) -> str:
        """The normalised relative path (no disk access); ToolError when it leaves the root."""
        _check_text(given)
        try:
            rel = self.index.relative(given)
        except ContextError as exc:
            raise ToolError(exc.message) from None
        _check_parts(given, rel)
        return rel

    def _inside(self, given: str, real: Path) -> str:
        if real != self.root and not real.is_relative_to(self.root):
            raise ToolError(f"{given}: outside the project folder (it leads to {real})")
        rel = real.relative_to(self.root).as_posix() if real != self.root else ""
        _check_parts(given, rel)
        return rel

    def existing(self, given: str, *, folder: bool | None = None) -> SafePath:
        """An existing file (``folder=False``), folder (``True``) or either (``None``)."""
        rel = self.relative(given)
        candidate = self.root / rel if rel else self.root
        if not os.path.lexists(candidate):
            raise ToolError(f"{given}: no such file or folder in the project")
        try:
            real = Path(os.path.realpath(candidate, strict=True))
        except FileNotFoundError:
            raise ToolError(f"{given}: a symlink to something that does not exist") from None
        except OSError as exc:
            raise ToolError(f"{given}: cannot be read ({exc.strerror or exc})") from None
        real_rel = self._inside(given, real)
        is_dir = real.is_dir()
        if folder is True and not is_dir:
            raise ToolError(f"{given}: a file, not a folder")
        if folder is False and is_dir:
            raise ToolError(f"{given}: a folder, not a file (list_files shows what is in it)")
        return SafePath(real_rel, real, True, is_dir)

    def folder(self, given: str | None) -> SafePath:
        """A folder to list or search; empty or missing means the root."""
        if given is None or not given.strip() or given.strip() in (".", "./"):
            return SafePath("", self.root, True, True)
        return self.existing(given, folder=True)

    def for_write(self, given: str) -> SafePath:
        """A file to change or create. Every component on the way that exists is checked: a
        symlink among them must stay inside the root; a file among them cannot hold others."""
        rel = self.relative(given)
        if not rel:
            raise ToolError(f"{given!r}: names the project folder itself, not a file")
        current = self.root
        parts = rel.split("/")
        for depth, part in enumerate(parts):
            nxt = current / part
            last = depth == len(parts) - 1
            if not os.path.lexists(nxt):
                rest = Path(*parts[depth:])
                target = current / rest
                return SafePath(self._inside(given, target), target, False)
            if os.path.islink(nxt):
                try:
                    resolved = Path(os.path.realpath(nxt, strict=True))
                except OSError:
                    raise ToolError(f"{given}: {part} is a symlink to something that does not exist") from None
                self._inside(given, resolved)
                nxt = resolved
            if not last and not nxt.is_dir():
                raise ToolError(f"{given}: {part} is a file, not a folder")
            current = nxt
        if current.is_dir():
            raise ToolError(f"{given}: a folder, not a file")
        return SafePath(self._inside(given, current), current, True)
