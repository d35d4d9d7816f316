"""Let a widget's rendered lines go when the widget goes.

Upstream: ``textual/_styles_cache.py``, ``StylesCache.get_inner_outer`` (Textual 8.2) is a
method under ``functools.lru_cache(1024)``: the cache's key holds ``self``, the widget's
``StylesCache``, and with it every line the widget rendered. So the last 1,024 widgets ever
painted stayed in memory after they were removed: paging up through a long resumed session kept
each answer it passed (memory grew with how far the user scrolled, and every full garbage
collection walked those lines, seconds on the loop). The two styles depend only on the two
colours: cached by the colours alone, a removed widget's lines are freed with it.
"""

from __future__ import annotations

from functools import lru_cache

from textual.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color

from qwen_tui.ui.textual_fixes.guarded_patch import GuardedPatch

#: sha256 of ``inspect.getsource(StylesCache.get_inner_outer)`` in Textual 8.2.8.
TEXTUAL_SHA256 = "d2509f3e796680df9e74d7abc9df50afba9be6d4903f6731daa037476a17277b"


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer_by_colours(self: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
    """Get inner and outer background colors (cached by the colours, not the cache)."""
    return _inner_outer(base_background, background)


PATCH = GuardedPatch(__name__, StylesCache, "get_inner_outer", _get_inner_outer_by_colours, TEXTUAL_SHA256)
install = PATCH.install
