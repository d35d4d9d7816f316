"""A change of size repaints a widget once, not twice.

Upstream: ``textual/widget.py``, ``Widget._size_updated`` (Textual 8.2). When a layout gives a
widget a new size it sets the widget's ``virtual_size``, a reactive declared with
``layout=True``: the widget asks for another layout *and marks itself wholly dirty*. For the
conversation and a growing answer that meant every page the answer grew was painted twice, the
second frame byte for byte the same as the first (about 7 KB over SSH each time). The widgets
that take ``LaidOutOnce`` keep the second layout (scrolling and anchoring rely on it) but not
the repaint: the layout that measured the size has painted them already.

``LaidOutOnce`` is empty until ``install`` gives it the override, which it does only over the
``Widget._size_updated`` it was written for; otherwise the widgets behave as Textual's.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget

from qwen_tui.ui.textual_fixes.guarded_patch import GuardedPatch

#: sha256 of ``inspect.getsource(Widget._size_updated)`` in Textual 8.2.8.
TEXTUAL_SHA256 = "21ffb00b8a9833150e0faafd8ed4854f683814efd042832f4b5eeacc00c01f64"


class LaidOutOnce:
    """Mixin (before the Textual widget class) for widgets whose size changes often while an
    answer streams. Not a Widget itself: Textual reads CSS type names along the class's MRO."""


def _size_updated_once(
    self: Widget, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
) -> bool:
    grown = self.virtual_size != virtual_size
    changed = super(LaidOutOnce, self)._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc]
    if layout and grown:
        self.refresh(layout=True, repaint=False)
    return changed


PATCH = GuardedPatch(__name__, LaidOutOnce, "_size_updated", _size_updated_once, TEXTUAL_SHA256,
                     upstream=(Widget, "_size_updated"))
install = PATCH.install
