"""The prompt: a multi-line editor. Enter sends, Ctrl+J (or Shift+Enter) inserts a newline,
Up/Down at the first/last line walk the history, ``@path`` offers fuzzy completion of project
files (accepting one adds the file to the context), and a ``/`` at the start offers the slash
commands (``qwen_tui.ui.slash_commands``) in the same list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, TextArea
from textual.widgets.option_list import Option

from qwen_tui.context import fuzzy_find
from qwen_tui.ui import keys
from qwen_tui.ui.paint_now import paint_now
from qwen_tui.ui.slash_commands import matching
from qwen_tui.terminal_text import visible

_MENTION_AT_CURSOR = re.compile(r"(?:^|(?<=\s))@([^\s@]*)$")
_SLASH_AT_CURSOR = re.compile(r"^/([a-z]*)$")


def fuzzy(query: str, paths: list[str], limit: int = 8) -> list[str]:
    """Best matches first (fzf-like ranking from the context core)."""
    return [match.path for match in fuzzy_find(query, paths, limit=limit)]


class MentionList(OptionList):
    """Completion choices for an ``@`` mention, shown above the prompt."""

    DEFAULT_CSS = """
    MentionList { display: none; max-height: 8; height: auto; border: none; }
    MentionList.shown { display: block; }
    """
    can_focus = False


class PromptInput(TextArea):
    """The editor itself. Its bindings are priority bindings so they win over TextArea's keys."""

    # Not priority bindings: Textual runs a priority binding as soon as the app reads the key,
    # before the keys typed ahead of it reach this widget, so "hello⏎" arriving in one read sent
    # "h". Enter is taken in ``_on_key`` instead, in order with the typing (the binding stays for
    # help and remapping).
    BINDINGS = [
        Binding("enter", "send", "Send", id="prompt.send", group=keys.PROMPT),
        Binding("ctrl+j,shift+enter", "newline", "New line", id="prompt.newline", group=keys.PROMPT,
                key_display="ctrl+j"),
        Binding("up", "history_previous", "Previous prompt (at the first line)", id="prompt.history_previous",
                group=keys.PROMPT, show=False),
        Binding("down", "history_next", "Next prompt (at the last line)", id="prompt.history_next",
                group=keys.PROMPT, show=False),
        Binding("escape", "close_completion", "Close @ completion", id="prompt.close_completion",
                group=keys.PROMPT, show=False),
        Binding("tab", "complete", "Accept @ completion", id="prompt.complete", group=keys.PROMPT,
                show=False),
    ]

    @dataclass
    class Submitted(Message):
        """Enter with a question; the prompt keeps the text until the app takes the question."""

        prompt: PromptInput
        text: str

        @property
        def control(self) -> PromptInput:
            return self.prompt

    @dataclass
    class Mentioned(Message):
        """A file chosen from the ``@`` completion."""

        path: str

    def __init__(self, *, files: Callable[[], list[str]], id: str | None = None) -> None:
        super().__init__("", id=id, soft_wrap=True, tab_behavior="focus", show_line_numbers=False)
        self._files = files
        self.prompt_history: list[str] = []
        self._history_index: int | None = None
        self._draft = ""
        self.mention_list: MentionList | None = None

    # -- sending and newlines -----------------------------------------------------------------
    def _send_keys(self) -> set[str]:
        keymap = getattr(self.app, "_keymap", None) or {}
        return {key.strip() for key in keymap.get("prompt.send", "enter").split(",")}

    async def _on_key(self, event: events.Key) -> None:
        if event.key in self._send_keys():
            event.stop()
            event.prevent_default()
            self.action_send()
            return
        await super()._on_key(event)
        if event.is_printable:
            paint_now(self)  # the echo at once, not at the screen's next frame (0-17 ms later)

    def action_delete_left(self) -> None:
        super().action_delete_left()
        paint_now(self)

    def action_delete_right(self) -> None:
        super().action_delete_right()
        paint_now(self)

    def action_send(self) -> None:
        if self._completion_open() and not any(c.name == self._slash_query() for c in matching("")):
            self.action_complete()
            return
        self.close_completion()  # "/clear" typed out in full is sent as is
        text = self.text
        if not text.strip():
            return
        if not self.prompt_history or self.prompt_history[-1] != text:
            self.prompt_history.append(text)
        self._history_index = None
        self._draft = ""
        self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        self.insert("\n")

    def _on_paste(self, event: events.Paste) -> None:
        """Pasted text (often a model's output) is data: its control characters go in as
        visible placeholders, since the editor would write them to the terminal raw. Textual
        then runs ``TextArea._on_paste`` (handlers run down the class hierarchy), which inserts it."""
        event.text = visible(event.text.replace("\r\n", "\n"))

    # -- history ------------------------------------------------------------------------------
    def action_history_previous(self) -> None:
        if self._completion_open():
            self.mention_list.action_cursor_up()
            return
        row, _ = self.cursor_location
        if row > 0 or not self.prompt_history:
            self.action_cursor_up()
            return
        if self._history_index is None:
            self._draft = self.text
            self._history_index = len(self.prompt_history) - 1
        elif self._history_index > 0:
            self._history_index -= 1
        else:
            return
        self._show(self.prompt_history[self._history_index])

    def action_history_next(self) -> None:
        if self._completion_open():
            self.mention_list.action_cursor_down()
            return
        row, _ = self.cursor_location
        if row < self.document.line_count - 1 or self._history_index is None:
            self.action_cursor_down()
            return
        if self._history_index < len(self.prompt_history) - 1:
            self._history_index += 1
            self._show(self.prompt_history[self._history_index])
        else:
            self._history_index = None
            self._show(self._draft)

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    # -- @ mentions ---------------------------------------------------------------------------
    def _mention_query(self) -> str | None:
        row, col = self.cursor_location
        before = self.document.get_line(row)[:col]
        match = _MENTION_AT_CURSOR.search(before)
        return match.group(1) if match else None

    def _completion_open(self) -> bool:
        return self.mention_list is not None and self.mention_list.has_class("shown")

    def action_close_completion(self) -> None:
        self.close_completion()

    def close_completion(self) -> None:
        if self.mention_list is not None:
            self.mention_list.remove_class("shown")

    def _slash_query(self) -> str | None:
        """The command name typed so far when the prompt is ``/name`` with the cursor at its end."""
        row, col = self.cursor_location
        if row != 0:
            return None
        match = _SLASH_AT_CURSOR.match(self.document.get_line(0)[:col])
        return match.group(1) if match else None

    def _show_slash_completion(self, query: str) -> None:
        commands = matching(query)
        self.mention_list.clear_options()
        if not commands:
            self.close_completion()
            return
        options = []
        for command in commands:
            row = Text(command.usage, style="bold")
            row.append(f"  {command.help}", style="dim")
            options.append(Option(row, id=f"/{command.name}"))
        self.mention_list.add_options(options)
        self.mention_list.highlighted = 0
        self.mention_list.add_class("shown")

    @on(TextArea.Changed)
    def _update_completion(self) -> None:
        if self.mention_list is None:
            return
        slash = self._slash_query()
        if slash is not None:
            self._show_slash_completion(slash)
            return
        query = self._mention_query()
        if query is None:
            self.close_completion()
            return
        matches = fuzzy(query, self._files())
        self.mention_list.clear_options()
        if not matches:
            self.close_completion()
            return
        self.mention_list.add_options(
            [Option(Text(visible(path, single_line=True)), id=path) for path in matches]
        )
        self.mention_list.highlighted = 0
        self.mention_list.add_class("shown")

    def action_complete(self) -> None:
        if not self._completion_open():
            self.app.action_focus_next()
            return
        option_list = self.mention_list
        index = option_list.highlighted or 0
        path = option_list.get_option_at_index(index).id
        row, col = self.cursor_location
        if path and path.startswith("/"):  # a slash command: its name, then its argument
            self.replace(f"{path} ", (0, 0), (row, col))
            self.close_completion()
            return
        query = self._mention_query() or ""
        # The editor shows its text as is: a file name holding ESC or bidi characters goes in
        # its visible form (the file itself is added to the context by ``Mentioned``).
        self.replace(f"@{visible(path, single_line=True)} ", (row, col - len(query) - 1), (row, col))
        self.close_completion()
        self.post_message(self.Mentioned(path))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("complete", "close_completion") and not self._completion_open():
            return False  # let Tab move focus as usual
        return True


class PromptBar(Vertical):
    """The completion list and the editor, docked at the bottom of the chat column."""

    DEFAULT_CSS = """
    PromptBar { height: auto; }
    PromptBar > PromptInput { height: auto; min-height: 3; max-height: 10; }
    """

    def __init__(self, *, files: Callable[[], list[str]]) -> None:
        super().__init__(id="prompt-bar")
        self.mention_list = MentionList(id="mentions")
        self.input = PromptInput(files=files, id="prompt")
        self.input.mention_list = self.mention_list

    def compose(self):
        yield self.mention_list
        yield self.input

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.mention_list.highlighted = event.option_index
        self.input.action_complete()
        self.input.focus()
