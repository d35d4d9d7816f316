"""What the user picked for the model to see: files, folders and line ranges.

Entries are written the way a user types them: ``src/`` (a folder, recursive), ``a.py`` (a file),
``a.py:10-40`` or ``@a.py:10`` (lines). The selection keeps no file contents; ``expand`` reads them
when a prompt is built, so what is sent is what is on disk at that moment.

De-duplication: a file already covered (by a selected folder, or by itself whole) is not added
again; adding a folder drops the entries beneath it; ranges of one file merge when they overlap or
touch. ``to_list()``/``from_list()`` give a plain list of strings to remember per project.

Folder expansion honours the ignore rules (it uses the index) and skips, each with a note: binary
files, symlinks leading outside the root, unreadable files, and files that look like secrets
(``.env``, keys, credentials), which are only sent when named one by one.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from qwen_tui.context.errors import ContextError, InvalidSpec
from qwen_tui.context.files import ProjectIndex
from qwen_tui.context.reader import ContextFile

_RANGE = re.compile(r"^(?P<path>.+?):(?P<start>\d+)(?:-(?P<end>\d+))?$")
#: Names that folder expansion never sends (they can still be added one by one).
SECRET_NAME_PATTERNS = (
    ".env", ".env.*", "*.env", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.keystore", "*.jks",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", ".npmrc", ".pypirc", ".pgpass",
    "credentials", "credentials.json", "*.secret", "secrets.*", ".htpasswd", "*.kdbx",
)
DEFAULT_MAX_FOLDER_FILES = 2000


def _name_tests(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The patterns as whole names, prefixes (``id_rsa*``) and suffixes (``*.pem``), and the rest:
    the first ``fnmatch`` of each pattern compiles a regex (all of them in an answer's first
    ``read_file``, between the model's answer and the next request); a string test needs none."""
    exact, prefixes, suffixes, others = set(), [], [], []
    for pattern in patterns:
        body = pattern.strip("*")
        if any(c in body for c in "*?[") or pattern.startswith("*") and pattern.endswith("*"):
            others.append(pattern)
        elif pattern.endswith("*"):
            prefixes.append(body)
        elif pattern.startswith("*"):
            suffixes.append(body)
        else:
            exact.add(pattern)
    return frozenset(exact), tuple(prefixes), tuple(suffixes), tuple(others)


_SECRET_EXACT, _SECRET_PREFIXES, _SECRET_SUFFIXES, _SECRET_OTHERS = _name_tests(SECRET_NAME_PATTERNS)


