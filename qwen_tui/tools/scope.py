"""What one answer has seen: the files it read (and what they held then) and the request's context.

An edit is allowed only on a file the answer read, or one the request carried as context, and
only while the file still holds what was seen: a file changed on disk since is refused until it is
read again. A file the answer itself wrote counts as read with its new content.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qwen_tui.tools.errors import ToolError


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Seen:
    """A file's content as the answer saw it."""

    sha256: str
    size: int
    mtime_ns: int
    source: str  # "read", "context" or "written"


class AnswerScope:
    """Files seen during one answer. Thread-safe: tools may run in worker threads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._seen: dict[str, Seen] = {}
        self._context: set[str] = set()
        self._lock = threading.Lock()

    def note(self, rel: str, data: bytes, path: Path, source: str) -> None:
        """Remember ``rel`` as holding ``data`` now (after reading, or writing, it)."""
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            mtime = 0
        with self._lock:
            if source == "context":
                self._context.add(rel)
            self._seen[rel] = Seen(digest(data), len(data), mtime, source)

    def add_context(self, rels: Iterable[str]) -> None:
        """The files a request carried (hashed now: the request is built from them now)."""
        for rel in rels:
            path = self.root / rel
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                with self._lock:
                    self._context.add(rel)
                continue
            self.note(rel, data, path, "context")

    def seen(self, rel: str) -> Seen | None:
        with self._lock:
            return self._seen.get(rel)

    @property
    def read_files(self) -> list[str]:
        with self._lock:
            return sorted(rel for rel, s in self._seen.items() if s.source == "read")

    @property
    def context_files(self) -> list[str]:
        with self._lock:
            return sorted(self._context)

    def check_fresh(self, rel: str, current: bytes) -> None:
        """ToolError unless the answer saw ``rel`` and it still holds what was seen."""
        seen = self.seen(rel)
        if seen is None:
            raise ToolError(f"{rel}: read it first (read_file), then edit it; "
                            "edits are made only to files read in this answer")
        if digest(current) != seen.sha256:
            raise ToolError(f"{rel}: changed on disk since you read it; read it again (read_file) before editing")
