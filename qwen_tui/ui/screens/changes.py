"""The changes view (Ctrl+F): the project's change sets, newest first, each with its files and
whether it is applied or undone; the highlighted file's diff below. Manifests and blobs are read
in a thread: nothing here blocks the app on the disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from qwen_tui.terminal_text import visible
from qwen_tui.tools.checkpoints import ChangeSet, ChangeSetInfo, CheckpointStore, FileChange
from qwen_tui.ui.keys import TOOLS
from qwen_tui.ui.widgets.diff_view import DiffView

STATES = {"applied": "applied", "undone": "undone (Ctrl+O redo in the palette)", "dropped": "undone"}


@dataclass(frozen=True, slots=True)
class FileDiff:
    path: str
    created: bool
    diff: str
    added: int
    removed: int


def file_diff(store: CheckpointStore, change_set: str, change: FileChange) -> FileDiff:
    """The diff of what the change set did to one file, from its blobs (before → last written)."""
    from qwen_tui.tools.edits import propose

    loaded = ChangeSet.load(store, store.folder / "sets" / change_set)
    if loaded is None:
        return FileDiff(change.path, change.created, "", 0, 0)
    try:
        before = loaded.blob(change.before) if change.before is not None else None
        after = loaded.blob(change.after)
    except OSError:
        return FileDiff(change.path, change.created, "", 0, 0)
    proposal = propose(change.path, Path(change.path), before, after, change.after_mode, "checkpoint")
    return FileDiff(change.path, change.created, proposal.diff, proposal.added, proposal.removed)


def set_label(info: ChangeSetInfo) -> Text:
    label = Text()
    label.append(f"#{info.id.lstrip('0') or '0'} ", style="bold")
    label.append(info.created.replace("T", " ").rstrip("Z") + " UTC ", style="dim")
    label.append(STATES.get(info.state, info.state), style="green" if info.state == "applied" else "yellow")
    if info.label:
        label.append(" · " + visible(info.label, single_line=True), style="italic")
    return label


class ChangesScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ChangesScreen { align: center middle; }
    ChangesScreen > Vertical { width: 100%; height: 100%; border: round $primary; background: $surface;
                               padding: 0 1; }
    ChangesScreen #change-list { height: auto; max-height: 40%; border: none; }
    ChangesScreen .changes-title { height: 1; }
    ChangesScreen #file-title { height: 1; margin: 1 0 0 0; }
    ChangesScreen DiffView { height: 1fr; }
    ChangesScreen .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close the changes view", id="changes.close", group=TOOLS),
        Binding("tab", "switch_pane", "Between the list and the diff", id="changes.switch", group=TOOLS,
                show=False),
    ]

    def __init__(self, checkpoints: CheckpointStore) -> None:
        super().__init__()
        self.store = checkpoints
        self.sets: list[ChangeSetInfo] = []
        self.files: list[tuple[str, FileChange]] = []  # (change set id, file) per option
        self.shown: FileDiff | None = None
        self._diffs: dict[tuple[str, str], FileDiff] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Changes made in this project (newest first)", style="bold"),
                         classes="changes-title", markup=False)
            yield OptionList(id="change-list")
            yield Static("", id="file-title", markup=False)
            yield DiffView("", id="changes-diff")
            hint = "↑↓ pick a file · Tab to the diff and back · Esc close (then Ctrl+O undoes the newest)"
            yield Static(Text(hint, style="dim"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="changes-list")
    def load(self) -> None:
        try:
            sets = self.store.list()
        except OSError as exc:
            self.app.call_from_thread(self._listed, [], f"The change sets could not be read: {exc.strerror or exc}")
            return
        self.app.call_from_thread(self._listed, sets, "")

    def _listed(self, sets: list[ChangeSetInfo], problem: str) -> None:
        self.sets = sets
        options = self.query_one(OptionList)
        options.clear_options()
        self.files = []
        if problem or not sets:
            self.query_one("#file-title", Static).update(
                Text(problem or "No file has been changed by an answer in this project yet.", style="italic"))
            return
        items: list[Option] = []
        for info in sets:
            items.append(Option(set_label(info), disabled=True))
            for change in info.files:
                line = Text("   ")
                line.append(visible(change.path, single_line=True))
                line.append("  created" if change.created else "  modified", style="dim")
                items.append(Option(line, id=f"file-{len(self.files)}"))
                self.files.append((info.id, change))
        options.add_options(items)
        if self.files:
            options.highlighted = 1  # the newest set's first file
            self.show_file(0)

    @on(OptionList.OptionHighlighted, "#change-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        option_id = event.option.id or ""
        if option_id.startswith("file-"):
            self.show_file(int(option_id[5:]))

    def show_file(self, number: int) -> None:
        change_set, change = self.files[number]
        cached = self._diffs.get((change_set, change.path))
        if cached is not None:
            self._show(change_set, cached)
        else:
            self._compute(change_set, change)

    @work(thread=True, exclusive=True, group="changes-diff")
    def _compute(self, change_set: str, change: FileChange) -> None:
        result = file_diff(self.store, change_set, change)
        self.app.call_from_thread(self._computed, change_set, result)

    def _computed(self, change_set: str, result: FileDiff) -> None:
        self._diffs[(change_set, result.path)] = result
        self._show(change_set, result)

    def _show(self, change_set: str, result: FileDiff) -> None:
        self.shown = result
        title = Text()
        title.append(visible(result.path, single_line=True), style="bold")
        title.append("  created" if result.created else "  modified", style="italic")
        title.append("  ")
        title.append(f"+{result.added}", style="bold green")
        title.append(" ")
        title.append(f"−{result.removed}", style="bold red")
        title.append(f"  (change #{change_set.lstrip('0') or '0'})", style="dim")
        if not result.diff:
            title.append("  no difference to show", style="italic")
        self.query_one("#file-title", Static).update(title)
        self.query_one(DiffView).show(result.diff, result.path)

    def action_switch_pane(self) -> None:
        options, diff = self.query_one(OptionList), self.query_one(DiffView)
        (diff if options.has_focus else options).focus()

    def action_close(self) -> None:
        self.dismiss(None)
