"""The context panel: the project's instructions files (each can be switched off for the
session; a refused one shows why) and the selected files and folders with their token estimates,
the total against the model's context window, and a warning when the next send would not fit."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from qwen_tui.ui import keys
from qwen_tui.context.project import INSTRUCTIONS_PREFIX, ContextEntry
from qwen_tui.context.resources import ResourceRef
from qwen_tui.terminal_text import visible


def fmt_tokens(tokens: int | None) -> str:
    if tokens is None:
        return "…"
    if tokens >= 10_000:
        return f"{tokens / 1000:.0f}k"
    if tokens >= 1000:
        return f"{tokens / 1000:.1f}k"
    return str(tokens)


def fmt_size(chars: int) -> str:
    """A resource's size in characters, short."""
    if chars >= 10_000:
        return f"{chars / 1000:.0f}k chars"
    return f"{chars:,} chars"


class ContextList(OptionList):
    BINDINGS = [
        Binding("delete,backspace", "remove_entry", "Remove the entry from the context",
                id="context.remove", group=keys.FILES, key_display="delete"),
        Binding("m", "add_resource", "Add an MCP resource to the context (picker)",
                id="context.add_resource", group=keys.FILES),
        Binding("space", "toggle_instructions", "Switch an instructions file off or on (this session)",
                id="context.toggle_instructions", group=keys.FILES),
    ]

    @dataclass
    class RemoveRequested(Message):
        rel: str

    class ResourceWanted(Message):
        """m: the user wants to pick an MCP resource for the context."""

    @dataclass
    class InstructionsToggled(Message):
        """Delete or space on an instructions file: off (or on again) for the session."""

        label: str

    def _highlighted_id(self) -> str | None:
        if self.highlighted is None or self.option_count == 0:
            return None
        return self.get_option_at_index(self.highlighted).id

    def action_remove_entry(self) -> None:
        option_id = self._highlighted_id()
        if not option_id:
            return
        if option_id.startswith(INSTRUCTIONS_PREFIX):
            self.post_message(self.InstructionsToggled(option_id.removeprefix(INSTRUCTIONS_PREFIX)))
        else:
            self.post_message(self.RemoveRequested(option_id))

    def action_add_resource(self) -> None:
        self.post_message(self.ResourceWanted())

    def action_toggle_instructions(self) -> None:
        option_id = self._highlighted_id()
        if option_id and option_id.startswith(INSTRUCTIONS_PREFIX):
            self.post_message(self.InstructionsToggled(option_id.removeprefix(INSTRUCTIONS_PREFIX)))


class ContextPanel(Vertical):
    DEFAULT_CSS = """
    ContextPanel { height: auto; max-height: 40%; border-top: solid $primary-darken-2; }
    ContextPanel > ContextList { height: auto; max-height: 12; border: none; }
    ContextPanel > .context-total { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__(id="context-panel")
        self.title = Static(Text("Context", style="bold"), classes="context-title")
        self.list = ContextList(id="context-list")
        self.total = Static("", markup=False, classes="context-total")
        self.entries: list[ContextEntry] = []

    def compose(self):
        yield self.title
        yield self.list
        yield self.total

    def show(self, entries: list[ContextEntry], *, window: int, budget: int, history_tokens: int = 0) -> None:
        self.entries = entries
        highlighted = self.list.highlighted
        self.list.clear_options()
        for entry in entries:
            row = Text(no_wrap=True, overflow="ellipsis")
            if entry.kind == "instructions":
                refused = entry.problem is not None
                tokens = "refused" if refused else (fmt_tokens(entry.tokens) if entry.enabled else "off")
                row.append(f"{tokens:>6} ", style="red" if refused else ("cyan" if entry.enabled else "dim"))
                row.append(visible(entry.path, single_line=True), style="italic" if entry.enabled else "dim strike")
                row.append("  instructions" if entry.enabled or refused else "  instructions (switched off)",
                           style="dim")
            elif entry.kind == "resource":
                ref = ResourceRef.parse(entry.path)
                row.append(f"{fmt_tokens(entry.tokens) if entry.problem is None else 'n/a':>6} ",
                           style="cyan" if entry.problem is None else "red")
                row.append(visible(ref.uri if ref else entry.path, single_line=True))
                row.append(f"  MCP {visible(ref.server if ref else '?', single_line=True)}", style="magenta")
                if entry.size is not None:
                    row.append(f"  {fmt_size(entry.size)}", style="dim")
            else:
                row.append(f"{fmt_tokens(entry.tokens):>6} ", style="cyan")
                row.append(visible(entry.path, single_line=True))
            if entry.problem:
                row.append(f"  ({visible(entry.problem, single_line=True)})", style="red")
            self.list.add_option(Option(row, id=entry.id))
        if entries:
            self.list.highlighted = min(highlighted or 0, len(entries) - 1)
        total = sum(e.counted for e in entries) + history_tokens
        text = Text()
        if not any(e.kind in ("file", "resource") for e in entries):
            text.append("Space in the tree or @path in the prompt adds files.", style="dim")
            text.append("\n")
        style = "red bold" if total > budget else ("yellow" if total > budget * 0.8 else "green")
        text.append(f"{fmt_tokens(total)} / {fmt_tokens(window)} tokens", style=style)
        if total > budget:
            text.append("\n⚠ Too big for the model's window: the next send would not fit. "
                        "Remove entries (Delete) or clear (Ctrl+L).", style="red")
        self.total.update(text)
