"""The read-only tools: read_file, list_files and search.

Each returns text sized for a model's context: pages of numbered lines, capped lists and match
counts, with a note that says what was left out and how to get it.
"""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Sequence
from typing import Any

from pathspec import GitIgnoreSpec

from qwen_tui.context.selection import looks_secret
from qwen_tui.tools.errors import ToolError
from qwen_tui.tools.results import ToolResult
from qwen_tui.tools.safety import ProjectPaths
from qwen_tui.tools.scope import AnswerScope
from qwen_tui.tools.textfile import decode, read_bytes

DEFAULT_LINES = 2000
MAX_LINE_CHARS = 2000
MAX_READ_OUTPUT_CHARS = 100_000
MAX_LISTED = 500
MAX_MATCHES = 100
MAX_MATCH_CHARS = 300
SEARCH_SECONDS = 10.0
SEARCH_FILE_BYTES = 2 * 1024 * 1024


def _lines_word(n: int) -> str:
    return f"{n:,} line" + ("" if n == 1 else "s")


#: ``"     7\t"`` for the first line numbers, made when this module is imported (off the event
#: loop: the toolbox is built in a thread), so a read joins them to its lines instead of formatting
#: a number per line (2,000 f-strings were 0.5 ms of a 0.6 ms read_file).
_PREFIX_CACHE_LINES = 20_000
_prefixes: tuple[str, ...] = tuple(f"{n:>6}\t" for n in range(1, DEFAULT_LINES + 1))


def _line_prefixes(first: int, last: int) -> Sequence[str]:
    """The row prefixes of lines ``first``..``last`` (from 1), from the cache where it reaches."""
    global _prefixes
    cached = _prefixes
    if last > len(cached) and len(cached) < _PREFIX_CACHE_LINES:
        upto = min(_PREFIX_CACHE_LINES, max(last, 2 * len(cached)))
        cached = _prefixes = (*cached, *(f"{n:>6}\t" for n in range(len(cached) + 1, upto + 1)))
    if last <= len(cached):
        return cached[first - 1:last]
    return [*cached[first - 1:last], *(f"{n:>6}\t" for n in range(max(first, len(cached) + 1), last + 1))]


def _numbered(lines: list[str], first: int, last: int) -> tuple[str, int]:
    """Lines ``first``..``last`` numbered, one row each (a line over ``MAX_LINE_CHARS`` cut with a
    note), as many rows as fit in ``MAX_READ_OUTPUT_CHARS`` (the first always); the text and the
    number of the last row shown."""
    chunk = lines[first - 1:last]
    if chunk and max(map(len, chunk)) <= MAX_LINE_CHARS:  # the common case: one join
        content = "\n".join(map(operator.add, _line_prefixes(first, last), chunk))
        if len(content) <= MAX_READ_OUTPUT_CHARS:
            return content, last
    out: list[str] = []
    size = 0
    shown = first - 1
    for number in range(first, last + 1):
        line = lines[number - 1]
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + f"… [line cut: {len(line):,} characters]"
        row = f"{number:>6}\t{line}"
        if size + len(row) > MAX_READ_OUTPUT_CHARS and out:
            break
        out.append(row)
        size += len(row) + 1
        shown = number
    return "\n".join(out), shown


