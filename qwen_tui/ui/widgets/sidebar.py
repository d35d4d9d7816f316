"""The side panels (file tree above, context below): shown from ``NARROW_WIDTH`` columns, or as
the user last chose; their width is the user's, within bounds."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.containers import Vertical
from textual.message import Message

from qwen_tui.context import ContextError
from qwen_tui.context.project import ProjectContext
from qwen_tui.terminal_text import visible
from qwen_tui.ui.widgets.context_panel import ContextList, ContextPanel
from qwen_tui.ui.widgets.file_tree import ProjectTree

NARROW_WIDTH = 100  # below this the side panels start hidden (Ctrl+B shows them)
SIDEBAR_WIDTHS = (24, 34, 90)  # narrowest, default (app.tcss), widest, in cells


class Sidebar(Vertical):
    """The project's files and what of them the next question carries; adding and removing here
    tells the app (``ContextChanged``), which counts the budget again.

    ``saved_width`` comes from state.toml (``panel_sizes.sidebar``): 0 means hidden by the user."""

    @dataclass
    class ContextChanged(Message):
        pass

    def __init__(self, project: ProjectContext, *, saved_width: int | None = None, id: str = "sidebar") -> None:
        super().__init__(id=id)
        self.project = project
        self.forced: bool | None = False if saved_width == 0 else None  # None: follow the screen's width
        self.saved_width = saved_width or None

    def compose(self):
        project = self.project
        yield ProjectTree(project.root, is_ignored=project.is_ignored, in_context=project.contains, id="tree")
        yield ContextPanel()

    @on(ProjectTree.ContextToggled)
    def _toggled(self, event: ProjectTree.ContextToggled) -> None:
        try:
            added = self.project.toggle(event.rel)
        except ContextError as exc:
            self.notify(visible(str(exc)), severity="warning", markup=False)
            return
        self.notify(f"{'Added' if added else 'Removed'} {visible(event.rel, single_line=True)}", timeout=2,
                    markup=False)
        self.post_message(self.ContextChanged())

    @on(ContextList.RemoveRequested)
    def _removed(self, event: ContextList.RemoveRequested) -> None:
        self.project.remove(event.rel)
        self.post_message(self.ContextChanged())

    @on(ContextList.ResourceWanted)
    def _resource_wanted(self) -> None:
        from qwen_tui.ui.mcp_resources import pick_resource

        pick_resource(self.app)

    @on(ContextList.InstructionsToggled)
    def _instructions_toggled(self, event: ContextList.InstructionsToggled) -> None:
        sent = self.project.toggle_instructions(event.label)
        label = visible(event.label, single_line=True)
        self.notify(f"{label}: {'sent again' if sent else 'switched off for this session'}", timeout=2,
                    markup=False)
        self.post_message(self.ContextChanged())

    def show_context(self, entries: list, *, window: int, budget: int, history_tokens: int) -> None:
        self.query_one(ContextPanel).show(entries, window=window, budget=budget, history_tokens=history_tokens)
        tree = self.query_one(ProjectTree)
        tree._invalidate()  # its labels mark what is in the context
        tree.refresh()

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
