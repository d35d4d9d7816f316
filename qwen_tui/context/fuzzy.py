"""Fuzzy file finding for ``@`` completion and "go to file", ranked the way fzf ranks.

Scoring (per path): each query character matched +16; a character at the start of a path segment
(after ``/``) +10, after ``_ - . space`` +8, a camelCase hump +7; a character right after the
previous match +4 (runs beat scattered letters); a gap costs 3 to open and 1 per extra skipped
character; a match wholly inside the file name +20, and starting at the file name +10. Ties go to
fewer folders deep, then the shorter path, then alphabetical order. Lower-case queries ignore case;
a query with a capital letter is case-sensitive (smart case, as in fzf).

Speed: per keystroke the work must stay in the tens of milliseconds for 100,000 paths, so Python
never loops over all of them. Paths are joined into one text, shortest first, and regular
expressions (C speed) gather candidates from the strongest kind of match down: file name starts
with the query, query inside the file name, query letters in order in the file name, query inside
the path, query letters in order anywhere. Gathering stops once there are enough candidates for the
requested results; only those are scored in Python.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

_BOUNDARY_CHARS = frozenset("_-. ")
SCORE_MATCH = 16
BONUS_SEGMENT = 10
BONUS_BOUNDARY = 8
BONUS_CAMEL = 7
BONUS_CONSECUTIVE = 4
PENALTY_GAP_START = 3
PENALTY_GAP_EXTENSION = 1
BONUS_IN_NAME = 20
BONUS_NAME_START = 10


@dataclass(frozen=True, slots=True)
class Match:
    path: str
    score: int
    positions: tuple[int, ...]  # indexes into ``path`` of the matched characters (for highlighting)


class FuzzyIndex:
    """Paths prepared for fast queries; build once per file list."""

    def __init__(self, paths: list[str]) -> None:
        self.source = paths
        self.ordered = sorted(paths, key=lambda p: (len(p), p))
        # each line is "/" + path, so a file name always follows a "/"
        self._exact = "\n/" + "\n/".join(self.ordered) + "\n"
        self._lower = self._exact.lower()
        starts = [0] * len(self.ordered)
        pos = 0
        for i, path in enumerate(self.ordered):
            starts[i] = pos
            pos += len(path) + 2
        self._starts = starts

    def search(self, query: str, limit: int = 50) -> list[Match]:
        query = "".join(query.split())
        if not query:
            return [Match(p, 0, ()) for p in self.ordered[:limit]]
        exact = query != query.lower()
        blob = self._exact if exact else self._lower
        want = max(limit * 4, 200)
        found: dict[int, None] = {}
        for regex in _tiers(query):
            self._gather(regex, blob, found, want)
            if len(found) >= want:
                break
        matches = []
        for i in found:
            match = score_path(self.ordered[i], query, exact)
            if match is not None:
                matches.append(match)
        matches.sort(key=lambda m: (-m.score, m.path.count("/"), len(m.path), m.path))
        return matches[:limit]

    def _gather(self, regex: re.Pattern[str], blob: str, found: dict[int, None], want: int) -> None:
        starts = self._starts
        n = len(starts)
        pos = 0
        search = regex.search
        while len(found) < want:
            m = search(blob, pos)
            if m is None:
                return
            line = bisect_right(starts, m.start()) - 1
            found[line] = None
            if line + 1 >= n:
                return
            pos = starts[line + 1]


def _tiers(query: str) -> list[re.Pattern[str]]:
    esc = [re.escape(c) for c in query]
    lit = re.escape(query)
    name = "[^\n/]*+\n"

    def chain(stop: str) -> str:
        out = esc[0]
        for c in esc[1:]:
            out += f"[^{stop}{c}]*+{c}"
        return out

    tiers = []
    if "/" not in query:
        tiers += [f"/{lit}{name}", f"{lit}{name}", chain("\n/") + name]
    tiers += [lit, chain("\n")]
    return [re.compile(t) for t in tiers]


def _bonus(path: str, i: int) -> int:
    if i == 0:
        return BONUS_SEGMENT
    prev = path[i - 1]
    if prev == "/":
        return BONUS_SEGMENT
    if prev in _BOUNDARY_CHARS:
        return BONUS_BOUNDARY
    if prev.islower() and path[i].isupper():
        return BONUS_CAMEL
    return 0


def _positions(text: str, query: str, offset: int) -> list[int] | None:
    """fzf v1: first occurrence forward, then tighten backward from its end."""
    qi = 0
    end = -1
    for i, ch in enumerate(text):
        if ch == query[qi]:
            qi += 1
            if qi == len(query):
                end = i
                break
    if end < 0:
        return None
    positions = []
    qi = len(query) - 1
    for i in range(end, -1, -1):
        if text[i] == query[qi]:
            positions.append(i + offset)
            qi -= 1
            if qi < 0:
                break
    positions.reverse()
    return positions


def score_path(path: str, query: str, exact: bool = False) -> Match | None:
    """Score one path against ``query`` (None if the letters are not all there, in order)."""
    hay = path if exact else path.lower()
    needle = query if exact else query.lower()
    name_at = path.rfind("/") + 1
    positions = None
    if "/" not in needle:
        positions = _positions(hay[name_at:], needle, name_at)
    if positions is None:
        positions = _positions(hay, needle, 0)
        if positions is None:
            return None
    score = 0
    last = -2
    for p in positions:
        score += SCORE_MATCH + _bonus(path, p)
        if p == last + 1:
            score += BONUS_CONSECUTIVE
        elif last >= 0:
            score -= PENALTY_GAP_START + PENALTY_GAP_EXTENSION * (p - last - 2)
        last = p
    if positions[0] >= name_at:
        score += BONUS_IN_NAME
        if positions[0] == name_at:
            score += BONUS_NAME_START
    return Match(path, score, tuple(positions))


_cache: FuzzyIndex | None = None


def fuzzy_find(query: str, paths: list[str], limit: int = 50) -> list[Match]:
    """The best ``limit`` matches for ``query`` among ``paths``, best first. The prepared index is
    kept for the last ``paths`` list seen (by identity), so typing one more letter is cheap; pass
    the same list object (``ProjectIndex.files``) each time."""
    global _cache
    index = _cache
    if index is None or index.source is not paths or len(index.ordered) != len(paths):
        index = _cache = FuzzyIndex(paths)
    return index.search(query, limit)
