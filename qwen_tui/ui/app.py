"""The full-screen app: file tree and context panel (left), chat (centre), prompt (bottom),
status bar. A thin shell over the core: it builds the prompt with ``ProjectContext``, streams
``provider.stream(request)`` in a worker and renders the events.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import select
import signal
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.css.query import NoMatches
from textual.widget import AwaitMount
from textual.worker import Worker

from qwen_tui import paths
from qwen_tui.config import AppConfig
from qwen_tui.providers.base import ChatRequest, Finished, Message, MissingKey, Phase, Provider, ProviderError, TextDelta, Unavailable, Usage
from qwen_tui.redact import redact
from qwen_tui.timing import RequestTiming, StatsBook
from qwen_tui.metrics import append_history, load_history, timing_record
from qwen_tui.context import ContextError, resolve_context_window
from qwen_tui.ui.themes import code_theme_for, pick_theme, register_themes
from qwen_tui.ui import keys
from qwen_tui.ui.textual_fixes import strip_cycles, timer_ticks
from qwen_tui.ui.widgets.chat_view import ChatView, PendingTurn
from qwen_tui.ui.commands import QwenCommands
from qwen_tui.ui.widgets.context_panel import ContextList, ContextPanel
from qwen_tui.ui.widgets.file_tree import FileFinder, ProjectTree
from qwen_tui.ui.screens.help import HelpScreen, help_rows
from qwen_tui.ui.widgets.key_bar import KeyBar
from qwen_tui.ui.render.markdown_stream import StreamingMarkdown
from qwen_tui.context.project import DEFAULT_CONTEXT_WINDOW, ProjectContext, estimate_tokens
from qwen_tui.ui.widgets.prompt import MENTION, PromptBar, PromptInput
from qwen_tui.ui.screens.provider_picker import Pick, ProviderPicker
from qwen_tui.terminal_text import visible
from qwen_tui.ui.render.sgr_diff import diffing_driver
from qwen_tui.ui.widgets.status_bar import (
    CHECKING, COLD, DEMO, DOWN, LOADING, NO_KEY, WARM, LiveRequest, ProviderStatus, StatusBar, fmt_ms,
)

NARROW_WIDTH = 100  # below this the side panels start hidden (Ctrl+B shows them)
SIDEBAR_WIDTHS = (24, 34, 90)  # side panels: narrowest, default (app.tcss), widest, in cells
QUIT_WINDOW_S = 2.0
#: A question whose history is shorter than this (characters) and that has no context files is
#: built on the event loop: a thread hop would cost more than the work.
PLAN_INLINE_CHARS = 200_000
#: While deltas stream, the request worker gives the event loop back after this much handling.
YIELD_EVERY_S = 0.004
#: A question is shown at the latest this long after Enter, sent or not (a connection being
#: opened, files being read); under a frame, so the screen still answers Enter at once.
SHOW_WITHIN_S = 0.010
#: Lets another runnable process have this core at once (a no-op when none waits).
yield_cpu: Callable[[], None] = getattr(os, "sched_yield", lambda: None)
#: The streaming answer is handed to the session writer at most this often (the writer itself
#: writes to disk every ``session.FLUSH_INTERVAL``).
SAVE_EVERY_S = 0.05
_START_FROZEN = False


@dataclass(slots=True)
class Turn:
    """One question and what came back (kept for the history sent with the next question).

    The answer is kept as the list of pieces that arrived: adding a piece is O(1) however long
    the answer is; ``answer`` joins them (once) when the whole text is needed."""

    question: str
    parts: list[str] = field(default_factory=list)
    outcome: str = "pending"

    @property
    def answer(self) -> str:
        parts = self.parts
        if len(parts) > 1:
            parts[:] = ["".join(parts)]
        return parts[0] if parts else ""

    @answer.setter
    def answer(self, text: str) -> None:
        self.parts[:] = [text] if text else []


TERMINAL_GONE = 129  # 128 + SIGHUP, as a shell reports a hung-up job


def local_clipboard_commands() -> list[list[str]]:
    """Local clipboard tools present on this machine, best first."""
    candidates = [["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"], ["pbcopy"]]
    return [cmd for cmd in candidates if shutil.which(cmd[0])]


def copy_locally(text: str) -> bool:
    """Copy with the first local tool that works (run in a thread); False when none did."""
    for cmd in local_clipboard_commands():
        try:
            subprocess.run(cmd, input=text.encode("utf-8"), timeout=2, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return True
        except (OSError, subprocess.SubprocessError):
            continue
    return False


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


class QwenApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "qwen-tui"
    COMMANDS = App.COMMANDS | {QwenCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", group=keys.GENERAL),
        Binding("f2", "picker", "Providers", id="app.picker", group=keys.PROVIDERS),
        Binding("f4", "cycle_provider", "Next provider", id="app.cycle_provider", group=keys.PROVIDERS),
        Binding("f5", "dashboard", "Provider dashboard", id="app.dashboard", group=keys.PROVIDERS),
        Binding("ctrl+p", "command_palette", "Command palette", id="app.palette", group=keys.GENERAL,
                show=False),
        Binding("escape", "stop", "Stop the answer (keeps what came)", id="app.stop", group=keys.CHAT),
        Binding("ctrl+r", "retry", "Retry the last question", id="app.retry", group=keys.CHAT),
        Binding("f8", "copy_answer", "Copy the last answer", id="app.copy_answer", group=keys.CHAT),
        Binding("f9", "copy_code", "Copy a code block", id="app.copy_code", group=keys.CHAT),
        Binding("f3", "sessions", "Sessions: resume, rename, export", id="app.sessions", group=keys.CHAT),
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
    #: Every class whose bindings Help lists.
    HELP_CLASSES: list[type] = []
    INDEX_REFRESH_S = 3.0

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
        strip_cycles.install()
        timer_ticks.install()
        super().__init__()
        self.project_root = Path(project_root).resolve()
        self.config = config
        self.demo = demo
        self.demo_records: list[dict] = []  # the demo's requests, for the dashboard (no history file)
        self.clock = clock or time.perf_counter
        self.config_problem = config_problem
        self.check_health = check_health
        self.load_metrics = load_metrics
        self.theme_override = theme
        self.resume = resume  # "latest" or a session id (prefix)
        self.providers: dict[str, Provider] = providers if providers is not None else _build_providers(config)
        self.state = state if state is not None else _load_state()
        self.sessions = sessions if sessions is not None else _session_store()
        self.session = None
        self.stats = StatsBook()
        self.turns: list[Turn] = []
        self.models: dict[str, str] = {}
        for name, prov in self.providers.items():
            saved = self.state.model_for(name) if self.state is not None else None
            self.models[name] = saved or prov.settings.model
        self.active = self._initial_provider(provider)
        if model and self.active:
            self.models[self.active] = model
        self.statuses: dict[str, ProviderStatus] = {
            name: ProviderStatus(
                name=name,
                model=self.models[name],
                key_set=bool(prov.settings.api_key),
                needs_key=bool(getattr(prov, "needs_key", True)),
                state=NO_KEY if getattr(prov, "needs_key", True) and not prov.settings.api_key else CHECKING,
            )
            for name, prov in self.providers.items()
        }
        self.live: LiveRequest | None = None
        self.listed_windows: dict[tuple[str, str], int | None] = {}
        self.request_worker: Worker | None = None
        self.project = ProjectContext(self.project_root, **_context_options(config))
        if self.state is not None:
            self.project.restore(self.state.context_for(self.project_root))
        self._sidebar_forced: bool | None = None
        if self.state is not None and self.state.panel_sizes.get("sidebar") == 0:
            self._sidebar_forced = False  # hidden by the user last time (state.toml panel_sizes.sidebar = 0)
        self._last_ctrl_c = 0.0
        self.last_result = ""
        self.code_theme = "monokai"  # syntax theme of code blocks: follows the app's theme
        self.copied = ""  # the last text copied (tests read it; the clipboard cannot be read back)
        keymap = _keymap(config)
        if keymap:
            self.set_keymap(keymap)

    # -- set-up -------------------------------------------------------------------------------
    def get_driver_class(self):
        """The platform's driver, writing colour changes rather than whole colour states
        (``sgr_diff``): a third fewer bytes per streamed token over SSH."""
        return diffing_driver(super().get_driver_class())

    def _initial_provider(self, requested: str | None) -> str:
        names = list(self.providers)
        for candidate in (
            requested,
            self.state.last_provider if self.state is not None else None,
            self.config.default_provider,
        ):
            if candidate and candidate in self.providers:
                return candidate
        return names[0] if names else ""

    @property
    def provider_names(self) -> list[str]:
        return list(self.providers)

    def compose(self):
        yield Static(Text(visible(self.config_problem or "")), id="config-problem",
                     classes="shown" if self.config_problem else "", markup=False)
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield ProjectTree(self.project_root, is_ignored=self.project.is_ignored,
                                  in_context=self.project.contains, id="tree")
                yield ContextPanel()
            with Vertical(id="centre"):
                yield ChatView(id="chat")
                yield PromptBar(files=lambda: self.project.files)
        yield StatusBar(clock=self.clock, id="status")
        yield KeyBar()

    def _apply_theme(self) -> None:
        """Shipped and user themes; 16-colour terminals get the ANSI theme (their own palette)."""
        problems = register_themes(self)
        if not self.is_headless and self.console.color_system in ("standard", "windows") and "qwen-ansi" in self.available_themes:
            self.theme = "qwen-ansi"
        else:
            saved = self.state.theme if self.state is not None else None
            name, problem = pick_theme(self, self.theme_override, saved, self.config.theme)
            self.theme = name
            if problem:
                problems.append(problem)
        for problem in problems:
            self.notify(visible(problem), severity="warning", markup=False, timeout=8)
        self._theme_applied = True  # from now on a theme change is the user's: it is saved

    def watch_theme(self, name: str) -> None:
        """Code blocks follow the theme; a switch (e.g. from the palette) goes to state.toml."""
        self.code_theme = code_theme_for(self.current_theme)
        for body in self.query(StreamingMarkdown):
            body.set_code_theme(self.code_theme)
        if getattr(self, "_theme_applied", False) and self.state is not None and self.state.theme != name:
            self.state.theme = name
            self._save_state()

    def on_mount(self) -> None:
        self._apply_theme()
        if self.state is not None and self.state.problem:
            self.notify(visible(self.state.problem), title="state.toml", severity="warning", markup=False, timeout=10)
        self.sub_title = "demo" if self.demo else str(self.project_root)
        self._apply_width(self.size.width)
        self.query_one(PromptInput).focus()
        self.refresh_status()
        self.refresh_context()
        self._build_index()
        if self.load_metrics:
            self._load_metrics()
        if self.resume and self.sessions is not None:
            self._resume(self.resume)
        self.call_after_refresh(self._after_first_frame)
        if not self.is_headless:
            self._watch_terminal()

    def _watch_terminal(self) -> None:
        """When the terminal goes away (a dropped SSH connection, a closed window), leave: the
        session is on disk. Textual's input thread would otherwise spin on the dead terminal."""
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError, OSError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.exit, None, TERMINAL_GONE)
        try:
            poller = select.poll()
            poller.register(sys.__stdin__.fileno(), select.POLLHUP | select.POLLERR | select.POLLNVAL)
        except (AttributeError, ValueError, OSError):
            return

        def check() -> None:
            if poller.poll(0):
                self.exit(return_code=TERMINAL_GONE)

        self.set_interval(1.0, check, name="terminal-watch")

    def _after_first_frame(self) -> None:
        """Once the screen is up: freeze what start-up built (no full garbage collection walks
        it again), open the active provider's connection and check the providers (the HTTP
        client is imported then, not before the first frame)."""
        global _START_FROZEN
        if not _START_FROZEN:  # once per process: a second app (tests) has nothing new to freeze
            _START_FROZEN = True
            gc.freeze()
        self._warm(self.active)
        if self.check_health:
            self._check_providers()

    @work(group="warm", exit_on_error=False)
    async def _warm(self, name: str) -> None:
        """Open the provider's connection ahead of the question (TCP/TLS off the question's
        path); best effort: a failure is met again, and told, by the question itself."""
        provider = self.providers.get(name)
        if provider is None or self.statuses[name].state == NO_KEY:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(provider.warm(), timeout=10)

    # -- sessions -----------------------------------------------------------------------------
    @work(exclusive=True, group="resume")
    async def _resume(self, which: str) -> None:
        """Load a saved conversation (in a thread) and show it; the next question continues it."""
        store = self.sessions

        def load():
            if which == "latest":
                return store.latest(self.project_root) or store.latest(None)
            return store.load(store.resolve_id(which))

        seen = len(store.problems)
        try:
            session = await asyncio.to_thread(load)
        except Exception as exc:  # noqa: BLE001 - a bad id or file is told, never fatal
            self.notify(visible(f"Could not resume: {exc}"), severity="warning", markup=False)
            return
        finally:
            for problem in store.problems[seen:]:  # corrupt files met on the way: moved aside, skipped
                self.notify(visible(problem), title="Session file skipped", severity="warning", markup=False,
                            timeout=10)
        if session is None:
            self.notify("No saved session to resume yet.")
            return
        await self._show_session(session)

    async def _show_session(self, session) -> None:
        chat = self.query_one(ChatView)
        await chat.remove_children()
        self.turns = []
        self.session = session
        for turn in session.turns:
            if turn.role == "user":
                self.turns.append(Turn(turn.content))
                chat.add_user(turn.content)
            elif turn.role == "assistant":
                answer = chat.add_assistant(turn.provider or "?", turn.model or "?")
                answer.body.code_theme = self.code_theme
                answer.append(turn.content)
                if turn.error:
                    answer.show_error(turn.error)
                answer.finish(turn.outcome or "complete")
                if self.turns:
                    self.turns[-1].answer = turn.content
                    self.turns[-1].outcome = turn.outcome or "complete"
        chat.add_note(f"Resumed “{session.display_title}”: the next question continues it.")
        chat.anchor()
        self.refresh_context()

    def action_sessions(self) -> None:
        if self.sessions is None:
            self.notify("Sessions are not available.")
            return
        from qwen_tui.ui.screens.session_browser import SessionBrowser

        def chosen(result) -> None:
            if result is not None:
                self._resume(result.session_id)

        current = self.session.id if self.session is not None else None
        self.push_screen(SessionBrowser(self.sessions, export_dir=self.project_root, current=current), chosen)

    async def action_new_conversation(self) -> None:
        if self.streaming:
            self.notify("An answer is still streaming: Escape stops it first.", severity="warning")
            return
        await self.query_one(ChatView).remove_children()
        self.turns = []
        self.session = None
        self.refresh_context()
        self.notify("New conversation", timeout=2)

    def on_resize(self, event) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        show = self._sidebar_forced if self._sidebar_forced is not None else width >= NARROW_WIDTH
        sidebar = self.query_one("#sidebar")
        sidebar.set_class(not show, "hidden")
        saved = self.state.panel_sizes.get("sidebar") if self.state is not None else None
        if saved:
            sidebar.styles.width = max(SIDEBAR_WIDTHS[0], min(SIDEBAR_WIDTHS[2], saved))

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
        """Rescan changed folders now and then, in a thread, so new files reach ``@`` completion
        and go-to-file. Skipped while an answer streams: the stream has the CPU."""
        while True:
            await asyncio.sleep(self.INDEX_REFRESH_S)
            if self.streaming:
                continue
            with contextlib.suppress(OSError):
                await asyncio.to_thread(self.project.index.refresh)

    @work(thread=True, group="metrics")
    def _load_metrics(self) -> None:
        for record in load_history(paths.metrics_file()):
            name = record.get("provider")
            ttft = record.get("ttft_ms")
            if name in self.providers and isinstance(ttft, (int, float)):
                stats = self.stats[name]
                stats.ttfts.append(float(ttft))
                while len(stats.ttfts) > stats.window:
                    stats.ttfts.popleft()
        self.call_from_thread(self.refresh_status)

    @work(group="health")
    async def _check_providers(self) -> None:
        async def one(name: str, prov: Provider) -> None:
            status = self.statuses[name]
            if status.state == NO_KEY:
                return
            try:
                health = await asyncio.wait_for(prov.check(), timeout=10)
            except Exception as exc:  # noqa: BLE001 - any failure means "down", told in words
                status.state, status.error = DOWN, redact(getattr(exc, "message", "") or str(exc) or "no answer")
            else:
                if not health.reachable:
                    status.state, status.error = DOWN, health.error
                elif health.key_accepted is False:
                    status.state, status.error = NO_KEY, health.error
                elif status.state == CHECKING:
                    status.state = DEMO if self.demo else COLD
                if health.reachable and name == self.active:
                    self._learn_context_window(name)
            self.refresh_status()

        await asyncio.gather(*(one(name, prov) for name, prov in self.providers.items()))

    # -- status -------------------------------------------------------------------------------
    def status_list(self) -> list[ProviderStatus]:
        for name, status in self.statuses.items():
            stats = self.stats[name]
            status.last_ttft_ms, status.median_ttft_ms = stats.last, stats.median
            status.model = self.models.get(name, status.model)
        return list(self.statuses.values())

    def refresh_status(self) -> None:
        try:
            bar = self.query_one(StatusBar)
        except Exception:  # noqa: BLE001 - not mounted yet
            return
        bar.show(active=self.active or "no provider", model=self.models.get(self.active, ""),
                 statuses=self.status_list(), demo=self.demo, live=self.live, last_result=self.last_result)

    # -- context ------------------------------------------------------------------------------
    def context_window(self) -> int:
        """The active model's window: as its provider lists it, else as configured, else a default."""
        prov = self.providers.get(self.active)
        configured = getattr(prov.settings, "context_window", None) if prov else None
        listed = self.listed_windows.get((self.active, self.models.get(self.active, "")))
        return resolve_context_window(listed, configured, DEFAULT_CONTEXT_WINDOW)

    @work(exclusive=True, group="window")
    async def _learn_context_window(self, name: str) -> None:
        """Ask the provider for its models once, to learn the context window of the one in use."""
        model = self.models.get(name, "")
        if (name, model) in self.listed_windows or name not in self.providers:
            return
        try:
            models = await asyncio.wait_for(self.providers[name].list_models(), timeout=15)
        except Exception:  # noqa: BLE001 - the configured/default window stays in use
            return
        for info in models:
            self.listed_windows[(name, info.id)] = info.context_window
        self.refresh_context()

    def history_messages(self) -> list[Message]:
        messages: list[Message] = []
        for turn in self.turns:
            messages.append(Message("user", turn.question))
            if turn.answer:
                messages.append(Message("assistant", turn.answer))
        return messages

    @work(exclusive=True, group="context")
    async def refresh_context(self) -> None:
        messages = self.history_messages()

        def measure() -> tuple[list, int]:  # file reads and token counts stay off the event loop
            return self.project.measure(), sum(estimate_tokens(m.content) for m in messages)

        entries, history = await asyncio.to_thread(measure)
        window = self.context_window()
        budget = max(0, window - self.project.reserve_tokens)
        try:
            panel, tree = self.query_one(ContextPanel), self.query_one(ProjectTree)
        except NoMatches:  # the app is closing
            return
        panel.show(entries, window=window, budget=budget, history_tokens=history)
        tree._invalidate()
        tree.refresh()
        if self.state is not None:
            self.state.set_context(self.project_root, list(self.project.entries))
            self._save_state()

    def toggle_context(self, rel: str) -> None:
        try:
            added = self.project.toggle(rel)
        except ContextError as exc:
            self.notify(visible(str(exc)), severity="warning", markup=False)
            return
        self.notify(f"{'Added' if added else 'Removed'} {visible(rel, single_line=True)}", timeout=2,
                    markup=False)
        self.refresh_context()

    @on(ProjectTree.ContextToggled)
    def _tree_toggled(self, event: ProjectTree.ContextToggled) -> None:
        self.toggle_context(event.rel)

    @on(ContextList.RemoveRequested)
    def _remove_entry(self, event: ContextList.RemoveRequested) -> None:
        self.project.remove(event.rel)
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

    def _add_mentions(self, text: str) -> None:
        changed = False
        for match in MENTION.finditer(text):
            spec = match.group(1).rstrip(".,;:!?)")
            try:
                changed = self.project.add(spec) or changed
            except ContextError:
                continue  # "@someone" in prose is not a file
        if changed:
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

        self.ask(text, on_shown=clear)

    def ask(self, question: str, note: str = "", on_shown: Callable[[], None] | None = None) -> PendingTurn | None:
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
        self._add_mentions(question)
        chat = self.query_one(ChatView)
        turn = PendingTurn(question, note, self.active, self.models[self.active], self.code_theme)
        chat.expect(turn)
        self._begin_batch()
        shown = False

        def show() -> None:
            nonlocal shown
            if shown:
                return
            shown = True
            try:
                mounted = chat.add_turn(turn)
                if on_shown is not None:
                    on_shown()
                self.refresh_status()
            except Exception:
                self._end_batch()
                raise
            self.call_later(self._paint_when_mounted, mounted)

        self.request_worker = self._answer(question, turn, self.active, show)
        self.set_timer(SHOW_WITHIN_S, show, name="show-question")
        return turn

    async def _paint_when_mounted(self, mounted: AwaitMount) -> None:
        """Paint the new turn once it is composed: painted before, it is drawn half-built and
        its layout waits a frame more."""
        try:
            await mounted
        finally:
            self._end_batch()

    @work(exclusive=True, group="llm")
    async def _answer(self, question: str, pending: PendingTurn, name: str,
                      on_sent: Callable[[], None] | None = None) -> None:
        with no_full_collections():
            await self._answer_now(question, pending, name, on_sent)

    async def _answer_now(self, question: str, pending: PendingTurn, name: str,
                          on_sent: Callable[[], None] | None = None) -> None:
        """``pending.answer`` is read only where it is used: its widget is built then (after the
        request is written, unless something is to be told before)."""
        provider = self.providers[name]
        model = self.models[name]
        history = self.history_messages()
        turn = Turn(question)
        if self.project.selection.entries or sum(len(m.content) for m in history) > PLAN_INLINE_CHARS:
            plan = await asyncio.to_thread(self.project.plan, question, history, self.context_window())
        else:  # no files to read and a short history: building the prompt takes microseconds
            plan = self.project.plan(question, history, self.context_window())
        if plan.over_budget:
            pending.answer.show_error("Not sent: it would not fit in the model's context window.",
                                      plan.held_message or "")
            pending.answer.finish("held")
            return
        self.turns.append(turn)
        # The session file is written in a thread once the request has gone out; the text that
        # arrives before it is ready is handed over as soon as it is.
        sent = asyncio.Event()

        def request_sent() -> None:
            # A server on this machine (Ollama; the simulator) may wait for a core to read the
            # request: it gets ours before the screen work (seen waiting 3 ms behind it).
            yield_cpu()
            sent.set()
            if on_sent is not None:
                on_sent()

        session_task = asyncio.ensure_future(self._begin_session_answer(question, name, model, sent))
        saver = _AnswerSaver(turn, session_task)
        status = self.statuses[name]
        self.live = LiveRequest(provider=name, started=self.clock())  # shown at the first phase
        timing: RequestTiming | None = None
        outcome, error_text = "complete", None
        loop = asyncio.get_running_loop()
        try:
            request = ChatRequest(messages=plan.messages, model=model, on_sent=request_sent)
            async with contextlib.aclosing(provider.stream(request)) as events:
                slice_start = loop.time()
                async for event in events:
                    if isinstance(event, TextDelta):
                        if not turn.parts:
                            self._dashboard_update(name, timing, "streaming")
                        pending.answer.append(event.text)
                        turn.parts.append(event.text)
                        saver.changed()
                        # One network read can hold thousands of deltas: give the loop back
                        # (keys, frames) every few milliseconds of handling them.
                        if loop.time() - slice_start > YIELD_EVERY_S:
                            await asyncio.sleep(0)
                            slice_start = loop.time()
                        continue
                    slice_start = loop.time()
                    if isinstance(event, Phase):
                        self.live.phase = event.name
                        if event.timing is not None:
                            self.live.timing = timing = event.timing
                        if event.name == "loading_model":
                            status.state = LOADING
                        if event.name != "connecting" or sent.is_set():
                            self.refresh_status()  # "connecting" shows with the question, once sent
                        self._dashboard_update(name, timing, event.name)
                    elif isinstance(event, Finished):
                        timing = event.timing
                        self.live.timing = timing
                    elif isinstance(event, Usage) and event.prompt_tokens:
                        plan.calibrate(event.prompt_tokens)  # better estimates next time
            status.state = DEMO if self.demo else WARM
            note = self._result_note(name, timing)
            pending.answer.finish("complete", note)
        except asyncio.CancelledError:
            outcome = "cancelled"
            pending.answer.finish("cancelled", "Stopped — kept what arrived. Ctrl+R asks again.")
            raise
        except ProviderError as err:
            outcome, error_text = "error", err.message
            timing = err.timing or timing
            if err.partial_text and not turn.parts:
                pending.answer.append(err.partial_text)
                turn.answer = err.partial_text
            fix = f"{err.fix[:1].upper()}{err.fix[1:]}." if err.fix and not err.fix.endswith(".") else err.fix
            pending.answer.show_error(f"{err.provider}: {err.what}",
                                      (fix + "\n" if fix else "") + "Ctrl+R retries · F2 switches provider.")
            pending.answer.finish("error")
            if isinstance(err, MissingKey):
                status.state = NO_KEY
            elif isinstance(err, Unavailable) and not turn.parts:
                status.state = DOWN
        except Exception as exc:  # noqa: BLE001 - an unexpected failure still must not kill the app
            self.log.error(f"unexpected error in the request: {exc!r}")
            outcome, error_text = "error", redact(f"{exc.__class__.__name__}: {exc}")
            pending.answer.show_error(f"{name}: unexpected error ({error_text})",
                                      "Ctrl+R retries; --debug shows details.")
            pending.answer.finish("error")
        finally:
            turn.outcome = outcome
            if timing is not None:
                timing.outcome = outcome
                if timing.provider == "" or timing.provider is None:
                    timing.provider = name
                self.stats[name].add(timing)
                self._save_metrics(timing, error_text)
            self._dashboard_update(name, timing, "done", done=True, outcome=outcome, error=error_text)
            self.live = None
            self.last_result = f"last: {name} {self._result_note(name, timing)}" if timing is not None else ""
            self.refresh_status()
            self.refresh_context()
            saver.close()
            writer = await _settled(session_task)
            if writer is not None:
                self._finish_session_answer(writer, outcome, timing, error_text, turn.answer)

    def _result_note(self, name: str, timing: RequestTiming | None) -> str:
        if timing is None:
            return ""
        rate = timing.tokens_per_s
        parts = [f"TTFT {fmt_ms(timing.ttft_ms)}"]
        if rate:
            parts.append(f"{rate:.0f} tok/s")
        parts.append(f"{timing.tokens} tokens")
        return " · ".join(parts)

    # -- persistence (threads) ----------------------------------------------------------------
    async def _begin_session_answer(self, question: str, name: str, model: str,
                                    sent: asyncio.Event | None = None):
        if self.sessions is None:
            return None
        if sent is not None:  # nothing ahead of the request on the loop, a thread start included
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SHOW_WITHIN_S):
                    await sent.wait()

        def begin():
            if self.session is None:
                self.session = self.sessions.create(self.project_root, title=question)
            self.sessions.append_user(self.session, question, list(self.project.entries))
            return self.sessions.begin_answer(self.session, name, model)

        try:
            return await asyncio.to_thread(begin)
        except Exception as exc:  # noqa: BLE001 - saving must never stop the conversation
            self.notify(f"Session not saved: {exc}", severity="warning", markup=False)
            self.sessions = None
            return None

    @work(thread=True, group="session")
    def _finish_session_answer(self, writer, outcome: str, timing, error: str | None, text: str) -> None:
        try:
            writer.update(text)
            writer.finish(outcome, timing, error)
        except Exception:  # noqa: BLE001
            pass

    @work(thread=True, group="metrics-save")
    def _save_metrics(self, timing: RequestTiming, error: str | None = None) -> None:
        if self.demo:
            self.demo_records.append(timing_record(timing, error=error))
            return
        with contextlib.suppress(OSError):
            append_history(paths.metrics_file(), timing, error=error)

    @work(thread=True, exclusive=True, group="state")
    def _save_state(self) -> None:
        if self.state is None:
            return
        with contextlib.suppress(OSError):
            self.state.save()

    # -- actions ------------------------------------------------------------------------------
    def action_stop(self) -> None:
        if self.streaming and self.request_worker is not None:
            self.request_worker.cancel()

    def action_retry(self) -> None:
        if self.streaming:
            self.notify("An answer is still streaming: Escape stops it first.", severity="warning")
            return
        if not self.turns:
            self.notify("Nothing to retry yet.")
            return
        last = self.turns.pop()
        self.ask(last.question, note=f"retry on {self.active}")

    def switch_provider(self, name: str, model: str | None = None) -> None:
        if name not in self.providers:
            return
        changed = name != self.active or (model and model != self.models.get(name))
        self.active = name
        if model:
            self.models[name] = model
        if self.state is not None:
            self.state.last_provider = name
            if model:
                self.state.set_model(name, model)
            self._save_state()
        self.refresh_status()
        self.refresh_context()
        if self.statuses[name].state not in (DOWN, NO_KEY, CHECKING):
            self._learn_context_window(name)
        if changed:
            self._warm(name)
        if changed:
            self.query_one(ChatView).add_note(
                f"Now on {name} · {self.models[name]}: the next question goes there with the whole conversation."
            )

    def action_cycle_provider(self) -> None:
        names = self.provider_names
        if not names:
            return
        index = names.index(self.active) if self.active in names else -1
        self.switch_provider(names[(index + 1) % len(names)])

    def action_picker(self) -> None:
        async def list_models(name: str) -> list[str]:
            return [m.id for m in await self.providers[name].list_models()]

        def chosen(pick: Pick | None) -> None:
            if pick is not None:
                self.switch_provider(pick.provider, pick.model)

        self.push_screen(ProviderPicker(self.status_list(), self.active, list_models), chosen)

    def action_dashboard(self) -> None:
        from qwen_tui.ui.screens.dashboard import Dashboard

        # The demo writes no history file; its requests are kept in memory for the dashboard.
        source = (lambda: list(self.demo_records)) if self.demo else None
        self.push_screen(Dashboard(None if self.demo else paths.metrics_file(), stats_source=source))

    def _dashboard_update(self, name: str, timing: RequestTiming | None, phase: str, **end: object) -> None:
        """Tell an open dashboard how the request in flight is doing (it redraws at its own pace)."""
        screen = self.screen  # no import here: this runs on every request, on its hot path
        if getattr(screen, "follows_requests", False):
            screen.post_message(type(screen).RequestUpdate(name, self.models[name], timing, phase, **end))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(help_rows(self.help_classes(), getattr(self, "_keymap", {}))))

    def help_classes(self) -> list[type]:
        from qwen_tui.ui.screens.session_browser import SessionBrowser

        from qwen_tui.ui.screens.dashboard import Dashboard

        return [type(self), PromptInput, ProjectTree, ContextList, ProviderPicker, SessionBrowser, Dashboard,
                *self.HELP_CLASSES]

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        self._sidebar_forced = sidebar.has_class("hidden")
        self._apply_width(self.size.width)
        self._remember_panel("sidebar", self.sidebar_width if self._sidebar_forced else 0)

    @property
    def sidebar_width(self) -> int:
        width = self.query_one("#sidebar").styles.width
        return int(width.value) if width is not None and width.is_cells else SIDEBAR_WIDTHS[1]

    def action_resize_sidebar(self, delta: int) -> None:
        """Widen or narrow the side panels (palette); the width is kept in state.toml."""
        width = max(SIDEBAR_WIDTHS[0], min(SIDEBAR_WIDTHS[2], self.sidebar_width + delta))
        self.query_one("#sidebar").styles.width = width
        if self.query_one("#sidebar").has_class("hidden"):
            self._sidebar_forced = True
        self._remember_panel("sidebar", width)
        self._apply_width(self.size.width)

    def _remember_panel(self, name: str, size: int) -> None:
        if self.state is not None:
            self.state.panel_sizes[name] = size
            self._save_state()

    def action_goto_file(self) -> None:
        async def reveal(rel: str | None) -> None:
            if rel is None:
                return
            if self.query_one("#sidebar").has_class("hidden"):
                self._sidebar_forced = True
                self._apply_width(self.size.width)
            tree = self.query_one(ProjectTree)
            if await tree.reveal(rel):
                tree.focus()

        self.push_screen(FileFinder(self.project.files), reveal)

    def action_copy_answer(self) -> None:
        answer = self.query_one(ChatView).last_answer
        if answer is None or not answer.text:
            self.notify("No answer to copy yet.")
            return
        self.copy_text(answer.text, "the last answer")

    def action_copy_code(self) -> None:
        answer = self.query_one(ChatView).last_answer
        blocks = answer.code_blocks if answer is not None else []
        if not blocks:
            self.notify("The last answer has no code block.")
            return
        if len(blocks) == 1:
            self.copy_text(blocks[0], "the code block")
            return

        def chosen(block: str | None) -> None:
            if block is not None:
                self.copy_text(block, "the code block")

        self.push_screen(CodeBlockPicker(blocks), chosen)

    def copy_text(self, text: str, what: str) -> None:
        """OSC 52 (works over SSH) and the local clipboard when a tool for it is installed."""
        self.copied = text
        self.copy_to_clipboard(text)
        self._copy_locally(text)
        self.notify(f"Copied {what} ({len(text)} characters)", timeout=2)

    @work(thread=True, group="clipboard")
    def _copy_locally(self, text: str) -> None:
        copy_locally(text)

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
        for prov in self.providers.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(prov.aclose(), timeout=2)


