"""The TUI's MCP servers: started after the first frame, shown in the status bar and on the
servers screen, restarted from the palette, ended on quit.

Why here and not in app.py: the app only makes one ``McpServers``, calls ``start()`` after its
first frame and ``aclose()`` on unmount. Everything slow happens off the event loop: reading the
project's ``.mcp.json`` and building the toolbox in a thread worker, the SDK's import and every
server in the manager's own thread. Status changes come back with ``call_soon_threadsafe`` (never
a blocking ``call_from_thread``: the loop may be busy stopping the servers).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from rich.text import Text

from qwen_tui.mcp.status import ServerState, ServerStatus

if TYPE_CHECKING:
    from qwen_tui.mcp.manager import McpManager
    from qwen_tui.mcp.project import ProjectMcpFile
    from qwen_tui.mcp.resources import McpResourceReader
    from qwen_tui.mcp.toolset import McpTools

_BAD = (ServerState.FAILED, ServerState.TIMED_OUT, ServerState.EXITED)


def status_text(statuses: list[ServerStatus]) -> Text:
    """``MCP 2/3`` for the status bar (red when one failed); empty with no server."""
    shown = [s for s in statuses if s.state is not ServerState.DISABLED]
    text = Text()
    if not shown:
        return text
    ready = sum(s.state is ServerState.READY for s in shown)
    bad = sum(s.state in _BAD for s in shown)
    starting = sum(s.state is ServerState.STARTING for s in shown)
    text.append(f"MCP {ready}/{len(shown)}", style="bold red" if bad else ("dim" if starting else "bold"))
    if bad:
        text.append(f" ({bad} failed)", style="red")
    return text


class McpServers:
    """The app's MCP manager, its tools in the app's toolbox, and what the user is shown."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.manager: McpManager | None = None
        self.tools: McpTools | None = None
        self.reader: McpResourceReader | None = None  # the servers' resources, for the context
        self.untrusted: ProjectMcpFile | None = None
        self.notes: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self._told: dict[str, ServerState] = {}

    # ---- life -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the configuration and start the servers, all off the event loop."""
        self._loop = asyncio.get_running_loop()
        self.app.run_worker(self._start, thread=True, group="mcp", exit_on_error=False)

    def _start(self) -> None:
        from qwen_tui.mcp.servers import configured_servers

        app = self.app
        servers, notes, project = configured_servers(app.config.mcp, app.project_root, app.state)
        self.notes = notes
        self.untrusted = project if project is not None and project.servers and not project.trusted(app.state) \
            else None
        if self.untrusted is not None:
            self._hop(self._ask_trust)
        if not servers or self._closing:
            return
        from qwen_tui.mcp.manager import McpManager
        from qwen_tui.mcp.toolset import McpTools

        settings = app.config.mcp
        manager = McpManager(servers, call_timeout=settings.call_timeout, on_change=self._on_change)
        self.manager = manager
        self.tools = McpTools.install(app.toolbox, manager, max_tools=settings.max_tools)
        from qwen_tui.mcp.resources import McpResourceReader

        self.reader = McpResourceReader(manager, limit=app.project.index.max_file_bytes)
        app.project.resource_reader = self.reader
        manager.start()
        self._hop(self._changed)
        for status in manager.statuses():  # a bad entry is failed from the start: told like the others
            if status.state is ServerState.FAILED:
                self._hop(self._changed, status)

    async def aclose(self) -> None:
        """End every server (on quit); waits in a thread, not on the loop."""
        self._closing = True
        if self.manager is not None:
            await asyncio.to_thread(self.manager.stop_all)

    def restart(self, name: str | None = None) -> None:
        """Restart one server, or every one that is not ready (``None``)."""
        manager = self.manager
        if manager is None:
            return
        for status in manager.statuses():
            if status.name == name or name is None and status.state is not ServerState.READY:
                self._told.pop(status.name, None)
                manager.restart(status.name)

    def trust_project(self) -> None:
        """The user trusts the project's .mcp.json: remembered, and its servers start."""
        project = self.untrusted
        if project is None:
            return
        project.trust(self.app.state)
        with contextlib.suppress(Exception):
            self.app.state.save()
        self.untrusted = None
        old = self.manager
        self.manager, self.tools, self.reader = None, None, None

        def again() -> None:
            if old is not None:
                old.stop_all()
            self._start()

        self.app.run_worker(again, thread=True, group="mcp", exit_on_error=False)

    # ---- what the user sees ---------------------------------------------------------------------

    def statuses(self) -> list[ServerStatus]:
        return self.manager.statuses() if self.manager is not None else []

    def _hop(self, callback: Any, *args: Any) -> None:
        loop = self._loop
        if loop is None or self._closing or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(callback, *args)

    def _on_change(self, status: ServerStatus) -> None:
        self._hop(self._changed, status)

    def _changed(self, status: ServerStatus | None = None) -> None:
        if self._closing:
            return
        with contextlib.suppress(Exception):  # the bar may be gone (quitting)
            from qwen_tui.ui.widgets.status_bar import StatusBar

            self.app.query_one(StatusBar).set_extra(status_text(self.statuses()))
        if status is not None and status.state in _BAD and self._told.get(status.name) is not status.state:
            self._told[status.name] = status.state
            self.app.notify(f"{status.summary()}\nCtrl+P → MCP: servers, to see its log and restart it.",
                            title="MCP server", severity="warning", markup=False, timeout=8)
        if status is not None and any(ref.server == status.name for ref in self.app.project.resources):
            self.app.refresh_context()  # its resources in the context: read (or told missing) again
        screen = self.app.screen
        if hasattr(screen, "refresh_servers"):
            screen.refresh_servers()

    def _ask_trust(self) -> None:
        project = self.untrusted
        if project is None:
            return
        self.app.notify(f"{project.path} asks to start {len(project.servers)} MCP server(s); they run commands. "
                        "Ctrl+P → MCP: trust this project's .mcp.json, to start them.",
                        title="MCP", severity="information", markup=False, timeout=10)

    def show(self) -> None:
        from qwen_tui.ui.screens.mcp_servers import McpServersScreen

        self.app.push_screen(McpServersScreen(self))

    def palette(self) -> list[tuple[str, Any, str]]:
        """The palette's MCP entries: (title, callback, help)."""
        items: list[tuple[str, Any, str]] = [
            ("MCP: servers", self.show, "Each MCP server's state, tools and last stderr lines; restart one")]
        if self.manager is not None:
            from qwen_tui.ui.mcp_resources import pick_resource

            items.append(("Context: add an MCP resource", lambda: pick_resource(self.app),
                          "Pick a resource of a ready MCP server (fuzzy); it is read again at every send"))
            items.append(("MCP: restart servers that are not ready", lambda: self.restart(None),
                          "Start again every failed, timed-out or exited server"))
            items += [(f"MCP: restart {s.name}", lambda n=s.name: self.restart(n), s.summary())
                      for s in self.statuses() if s.state is not ServerState.DISABLED]
        if self.untrusted is not None:
            items.append(("MCP: trust this project's .mcp.json", self.trust_project,
                          f"Start its {len(self.untrusted.servers)} server(s) (asked again if it changes)"))
        return items
