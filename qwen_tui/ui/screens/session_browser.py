"""Session browser: resume, rename, delete (after a confirmation) and export saved conversations.

A modal screen over ``SessionStore``. File work (listing, loading, writing) runs in thread workers
so a folder of large sessions never freezes the UI. Resuming is the app's job: the screen
dismisses with the chosen session id and the app rebuilds its chat from it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from qwen_tui.session import SessionError, SessionInfo, SessionStore, default_export_name
from qwen_tui.ui.widgets.safe_input import SafeInput
from qwen_tui.terminal_text import visible

SESSIONS = Binding.Group("Sessions")


@dataclass(frozen=True, slots=True)
class ResumeSession:
    """What the browser returns when the user picks a session to continue."""

    session_id: str


def describe(info: SessionInfo, now: float | None = None) -> Text:
    """One row: title, then project, age and number of messages, dimmed. Titles are data."""
    now = time.time() if now is None else now
    row = Text(visible(info.title, single_line=True), style="bold")
    project = Path(info.project).name if info.project else "?"
    row.append(
        f"\n  {visible(project, single_line=True)} · {age(info.updated, now)} · {info.turns} messages", style="dim"
    )
    return row


def age(then: float, now: float) -> str:
    seconds = max(0, int(now - then))
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no. Enter or y confirms; Escape or n cancels."""

    CSS_PATH = "session_browser.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", group=SESSIONS),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", group=SESSIONS),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(visible(self.question)), classes="question")
            with Horizontal(classes="buttons"):
                yield Button("Delete", variant="error", id="yes")
                yield Button("Keep", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe choice has the focus

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TextDialog(ModalScreen[str | None]):
    """One line of text (a title, a file path). Enter accepts, Escape cancels."""

    CSS_PATH = "session_browser.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="textdialog.cancel", group=SESSIONS)]

    def __init__(self, prompt: str, value: str = "") -> None:
        super().__init__()
        self.prompt, self.value = prompt, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt)
            yield SafeInput(value=self.value, select_on_focus=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(self.query_one(SafeInput).submitted_value(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SessionBrowser(ModalScreen[ResumeSession | None]):
    """Every saved session, newest first."""

    CSS_PATH = "session_browser.tcss"
    BINDINGS = [
        Binding("enter", "resume", "Resume", id="sessions.resume", group=SESSIONS),
        Binding("r", "rename", "Rename", id="sessions.rename", group=SESSIONS),
        Binding("d,delete", "delete", "Delete", id="sessions.delete", group=SESSIONS),
        Binding("e", "export", "Export to a file", id="sessions.export", group=SESSIONS),
        Binding("c", "copy", "Copy as Markdown", id="sessions.copy", group=SESSIONS),
        Binding("escape", "close", "Close", id="sessions.close", group=SESSIONS),
    ]

    def __init__(self, store: SessionStore, export_dir: Path | None = None, current: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.export_dir = export_dir or Path.cwd()
        self.current = current  # the session open in the app: deleting it is refused
        self.infos: list[SessionInfo] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="browser"):
            yield Static("Sessions", classes="title")
            yield OptionList(id="sessions")
            yield Static("Enter resume · r rename · d delete · e export · c copy · Esc close", classes="hint")

    def on_mount(self) -> None:
        self.reload()

    # -- loading -------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="session-list")
    def reload(self, select: str | None = None) -> None:
        seen = len(self.store.problems)
        infos = self.store.list()
        problems = self.store.problems[seen:]
        self.app.call_from_thread(self._show, infos, problems, select)

    def _show(self, infos: list[SessionInfo], problems: list[str], select: str | None) -> None:
        self.infos = infos
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        now = time.time()
        if infos:
            options.add_options([Option(describe(info, now), id=info.id) for info in infos])
            index = next((i for i, info in enumerate(infos) if info.id == select), None)
            options.highlighted = index if index is not None else min(highlighted or 0, len(infos) - 1)
        else:
            options.add_option(Option("No saved sessions yet.", id="", disabled=True))
        options.focus()
        for problem in problems:
            self.notify(visible(problem), title="Session file skipped", severity="warning", markup=False)

    @property
    def selected(self) -> SessionInfo | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not self.infos or index >= len(self.infos):
            return None
        return self.infos[index]

    # -- actions -------------------------------------------------------------------------
    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_resume()

    def action_resume(self) -> None:
        if (info := self.selected) is not None:
            self.dismiss(ResumeSession(info.id))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_rename(self) -> None:
        info = self.selected
        if info is None:
            return

        def renamed(title: str | None) -> None:
            if title is not None:
                self._rename(info.id, title)

        self.app.push_screen(TextDialog("New title (empty: the first question)", info.title), renamed)

    @work(thread=True, group="session-io")
    def _rename(self, session_id: str, title: str) -> None:
        try:
            self.store.rename(session_id, title)
        except (SessionError, OSError) as exc:
            self.app.call_from_thread(self.notify, f"Not renamed: {exc}", severity="error", markup=False)
            return
        self.app.call_from_thread(self.reload, session_id)

    def action_delete(self) -> None:
        info = self.selected
        if info is None:
            return
        if info.id == self.current:
            self.notify("This session is open: start a new one before deleting it.", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._delete(info.id)

        question = f"Delete “{info.title}” ({info.turns} messages)? This cannot be undone."
        self.app.push_screen(ConfirmDialog(question), confirmed)

    @work(thread=True, group="session-io")
    def _delete(self, session_id: str) -> None:
        try:
            self.store.delete(session_id)
        except (SessionError, OSError) as exc:
            self.app.call_from_thread(self.notify, f"Not deleted: {exc}", severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, "Session deleted", timeout=2)
        self.app.call_from_thread(self.reload)

    def action_export(self) -> None:
        info = self.selected
        if info is None:
            return
        try:
            session = self.store.load(info.id)
        except SessionError as exc:
            self.notify(visible(str(exc)), severity="error", markup=False)
            return
        suggested = os.fspath(self.export_dir / default_export_name(session))

        def chosen(path: str | None) -> None:
            if path:
                self._export(session, path)

        self.app.push_screen(TextDialog("Export to Markdown file", suggested), chosen)

    @work(thread=True, group="session-io")
    def _export(self, session, path: str) -> None:
        try:
            written = self.store.export_to_file(session, path)
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, f"Not exported: {exc.strerror or exc}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self.notify, f"Exported to {visible(str(written), single_line=True)}", markup=False)

    def action_copy(self) -> None:
        info = self.selected
        if info is None:
            return
        try:
            text = self.store.export_markdown(self.store.load(info.id))
        except SessionError as exc:
            self.notify(visible(str(exc)), severity="error", markup=False)
            return
        from qwen_tui.ui.answer_copy import copy_text

        copy_text(self.app, text, "the session as Markdown")  # OSC 52 plus a local clipboard tool
