"""Keep Textual's composed lines out of reference cycles.

Upstream: ``textual/strip.py``, ``Strip.divide`` (Textual 8.2) caches its result on the strip
itself; when the cut is the whole line the result is ``[self]``, so the strip refers to itself
through its own cache. The compositor divides every line it paints that way, so each line
painted during a stream became cyclic garbage that only a garbage collection frees: 10-50
thousand objects per 20,000-token answer, and a 50-100 ms full collection after it. Without the
self-reference reference counting frees a line as soon as the screen drops it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.strip import Strip

from qwen_tui.ui.textual_fixes.guarded_patch import GuardedPatch

#: sha256 of ``inspect.getsource(Strip.divide)`` in Textual 8.2.8.
TEXTUAL_SHA256 = "f6764f25c39e144b942b4358ca8d3d7afe98dd01c23514ac55b2b6b9bc57ad3a"

_divide = Strip.divide


def _divide_without_cycle(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cell_length = self.cell_length
    cuts = [cut for cut in cuts if cut <= cell_length]
    if cuts == [cell_length]:
        return [self]  # what Textual returns, without keeping it in the strip's own cache
    return _divide(self, cuts)


PATCH = GuardedPatch(__name__, Strip, "divide", _divide_without_cycle, TEXTUAL_SHA256)
install = PATCH.install
