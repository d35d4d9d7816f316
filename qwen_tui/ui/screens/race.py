"""The race: one question to 2-4 providers at once, the answers side by side as they stream.

Columns from 120 terminal columns up, stacked below that. Each column is headed by its provider
and model with live figures (waiting time, then TTFT, tok/s and tokens) and streams into the
same renderer as the chat (``StreamingMarkdown``: buffered, painted once a frame). Escape stops
every lane (pressed again once all have ended, it closes the race keeping the conversation as it
was); ``x`` stops the focused lane; when all have ended a ranking line shows and 1-4 keep that
answer: the conversation goes on with it, on that provider. Tools are off during a race.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from qwen_tui.conversation.loop import no_full_collections
from qwen_tui.race import MAX_LANES, MIN_LANES, Lane, Race, RaceReport
from qwen_tui.terminal_text import visible
from qwen_tui.timing import fmt_ms
from qwen_tui.ui.keys import RACE
from qwen_tui.ui.render.markdown_stream import SharedFrames, StreamingMarkdown
from qwen_tui.ui.widgets.key_bar import KeyBar

#: From this width the lanes stand side by side; narrower, they are stacked.
COLUMNS_FROM = 120
LIVE_FIGURES_S = 0.1
#: The lanes' frame: all of them catch up together, 30 times a second.
LANE_FRAME_S = 1 / 30
FOLLOW_SLACK_ROWS = 2
#: Rows of the previous page still in view after a lane's answer grows by a page.
PAGE_CONTEXT = 3


@dataclass(frozen=True, slots=True)
class RacePick:
    """What the race ended with: the question, every lane, and the one kept (None: none)."""

    question: str
    lanes: list[Lane]
    kept: int | None
    spread_ms: float | None


class LaneView(VerticalScroll):
    """A lane's scrolling view of its answer. The answer covers it (its height is at least the
    view's while it streams): the view's own rows are painted blank, not rendered through the
    styles, each time the lane scrolls."""

    BLANK = True


class RaceLane(Vertical, can_focus=True):
    """One provider's column: header with live figures, then the streaming answer."""

    DEFAULT_CSS = """
    RaceLane { height: 1fr; width: 1fr; border: round $panel-lighten-2; padding: 0 1; }
    RaceLane:focus-within, RaceLane:focus { border: round $accent; }
    RaceLane > .lane-header { height: 2; color: $text-muted; }
    RaceLane > VerticalScroll { height: 1fr; scrollbar-size-vertical: 1; scrollbar-gutter: stable; }
    RaceLane > .lane-error { display: none; color: $error; }
    RaceLane > .lane-error.shown { display: block; }
    """

    def __init__(self, index: int, lane: Lane, code_theme: str | None = None,
                 frames: SharedFrames | None = None) -> None:
        super().__init__(id=f"lane-{index}")
        self.index, self.lane = index, lane
        self.header = Static("", markup=False, classes="lane-header")
        self.header.can_focus = False
        self.body = StreamingMarkdown(code_theme=code_theme)
        self.body.frames = frames
        # It takes its column's height at once and grows a page at a time, as the chat's answer
        # does: four lanes growing line by line laid out the screen every frame and, followed,
        # repainted every row of every lane; paged, a frame repaints the changed rows and a
        # lane scrolls once a page.
        self.body.page_context = PAGE_CONTEXT
        self.error = Static("", markup=False, classes="lane-error")
        self.started = time.perf_counter()
        self.user_scrolled = False

    def compose(self) -> ComposeResult:
        yield self.header
        with LaneView():
            yield self.body
        yield self.error

    def on_mount(self) -> None:
        self.show_figures()
        # While it streams, the lane follows its tail in the layout that grows it (Textual
        # releases the anchor when the user scrolls up, and takes it again back at the end):
        # a page's growth and its scroll are one frame, not a layout and then a scroll.
        self.query_one(VerticalScroll).anchor()

    def follow(self) -> None:
        """Keep the tail in view once the lane ended (after the answer came down to the height
        of its text, and after the ranking took rows), unless the user scrolled up. The user's
        own scrolling decides, not the distance to the tail. Not by the anchor: it would push a
        short answer to the bottom of its column."""
        view = self.query_one(VerticalScroll)
        view.anchor(False)
        if self.user_scrolled and view.scroll_y < view.max_scroll_y - FOLLOW_SLACK_ROWS:
            return
        self.user_scrolled = False
        view.scroll_end(animate=False, immediate=False)

    def on_mouse_scroll_up(self) -> None:
        self.user_scrolled = True

    def on_key(self, event) -> None:
        if event.key in ("up", "pageup", "home", "ctrl+home"):
            self.user_scrolled = True

    def append(self, text: str) -> None:
        self.body.append(text)

    def show_figures(self) -> None:
        lane = self.lane
        text = Text()
        text.append(f"{self.index + 1} ", style="bold reverse")
        text.append(" " + visible(lane.name, single_line=True), style="bold")
        text.append(" · " + visible(lane.model, single_line=True))
        text.append("\n")
        if lane.ttft_ms is None and lane.outcome == "pending":
            text.append(f"waiting {time.perf_counter() - self.started:.1f} s", style="dim")
        else:
            text.append(f"TTFT {fmt_ms(lane.ttft_ms)}")
            rate = lane.tokens_per_s
            if rate:
                text.append(f" · {rate:,.0f} tok/s")
            text.append(f" · {lane.tokens} tokens")
        if lane.outcome == "cancelled":
            text.append(" · stopped", style="italic")
        elif lane.outcome == "error":
            text.append(" · failed", style="bold")
        self.header.update(text, layout=False)  # a fixed height: no layout of the screen

    def ended(self) -> None:
        self.body.finish()
        self.show_figures()
        self.call_after_refresh(self.follow)  # after the answer's own ``_settle``: in view at its height
        if self.lane.outcome == "error":
            message = Text("⚠ ")
            message.append(visible(self.lane.error or "failed"))
            if self.lane.fix:
                message.append("\n" + visible(self.lane.fix), style="italic")
            self.error.update(message)
            self.error.add_class("shown")


