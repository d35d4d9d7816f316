"""The project tree: loaded lazily, hiding ``.git`` and ignored paths (``.`` shows them), files in
the context marked, Space adds or removes the file or folder under the cursor. Also the fuzzy
"go to file" finder."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, OptionList
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from qwen_tui.ui import keys
from qwen_tui.ui.widgets.prompt import fuzzy
from qwen_tui.ui.widgets.safe_input import SafeInput
from qwen_tui.terminal_text import visible

CONTEXT_MARK = "● "


class ProjectTree(DirectoryTree):
    BINDINGS = [
        Binding("space", "toggle_context", "Add/remove file or folder in the context",
                id="tree.toggle_context", group=keys.FILES),
        Binding("full_stop", "toggle_ignored", "Show/hide ignored files and .git",
                id="tree.toggle_ignored", group=keys.FILES, key_display="."),
    ]

    @dataclass
    class ContextToggled(Message):
        rel: str

    def __init__(self, root: Path, *, is_ignored: Callable[[str, bool], bool],
                 in_context: Callable[[str], bool], id: str | None = None) -> None:
        self._root = root.resolve()
        self._is_ignored = is_ignored
        self._in_context = in_context
        self.show_ignored = False
        super().__init__(root, id=id)

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self._root).as_posix() or "."
        except ValueError:
            return path.as_posix()

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        if self.show_ignored:
            return paths
        return [p for p in paths if not self._is_ignored(self.rel(p), self._safe_is_dir(p))]

    def process_label(self, label) -> Text:
        if isinstance(label, str):
            return Text(visible(label, single_line=True))
        return Text(visible(label.plain, single_line=True))

    def render_label(self, node: TreeNode, base_style: Style, style: Style) -> Text:
        text = super().render_label(node, base_style, style)
        if node.data is not None and node is not self.root and self._in_context(self.rel(node.data.path)):
            text = Text.assemble((CONTEXT_MARK, "bold green"), text)
        return text

    def action_toggle_context(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None:
            return
        self.post_message(self.ContextToggled(self.rel(node.data.path)))

    def action_toggle_ignored(self) -> None:
        self.show_ignored = not self.show_ignored
        self.notify("Showing ignored files" if self.show_ignored else "Hiding ignored files", timeout=2)
        self.reload()

    async def reveal(self, rel: str) -> bool:
        """Expand the folders down to ``rel`` and put the cursor on it."""
        node = self.root
        for part in rel.split("/"):
            if node.data is not None and not node.data.loaded:
                await self._add_to_load_queue(node)
            node.expand()
            child = next((c for c in node.children if c.data is not None and c.data.path.name == part), None)
            if child is None:
                return False
            node = child
        self.move_cursor(node)
        self.scroll_to_node(node)
        return True


class FileFinder(ModalScreen[str | None]):
    """Fuzzy "go to file": type, Up/Down, Enter."""

    DEFAULT_CSS = """
    FileFinder { align: center top; }
    FileFinder > Vertical { width: 80%; max-width: 100; height: auto; max-height: 20; margin-top: 2;
                            border: round $primary; background: $surface; }
    FileFinder OptionList { height: auto; max-height: 14; border: none; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="finder.close", group=keys.FILES, show=False),
        Binding("down", "down", "Next match", id="finder.down", group=keys.FILES, show=False),
        Binding("up", "up", "Previous match", id="finder.up", group=keys.FILES, show=False),
    ]

    PLACEHOLDER = "Go to file…"

    def __init__(self, files: list[str]) -> None:
        super().__init__()
        self.files = files

    def compose(self):
        with Vertical():
            yield SafeInput(placeholder=self.PLACEHOLDER, id="finder-input")
            yield OptionList(id="finder-list")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        matches = fuzzy(query, self.files, limit=12) if query else self.files[:12]
        option_list.add_options([Option(Text(visible(p, single_line=True)), id=p) for p in matches])
        if matches:
            option_list.highlighted = 0

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is None or option_list.option_count == 0:
            return
        self.dismiss(str(option_list.get_option_at_index(option_list.highlighted).id))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)
