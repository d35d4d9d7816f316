"""The MCP resource picker: the ready servers' resources, found fuzzily like go-to-file.

Each row shows the resource's name, its URI, its server and its size when the server tells it;
Enter gives the resource's context id (``mcp://server/uri``), Escape None."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from qwen_tui.context.fuzzy import FuzzyIndex
from qwen_tui.context.resources import ResourceRef
from qwen_tui.mcp.status import McpResource
from qwen_tui.terminal_text import visible
from qwen_tui.ui.widgets.file_tree import FileFinder

SHOWN = 12


def _size(size: int | None) -> str:
    if size is None:
        return ""
    return f"{size:,} B" if size < 10_000 else f"{size / 1024:,.0f} KiB"


class ResourceFinder(FileFinder):
    """Fuzzy over ``server/name uri``; dismisses with the chosen resource's context id."""

    PLACEHOLDER = "Add an MCP resource to the context…"

    def __init__(self, resources: list[McpResource]) -> None:
        self.resources = {f"{r.server}/{r.name} {r.uri}": r for r in resources}
        super().__init__(list(self.resources))
        self._index = FuzzyIndex(self.files)  # its own: go-to-file keeps the project's prepared index

    def _fill(self, query: str) -> None:
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        keys = [m.path for m in self._index.search(query, SHOWN)] if query else self.files[:SHOWN]
        for key in keys:
            r = self.resources[key]
            row = Text(no_wrap=True, overflow="ellipsis")
            row.append(visible(r.name or r.uri, single_line=True), style="bold")
            row.append(f"  {visible(r.uri, single_line=True)}", style="dim")
            row.append(f"  {visible(r.server, single_line=True)}", style="cyan")
            if r.size is not None:
                row.append(f"  {_size(r.size)}", style="dim")
            option_list.add_option(Option(row, id=ResourceRef(r.server, r.uri).id))
        if keys:
            option_list.highlighted = 0
