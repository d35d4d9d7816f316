"""A unified diff as rows to draw: one row a line (unified) or one row a pair of lines (side by
side, removed lines beside the lines that replaced them). Parsing is one pass over the text, with
no highlighting: the view styles only the rows it shows."""

from __future__ import annotations

import re
from dataclasses import dataclass

HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")

#: Row kinds: a file header (``---``/``+++``), a hunk header, an unchanged line, a removed line,
#: an added line, a note (``\ No newline at end of file``).
HEADER, HUNK_HEADER, CONTEXT, REMOVED, ADDED, NOTE = "header", "hunk", "context", "removed", "added", "note"


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str
    text: str  # without the +/-/space marker and without the newline
    old_no: int | None = None
    new_no: int | None = None


@dataclass(frozen=True, slots=True)
class SplitRow:
    """Side by side: ``left`` is the old file's line, ``right`` the new one's (None: no line)."""

    left: DiffLine | None
    right: DiffLine | None
    kind: str  # HEADER / HUNK_HEADER / NOTE span both sides; else CONTEXT or "change"


def parse_unified(diff: str) -> list[DiffLine]:
    """Every line of ``diff`` with its kind and line numbers."""
    rows: list[DiffLine] = []
    old_no = new_no = 0
    for raw in diff.splitlines():
        if raw.startswith("@@"):
            match = HUNK.match(raw)
            if match:
                old_no, new_no = int(match.group(1)), int(match.group(2))
            rows.append(DiffLine(HUNK_HEADER, raw))
        elif raw.startswith("+++ ") or raw.startswith("--- "):
            rows.append(DiffLine(HEADER, raw))
        elif raw.startswith("+"):
            rows.append(DiffLine(ADDED, raw[1:], None, new_no))
            new_no += 1
        elif raw.startswith("-"):
            rows.append(DiffLine(REMOVED, raw[1:], old_no, None))
            old_no += 1
        elif raw.startswith("\\"):
            rows.append(DiffLine(NOTE, raw))
        else:
            rows.append(DiffLine(CONTEXT, raw[1:] if raw.startswith(" ") else raw, old_no, new_no))
            old_no += 1
            new_no += 1
    return rows


def split_rows(lines: list[DiffLine]) -> list[SplitRow]:
    """The same lines side by side: a run of removed lines pairs with the added run after it."""
    rows: list[SplitRow] = []
    removed: list[DiffLine] = []
    added: list[DiffLine] = []

    def flush() -> None:
        for i in range(max(len(removed), len(added))):
            rows.append(SplitRow(removed[i] if i < len(removed) else None,
                                 added[i] if i < len(added) else None, "change"))
        removed.clear()
        added.clear()

    for line in lines:
        if line.kind == REMOVED:
            if added:
                flush()
            removed.append(line)
        elif line.kind == ADDED:
            added.append(line)
        else:
            flush()
            if line.kind == CONTEXT:
                rows.append(SplitRow(line, line, CONTEXT))
            else:
                rows.append(SplitRow(line, None, line.kind))
    flush()
    return rows


def diff_stat(lines: list[DiffLine]) -> tuple[int, int]:
    """(added, removed) lines."""
    added = sum(1 for line in lines if line.kind == ADDED)
    removed = sum(1 for line in lines if line.kind == REMOVED)
    return added, removed