def looks_secret(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    if name.endswith(".example") or name.endswith(".sample") or name.endswith(".template"):
        return False
    return (name in _SECRET_EXACT or name.startswith(_SECRET_PREFIXES) or name.endswith(_SECRET_SUFFIXES)
            or any(fnmatch.fnmatchcase(name, pattern) for pattern in _SECRET_OTHERS))


@dataclass(frozen=True, slots=True)
class SelectionEntry:
    """One selected thing. ``path`` is posix and relative; a folder ends with ``/`` ("./" = root)."""

    path: str
    line_range: tuple[int, int] | None = None

    @property
    def is_folder(self) -> bool:
        return self.path.endswith("/")

    def __str__(self) -> str:
        if self.line_range is None:
            return self.path
        start, end = self.line_range
        return f"{self.path}:{start}-{end}" if end != start else f"{self.path}:{start}"

    def covers(self, other: SelectionEntry) -> bool:
        """Whether everything ``other`` selects is already selected by this entry."""
        if self.is_folder:
            return self.path == "./" or other.path.startswith(self.path)
        if other.path != self.path or other.is_folder:
            return False
        if self.line_range is None:
            return True
        if other.line_range is None:
            return False
        return self.line_range[0] <= other.line_range[0] and other.line_range[1] <= self.line_range[1]


def parse_spec(spec: str, index: ProjectIndex | None = None) -> SelectionEntry:
    """``@src/a.py:10-40`` -> ``SelectionEntry("src/a.py", (10, 40))``. With an index, the path is
    checked (inside the root, exists) and a folder is recognised without a trailing slash."""
    text = spec.strip()
    if text.startswith("@"):
        text = text[1:]
    if not text:
        raise InvalidSpec(spec, "empty")
    line_range = None
    match = _RANGE.match(text)
    if match and not (index is not None and (index.root / text).exists()):
        text = match["path"]
        start = int(match["start"])
        end = int(match["end"]) if match["end"] else start
        if start < 1 or end < start:
            raise InvalidSpec(spec, "a range is START-END with 1 <= START <= END")
        line_range = (start, end)
    wants_folder = text.endswith("/") or text in (".", "./")
    if index is not None:
        rel = index.relative(text)
        real = index.resolve(rel, check_content=False)
        is_folder = real.is_dir()
    else:
        rel = _normalise(spec, text)
        is_folder = wants_folder
    if is_folder:
        if line_range is not None:
            raise InvalidSpec(spec, "a line range needs a file, not a folder")
        return SelectionEntry((rel + "/") if rel else "./")
    if not rel:
        raise InvalidSpec(spec, "the project folder itself is written ./")
    return SelectionEntry(rel, line_range)


def _normalise(spec: str, text: str) -> str:
    import posixpath

    norm = posixpath.normpath(text.replace("\\", "/"))
    if norm == ".":
        return ""
    if norm == ".." or norm.startswith("../") or norm.startswith("/"):
        from qwen_tui.context.errors import OutsideRoot

        raise OutsideRoot(spec, "goes above the project folder")
    return norm


class Selection:
    """An ordered, de-duplicated set of entries."""

    def __init__(self, entries: list[SelectionEntry] | None = None) -> None:
        self._entries: list[SelectionEntry] = []
        self.dropped: list[str] = []  # items ``from_list`` could not read, kept for the user to see
        for entry in entries or []:
            self._add_entry(entry)

    @property
    def entries(self) -> list[SelectionEntry]:
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, spec: object) -> bool:
        if isinstance(spec, SelectionEntry):
            return spec in self._entries
        return any(str(e) == spec or e.path == spec for e in self._entries)

    def add(self, spec: str | SelectionEntry, index: ProjectIndex | None = None) -> bool:
        """Add a file, folder or range; False when it was already covered. Raises ``ContextError``
        (bad range; with an index also missing or outside the root)."""
        entry = spec if isinstance(spec, SelectionEntry) else parse_spec(spec, index)
        return self._add_entry(entry)

    def _add_entry(self, entry: SelectionEntry) -> bool:
        if any(existing.covers(entry) for existing in self._entries):
            return False
        kept = [e for e in self._entries if not entry.covers(e)]
        if entry.line_range is not None:
            # merge with overlapping or touching ranges of the same file
            start, end = entry.line_range
            rest = []
            for e in kept:
                if (
                    e.path == entry.path and e.line_range
                    and e.line_range[0] <= end + 1 and start <= e.line_range[1] + 1
                ):
                    start, end = min(start, e.line_range[0]), max(end, e.line_range[1])
                else:
                    rest.append(e)
            kept = rest
            entry = SelectionEntry(entry.path, (start, end))
        kept.append(entry)
        self._entries = kept
        return True

    def remove(self, spec: str | SelectionEntry) -> bool:
        """Remove an entry; a bare file path removes all its ranges too. False if nothing matched."""
        if isinstance(spec, SelectionEntry):
            target = spec
        else:
            try:
                target = parse_spec(spec)
            except ContextError:
                return False
        before = len(self._entries)
        if target.line_range is None:
            bare = target.path.rstrip("/")
            self._entries = [e for e in self._entries if e.path.rstrip("/") != bare]
        else:
            self._entries = [e for e in self._entries if e != target]
        return len(self._entries) != before

    def toggle(self, spec: str, index: ProjectIndex | None = None) -> bool:
        """Remove if present, else add; returns True when the thing is now selected."""
        if self.remove(spec):
            return False
        return self.add(spec, index)

    def clear(self) -> None:
        self._entries = []

    def to_list(self) -> list[str]:
        return [str(e) for e in self._entries]

    @classmethod
    def from_list(cls, items: list[str]) -> Selection:
        """The inverse of ``to_list``; unreadable items go to ``dropped`` instead of failing."""
        selection = cls()
        for item in items:
            try:
                selection.add(str(item))
            except ContextError:
                selection.dropped.append(str(item))
        return selection

    def expand(
        self,
        index: ProjectIndex,
        *,
        strict: bool = False,
        max_folder_files: int | None = DEFAULT_MAX_FOLDER_FILES,
    ) -> tuple[list[ContextFile], list[str]]:
        """Read every selected file: ``(files, notes)``. Each file appears once (whole beats a
        range). With ``strict``, a file named on its own that cannot be sent raises its
        ``ContextError`` (``qwen-tui ask --file`` exits 2 on it); otherwise it becomes a note.
        A folder with more than ``max_folder_files`` files is not expanded and says so."""
        index.ensure_built()
        wanted: dict[str, list[tuple[int, int]] | None] = {}  # path -> ranges, None = whole
        named: set[str] = set()
        notes: list[str] = []
        for entry in self._entries:
            if entry.is_folder:
                rel = "" if entry.path == "./" else entry.path.rstrip("/")
                try:
                    real = index.resolve(rel, check_content=False) if rel else index.root
                except ContextError as exc:
                    if strict:
                        raise
                    notes.append(f"skipped {exc}")
                    continue
                if not real.is_dir():  # remembered as a folder, now a file
                    wanted[rel] = None
                    named.add(rel)
                    continue
                if rel and index.is_ignored(rel + "/"):
                    notes.append(f"{rel}/: ignored by the project's ignore rules, nothing added")
                    continue
                prefix = rel + "/" if rel else ""
                paths = [p for p in index.files if p.startswith(prefix)]
                if max_folder_files is not None and len(paths) > max_folder_files:
                    notes.append(
                        f"skipped {entry.path}: {len(paths):,} files is more than the {max_folder_files:,} "
                        "one folder may add; pick sub-folders or files"
                    )
                    continue
                for path in paths:
                    if looks_secret(path):
                        notes.append(f"skipped {path}: looks like a secrets file (add it by name to send it)")
                        continue
                    wanted[path] = None
            else:
                named.add(entry.path)
                if entry.line_range is None:
                    wanted[entry.path] = None
                elif entry.path not in wanted:
                    wanted[entry.path] = [entry.line_range]
                elif wanted[entry.path] is not None:
                    wanted[entry.path].append(entry.line_range)
        files: list[ContextFile] = []
        for path, ranges in wanted.items():
            for line_range in ranges or [None]:
                try:
                    files.append(index.read(path, line_range))
                except ContextError as exc:
                    if strict and path in named:
                        raise
                    notes.append(f"skipped {exc}")
        return files, notes
