"""A change of size repaints a widget once, not twice.

When a layout gives a widget a new size, Textual (8) sets its ``virtual_size``, a reactive
declared with ``layout=True``: the widget asks for another layout *and marks itself wholly
dirty*. For the conversation and a growing answer that meant every page the answer grew was
painted twice, the second frame byte for byte the same as the first (about 7 KB over SSH
each time). The widgets below keep the second layout (scrolling and anchoring rely on it)
but not the repaint: the layout that measured the size has painted them already.
"""

from __future__ import annotations

from textual.geometry import Size


class LaidOutOnce:
    """Mixin (before the Textual widget class) for widgets whose size changes often while an
    answer streams. Not a Widget itself: Textual reads CSS type names along the class's MRO."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        grown = self.virtual_size != virtual_size  # type: ignore[attr-defined]
        changed = super()._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc]
        if layout and grown:
            self.refresh(layout=True, repaint=False)  # type: ignore[attr-defined]
        return changed
