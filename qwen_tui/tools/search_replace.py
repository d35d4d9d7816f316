"""SEARCH/REPLACE blocks, for models that write edits instead of calling tools.

The format (fixed by the design)::

    path/to/file.py
    <<<<<<< SEARCH
    old lines (empty: create the file)
    =======
    new lines
    >>>>>>> REPLACE

The parser is tolerant of what models do around it: code fences (before or after the path
line), the path in backticks or bold, 5 to 9 marker characters, a block that leaves out the path
when it edits the same file as the block before. A block it cannot read is reported with its line
number. Blocks are applied by the same engine as ``edit_file``, so failures read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEARCH_REPLACE_PROMPT = """\
To change a file, write a SEARCH/REPLACE block: the file's path alone on a line, then the block.

path/to/file.py
<<<<<<< SEARCH
the exact lines to change, copied from the file as it is now
=======
the lines to put in their place
>>>>>>> REPLACE

Rules:
- The SEARCH part must match the file exactly (spaces, indentation, comments) and only once:
  include a few unchanged lines around the change when needed to make it unique.
- To create a new file, leave the SEARCH part empty and put the whole file in the REPLACE part.
- To delete lines, leave the REPLACE part empty.
- Use one block per change; several blocks may edit the same file, in order from top to bottom.
- Edit only files whose content you were shown. Paths are relative to the project root.
"""

_START = re.compile(r"^\s*<{5,9}\s*SEARCH\s*$")
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_END = re.compile(r"^\s*>{5,9}\s*REPLACE\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_PATH_DECOR = re.compile(r"^(?:#+\s*|//\s*|(?:file|path)\s*:\s*)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Block:
    path: str
    search: str
    replace: str
    line: int  # 1-based line of the <<<<<<< SEARCH marker in the answer

    @property
    def creates(self) -> bool:
        return self.search.strip() == ""


@dataclass(frozen=True, slots=True)
class BlockError:
    line: int
    message: str


def _is_marker(line: str) -> bool:
    """A SEARCH, ======= or REPLACE line: where a block's search or replace part stops."""
    return bool(_START.match(line) or _DIVIDER.match(line) or _END.match(line))


def _clean_path(line: str) -> str | None:
    """The path a line names: the whole line, or its last word when the line is a sentence
    ("Change main.py:"); None when it names none."""
    text = _PATH_DECOR.sub("", line.strip()).strip().rstrip(":").strip()
    for mark in ("**", "`", "*", '"', "'"):
        if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
            return text[len(mark) : -len(mark)].strip() or None  # quoted: spaces allowed
    if not text:
        return None
    if any(ch.isspace() for ch in text):
        last = text.split()[-1].rstrip(":").strip("`*\"'")
        return last if ("." in last or "/" in last) else None
    return text


def _path_before(lines: list[str], index: int) -> str | None:
    """The nearest line above the block that is not blank and not a fence."""
    i = index - 1
    while i >= 0:
        line = lines[i]
        if not line.strip() or _FENCE.match(line):
            i -= 1
            continue
        if _END.match(line):
            return None  # straight after another block: same file as that one
        return _clean_path(line)
    return None


def _joined(part: list[str]) -> str:
    return "".join(line + "\n" for line in part)


def parse_blocks(text: str) -> tuple[list[Block], list[BlockError]]:
    """Every SEARCH/REPLACE block in ``text``, and the blocks that could not be read."""
    lines = text.replace("\r\n", "\n").split("\n")
    blocks: list[Block] = []
    errors: list[BlockError] = []
    last_path: str | None = None
    i = 0
    while i < len(lines):
        if not _START.match(lines[i]):
            i += 1
            continue
        start = i
        path = _path_before(lines, start) or last_path
        search: list[str] = []
        replace: list[str] = []
        j = start + 1
        while j < len(lines) and not _is_marker(lines[j]):
            search.append(lines[j])
            j += 1
        if j >= len(lines) or not _DIVIDER.match(lines[j]):
            errors.append(BlockError(start + 1, "a SEARCH block without its ======= line"))
            i = j if j > start + 1 else start + 1
            continue
        j += 1
        while j < len(lines) and not _is_marker(lines[j]):
            replace.append(lines[j])
            j += 1
        if j >= len(lines) or not _END.match(lines[j]):
            errors.append(BlockError(start + 1, "a SEARCH block without its >>>>>>> REPLACE line"))
            i = j
            continue
        if path is None:
            errors.append(BlockError(start + 1, "no file path on the line before <<<<<<< SEARCH"))
        else:
            blocks.append(Block(path, _joined(search), _joined(replace), start + 1))
            last_path = path
        i = j + 1
    return blocks, errors


def has_blocks(text: str) -> bool:
    return any(_START.match(line) for line in text.splitlines())


def failure_report(failures: list[str]) -> str:
    """The follow-up message that tells the model which blocks failed (sent once)."""
    return ("These SEARCH/REPLACE blocks were not applied:\n" + "\n".join(f"- {f}" for f in failures)
            + "\nThe other blocks were applied. Send corrected blocks for the ones above only.")
