"""The full-screen app: file tree and context panel (left), chat (centre), prompt (bottom),
status bar. App-wide concerns only: the conversation core (``qwen_tui.conversation``) answers,
``ChatSink`` renders its events, and each flow (race, sessions, copying, tools) has its module.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import Initialize, Reactive
from textual.widgets import Static
from textual.worker import Worker

from qwen_tui import paths
from qwen_tui.config import AppConfig
from qwen_tui.context import ContextError
from qwen_tui.context.project import ProjectContext, estimate_tokens
from qwen_tui.context.windows import ContextWindows
from qwen_tui.conversation import Conversation, ProviderStatus, Turn
from qwen_tui.conversation.roster import ProviderRoster
from qwen_tui.metrics import MetricsLog, load_history
from qwen_tui.providers.base import Provider
from qwen_tui.providers.registry import build_providers
from qwen_tui.session import SessionStore
from qwen_tui.state import State
from qwen_tui.terminal_text import visible
from qwen_tui.ui.themes import code_theme_for, starting_theme, terminal_theme
from qwen_tui.timing import RequestTiming

from qwen_tui.ui import keys
from qwen_tui.ui.answer_copy import copy_code_block, copy_last_answer
from qwen_tui.ui.commands import QwenCommands
from qwen_tui.ui.compacting import compact_before, start_compaction
from qwen_tui.ui.pickers import go_to_file, pick_provider
from qwen_tui.ui.project_tools import ProjectTools
from qwen_tui.ui.question_flow import answer_question
from qwen_tui.ui.race_flow import offer_race
from qwen_tui.ui.slash_commands import run_slash
from qwen_tui.ui.user_commands import UserRuns
from qwen_tui.ui.render.markdown_stream import StreamingMarkdown
from qwen_tui.ui.render.sgr_diff import diffing_driver
from qwen_tui.ui.screens.help import HelpScreen, help_classes, help_rows
from qwen_tui.ui.session_flow import browse_sessions, resume_session
from qwen_tui.ui.widgets.chat_view import ChatView, PendingTurn
from qwen_tui.ui.widgets.key_bar import KeyBar
from qwen_tui.ui.widgets.prompt import PromptBar, PromptInput
from qwen_tui.ui.widgets.sidebar import Sidebar
from qwen_tui.ui.terminal_watch import watch_terminal
from qwen_tui.ui.mcp_servers import McpServers
from qwen_tui.ui.widgets.status_bar import LiveRequest, StatusBar
from qwen_tui.ui.widgets.thinking import toggle_last_thinking

if TYPE_CHECKING:
    from qwen_tui.tools import Toolbox

QUIT_WINDOW_S = 2.0
#: A question is shown at the latest this long after Enter, sent or not (a connection being
#: opened, files being read); under a frame, so the screen still answers Enter at once.
SHOW_WITHIN_S = 0.010
#: A health check that broke on our side is tried again after this long.
RECHECK_AFTER_S = 5.0
_START_FROZEN = False
#: After a session given on the command line is painted, the background work waits this long:
#: the frames right after it (the scroll bar, the sidebar) and the keys typed meanwhile come first.
BACKGROUND_AFTER_RESUME_S = 0.25
#: The interpreter's thread switch interval while the TUI runs (``run_app``), seconds.
SWITCH_INTERVAL_S = 0.001


class QwenApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "qwen-tui"
    COMMANDS = App.COMMANDS | {QwenCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", group=keys.GENERAL),
        Binding("f2", "picker", "Providers", id="app.picker", group=keys.PROVIDERS),
        Binding("f4", "cycle_provider", "Next provider", id="app.cycle_provider", group=keys.PROVIDERS),
        Binding("f5", "dashboard", "Provider dashboard", id="app.dashboard", group=keys.PROVIDERS),
        Binding("ctrl+t", "race", "Race the question on several providers", id="app.race", group=keys.PROVIDERS,
                show=False),
        Binding("ctrl+p", "command_palette", "Command palette", id="app.palette", group=keys.GENERAL,
                show=False),
        Binding("escape", "stop", "Stop the answer (keeps what came)", id="app.stop", group=keys.CHAT),
        Binding("ctrl+r", "retry", "Retry the last question", id="app.retry", group=keys.CHAT),
        Binding("f8", "copy_answer", "Copy the last answer", id="app.copy_answer", group=keys.CHAT),
        Binding("f9", "copy_code", "Copy a code block", id="app.copy_code", group=keys.CHAT),
        Binding("f6", "toggle_thinking", "Show or hide the answer's thinking", id="app.toggle_thinking",
                group=keys.CHAT, show=False, priority=True),  # over the prompt's own F6 (select line)
        Binding("f3", "sessions", "Sessions: resume, rename, export", id="app.sessions", group=keys.CHAT),
        Binding("ctrl+o", "undo", "Undo the last answer's edits", id="app.undo", group=keys.CHAT, show=False),
        Binding("ctrl+f", "changes", "Files changed in this session", id="app.changes", group=keys.CHAT,
                show=False),
        Binding("f7", "compact", "Compact the conversation (the provider summarises it)", id="app.compact",
                group=keys.CHAT, show=False, priority=True),  # over the prompt's own F7 (select all)
        Binding("ctrl+n", "new_conversation", "New conversation", id="app.new_conversation", group=keys.CHAT),
        Binding("ctrl+g", "goto_file", "Go to file", id="app.goto_file", group=keys.FILES),
        Binding("ctrl+l", "clear_context", "Clear the context", id="app.clear_context", group=keys.FILES),
        Binding("ctrl+b", "toggle_sidebar", "Side panels", id="app.toggle_sidebar", group=keys.GENERAL),
        Binding("tab", "focus_next", "Next pane", id="app.focus_next", group=keys.GENERAL, show=False),
        Binding("shift+tab", "focus_previous", "Previous pane", id="app.focus_previous", group=keys.GENERAL,
                show=False),
        Binding("ctrl+c", "quit_request", "Quit (press twice within 2 s)", id="app.quit", group=keys.GENERAL,
                priority=True, show=False),
    ]
    INDEX_REFRESH_S = 3.0
    #: The theme is chosen when ``App.__init__`` first reads it, before the stylesheet is made:
    #: set in ``on_mount``, it had Textual re-parse every style and restyle the screen before
    #: the first frame.
    theme: Reactive[str] = Reactive(Initialize(lambda app: app._starting_theme()))

    def __init__(
        self,
        project_root: Path,
        config: AppConfig,
        providers: dict[str, Provider] | None = None,
        *,
        provider: str | None = None,
        model: str | None = None,
        demo: bool = False,
        clock: Callable[[], float] | None = None,
        config_problem: str | None = None,
        state=None,
        sessions=None,
        check_health: bool = True,
        load_metrics: bool = True,
        theme: str | None = None,
        resume: str | None = None,
    ) -> None:
        self.config = config  # what the starting theme is chosen from, read within App.__init__
        self.theme_override = theme
        self.state = state if state is not None else State.load()
        self._start_theme: str | None = None
        self._theme_problems: list[str] = []
        super().__init__()
        self.set_class(True, f"-theme-{self.theme}", update=False)  # as Textual's theme watcher does
        self.project_root = Path(project_root).resolve()
        self.demo = demo
        self.metrics = MetricsLog(None if demo else paths.metrics_file())  # the demo keeps no history file
        self.clock = clock or time.perf_counter
        self.config_problem = config_problem
        self.check_health = check_health
        self.load_metrics = load_metrics
        self.resume = resume  # "latest" or a session id (prefix)
        self.providers: dict[str, Provider] = providers if providers is not None else build_providers(config)
        self.conversation = Conversation(self.project_root, sessions if sessions is not None else SessionStore(),
                                         on_problem=self._session_problem)
        self.roster = ProviderRoster(self.providers, self.state, default=config.default_provider,
                                     requested=provider, model=model, demo=demo)
        self.models, self.statuses, self.stats = self.roster.models, self.roster.statuses, self.roster.stats
        self.live: LiveRequest | None = None
        self.mcp = McpServers(self)  # MCP servers: started after the first frame, ended on unmount
        self.request_worker: Worker | None = None
        self.project = ProjectContext.from_settings(self.project_root, config.context)
        self.tools = ProjectTools(self.project_root, config, self.project.index)
        self.user_runs = UserRuns()  # /run outputs waiting for the next question
        self.history_tokens = 0  # the history's tokens, as refresh_context last counted them
        self.project.restore(self.state.context_for(self.project_root))
        self._last_ctrl_c = 0.0
        self.last_result = ""
        self.code_theme = code_theme_for(self.current_theme)  # of code blocks: follows the app's theme
        self.copied = ""  # the last text copied (tests read it; the clipboard cannot be read back)
        if config.keys:
            self.set_keymap({str(k): str(v) for k, v in config.keys.items()})

    # -- set-up -------------------------------------------------------------------------------
    def get_driver_class(self):
        """The platform's driver, writing colour changes rather than whole colour states
        (``sgr_diff``): a third fewer bytes per streamed token over SSH."""
        return diffing_driver(super().get_driver_class())

    @property
    def toolbox(self) -> Toolbox:
        return self.tools.toolbox

    @property
    def active(self) -> str:
        return self.roster.active

    @property
    def windows(self) -> ContextWindows:
        return self.roster.windows

    @property
    def sessions(self) -> SessionStore | None:
        return self.conversation.sessions

    @property
    def session(self):
        return self.conversation.session

    @property
    def turns(self) -> list[Turn]:
        return self.conversation.turns

    def _session_problem(self, message: str) -> None:
        self.notify(visible(message), severity="warning", markup=False)

    def compose(self):
        yield Static(Text(visible(self.config_problem or "")), id="config-problem",
                     classes="shown" if self.config_problem else "", markup=False)
        with Horizontal(id="main"):
            yield Sidebar(self.project, saved_width=self.state.panel_sizes.get("sidebar"))
            with Vertical(id="centre"):
                yield ChatView(id="chat")
                yield PromptBar(files=lambda: self.project.files)
        yield StatusBar(clock=self.clock, id="status")
        yield KeyBar()

    def _starting_theme(self) -> str:
        """Register the themes and pick the one to start with (the default of ``theme``)."""
        if "_registered_themes" not in vars(self):  # read before App.__init__ can hold ours
            return "textual-dark"  # ``_apply_theme`` sets ours
        self._start_theme, self._theme_problems = starting_theme(
            self, self.theme_override, self.state.theme, self.config.theme)
        return self._start_theme

    def _apply_theme(self) -> None:
        """The theme chosen at start-up, or the ANSI one on a 16-colour terminal (known only now:
        that case re-parses the styles once)."""
        if self._start_theme is None:
            self._starting_theme()
        wanted = terminal_theme(self, self._start_theme or self.theme)
        if self.theme != wanted:
            self.theme = wanted
        for problem in self._theme_problems:
            self.notify(visible(problem), severity="warning", markup=False, timeout=8)
        self._theme_applied = True  # from now on a theme change is the user's: it is saved

    def watch_theme(self, name: str) -> None:
        """Code blocks follow the theme; a switch (e.g. from the palette) goes to state.toml."""
        self.code_theme = code_theme_for(self.current_theme)
        for body in self.query(StreamingMarkdown):
            body.set_code_theme(self.code_theme)
        if getattr(self, "_theme_applied", False) and self.state.theme != name:
            self.state.theme = name
            self.save_state()

    def on_mount(self) -> None:
        self._apply_theme()
        if self.state.problem:
            self.notify(visible(self.state.problem), title="state.toml", severity="warning", markup=False, timeout=10)
        self.sub_title = "demo" if self.demo else str(self.project_root)
        self.query_one(Sidebar).fit(self.size.width)
        self.query_one(PromptInput).focus()
        self.refresh_status()
        self.refresh_context()
        if self.resume and self.sessions is not None:
            self._resuming = True
            self.resume_session(self.resume)
        self.call_after_refresh(self._after_first_frame)
        if not self.is_headless:
            watch_terminal(self)

    #: What start-up holds until the first frame (``run_app``: full garbage collections).
    start_up: contextlib.ExitStack | None = None
    _first_frame_up = False
    _resuming = False  # a session given on the command line is being read and shown
    _background_started = False

    def _after_first_frame(self) -> None:
        """Once the screen is up: freeze what start-up built (no full garbage collection walks
        it again, and they may run again), then start the background work; while a session
        given on the command line is being shown, that waits for it and the frames after it
        (its threads and imports would take the interpreter's lock from them: the keys typed
        meanwhile waited two frames, each slowed several times)."""
        global _START_FROZEN
        if not _START_FROZEN:  # once per process: a second app (tests) has nothing new to freeze
            _START_FROZEN = True
            gc.freeze()
        if self.start_up is not None:
            self.start_up.close()
        self._first_frame_up = True
        if not self._resuming:
            self._start_background()

    def _start_background(self) -> None:
        """Index the project and read the metrics history in threads (which would hold the
        interpreter's lock while the first frame is drawn), open the active provider's
        connection and check the providers (the HTTP client is imported then, not before),
        prepare the tools and start the MCP servers."""
        if self._background_started:
            return
        self._background_started = True
        self._build_index()
        if self.load_metrics:
            self._load_metrics()
        self._warm(self.active)
        self.run_worker(self.tools.prepare, thread=True, group="tools")
        self.mcp.start()
        if self.check_health:
            self._check_providers()

    @work(group="warm", exit_on_error=False)
    async def _warm(self, name: str) -> None:
        await self.roster.warm(name)

    # -- sessions -----------------------------------------------------------------------------
    @work(exclusive=True, group="resume")
    async def resume_session(self, which: str) -> None:
        try:
            await resume_session(self, which)
        finally:
            if self._resuming:
                self._resuming = False
                if self._first_frame_up:  # once the session is painted, and a moment after
                    self.call_after_refresh(self.set_timer, BACKGROUND_AFTER_RESUME_S, self._start_background,
                                            name="background-after-resume")

    def action_sessions(self) -> None:
        browse_sessions(self)

    async def action_new_conversation(self) -> None:
        if self.streaming:
            self.notify("An answer is still streaming: Escape stops it first.", severity="warning")
            return
        await self.query_one(ChatView).remove_children()
        self.conversation.clear()
        self.refresh_context()
        self.notify("New conversation", timeout=2)

    def on_resize(self, event) -> None:
        self.query_one(Sidebar).fit(event.size.width)

    @work(thread=True, group="index")
    def _build_index(self) -> None:
        try:
            self.project.build()
        except OSError as exc:
            self.call_from_thread(self.notify, f"Could not index the project: {exc}", severity="error")
            return
        self.call_from_thread(self._keep_index_fresh)

    @work(exclusive=True, group="index-refresh")
    async def _keep_index_fresh(self) -> None:
        await self.project.keep_fresh(lambda: self.streaming, self.INDEX_REFRESH_S)

    @work(thread=True, group="metrics")
    def _load_metrics(self) -> None:
        self.stats.add_history(load_history(paths.metrics_file()), set(self.providers))
        self.call_from_thread(self.refresh_status)

    @work(group="health")
    async def _check_providers(self, names: list[str] | None = None) -> None:
        """Check the providers at once; a check that broke on our side is tried again later."""
        def checked(name: str, reachable: bool) -> None:
            if reachable and name == self.active:
                self._learn_context_window(name)
            self.refresh_status()

        failed = await self.roster.check(names, checked)
        if failed:
            self.set_timer(RECHECK_AFTER_S, lambda: self._check_providers(failed), name="recheck")

    # -- status -------------------------------------------------------------------------------
    def status_list(self) -> list[ProviderStatus]:
        return self.roster.status_list()

    def refresh_status(self) -> None:
        try:
            bar = self.query_one(StatusBar)
        except Exception:  # noqa: BLE001 - not mounted yet
            return
        bar.show(active=self.active or "no provider", model=self.models.get(self.active, ""),
                 statuses=self.status_list(), demo=self.demo, live=self.live, last_result=self.last_result)

    # -- context ------------------------------------------------------------------------------
    def context_window(self) -> int:
        return self.roster.context_window()

    @work(exclusive=True, group="window")
    async def _learn_context_window(self, name: str) -> None:
        if await self.roster.learn_window(name):
            self.refresh_context()

    @work(exclusive=True, group="context")
    async def refresh_context(self) -> None:
        messages = self.conversation.history_messages()

        def measure() -> tuple[list, int]:  # file reads and token counts stay off the event loop
            return self.project.measure(), sum(estimate_tokens(m.content) for m in messages)

        entries, history = await asyncio.to_thread(measure)
        self.history_tokens = history
        window = self.context_window()
        budget = max(0, window - self.project.reserve_tokens)
        try:
            self.query_one(Sidebar).show_context(entries, window=window, budget=budget, history_tokens=history)
        except NoMatches:  # the app is closing
            return
        self.state.set_context(self.project_root, list(self.project.entries))
        self.save_state()

    @on(Sidebar.ContextChanged)
    def _context_changed(self) -> None:
        self.refresh_context()

    @on(PromptInput.Mentioned)
    def _mentioned(self, event: PromptInput.Mentioned) -> None:
        try:
            added = self.project.add(event.path)
        except ContextError as exc:
            self.notify(visible(str(exc)), severity="warning", markup=False)
            return
        if added:
            self.refresh_context()

    def action_clear_context(self) -> None:
        self.project.clear()
        self.notify("Context cleared", timeout=2)
        self.refresh_context()

    # -- asking -------------------------------------------------------------------------------
    @property
    def streaming(self) -> bool:
        return self.request_worker is not None and self.request_worker.is_running

    @on(PromptInput.Submitted)
    def _submitted(self, event: PromptInput.Submitted) -> None:
        prompt, text = event.prompt, event.text

        def clear() -> None:  # once the question shows; a question not taken stays in the prompt
            if prompt.text == text:
                prompt.clear()

        if text.startswith("/"):  # a slash command: run here, never sent (qwen_tui/ui/slash_commands.py)
            if run_slash(self, text):
                prompt.clear()
            return
        self.ask(text, on_shown=clear)

    def ask(self, question: str, note: str = "", on_shown: Callable[[], None] | None = None,
            compact_first: bool = True) -> PendingTurn | None:
        """Send ``question`` first, then show it: the request leaves before the screen work.

        Building, mounting and painting the question and the answer take 3-5 ms of the event
        loop; done first, they delayed the request as much. They are built and mounted, and
        ``on_shown`` called (the prompt clears), once the request is written (or after
        ``SHOW_WITHIN_S`` when a connection must be opened first), painting held until the
        turn is composed: well within one frame."""
        if self.streaming:
            self.notify("An answer is still streaming: Escape stops it.", severity="warning")
            return None
        if not self.active:
            self.notify("No provider is configured.", severity="error")
            return None
        if self.project.add_mentions(question):
            self.refresh_context()
        if compact_first and compact_before(self, question):  # [context] auto_compact
            return None
        if self.user_runs.waiting:
            note = f"{note} · with what /run printed" if note else "with what /run printed"
        turn = PendingTurn(question, note, self.active, self.models[self.active], self.code_theme)

        def shown() -> None:
            if on_shown is not None:
                on_shown()
            self.refresh_status()

        show = self.query_one(ChatView).stage(turn, shown)
        self.request_worker = self._answer(question, turn, self.active, show)
        self.set_timer(SHOW_WITHIN_S, show, name="show-question")
        return turn

    @work(exclusive=True, group="llm")
    async def _answer(self, question: str, pending: PendingTurn, name: str,
                      on_sent: Callable[[], None] | None = None) -> None:
        await answer_question(self, question, pending, name, on_sent)

    def count_request(self, name: str, timing: RequestTiming, error: str | None) -> None:
        """One request's figures: the status bar's and the dashboard's, and the metrics file."""
        self.stats[name].add(timing)
        self.run_worker(partial(self.metrics.add, timing, error), thread=True, group="metrics-save")

    @work(thread=True, exclusive=True, group="state")
    def save_state(self) -> None:
        with contextlib.suppress(OSError):
            self.state.save()

    # -- actions ------------------------------------------------------------------------------
    def action_stop(self) -> None:
        self.tools.stop_commands()  # the model's, or the user's own /run
        if self.streaming and self.request_worker is not None:
            self.request_worker.cancel()

    @work(exclusive=True, group="undo")
    async def action_undo(self, redo: bool = False) -> None:
        """Take back the last answer's edits (or put them back), byte for byte."""
        if self.streaming:
            self.notify("An answer is still streaming: Escape stops it first.", severity="warning")
            return
        report = await self.tools.undo(redo)
        severity = "warning" if report.changed_outside else "information"
        self.notify(visible(report.describe()),
                    title="Redo" if redo else "Undo", severity=severity, markup=False, timeout=6)
        self.refresh_context()

    def action_changes(self) -> None:
        from qwen_tui.ui.screens.changes import ChangesScreen

        self.push_screen(ChangesScreen(self.toolbox.checkpoints))

    def action_compact(self) -> None:
        if self.streaming:
            self.notify("An answer is still streaming: Escape stops it first.", severity="warning")
            return
        start_compaction(self)

    def action_retry(self) -> None:
        if self.streaming:
            self.notify("An answer is still streaming: Escape stops it first.", severity="warning")
            return
        if not self.conversation.turns:
            self.notify("Nothing to retry yet.")
            return
        last = self.conversation.take_back_last()
        self.ask(last.question, note=f"retry on {self.active}")

    def switch_provider(self, name: str, model: str | None = None) -> None:
        if name not in self.providers:
            return
        changed = self.roster.select(name, model)
        self.save_state()
        self.refresh_status()
        self.refresh_context()
        if self.statuses[name].usable:
            self._learn_context_window(name)
        if changed:
            self._warm(name)
            self.query_one(ChatView).add_note(
                f"Now on {name} · {self.models[name]}: the next question goes there with the whole conversation."
            )

    def action_cycle_provider(self) -> None:
        name = self.roster.next_name()
        if name is not None:
            self.switch_provider(name)

    def action_picker(self) -> None:
        pick_provider(self)

    def action_race(self) -> None:
        """The prompt's question to 2-4 providers at once."""
        offer_race(self)

    def action_dashboard(self) -> None:
        from qwen_tui.ui.screens.dashboard import Dashboard

        # The demo writes no history file; its requests are kept in memory for the dashboard.
        source = (lambda: list(self.metrics.records)) if self.metrics.path is None else None
        self.push_screen(Dashboard(self.metrics.path, stats_source=source))

    def dashboard_update(self, name: str, timing: RequestTiming | None, phase: str, **end: object) -> None:
        """Tell an open dashboard how the request in flight is doing (it redraws at its own pace)."""
        screen = self.screen  # no import here: this runs on every request, on its hot path
        if getattr(screen, "follows_requests", False):
            screen.post_message(type(screen).RequestUpdate(name, self.models[name], timing, phase, **end))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(help_rows(help_classes(self), getattr(self, "_keymap", {}))))

    def action_toggle_sidebar(self) -> None:
        self._remember_panel("sidebar", self.query_one(Sidebar).toggle(self.size.width))

    def action_resize_sidebar(self, delta: int) -> None:
        """Widen or narrow the side panels (palette); the width is kept in state.toml."""
        self._remember_panel("sidebar", self.query_one(Sidebar).resize(delta, self.size.width))

    def _remember_panel(self, name: str, size: int) -> None:
        self.state.panel_sizes[name] = size
        self.save_state()

    def action_goto_file(self) -> None:
        go_to_file(self)

    def action_toggle_thinking(self) -> None:
        if not toggle_last_thinking(self.query_one(ChatView)):
            self.notify("No answer here has any thinking to show.", timeout=3)

    def action_copy_answer(self) -> None:
        copy_last_answer(self)

    def action_copy_code(self) -> None:
        copy_code_block(self)

    def action_quit_request(self) -> None:
        now = time.monotonic()
        if now - self._last_ctrl_c <= QUIT_WINDOW_S:
            self.exit(0)
            return
        self._last_ctrl_c = now
        self.notify("Press Ctrl+C again within 2 s to quit.", title="Quit?", timeout=QUIT_WINDOW_S)

    async def action_quit(self) -> None:
        self.exit(0)

    async def on_unmount(self) -> None:
        await self.mcp.aclose()
        await self.roster.aclose()


