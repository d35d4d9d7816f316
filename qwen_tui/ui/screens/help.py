"""Help (F1): every binding of the app, grouped, generated from the Binding objects themselves,
with the user's remapped keys applied."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from qwen_tui.ui import keys


_KEY_NAMES = {"full_stop": ".", "question_mark": "?", "escape": "Esc", "pageup": "PgUp", "pagedown": "PgDn"}


def key_label(key: str) -> str:
    """``ctrl+j,shift+enter`` -> ``Ctrl+J / Shift+Enter``."""
    parts = []
    for one in key.split(","):
        words = [_KEY_NAMES.get(w, w) for w in one.strip().split("+")]
        parts.append("+".join(w.upper() if len(w) == 1 else w.capitalize() for w in words))
    return " / ".join(parts)


def help_classes(app: object) -> list[type]:
    """Every class whose bindings F1 lists: the app's, its widgets' and its screens' (imported
    here, when Help opens, not at start-up)."""
    from qwen_tui.ui.screens.changes import ChangesScreen
    from qwen_tui.ui.screens.command_approval import CommandApproval
    from qwen_tui.ui.screens.dashboard import Dashboard
    from qwen_tui.ui.screens.edit_review import EditReview
    from qwen_tui.ui.screens.mcp_approval import McpApproval
    from qwen_tui.ui.screens.mcp_servers import McpServersScreen
    from qwen_tui.ui.screens.provider_picker import ProviderPicker
    from qwen_tui.ui.screens.race import RaceProviders, RaceScreen
    from qwen_tui.ui.screens.request_fit import RequestTooBig
    from qwen_tui.ui.screens.session_browser import SessionBrowser
    from qwen_tui.ui.widgets.command_block import CommandBlock
    from qwen_tui.ui.widgets.context_panel import ContextList
    from qwen_tui.ui.widgets.file_tree import ProjectTree
    from qwen_tui.ui.widgets.prompt import PromptInput
    from qwen_tui.ui.widgets.tool_entry import ToolEntry

    return [type(app), PromptInput, ProjectTree, ContextList, ProviderPicker, SessionBrowser, Dashboard,
            ToolEntry, CommandBlock, EditReview, CommandApproval, McpApproval, ChangesScreen, McpServersScreen,
            RequestTooBig, RaceProviders, RaceScreen]


def help_rows(
    classes: Iterable[type], keymap: dict[str, str] | None = None
) -> dict[str, list[tuple[str, str]]]:
    """Group -> [(keys, description)] for every Binding with an id in ``classes``' BINDINGS."""
    keymap = keymap or {}
    grouped: dict[str, list[tuple[str, str]]] = {g.description: [] for g in keys.GROUP_ORDER}
    seen: set[str] = set()
    for cls in classes:
        for binding in getattr(cls, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.id or binding.id in seen:
                continue
            seen.add(binding.id)
            group = binding.group.description if binding.group else "Other"
            key = keymap.get(binding.id, binding.key)
            grouped.setdefault(group, []).append((key_label(key), binding.description))
    return {group: rows for group, rows in grouped.items() if rows}


class HelpScreen(ModalScreen[None]):
    """All bindings, grouped. Escape, F1 or q closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $primary;
                                  background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,f1,q", "dismiss", "Close help", id="help.close", group=keys.GENERAL, show=False),
    ]

    def __init__(self, rows: dict[str, list[tuple[str, str]]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self):
        with VerticalScroll():
            yield Static(Text("Keys", style="bold"), id="help-title")
            table = Table(box=None, show_header=False, expand=True, pad_edge=False)
            table.add_column("key", style="bold", no_wrap=True, width=24)
            table.add_column("what")
            for index, (group, rows) in enumerate(self.rows.items()):
                if index:
                    table.add_row("", "")
                table.add_row(Text(group, style="bold underline"), "")
                for key, description in rows:
                    table.add_row(Text(key), Text(description))
            yield Static(table, id="help-table")
            yield Static(Text("Undo (Ctrl+O) takes back the files an answer edited or wrote, byte for byte; what a "
                              "command changed (run_command, /run) is not in it. Slash commands: type / in the "
                              "prompt.\nKeys can be remapped in the config's [keys] table by binding id.",
                              style="dim"))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
