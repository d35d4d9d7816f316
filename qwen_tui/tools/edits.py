"""The edit engine: edit_file and write_file (and SEARCH/REPLACE blocks) become ``ProposedEdit``s.

Nothing is written when an edit is proposed. The caller shows the diff, then applies or rejects
it (``Answer.apply`` / ``Answer.reject``, or the proposal's own ``apply()`` / ``reject()``). When an
old text does not match exactly once, the error names the lines that come closest, so the model
can retry with the file's real text.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qwen_tui.atomic import write_atomic
from qwen_tui.tools.errors import ToolError
from qwen_tui.tools.safety import ProjectPaths
from qwen_tui.tools.scope import AnswerScope
from qwen_tui.tools.textfile import MAX_TOOL_FILE_BYTES, TextFile, human_size, load

if TYPE_CHECKING:
    from qwen_tui.tools.results import ToolResult

MAX_SHOWN_MATCHES = 10
CLOSEST_MAX_LINES = 20_000  # larger files get no "closest lines" hint (the search would be slow)



def _umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask sets it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


NEW_FILE_MODE = 0o666 & ~_umask()


@dataclass(slots=True, eq=False)
class ProposedEdit:
    """A change to one file, not yet written. ``old`` is None for a file to be created."""

    path: str  # relative to the project root, posix
    real_path: Path
    old: bytes | None
    new: bytes
    mode: int  # the file's mode after the write (kept from the old file)
    diff: str
    added: int
    removed: int
    tool: str = "edit_file"
    state: str = "pending"  # pending | applied | rejected | failed
    reason: str | None = None
    _owner: Any = field(default=None, repr=False)

    @property
    def created(self) -> bool:
        return self.old is None

    def apply(self) -> ToolResult:
        """Write it (through the answer that proposed it: checkpoint first)."""
        if self._owner is None:
            raise RuntimeError("this proposal belongs to no answer")
        return self._owner.apply(self)

    def reject(self, reason: str | None = None) -> ToolResult:
        if self._owner is None:
            raise RuntimeError("this proposal belongs to no answer")
        return self._owner.reject(self, reason)


def _text_lines(data: bytes | None) -> list[str]:
    if not data:
        return []
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)


def propose(rel: str, real: Path, old: bytes | None, new: bytes, mode: int, tool: str) -> ProposedEdit:
    """A proposal with its unified diff and line counts."""
    before, after = _text_lines(old), _text_lines(new)
    diff_lines = list(difflib.unified_diff(
        before, after, fromfile="/dev/null" if old is None else f"a/{rel}", tofile=f"b/{rel}", n=3))
    added = sum(1 for d in diff_lines if d.startswith("+") and not d.startswith("+++"))
    removed = sum(1 for d in diff_lines if d.startswith("-") and not d.startswith("---"))
    text = "".join(d if d.endswith("\n") else d + "\n\\ No newline at end of file\n" for d in diff_lines)
    return ProposedEdit(rel, real, old, new, mode, text, added, removed, tool)


def closest_lines(text: str, wanted: str) -> str | None:
    """The lines of ``text`` most like ``wanted`` (same number of lines), numbered, with how
    alike they are; None when nothing comes near."""
    lines = text.replace("\r\n", "\n").split("\n")
    target = wanted.replace("\r\n", "\n").strip("\n")
    if not target.strip() or len(lines) > CLOSEST_MAX_LINES:
        return None
    k = max(1, target.count("\n") + 1)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    best, best_at = 0.0, -1
    for start in range(0, max(1, len(lines) - k + 1)):
        window = "\n".join(lines[start : start + k])
        matcher.set_seq1(window)
        if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
            continue
        ratio = matcher.ratio()
        if ratio > best:
            best, best_at = ratio, start
    if best_at < 0 or best < 0.5:
        return None
    shown = lines[best_at : best_at + k]
    numbered = "\n".join(f"{best_at + 1 + i:>6}\t{line}" for i, line in enumerate(shown))
    end = best_at + len(shown)
    return f"The closest lines are {best_at + 1}-{end} ({best:.0%} alike):\n{numbered}"


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def replace_text(file: TextFile | None, text: str, old: str, new: str, replace_all: bool, rel: str) -> str:
    """``text`` with ``old`` replaced by ``new``: once (it must appear exactly once) or every time."""
    if old == "":
        raise ToolError(f"{rel}: old_string is empty; give the exact text to replace "
                        "(to create or rewrite a whole file, use write_file)")
    if old == new:
        raise ToolError(f"{rel}: old_string and new_string are the same; nothing would change")
    newline = file.newline if file is not None else "\n"
    if newline == "\r\n" and "\r\n" not in old:
        old, new = old.replace("\n", "\r\n"), new.replace("\r\n", "\n").replace("\n", "\r\n")
    count = text.count(old)
    if count == 0:
        hint = closest_lines(text, old)
        message = (
            f"{rel}: old_string was not found in the file "
            "(it must match exactly, spaces and indentation included)."
        )
        if hint:
            message += "\n" + hint
        message += "\nRead the file again if unsure, and copy the text without the line numbers."
        raise ToolError(message)
    if count > 1 and not replace_all:
        starts: list[int] = []
        at = text.find(old)
        while at >= 0 and len(starts) < MAX_SHOWN_MATCHES:
            starts.append(_line_of(text, at))
            at = text.find(old, at + 1)
        where = ", ".join(str(n) for n in starts) + (", …" if count > len(starts) else "")
        lines = text.replace("\r\n", "\n").split("\n")
        around = "\n".join(  # the line before each match: what can make old_string unique
            f"{n - 1:>6}\t{lines[n - 2]}" for n in starts if n >= 2)
        message = (f"{rel}: old_string appears {count} times (at lines {where}); include more of the "
                   "surrounding lines so it appears once, or set replace_all to true to change every one")
        if around:
            message += "\nThe line before each match:\n" + around
        raise ToolError(message)
    return text.replace(old, new) if replace_all else text.replace(old, new, 1)


def propose_edit(paths: ProjectPaths, scope: AnswerScope, args: dict[str, Any]) -> ProposedEdit:
    target = paths.for_write(args["path"])
    rel = target.rel
    if not target.exists:
        raise ToolError(f"{rel}: no such file; use write_file to create it")
    file = load(target.path, rel)
    scope.check_fresh(rel, file.data)
    text = replace_text(file, file.text, args["old_string"], args["new_string"], bool(args.get("replace_all")), rel)
    return propose(rel, target.path, file.data, file.encode(text), file.mode, "edit_file")


def propose_write(paths: ProjectPaths, scope: AnswerScope, args: dict[str, Any]) -> ProposedEdit:
    target = paths.for_write(args["path"])
    rel = target.rel
    content: str = args["content"]
    new = content.encode("utf-8", errors="surrogatepass")
    if len(new) > MAX_TOOL_FILE_BYTES:
        raise ToolError(f"{rel}: the content is too large ({human_size(len(new))}; the limit is "
                        f"{human_size(MAX_TOOL_FILE_BYTES)})")
    if not target.exists:
        return propose(rel, target.path, None, new, NEW_FILE_MODE, "write_file")
    file = load(target.path, rel) if os.path.getsize(target.path) else None
    data = file.data if file is not None else b""
    scope.check_fresh(rel, data)
    if data == new:
        raise ToolError(f"{rel}: already holds exactly this content; nothing would change")
    mode = file.mode if file is not None else os.stat(target.path).st_mode & 0o7777
    return propose(rel, target.path, data, new, mode, "write_file")


def created_folders(root: Path, real: Path) -> list[Path]:
    """The folders that writing ``real`` will create, outermost first."""
    missing: list[Path] = []
    parent = real.parent
    while parent != root and not parent.exists():
        missing.append(parent)
        parent = parent.parent
    return list(reversed(missing))


def write_file_bytes(real: Path, data: bytes, mode: int) -> None:
    """Atomic replacement (temp file, fsync, rename, folder fsync); parents created as needed."""
    os.makedirs(real.parent, exist_ok=True)
    write_atomic(real, data, mode)