def read_file(paths: ProjectPaths, scope: AnswerScope, args: dict[str, Any]) -> ToolResult:
    target = paths.existing(args["path"], folder=False)
    rel = target.rel
    if looks_secret(rel) and rel not in scope.context_files:
        raise ToolError(f"{rel}: looks like a file of secrets; tools do not read it "
                        "(the user can add it to the context if it is meant to be seen)")
    data, mode = read_bytes(target.path, rel)
    text_file = decode(data, rel, mode)
    scope.note(rel, data, target.path, "read")
    text = text_file.text
    lines = (text.replace("\r\n", "\n") if text_file.newline == "\r\n" else text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    total = len(lines)
    if total == 0:
        return ToolResult("read_file", True, f"{rel} is empty (0 lines).", f"read {rel}: empty file", args)
    offset = args.get("offset", 1)
    limit = args.get("limit", DEFAULT_LINES)
    if offset > total:
        raise ToolError(f"{rel}: offset {offset} is past the end; the file has {_lines_word(total)}")
    end = min(total, offset - 1 + limit)
    content, last = _numbered(lines, offset, end)
    notes = []
    if text_file.encoding == "latin-1":
        notes.append("not valid UTF-8: decoded as Latin-1")
    whole = offset == 1 and last == total
    if whole:
        summary = f"read {rel}: {_lines_word(total)}"
    else:
        summary = f"read {rel}: lines {offset}-{last} of {total:,}"
        if last < total:
            notes.append(f"showed lines {offset}-{last} of {total:,}; read on with offset={last + 1}")
    if notes:
        content += "\n[" + "; ".join(notes) + "]"
    return ToolResult("read_file", True, content, summary, args)


def _glob(pattern: str) -> GitIgnoreSpec:
    text = pattern.strip()
    if not text or text.startswith("!"):
        raise ToolError(f"list_files: {pattern!r} is not a glob pattern (e.g. '*.py' or 'src/**/*.ts')")
    return GitIgnoreSpec.from_lines([text])


def _under(files: list[str], folder: str) -> list[str]:
    if not folder:
        return files
    prefix = folder + "/"
    return [f for f in files if f.startswith(prefix)]


def list_files(paths: ProjectPaths, scope: AnswerScope, args: dict[str, Any]) -> ToolResult:
    folder = paths.folder(args.get("path"))
    index = paths.index
    index.refresh()
    files = _under(index.files, folder.rel)
    pattern = args.get("pattern")
    if pattern is not None:
        spec = _glob(pattern)
        cut = len(folder.rel) + 1 if folder.rel else 0
        files = [f for f in files if spec.match_file(f[cut:])]
    where = folder.rel or "the project"
    what = f" matching {pattern!r}" if pattern else ""
    if not files:
        return ToolResult("list_files", True, f"No files in {where}{what}.", f"listed {where}: no files", args)
    shown = files[:MAX_LISTED]
    content = "\n".join(shown)
    if len(files) > len(shown):
        content += f"\n[{len(files) - len(shown):,} more files not shown; narrow with path or pattern]"
    summary = f"listed {where}{what}: {len(files):,} file" + ("" if len(files) == 1 else "s")
    return ToolResult("list_files", True, content, summary, args)


def search(paths: ProjectPaths, scope: AnswerScope, args: dict[str, Any]) -> ToolResult:
    pattern = args["pattern"]
    if not pattern:
        raise ToolError("search: the pattern is empty")
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ToolError(f"search: {pattern!r} is not a valid regular expression ({exc})") from None
    given = args.get("path")
    index = paths.index
    index.refresh()
    if given and given.strip() not in (".", "./"):
        target = paths.existing(given)
        files = _under(index.files, target.rel) if target.is_dir else [target.rel]
        where = target.rel
    else:
        files, where = index.files, "the project"
    matches: list[str] = []
    count = 0
    files_with = 0
    stopped = False
    deadline = time.monotonic() + SEARCH_SECONDS
    for rel in files:
        if time.monotonic() > deadline:
            stopped = True
            break
        if looks_secret(rel):
            continue
        try:
            sp = paths.existing(rel, folder=False)
            data, _mode = read_bytes(sp.path, rel, SEARCH_FILE_BYTES)
            text = decode(data, rel).text
        except ToolError:
            continue  # binary, too large, a symlink out: not searched
        hit = False
        for number, line in enumerate(text.splitlines(), 1):
            if regex.search(line):
                count += 1
                hit = True
                if len(matches) < MAX_MATCHES:
                    if len(line) > MAX_MATCH_CHARS:
                        line = line[:MAX_MATCH_CHARS] + "…"
                    matches.append(f"{rel}:{number}: {line}")
        files_with += hit
    if not matches:
        content = f"No matches for {pattern!r} in {where}."
    else:
        content = "\n".join(matches)
        if count > len(matches):
            content += f"\n[{count - len(matches):,} more matches not shown; narrow the pattern or the path]"
    if stopped:
        content += f"\n[search stopped after {SEARCH_SECONDS:g} s; narrow the path to search the rest]"
    summary = f"searched {where} for {pattern!r}: {count:,} match" + ("" if count == 1 else "es")
    if count:
        summary += f" in {files_with:,} file" + ("" if files_with == 1 else "s")
    return ToolResult("search", True, content, summary, args)
