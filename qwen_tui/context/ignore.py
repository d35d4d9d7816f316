"""Ignore rules: ``.gitignore`` at every level, ``.git/info/exclude`` and ``.qwenignore``.

Matching is pathspec's (``GitIgnoreSpec``, git's own semantics, negations included). Each rules file
is compiled once into an :class:`IgnoreLayer`. To keep a 100,000-file scan fast, a layer also joins
its patterns' regexes (the ones pathspec compiled) into one alternation used as a quick reject: a
path that matches none of the patterns cannot be decided by this layer, so pathspec is asked only
for the few paths that match something.

Precedence, highest first: ``.qwenignore`` (the user's wish for this tool), then the ``.gitignore``
nearest to the path up to the root one, then ``.git/info/exclude``. The first layer that decides
(ignore, or re-include with ``!``) wins, as in git.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

#: Folders never indexed whatever the rules say.
ALWAYS_IGNORED_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(slots=True)
class IgnoreLayer:
    """One rules file compiled: ``base`` is the folder it applies to (posix, relative, "" = root)."""

    base: str
    source: str  # the rules file, for messages
    spec: GitIgnoreSpec
    quick: re.Pattern[str] | None  # matches whenever any pattern could; None: always ask pathspec
    mtime_ns: int | None = None

    @classmethod
    def from_lines(cls, base: str, source: str, lines: list[str], mtime_ns: int | None = None) -> IgnoreLayer:
        from pathspec import GitIgnoreSpec  # with the first rules file: the walk's thread, not start-up

        spec = GitIgnoreSpec.from_lines(lines)
        return cls(base, source, spec, _quick_reject(spec), mtime_ns)

    @classmethod
    def load(cls, path: Path, base: str, source: str) -> IgnoreLayer | None:
        """The layer for a rules file, or None when it is missing, empty or unreadable."""
        try:
            st = path.stat()
            data = path.read_bytes()
        except OSError:
            return None
        lines = data.decode("utf-8", errors="replace").splitlines()
        layer = cls.from_lines(base, source, lines, st.st_mtime_ns)
        return layer if len(layer.spec) else None

    def decide(self, rel: str) -> bool | None:
        """True: ignored; False: re-included by a ``!`` rule; None: no rule here says anything.

        ``rel`` is relative to ``base``; a folder ends with ``/``.
        """
        quick = self.quick
        if quick is not None and quick.search(rel) is None:
            return None
        return self.spec.check_file(rel).include


def _quick_reject(spec: GitIgnoreSpec) -> re.Pattern[str] | None:
    """One regex that matches every path any pattern of ``spec`` matches (pathspec's own regexes,
    named groups made anonymous so they can be joined)."""
    parts: list[str] = []
    flags: set[int] = set()
    for pattern in spec.patterns:
        regex = getattr(pattern, "regex", None)
        if getattr(pattern, "include", None) is None or regex is None:
            continue
        if not isinstance(regex.pattern, str):
            return None
        parts.append("(?:" + re.sub(r"\(\?P<\w+>", "(?:", regex.pattern) + ")")
        flags.add(regex.flags)
    if not parts or len(flags) != 1:
        return None
    try:
        return re.compile("|".join(parts), flags.pop())
    except re.error:
        return None


class IgnoreRules:
    """The project-wide layers (``.git/info/exclude``, ``.qwenignore``) plus per-folder ``.gitignore``
    layers registered while the index walks the tree."""

    def __init__(self, root: Path, extra_patterns: list[str] | None = None) -> None:
        self.root = root
        self.exclude = IgnoreLayer.load(root / ".git" / "info" / "exclude", "", ".git/info/exclude")
        self.qwenignore = IgnoreLayer.load(root / ".qwenignore", "", ".qwenignore")
        self.extra = IgnoreLayer.from_lines("", "settings", list(extra_patterns)) if extra_patterns else None
        if self.extra is not None and not len(self.extra.spec):
            self.extra = None
        self.gitignores: dict[str, IgnoreLayer] = {}

    def project_files_mtimes(self) -> tuple[int | None, int | None]:
        return (_mtime(self.root / ".git" / "info" / "exclude"), _mtime(self.root / ".qwenignore"))

    def load_gitignore(self, folder: str) -> IgnoreLayer | None:
        """Read ``folder/.gitignore`` (if any) and remember it; returns the layer."""
        path = self.root / folder / ".gitignore" if folder else self.root / ".gitignore"
        source = f"{folder}/.gitignore" if folder else ".gitignore"
        layer = IgnoreLayer.load(path, folder, source)
        if layer is None:
            self.gitignores.pop(folder, None)
        else:
            self.gitignores[folder] = layer
        return layer

    def forget_below(self, folder: str) -> None:
        prefix = folder + "/" if folder else ""
        for key in [k for k in self.gitignores if k == folder or k.startswith(prefix)]:
            del self.gitignores[key]

    def chain(self, folder: str) -> list[tuple[str, IgnoreLayer]]:
        """The layers that apply to entries of ``folder``, highest precedence first, each with the
        prefix that turns an entry name into a path relative to that layer's base."""
        chain: list[tuple[str, IgnoreLayer]] = []
        for layer in (self.qwenignore, self.extra):
            if layer is not None:
                chain.append((folder + "/" if folder else "", layer))
        parts = folder.split("/") if folder else []
        for depth in range(len(parts), -1, -1):
            base = "/".join(parts[:depth])
            layer = self.gitignores.get(base)
            if layer is not None:
                rest = "/".join(parts[depth:])
                chain.append((rest + "/" if rest else "", layer))
        if self.exclude is not None:
            chain.append((folder + "/" if folder else "", self.exclude))
        return chain

    @staticmethod
    def decide(chain: list[tuple[str, IgnoreLayer]], name: str, is_dir: bool) -> bool:
        """Whether entry ``name`` of the folder ``chain`` was made for is ignored."""
        if is_dir and name in ALWAYS_IGNORED_DIRS:
            return True
        suffix = "/" if is_dir else ""
        for prefix, layer in chain:
            verdict = layer.decide(prefix + name + suffix)
            if verdict is not None:
                return verdict
        return False


def _mtime(path: Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
