"""Workarounds for Textual behaviours that cost the chat UI frames or garbage collections.

Importing ``qwen_tui.ui`` calls ``install()``, so the app, the benchmarks and every test run on
the same patched Textual. Each fix names the upstream function it works around and is applied
only to the Textual it was written for (``guarded_patch``: the version range and the sha256 of
the whole upstream function's source); on any other it stands aside and logs why at debug
level. ``installed()`` says which are in effect.

- ``strip_cycles``: ``Strip.divide`` (textual/strip.py) caches ``[self]`` on the strip, a
  reference cycle per painted line;
- ``timer_ticks``: ``Timer._run`` (textual/timer.py) skips one tick too many after a stall,
  and a one-shot timer whose delay passed before its first look at the clock never fires;
- ``one_layout``: ``Widget._size_updated`` (textual/widget.py) repaints a resized widget twice;
- ``styles_cache_colors``: ``StylesCache.get_inner_outer`` (textual/_styles_cache.py) keeps the
  last 1,024 painted widgets' lines alive in an ``lru_cache`` keyed by the cache itself;
- ``scroll_repaint``: ``Compositor.reflow_visible`` (textual/_compositor.py) repaints the whole
  screen on a scroll after anything asked about a widget off screen;
- ``covered_lines``: ``Compositor._render_chops`` (textual/_compositor.py) renders every widget
  under an update in full, the lines its front widgets cover and those outside the update too.

Known reliance on private Textual API elsewhere (no public hook or subclass does the same; each
falls back to Textual's own behaviour on an ``AttributeError``):

- ``ui/paint_now.py``: ``App._batch_count``, ``Screen._dirty_widgets``,
  ``Widget._scroll_required``, ``Screen._scroll_required`` and ``Screen._on_timer_update()``
  paint an answer's first text, a page key's scroll and a typed key's echo at once instead of at
  the screen's next frame (what Textual's Pilot does to paint);
- ``ui/widgets/chat_view.py``, ``ChatView._preload_styles``: ``DOMNode._get_default_css()`` (on
  an instance made with ``cls.__new__``) to parse a turn's default CSS after the first frame.

Checking a Textual upgrade: install it, run ``uv run pytest -q tests/ui/test_textual_fixes.py``.
A fix whose upstream changed stands aside and its recorded-source test fails: read the new
upstream function; if the behaviour is fixed, delete the fix; if not, port the fix and record
the new sha256 (``guarded_patch.source_sha256``). Then widen ``TESTED_TEXTUAL`` and the pin in
pyproject.toml.
"""

from __future__ import annotations

from qwen_tui.ui.textual_fixes import (covered_lines, one_layout, scroll_repaint, strip_cycles, styles_cache_colors,
                                       timer_ticks)
from qwen_tui.ui.textual_fixes.guarded_patch import GuardedPatch

FIXES: tuple[GuardedPatch, ...] = (strip_cycles.PATCH, timer_ticks.PATCH, one_layout.PATCH, styles_cache_colors.PATCH,
                                  scroll_repaint.PATCH, covered_lines.PATCH)


def install() -> dict[str, bool]:
    """Apply every fix that fits the installed Textual (idempotent); what ``installed`` says."""
    for fix in FIXES:
        fix.install()
    return installed()


def installed() -> dict[str, bool]:
    """Each fix by name: whether it is in effect now."""
    return {fix.name: fix.in_effect for fix in FIXES}
