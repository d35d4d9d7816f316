"""The pickers the chat opens: a provider and model (F2), a file of the project (Ctrl+G)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qwen_tui.ui.screens.provider_picker import Pick, ProviderPicker
from qwen_tui.ui.widgets.file_tree import FileFinder, ProjectTree
from qwen_tui.ui.widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from qwen_tui.ui.app import QwenApp


def pick_provider(app: QwenApp) -> None:
    """The models of a provider are listed when it is highlighted (over the network)."""
    async def list_models(name: str) -> list[str]:
        return [m.id for m in await app.providers[name].list_models()]

    def chosen(pick: Pick | None) -> None:
        if pick is not None:
            app.switch_provider(pick.provider, pick.model)

    app.push_screen(ProviderPicker(app.status_list(), app.active, list_models), chosen)


def go_to_file(app: QwenApp) -> None:
    """Fuzzy over the index; the file is revealed in the tree (the side panel shown if hidden)."""
    async def reveal(rel: str | None) -> None:
        if rel is None:
            return
        app.query_one(Sidebar).show(app.size.width)
        tree = app.query_one(ProjectTree)
        if await tree.reveal(rel):
            tree.focus()

    app.push_screen(FileFinder(app.project.files), reveal)
