"""Choosing which code block of the last answer to copy."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from qwen_tui.terminal_text import visible
from qwen_tui.ui import keys


class CodeBlockPicker(ModalScreen[str | None]):
    """Choose which code block of the last answer to copy."""

    DEFAULT_CSS = """
    CodeBlockPicker { align: center middle; }
    CodeBlockPicker > OptionList { width: 80%; max-width: 100; height: auto; max-height: 20;
                                   border: round $primary; background: $surface; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="codeblocks.close", group=keys.CHAT, show=False)]

    def __init__(self, blocks: list[str]) -> None:
        super().__init__()
        self.blocks = blocks

    def compose(self):
        options = []
        for index, block in enumerate(self.blocks):
            first = next((line for line in block.splitlines() if line.strip()), "")
            label = Text(f"{index + 1}. ", style="bold")
            label.append(visible(first[:70], single_line=True))
            label.append(f"  ({len(block.splitlines())} lines)", style="dim")
            options.append(Option(label, id=str(index)))
        yield OptionList(*options)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.blocks[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)
