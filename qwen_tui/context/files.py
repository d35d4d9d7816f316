"""The project index: every file under the root that the ignore rules let through.

Built with ``os.scandir`` (no stat per file), pruning ignored folders before descending into them.
``build()`` and ``refresh()`` do blocking I/O: call them from a thread (``build_async``/``watch`` do).
Readers never see a half-built index: each scan publishes a new, complete, sorted list.

``refresh()`` is cheap: it stats the known folders and their ``.gitignore`` files and rescans only
folders whose modification time moved (a folder's mtime changes when an entry is added, removed or
renamed in it). A folder modified within the last two seconds of a scan is rescanned next time
anyway, as the filesystem clock may not have ticked between the scan and a change (git's "racy" rule).

Safety: ``resolve()`` turns what a user typed into a path inside the root, or raises a
``ContextError`` saying why not. Symlinks are listed when they point at files, never followed into
folders; one that leads outside the root is refused when it is used.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import stat
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from qwen_tui.context.errors import NotFound, OutsideRoot, Unreadable
from qwen_tui.context.ignore import ALWAYS_IGNORED_DIRS, IgnoreLayer, IgnoreRules
from qwen_tui.context.reader import DEFAULT_MAX_FILE_BYTES, HEAD_BYTES, FileContent, read_file, sniff

RACY_NS = 2_000_000_000


@dataclass(slots=True)
class _Folder:
    mtime_ns: int
    gitignore_mtime: int | None
    files: list[str] = field(default_factory=list)  # names
    folders: list[str] = field(default_factory=list)  # names of folders that are not ignored
    racy: bool = False


class ProjectIndex:
    """Files of one project. Cheap to create; ``build()`` does the walk."""

    def __init__(
        self,
        root: Path | str,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        extra_ignores: list[str] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.max_file_bytes = max_file_bytes
        self._extra_ignores = list(extra_ignores or [])
        self._lock = threading.RLock()
        self._rules_read: IgnoreRules | None = None  # read at first need (``build`` reads them again)
        self._folders: dict[str, _Folder] = {}
        self._files: list[str] = []
        self._project_mtimes: tuple[int | None, int | None] = (None, None)
        self.built = False
        self.version = 0  # goes up whenever ``files`` changes
        self.build_seconds = 0.0
        self.errors: list[str] = []  # folders that could not be read, in plain words

    @property
    def _rules(self) -> IgnoreRules:
        """The ignore rules, read when first needed: creating an index reads no file."""
        if self._rules_read is None:
            self._rules_read = IgnoreRules(self.root, self._extra_ignores)
        return self._rules_read

    @_rules.setter
    def _rules(self, rules: IgnoreRules) -> None:
        self._rules_read = rules

    # ---- scanning -----------------------------------------------------------------------------

    @property
    def files(self) -> list[str]:
        """All indexed files: posix, relative to the root, sorted. Do not mutate."""
        return self._files

    @property
    def folders(self) -> list[str]:
        """All indexed folders (not ignored), sorted; ``""`` is the root."""
        return sorted(self._folders)

    def children(self, folder: str = "") -> tuple[list[str], list[str]]:
        """Sub-folder names and file names directly in ``folder`` (for a lazily drawn tree)."""
        entry = self._folders.get(folder.strip("/"))
        if entry is None:
            return [], []
        return sorted(entry.folders), sorted(entry.files)

    def build(self) -> None:
        """Walk the whole tree (blocking; run it in a thread)."""
        started = time.perf_counter()
        with self._lock:
            self._rules = IgnoreRules(self.root, self._extra_ignores)
            self._project_mtimes = self._rules.project_files_mtimes()
            folders: dict[str, _Folder] = {}
            errors: list[str] = []
            self._scan_tree("", folders, errors)
            self._folders = folders
            self.errors = errors
            self._publish()
            self.built = True
        self.build_seconds = time.perf_counter() - started

    def ensure_built(self) -> None:
        if not self.built:
            self.build()

    async def build_async(self) -> None:
        await asyncio.to_thread(self.build)

    def refresh(self) -> bool:
        """Rescan what changed since the last scan; True when the file list changed."""
        if not self.built:
            self.build()
            return True
        with self._lock:
            if self._rules.project_files_mtimes() != self._project_mtimes:
                before = self._files
                self.build()
                return before != self._files
            touched = False
            errors: list[str] = []
            folders = dict(self._folders)  # copy on write: readers keep a consistent view
            stack = [""]
            while stack:
                folder = stack.pop()
                entry = folders.get(folder)
                if entry is None:
                    continue
                abs_dir = self._abs(folder)
                try:
                    mtime = os.stat(abs_dir).st_mtime_ns
                except OSError:
                    _drop_tree(folders, folder)
                    touched = True
                    continue
                gitignore_mtime = _mtime(abs_dir / ".gitignore")
                if gitignore_mtime != entry.gitignore_mtime:
                    _drop_tree(folders, folder)
                    self._rules.forget_below(folder)
                    self._scan_tree(folder, folders, errors)
                    touched = True
                    continue
                if mtime != entry.mtime_ns or entry.racy:
                    old_files, old_folders = entry.files, set(entry.folders)
                    fresh = self._scan_one(folder, errors)
                    if fresh is None:
                        _drop_tree(folders, folder)
                        touched = True
                        continue
                    folders[folder] = fresh
                    if fresh.files != old_files or set(fresh.folders) != old_folders:
                        touched = True
                    for name in old_folders - set(fresh.folders):
                        _drop_tree(folders, _join(folder, name))
                    for name in fresh.folders:
                        child = _join(folder, name)
                        if name in old_folders:
                            stack.append(child)
                        else:
                            self._scan_tree(child, folders, errors)
                    continue
                stack.extend(_join(folder, name) for name in entry.folders)
            self._folders = folders
            if touched:
                before = self._files
                self._publish()
                self.errors = errors or self.errors
                return before != self._files
            return False

    async def watch(self, interval: float = 2.0) -> AsyncIterator[list[str]]:
        """Yield the new file list each time a refresh (run in a thread) finds a change."""
        while True:
            if await asyncio.to_thread(self.refresh):
                yield self.files
            await asyncio.sleep(interval)

    def _publish(self) -> None:
        files: list[str] = []
        for folder, entry in list(self._folders.items()):
            if folder:
                prefix = folder + "/"
                files.extend(prefix + name for name in entry.files)
            else:
                files.extend(entry.files)
        files.sort()
        self._files = files
        self.version += 1

    def _scan_tree(self, top: str, folders: dict[str, _Folder], errors: list[str]) -> None:
        stack = [top]
        while stack:
            folder = stack.pop()
            entry = self._scan_one(folder, errors)
            if entry is None:
                continue
            folders[folder] = entry
            stack.extend(_join(folder, name) for name in entry.folders)

    def _scan_one(self, folder: str, errors: list[str]) -> _Folder | None:
        """List one folder: its files and non-ignored sub-folders (loads its ``.gitignore``)."""
        abs_dir = self._abs(folder)
        scan_time = time.time_ns()
        try:
            mtime = os.stat(abs_dir).st_mtime_ns
            with os.scandir(abs_dir) as it:
                entries = list(it)
        except OSError as exc:
            errors.append(f"{folder or '.'}: {exc.strerror or exc}")
            return None
        layer: IgnoreLayer | None = None
        gitignore_mtime = None
        if any(e.name == ".gitignore" for e in entries):
            layer = self._rules.load_gitignore(folder)
            gitignore_mtime = _mtime(abs_dir / ".gitignore")
        else:
            self._rules.gitignores.pop(folder, None)
        chain = self._rules.chain(folder)
        decide = IgnoreRules.decide
        files: list[str] = []
        subfolders: list[str] = []
        for e in entries:
            name = e.name
            try:
                if e.is_dir(follow_symlinks=False):
                    if name in ALWAYS_IGNORED_DIRS or (chain and decide(chain, name, True)):
                        continue
                    subfolders.append(name)
                    continue
                if e.is_symlink():
                    # listed when it points at a file (inside or not: ``resolve`` judges); never
                    # followed into a folder, so no loops and no walking outside the root
                    try:
                        if stat.S_ISDIR(os.stat(e.path).st_mode):
                            continue
                    except OSError:
                        pass  # dangling: listed, refused with a reason when used
            except OSError:
                continue
            if chain and decide(chain, name, False):
                continue
            files.append(name)
        files.sort()
        subfolders.sort()
        del layer
        return _Folder(mtime, gitignore_mtime, files, subfolders, racy=scan_time - mtime < RACY_NS)

    # ---- rules and paths ----------------------------------------------------------------------

    def is_ignored(self, rel: str) -> bool:
        """Whether ``rel`` (a file, or a folder ending in ``/``) is left out by the ignore rules,
        itself or through one of its parent folders. It need not exist."""
        is_dir = rel.endswith("/")
        parts = [p for p in rel.strip("/").split("/") if p and p != "."]
        if not parts:
            return False
        with self._lock:
            for depth in range(len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in self._folders and folder not in self._rules.gitignores:
                    self._rules.load_gitignore(folder)
                last = depth == len(parts) - 1
                if IgnoreRules.decide(self._rules.chain(folder), parts[depth], is_dir or not last):
                    return True
        return False

    def relative(self, user_path: str) -> str:
        """What the user typed (``@src/a.py``, ``./src/``, an absolute path inside the root) as a
        normalised posix path relative to the root ("" for the root). Does not touch the disk."""
        text = user_path.strip()
        if text.startswith("@"):
            text = text[1:]
        text = text.replace(os.sep, "/")
        if os.path.isabs(text):
            try:
                text = Path(os.path.normpath(text)).relative_to(self.root).as_posix()
            except ValueError:
                raise OutsideRoot(user_path, f"not under {self.root}") from None
        norm = posixpath.normpath(text) if text else "."
        if norm == "..":
            raise OutsideRoot(user_path, "goes above the project folder")
        if norm.startswith("../"):
            raise OutsideRoot(user_path, "goes above the project folder")
        return "" if norm == "." else norm

    def resolve(self, user_path: str, check_content: bool = True) -> Path:
        """The real path of a file or folder inside the root. Raises ``OutsideRoot`` (also for a
        symlink that leads outside, naming its target), ``NotFound``, ``Unreadable``, and, for a
        file when ``check_content``, ``BinaryFile`` (from its first bytes)."""
        rel = self.relative(user_path)
        candidate = self.root / rel if rel else self.root
        if not os.path.lexists(candidate):
            raise NotFound(user_path)
        try:
            real = Path(os.path.realpath(candidate, strict=True))
        except FileNotFoundError:
            raise NotFound(user_path, f"symlink to {os.path.realpath(candidate)}, which does not exist") from None
        except OSError as exc:
            raise Unreadable(user_path, exc.strerror or str(exc)) from None
        if real != self.root and not real.is_relative_to(self.root):
            raise OutsideRoot(user_path, f"it is a symlink to {real}")
        if check_content and not real.is_dir():
            self._check_head(real, rel or user_path)
        return real

    def _check_head(self, real: Path, rel: str) -> None:
        from qwen_tui.context.reader import _open  # one place decides what "unreadable" means

        fd = _open(real, rel)
        try:
            head = os.read(fd, HEAD_BYTES)
        except OSError as exc:
            raise Unreadable(rel, exc.strerror or str(exc)) from None
        finally:
            os.close(fd)
        sniff(head, at_eof=len(head) < HEAD_BYTES, rel=rel)

    def read(self, rel: str, line_range: tuple[int, int] | None = None) -> FileContent:
        """The file's text for the prompt (see ``reader``). Raises the ``ContextError`` family."""
        clean = self.relative(rel)
        real = self.resolve(clean, check_content=False)
        if real.is_dir():
            raise Unreadable(clean, "a folder, not a file")
        return read_file(real, clean, self.max_file_bytes, line_range)

    def _abs(self, folder: str) -> Path:
        return self.root / folder if folder else self.root


def _drop_tree(folders: dict[str, _Folder], folder: str) -> None:
    prefix = folder + "/" if folder else ""
    for key in [k for k in folders if k == folder or k.startswith(prefix)]:
        del folders[key]


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _mtime(path: Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


