"""The MCP servers screen (from the palette): each server's state, tools and last stderr lines,
in the picker's manner; Enter or r restarts the highlighted one."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from qwen_tui.mcp.status import ServerState, ServerStatus
from qwen_tui.terminal_text import visible
from qwen_tui.ui.keys import TOOLS

_STYLE = {ServerState.READY: "green", ServerState.STARTING: "yellow", ServerState.DISABLED: "dim"}


def server_prompt(status: ServerStatus) -> Text:
    text = Text(no_wrap=False)
    text.append(visible(status.name, single_line=True), style="bold")
    text.append(f"  {status.transport}  ")
    text.append(status.state.value, style=_STYLE.get(status.state, "bold red"))
    if status.state is ServerState.READY:
        text.append(f"  {len(status.tools)} tools")
        if status.start_ms is not None:
            text.append(f"  started in {status.start_ms / 1000:.1f} s", style="dim")
    elif status.error:
        text.append(f"  {visible(status.error, single_line=True)}")
    text.append(f"\n  {visible(status.target, single_line=True)}", style="dim")
    if status.state is not ServerState.READY:
        for line in status.stderr_tail[-3:]:
            text.append(f"\n  │ {visible(line, single_line=True)[:200]}", style="dim")
    if status.log_path:
        text.append(f"\n  log: {status.log_path}", style="dim")
    return text


class McpServersScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    McpServersScreen { align: center middle; }
    McpServersScreen > OptionList { width: 90%; max-width: 120; height: auto; max-height: 80%;
                                    border: round $primary; background: $surface; }
    McpServersScreen > Static { width: 90%; max-width: 120; height: auto; }
    """
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close the MCP servers", id="mcp.close", group=TOOLS, show=False),
        Binding("r", "restart", "Restart the MCP server", id="mcp.restart", group=TOOLS, show=False),
    ]

    def __init__(self, servers: Any) -> None:
        super().__init__()
        self.servers = servers

    def compose(self):
        yield OptionList(id="mcp-servers")
        yield Static(id="mcp-notes", markup=False)

    def on_mount(self) -> None:
        self.refresh_servers()
        self.query_one(OptionList).focus()

    def refresh_servers(self) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        statuses = self.servers.statuses()
        for status in statuses:
            options.add_option(Option(server_prompt(status), id=status.name))
        if not statuses:
            options.add_option(Option(Text("No MCP server is running ([mcp.servers.NAME] in config.toml, or a "
                                           "trusted .mcp.json)", style="dim"), id="-", disabled=True))
        elif highlighted is not None:
            options.highlighted = min(highlighted, len(statuses) - 1)
        notes = list(self.servers.notes) + list(getattr(self.servers.tools, "notes", []) or [])
        self.query_one("#mcp-notes", Static).update("\n".join(visible(n) for n in notes) + "\nEnter/r restart · Esc")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id != "-":
            self.servers.restart(event.option.id)

    def action_restart(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            if option.id and option.id != "-":
                self.servers.restart(option.id)
