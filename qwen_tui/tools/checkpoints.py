"""Checkpoints: what each answer's writes replaced, kept on disk so one undo takes it all back.

Layout, under ``$XDG_DATA_HOME/qwen-tui/checkpoints/``::

    <project name>-<hash of its path>/
        project.json                  {"root": "/abs/path"}
        lock                          flock'd while change sets are read or written
        sets/000007/manifest.json     one change set (one answer that wrote)
        sets/000007/blobs/<sha256>    file contents before (and after) the answer's writes

Before a file is first replaced, its old content and mode (or "did not exist") and the content
about to be written are made durable (temp file, fsync, rename, folder fsync). A crash in the
middle of an answer's writes therefore leaves every file either old or new, and a change set that
knows both: undo restores what is new and leaves what is still old.

Undo never overwrites silently: a file whose content is neither what the change set wrote nor
what it found is reported as changed outside, and nothing of that change set is restored.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui import paths as app_paths
from qwen_tui.atomic import write_atomic
from qwen_tui.context.files import ProjectIndex
from qwen_tui.tools.errors import ToolError
from qwen_tui.tools.safety import ProjectPaths
from qwen_tui.tools.scope import digest

MANIFEST_VERSION = 1
KEEP_CHANGE_SETS = 50  # per project; older ones are deleted when a new one starts


def checkpoints_dir() -> Path:
    return app_paths.data_dir() / "checkpoints"


def project_folder(root: Path, base: Path | None = None) -> Path:
    real = Path(os.path.realpath(root))
    key = hashlib.sha256(os.fsencode(real)).hexdigest()[:16]
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in real.name)[:40] or "root"
    return (base or checkpoints_dir()) / f"{name}-{key}"


@dataclass(slots=True)
class FileChange:
    """One file of a change set. ``before`` is None for a file the answer created."""

    path: str
    before: str | None
    before_mode: int | None
    after: str
    after_mode: int
    written: list[str] = field(default_factory=list)  # every content the answer wrote, in order

    @property
    def created(self) -> bool:
        return self.before is None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "before_mode": self.before_mode,
                "after": self.after, "after_mode": self.after_mode, "written": self.written}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FileChange:
        return cls(str(d["path"]), d.get("before"), d.get("before_mode"), str(d["after"]), int(d["after_mode"]),
                   list(d.get("written") or [d["after"]]))


@dataclass(slots=True)
class ChangeSetInfo:
    id: str
    created: str  # ISO 8601, UTC
    state: str  # applied | undone | dropped
    label: str
    files: list[FileChange]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "created": self.created, "state": self.state, "label": self.label,
                "files": [{"path": f.path, "action": "created" if f.created else "modified"} for f in self.files]}


@dataclass(slots=True)
class UndoReport:
    """What an undo (or redo) did. ``change_set`` is None when there was nothing to do."""

    action: str  # "undo" | "redo"
    change_set: str | None = None
    restored: list[str] = field(default_factory=list)  # put back (undo) or re-applied (redo)
    deleted: list[str] = field(default_factory=list)  # files the change set had created (undo)
    unchanged: list[str] = field(default_factory=list)  # already as wanted (e.g. a crash before their write)
    changed_outside: list[str] = field(default_factory=list)  # nothing was done when this is not empty

    @property
    def ok(self) -> bool:
        return not self.changed_outside

    def describe(self) -> str:
        """In plain words, for a notification."""
        if self.change_set is None:
            return f"Nothing to {self.action}."
        if not self.ok:
            return (f"{', '.join(self.changed_outside)} changed outside qwen-tui since; nothing was done "
                    f"(put back or remove that change, then {self.action} again).")
        done = "Restored" if self.action == "undo" else "Re-applied"
        parts = [f"{done} {', '.join(self.restored)}"] if self.restored else []
        if self.deleted:
            parts.append(f"deleted {', '.join(self.deleted)} (created by that answer)")
        return "; ".join(parts or ["Nothing needed changing"]) + "."

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "change_set": self.change_set, "ok": self.ok, "restored": self.restored,
                "deleted": self.deleted, "unchanged": self.unchanged, "changed_outside": self.changed_outside}


class ChangeSet:
    """The writes of one answer. Saved to disk at its first ``record``."""

    def __init__(self, store: CheckpointStore, label: str = "") -> None:
        self.store = store
        self.label = label
        self.id: str | None = None
        self.folder: Path | None = None
        self.created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.files: dict[str, FileChange] = {}
        self.created_dirs: list[str] = []
        self.state = "applied"
        self._lock = threading.Lock()

    def record(self, entries: list[tuple[str, bytes | None, int | None, bytes, int]],
               created_dirs: list[str] | None = None) -> None:
        """Make ``(path, before, before_mode, after, after_mode)`` of each file durable; call it
        before the files are written. A file already in the set keeps its first ``before``."""
        with self._lock, self.store.locked():
            if self.folder is not None:
                on_disk = ChangeSet.load(self.store, self.folder)
                if on_disk is None or on_disk.state != "applied":  # undone meanwhile (another window)
                    self.id, self.folder, self.files, self.created_dirs = None, None, {}, []
                    self.state = "applied"
            if self.folder is None:
                self.id, self.folder = self.store._allocate()
            blobs = self.folder / "blobs"
            for path, before, before_mode, after, after_mode in entries:
                existing = self.files.get(path)
                if existing is None:
                    before_sha = self._blob(blobs, before) if before is not None else None
                    change = FileChange(path, before_sha, before_mode, "", after_mode)
                    self.files[path] = change
                else:
                    change = existing
                change.after = self._blob(blobs, after)
                change.after_mode = after_mode
                change.written.append(change.after)
            for rel in created_dirs or []:
                if rel not in self.created_dirs:
                    self.created_dirs.append(rel)
            self._save()

    @staticmethod
    def _blob(blobs: Path, data: bytes) -> str:
        sha = digest(data)
        target = blobs / sha
        if not target.exists():
            write_atomic(target, data, 0o600)
        return sha

    def _save(self) -> None:
        assert self.folder is not None
        write_atomic(self.folder / "manifest.json", json.dumps(self.to_json(), indent=1), 0o600)

    def to_json(self) -> dict[str, Any]:
        return {"version": MANIFEST_VERSION, "id": self.id, "root": str(self.store.root), "created": self.created,
                "label": self.label, "state": self.state, "created_dirs": self.created_dirs,
                "files": [f.to_json() for f in self.files.values()]}

    def info(self) -> ChangeSetInfo:
        return ChangeSetInfo(self.id or "", self.created, self.state, self.label, list(self.files.values()))

    def blob(self, sha: str) -> bytes:
        assert self.folder is not None
        return (self.folder / "blobs" / sha).read_bytes()

    @classmethod
    def load(cls, store: CheckpointStore, folder: Path) -> ChangeSet | None:
        try:
            d = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            cs = cls(store, str(d.get("label", "")))
            cs.id, cs.folder = str(d["id"]), folder
            cs.created, cs.state = str(d["created"]), str(d["state"])
            cs.created_dirs = [str(x) for x in d.get("created_dirs", [])]
            for f in d["files"]:
                change = FileChange.from_json(f)
                cs.files[change.path] = change
            return cs
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _remove_stray_temp_files(real: Path) -> None:
    """Temp files a write killed half-way left beside ``real`` (``write_atomic``'s names)."""
    stray = re.compile(r"^\." + re.escape(real.name) + r"\.[A-Za-z0-9_]{8}\.tmp$")
    try:
        names = os.listdir(real.parent)
    except OSError:
        return
    for name in names:
        if stray.match(name):
            try:
                os.unlink(real.parent / name)
            except OSError:
                pass


class CheckpointStore:
    """The change sets of one project, newest last on disk."""

    def __init__(self, root: Path | str, base: Path | None = None) -> None:
        self.root = Path(os.path.realpath(root))
        self.folder = project_folder(self.root, base)
        self._paths = ProjectPaths(ProjectIndex(self.root))

    @contextmanager
    def locked(self) -> Iterator[None]:
        app_paths.ensure_dir(self.folder)
        with open(self.folder / "lock", "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def begin(self, label: str = "") -> ChangeSet:
        """A new change set; nothing is on disk until its first ``record``."""
        return ChangeSet(self, label)

    def _sets(self) -> list[ChangeSet]:
        sets_dir = self.folder / "sets"
        if not sets_dir.is_dir():
            return []
        out = []
        for child in sorted(sets_dir.iterdir(), key=lambda p: p.name):
            if child.name.isdigit():
                cs = ChangeSet.load(self, child)
                if cs is not None:
                    out.append(cs)
        return out

    def _allocate(self) -> tuple[str, Path]:
        """(called locked) A new set's id and folder; undone sets can no longer be redone."""
        sets = self._sets()
        for cs in sets:
            if cs.state == "undone":
                cs.state = "dropped"
                cs._save()
        for cs in sets[: max(0, len(sets) + 1 - KEEP_CHANGE_SETS)]:
            shutil.rmtree(cs.folder, ignore_errors=True)  # type: ignore[arg-type]
        project_json = self.folder / "project.json"
        if not project_json.exists():
            write_atomic(project_json, json.dumps({"root": str(self.root)}), 0o600)
        number = int(sets[-1].id) + 1 if sets else 1
        ident = f"{number:06d}"
        folder = app_paths.ensure_dir(self.folder / "sets" / ident)
        app_paths.ensure_dir(folder / "blobs")
        return ident, folder

    def list(self) -> list[ChangeSetInfo]:
        """Every change set kept, newest first."""
        with self.locked():
            return [cs.info() for cs in reversed(self._sets())]

    # ---- undo and redo ------------------------------------------------------------------------

    def _current(self, rel: str) -> tuple[Path, bytes | None]:
        target = self._paths.for_write(rel)
        if not target.exists:
            return target.path, None
        with open(target.path, "rb") as fh:
            return target.path, fh.read()

    def undo(self) -> UndoReport:
        """Take back the newest applied change set."""
        report = UndoReport("undo")
        with self.locked():
            applied = [cs for cs in self._sets() if cs.state == "applied"]
            if not applied:
                return report
            cs = applied[-1]
            report.change_set = cs.id
            plan: list[tuple[FileChange, Path, str]] = []
            reals: list[Path] = []
            for change in cs.files.values():
                try:
                    real, current = self._current(change.path)
                except ToolError:
                    report.changed_outside.append(change.path)
                    continue
                reals.append(real)
                now = None if current is None else digest(current)
                if now == change.before:
                    report.unchanged.append(change.path)
                elif now is not None and now in change.written:
                    plan.append((change, real, "delete" if change.created else "restore"))
                else:
                    report.changed_outside.append(change.path)
            if report.changed_outside:
                return report
            for change, real, action in plan:
                if action == "delete":
                    os.unlink(real)
                    report.deleted.append(change.path)
                else:
                    assert change.before is not None and change.before_mode is not None
                    write_atomic(real, cs.blob(change.before), change.before_mode)
                    report.restored.append(change.path)
            for real in reals:  # a write killed half-way leaves its temp file
                _remove_stray_temp_files(real)
            for rel in reversed(cs.created_dirs):
                try:
                    os.rmdir(self.root / rel)
                except OSError:
                    pass  # not empty (something else was put there) or already gone
            cs.state = "undone"
            cs._save()
        return report

    def redo(self) -> UndoReport:
        """Re-apply the change set undone last (if no answer wrote since)."""
        report = UndoReport("redo")
        with self.locked():
            undone = [cs for cs in self._sets() if cs.state == "undone"]
            if not undone:
                return report
            cs = undone[0]
            report.change_set = cs.id
            plan: list[tuple[FileChange, Path]] = []
            for change in cs.files.values():
                try:
                    real, current = self._current(change.path)
                except ToolError:
                    report.changed_outside.append(change.path)
                    continue
                now = None if current is None else digest(current)
                if now == change.after:
                    report.unchanged.append(change.path)
                elif now == change.before:
                    plan.append((change, real))
                else:
                    report.changed_outside.append(change.path)
            if report.changed_outside:
                return report
            for change, real in plan:
                os.makedirs(real.parent, exist_ok=True)
                write_atomic(real, cs.blob(change.after), change.after_mode)
                report.restored.append(change.path)
            cs.state = "applied"
            cs._save()
        return report