class RaceScreen(Screen[RacePick]):
    """See the module docstring. ``race`` is built by the app (providers, models, messages)."""

    DEFAULT_CSS = """
    RaceScreen { layout: vertical; }
    RaceScreen > .race-title { height: 1; padding: 0 1; background: $panel; }
    RaceScreen > #lanes { height: 1fr; layout: vertical; }
    RaceScreen > #lanes.columns { layout: horizontal; }
    RaceScreen > .race-ranking { height: auto; max-height: 6; padding: 0 1; display: none; }
    RaceScreen > .race-ranking.shown { display: block; }
    """

    BINDINGS = [
        Binding("escape", "stop_or_close", "Stop all / close", id="race.stop_all", group=RACE),
        Binding("x", "stop_lane", "Stop this lane", id="race.stop_lane", group=RACE),
        Binding("1", "keep(0)", "Keep 1", id="race.keep_1", group=RACE, show=False),
        Binding("2", "keep(1)", "Keep 2", id="race.keep_2", group=RACE, show=False),
        Binding("3", "keep(2)", "Keep 3", id="race.keep_3", group=RACE, show=False),
        Binding("4", "keep(3)", "Keep 4", id="race.keep_4", group=RACE, show=False),
        Binding("tab", "app.focus_next", "Next lane", id="race.next_lane", group=RACE, show=False),
    ]

    def __init__(self, question: str, race: Race, code_theme: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.race = race
        frames = SharedFrames(LANE_FRAME_S)
        self.lanes = [RaceLane(i, lane, code_theme, frames) for i, lane in enumerate(race.lanes)]
        self.report: RaceReport | None = None
        self._ranking = Static("", markup=False, classes="race-ranking")
        #: No full garbage collection from the start of the race until the ranking is on
        #: screen: each lane's stream holds it off only while it streams, so the last lane's
        #: end let one run (up to ~0.1 s) before that lane's last text was painted.
        self._no_full_collections = contextlib.ExitStack()

    def compose(self) -> ComposeResult:
        title = Text()
        title.append("Race", style="bold")
        title.append(f" · {len(self.lanes)} providers, same question and context · tools off · ")
        first_line = self.question.strip().splitlines()[0] if self.question.strip() else ""
        title.append(visible(first_line, single_line=True)[:80], style="italic")
        yield Static(title, markup=False, classes="race-title")
        with Container(id="lanes"):
            yield from self.lanes
        yield self._ranking
        yield KeyBar()

    def on_mount(self) -> None:
        self._arrange(self.size.width)
        self.set_interval(LIVE_FIGURES_S, self._live_figures, name="race-figures")
        self._run()

    def on_resize(self, event) -> None:
        self._arrange(event.size.width)

    def _arrange(self, width: int) -> None:
        self.query_one("#lanes").set_class(width >= COLUMNS_FROM, "columns")

    def _follow_all(self) -> None:
        for lane in self.lanes:
            lane.follow()

    def _live_figures(self) -> None:
        for lane in self.lanes:
            if lane.lane.outcome == "pending":
                lane.show_figures()

    # -- the race's sink (called on the app's loop) ------------------------------------------
    def on_text(self, index: int, text: str) -> None:
        self.lanes[index].append(text)

    def on_phase(self, index: int, phase: str) -> None:
        pass

    def on_done(self, index: int, lane: Lane) -> None:
        self.lanes[index].ended()

    @work(exclusive=True, group="race")
    async def _run(self) -> None:
        self._no_full_collections.enter_context(no_full_collections())
        try:
            self.report = await self.race.run(self)
        except BaseException:
            self._no_full_collections.close()
            raise
        self._show_ranking(self.report)

    def on_unmount(self) -> None:
        self._no_full_collections.close()

    def _show_ranking(self, report: RaceReport) -> None:
        text = Text()
        text.append("Ranking", style="bold")
        if report.spread_ms is not None:
            text.append(f" (requests sent {report.spread_ms:.1f} ms apart)", style="dim")
        for place, lane in enumerate(report.ranking(), 1):
            index = self.race.lanes.index(lane) + 1
            text.append("\n")
            text.append(f"{place}. " if lane.outcome == "complete" else "-. ", style="bold")
            text.append(f"[{index}] {visible(lane.name, single_line=True)} · {visible(lane.facts(), single_line=True)}")
        keep = [str(self.race.lanes.index(lane) + 1) for lane in report.lanes if lane.text]
        if keep:
            text.append(f"\nPress {'/'.join(keep)} to keep that answer and go on with its provider; "
                        "Escape closes the race.", style="italic")
        self._ranking.update(text)
        self._ranking.add_class("shown")
        self.call_after_refresh(self._follow_all)  # the ranking takes rows from every lane
        self.call_after_refresh(self._no_full_collections.close)

    # -- actions ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.report is None

    def action_stop_or_close(self) -> None:
        if self.running:
            self.race.stop()
        else:
            self.dismiss(RacePick(self.question, self.race.lanes, None, self.report.spread_ms if self.report else None))

    def action_stop_lane(self) -> None:
        node = self.focused
        while node is not None and not isinstance(node, RaceLane):
            node = node.parent
        if isinstance(node, RaceLane):
            self.race.stop(node.index)

    def action_keep(self, index: int) -> None:
        if self.running or index >= len(self.lanes):
            return
        if not self.race.lanes[index].text:
            self.notify("That lane has no answer to keep.", severity="warning")
            return
        self.dismiss(RacePick(self.question, self.race.lanes, index, self.report.spread_ms if self.report else None))


class RaceProviders(ModalScreen[list[str] | None]):
    """Pick the 2-4 providers of a race (the last set is ticked); Enter starts it."""

    DEFAULT_CSS = """
    RaceProviders { align: center middle; }
    RaceProviders > Vertical { width: 60; height: auto; max-height: 80%; border: round $accent;
                               background: $surface; padding: 0 1; }
    RaceProviders .race-hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("enter", "start", "Start the race", id="race.start", group=RACE, priority=True),
        Binding("escape", "cancel", "Cancel", id="race.cancel", group=RACE),
    ]

    def __init__(self, providers: Sequence[tuple[str, str]], last: Sequence[str]) -> None:
        super().__init__()
        self.providers = list(providers)
        self.last = [name for name in last if name in {n for n, _ in providers}]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Race: pick {MIN_LANES} to {MAX_LANES} providers (Space ticks, Enter starts)",
                         markup=False)
            yield SelectionList[str](*[
                Selection(f"{visible(name, single_line=True)} · {visible(model, single_line=True)}", name,
                          name in self.last)
                for name, model in self.providers
            ])
            yield Static("", markup=False, classes="race-hint")

    def action_start(self) -> None:
        picked = list(self.query_one(SelectionList).selected)
        if not MIN_LANES <= len(picked) <= MAX_LANES:
            self.query_one(".race-hint", Static).update(
                f"Tick {MIN_LANES} to {MAX_LANES} providers ({len(picked)} ticked).")
            return
        order = [name for name, _ in self.providers]
        self.dismiss(sorted(picked, key=order.index))

    def action_cancel(self) -> None:
        self.dismiss(None)

