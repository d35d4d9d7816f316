"""The side panels (file tree above, context below): shown from ``NARROW_WIDTH`` columns, or as
the user last chose; their width is the user's, within bounds."""

from __future__ import annotations

from textual.containers import Vertical

NARROW_WIDTH = 100  # below this the side panels start hidden (Ctrl+B shows them)
SIDEBAR_WIDTHS = (24, 34, 90)  # narrowest, default (app.tcss), widest, in cells


class Sidebar(Vertical):
    """``saved_width`` comes from state.toml (``panel_sizes.sidebar``): 0 means hidden by the user."""

    def __init__(self, *children, saved_width: int | None = None, id: str = "sidebar") -> None:
        super().__init__(*children, id=id)
        self.forced: bool | None = False if saved_width == 0 else None  # None: follow the screen's width
        self.saved_width = saved_width or None

    @property
    def cells(self) -> int:
        width = self.styles.width
        return int(width.value) if width is not None and width.is_cells else SIDEBAR_WIDTHS[1]

    def fit(self, screen_width: int) -> None:
        show = self.forced if self.forced is not None else screen_width >= NARROW_WIDTH
        self.set_class(not show, "hidden")
        if self.saved_width:
            self.styles.width = max(SIDEBAR_WIDTHS[0], min(SIDEBAR_WIDTHS[2], self.saved_width))

    def show(self, screen_width: int) -> None:
        """Shown whatever the screen's width (go-to-file reveals a file in the tree)."""
        self.forced = True
        self.fit(screen_width)

    def toggle(self, screen_width: int) -> int:
        """Hide or show; returns the width to remember (0: hidden)."""
        self.forced = self.has_class("hidden")
        self.fit(screen_width)
        return self.cells if self.forced else 0

    def resize(self, delta: int, screen_width: int) -> int:
        """Wider or narrower (and shown); returns the new width."""
        self.saved_width = max(SIDEBAR_WIDTHS[0], min(SIDEBAR_WIDTHS[2], self.cells + delta))
        if self.has_class("hidden"):
            self.forced = True
        self.fit(screen_width)
        return self.saved_width
