"""Painting a change at once, instead of at the screen's next frame.

Textual paints on the screen's update timer, at 60 frames a second: a change waits 0-17 ms for
the next tick, and longer when a long frame has just ended. Where the user waits on one change
(a key's echo, a page key's scroll, an answer's first text), that change is painted now: what
Textual does at its next idle and tick (``Widget._check_refresh``, ``Screen._on_update``,
``Screen._on_timer_update``), done at once, with any layout already on its way. It relies on
private Textual API (listed in ``textual_fixes``); on a Textual without it, the next frame
paints as usual.
"""

from __future__ import annotations

from textual.widget import Widget


def _screen_to_paint(widget: Widget):
    """The widget's screen if it may be painted now: shown, and not inside a batch of changes."""
    screen = widget.screen
    if widget.app._batch_count or not screen.is_current:
        return None
    return screen


def paint_now(widget: Widget) -> None:
    """``widget``'s repaint (asked with ``refresh()``) goes to the screen now, in its present
    size: a change of size waits for the next frame's layout."""
    try:
        screen = _screen_to_paint(widget)
        if screen is None:
            return
        screen._dirty_widgets.add(widget)
        screen._on_timer_update()
    except AttributeError:  # a Textual without these internals: the next frame paints it
        return


def paint_scroll_now(widget: Widget) -> None:
    """``widget``'s scroll goes to the screen now."""
    try:
        if not widget._scroll_required:
            return
        screen = _screen_to_paint(widget)
        if screen is None:
            return
        widget._scroll_required = False
        screen._scroll_required = True
        screen._on_timer_update()
    except AttributeError:  # a Textual without these internals: the next frame paints it
        return