def run_app(
    project_root: Path,
    config: AppConfig,
    *,
    provider: str | None,
    model: str | None,
    demo: bool,
    config_problem: str | None = None,
    resume: str | None = None,
    start_up: contextlib.ExitStack | None = None,
) -> int:
    """Run the TUI until the user quits; returns the exit code. ``demo`` starts the simulator
    (in a process of its own: its imports run beside the app's) and points every provider at it.
    ``start_up``: what start-up holds (full garbage collections), closed at the first frame."""
    # The event loop shares the interpreter with threads that render (earlier turns of a resumed
    # session), index, import and write the frames: at Python's default switch interval (5 ms) a
    # key waited up to that long at each hand-over of the interpreter's lock, and a key's echo
    # needs several (reader thread, loop, writer thread). bench/resume.py measures the keys.
    switch_interval = sys.getswitchinterval()
    simulator = None
    try:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        if demo:
            from qwen_tui.demo import start_demo_process

            simulator, config = start_demo_process(config)
        app = QwenApp(project_root, config, provider=provider, model=model, demo=demo,
                      config_problem=config_problem, resume=resume)
        if start_up is not None:
            app.start_up = start_up
        result = app.run(mouse=False)
        return app.return_code or int(result or 0)
    finally:
        sys.setswitchinterval(switch_interval)
        if simulator is not None:
            simulator.stop()