@contextlib.contextmanager
def no_full_collections():
    """While an answer streams, the garbage collector's oldest generation is not collected.

    Rendering an answer allocates hundreds of thousands of small objects; each full collection
    walks all of them and held the event loop 70-150 ms in a 20,000-token burst. Young
    collections still run (they free nearly all cyclic garbage); the full one comes back after
    the answer. The objects alive after start-up (imports, the first frame) are frozen once
    (``gc.freeze``) so that no later full collection walks them again."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], max(thresholds[2], 1_000_000))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


class _AnswerSaver:
    """Hands a streaming answer to its session writer at most every ``SAVE_EVERY_S`` (joining the
    pieces costs O(length), so not per delta); a timer hands over the rest when tokens stall, and
    the writer gets the text as soon as the session file is ready."""

    def __init__(self, turn: Turn, session_task: asyncio.Future) -> None:
        self.turn = turn
        self.writer = None
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        session_task.add_done_callback(self._ready)

    def _ready(self, task: asyncio.Future) -> None:
        if task.cancelled() or task.exception() is not None or self._closed:
            return
        self.writer = task.result()
        if self.turn.parts:
            self.changed()

    def changed(self) -> None:
        if self.writer is None or self._timer is not None or self._closed:
            return
        wait = self._last + SAVE_EVERY_S - time.monotonic()
        if wait <= 0:
            self._push()
        else:
            self._timer = asyncio.get_running_loop().call_later(wait, self._push)

    def _push(self) -> None:
        self._timer = None
        self._last = time.monotonic()
        if self.writer is not None and not self._closed:
            self.writer.update(self.turn.answer)

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


async def _settled(task: asyncio.Future):
    """The session writer once its thread is done (None if it failed or never came)."""
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        return task.result() if task.done() and not task.cancelled() and task.exception() is None else None
    except Exception:  # noqa: BLE001 - _begin_session_answer already told the user
        return None


# ---- helpers that reach the core ------------------------------------------------------------


def _build_providers(config: AppConfig) -> dict[str, Provider]:
    try:
        from qwen_tui.providers.registry import build_providers
    except ImportError:
        return {}
    return build_providers(config)


def _load_state():
    try:
        from qwen_tui.state import State
    except ImportError:
        return None
    return State.load()


def _session_store():
    try:
        from qwen_tui.session import SessionStore
    except ImportError:
        return None
    return SessionStore()


def _context_options(config: AppConfig) -> dict:
    table = getattr(config, "context", None)
    if table is None:
        table = config.raw.get("context", {}) if isinstance(config.raw, dict) else {}
    get = (lambda k: getattr(table, k, None)) if not isinstance(table, dict) else table.get
    return {"system_prompt": get("system_prompt"), "reserve_tokens": get("reserve_tokens"),
            "max_file_kb": get("max_file_kb")}


def _keymap(config: AppConfig) -> dict[str, str]:
    table = getattr(config, "keys", None)
    if not table and isinstance(config.raw, dict):
        table = config.raw.get("keys")
    return {str(k): str(v) for k, v in (table or {}).items()}


def run_app(
    project_root: Path,
    config: AppConfig,
    *,
    provider: str | None,
    model: str | None,
    demo: bool,
    config_problem: str | None = None,
    resume: str | None = None,
) -> int:
    """Run the TUI until the user quits; returns the exit code. ``demo`` starts the simulator
    in-process and points every provider at it."""
    simulator = None
    if demo:
        from qwen_tui.demo import start_demo

        simulator, config = start_demo(config)
    try:
        app = QwenApp(project_root, config, provider=provider, model=model, demo=demo,
                      config_problem=config_problem, resume=resume)
        result = app.run(mouse=False)
        return app.return_code or int(result or 0)
    finally:
        if simulator is not None:
            simulator.stop()
