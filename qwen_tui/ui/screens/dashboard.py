"""Dashboard: per provider, TTFT over time, median and p95, tokens/s, error rate, where the last
answer's TTFT went (connect, waiting for headers, first token, the provider's own figure) and the
last errors.

Figures come from the metrics history (read in a thread worker), from ``stats_source`` (records
the app holds but did not write to the history, e.g. in demo mode) and from live requests. The app
keeps the screen live by posting ``Dashboard.RequestUpdate`` while a request runs and once when it
ends; a request's TTFT shows in its provider's chart as soon as the first token arrives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Select, Sparkline, Static

from qwen_tui.benchmark import HistoryFigures, history_figures, history_models
from qwen_tui.timing import RequestTiming, ttft_split
from qwen_tui.metrics import load_history, timing_record
from qwen_tui.ui.widgets.key_bar import KeyBar
from qwen_tui.terminal_text import visible

DASHBOARD = Binding.Group("Dashboard")
ALL_MODELS = "\x00all"  # the filter's "every model" value; no model id starts with NUL
CHART_POINTS = 120  # the newest requests shown in a provider's chart
LIVE_TICK_S = 0.25

RecordSource = Callable[[], Iterable[Mapping[str, Any]]]


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "—"
    return f"{ms:,.0f} ms" if ms < 10_000 else f"{ms / 1000:,.1f} s"


def speed_style(ms: float | None) -> str:
    """Green under 0.6 s, yellow under 2 s, red beyond (as the status bar colours TTFT)."""
    if ms is None:
        return "dim"
    return "green" if ms < 600 else "yellow" if ms < 2000 else "red"


def ago(then: float, now: float) -> str:
    seconds = max(0, int(now - then))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago" if seconds else "just now"


@dataclass(slots=True)
class LiveState:
    """A request in flight, as the last ``RequestUpdate`` described it."""

    model: str
    phase: str
    timing: RequestTiming | None
    since: float  # the screen's clock when the request was first seen


class ProviderCard(Vertical):
    """One provider: title (with the live request), TTFT chart, axis, figures, last errors."""

    def __init__(self, provider: str) -> None:
        super().__init__(classes="card")
        self.provider = provider
        self._pending: tuple[Any, ...] | None = None
        #: The provider's last complete request (a metrics record): its TTFT split is shown.
        self.last: Mapping[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="card-title")
        yield Sparkline([], classes="card-chart")
        yield Static(classes="card-axis")
        yield Static(classes="card-figures")
        yield Static(classes="card-split")
        yield Static(classes="card-errors")

    def on_mount(self) -> None:
        if self._pending is not None:
            self._draw(*self._pending)

    def show(self, figures: HistoryFigures | None, live: LiveState | None, now: float, elapsed_s: float | None) -> None:
        """Draw now, or as soon as the card's parts are mounted."""
        self._pending = (figures, live, now, elapsed_s)
        if self.is_mounted:
            self._draw(figures, live, now, elapsed_s)

    def _draw(
        self, figures: HistoryFigures | None, live: LiveState | None, now: float, elapsed_s: float | None
    ) -> None:
        name = visible(self.provider, single_line=True)
        title = Text(name, style="bold")
        models = sorted(figures.models) if figures else ([live.model] if live else [])
        if models:
            what = models[0] if len(models) == 1 else f"{len(models)} models"
            title.append(f" · {visible(what, single_line=True)}", style="dim")
        points = list(figures.points[-CHART_POINTS:]) if figures else []
        live_ttft = live.timing.ttft_ms if live and live.timing else None
        if live is not None:
            title.append("  ● live: ", style="bold cyan")
            if live_ttft is not None:
                title.append(f"TTFT {fmt_ms(live_ttft)}", style=speed_style(live_ttft))
                tokens = live.timing.tokens if live.timing else 0
                title.append(f", streaming ({tokens} tokens)")
            else:
                title.append(f"{live.phase.replace('_', ' ')} {elapsed_s or 0:.1f} s")
            if live_ttft is not None:
                points.append((now, live_ttft))  # provisional until the request ends
        self.query_one(".card-title", Static).update(title)

        chart = self.query_one(".card-chart", Sparkline)
        chart.data = [ttft for _, ttft in points]
        chart.display = bool(points)
        axis = self.query_one(".card-axis", Static)
        if points:
            low, high = min(t for _, t in points), max(t for _, t in points)
            axis.update(Text(f"TTFT of the last {len(points)} answers, {ago(points[0][0], now)} → "
                             f"{ago(points[-1][0], now)} · lowest {fmt_ms(low)}, highest {fmt_ms(high)}",
                             style="dim"))
        else:
            axis.update(Text("no answer with a TTFT yet", style="dim"))

        figures_line = Text()
        spread = figures.ttft if figures else None
        if spread is not None:
            figures_line.append("median ")
            figures_line.append(fmt_ms(spread.median), style=f"bold {speed_style(spread.median)}")
            figures_line.append(f" · p95 {fmt_ms(spread.p95)} · last {fmt_ms(figures.points[-1][1])}")
        else:
            figures_line.append("median — · p95 —")
        rate = figures.median_tokens_per_s if figures else None
        figures_line.append(" · " + ("— tok/s" if rate is None else f"{rate:,.0f} tok/s"))
        if figures and figures.requests:
            share = (figures.error_rate or 0.0) * 100
            figures_line.append(f" · errors {figures.errors} of {figures.requests} ({share:.0f}%)",
                                style="red" if figures.errors else "")
        self.query_one(".card-figures", Static).update(figures_line)
        split_line = self.query_one(".card-split", Static)
        split = ttft_split(self.last)
        if split is not None and split.measured:
            split_line.update(Text(f"last TTFT {fmt_ms(split.ttft_ms)}: {split.text()}", style="dim"))
        split_line.display = split is not None and split.measured

        errors = self.query_one(".card-errors", Static)
        if figures and figures.last_errors:
            lines = Text()
            for when, message in reversed(figures.last_errors):
                if lines:
                    lines.append("\n")
                lines.append(f"{ago(when, now)}: ", style="dim")
                lines.append(visible(message, single_line=True), style="red")
            errors.update(lines)
            errors.display = True
        else:
            errors.display = False


class Dashboard(Screen[None]):
    """Per-provider speed and reliability, from the metrics history plus live requests."""

    follows_requests = True  # the app posts RequestUpdate while a request runs

    CSS_PATH = "dashboard.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close the dashboard", id="dashboard.close", group=DASHBOARD),
        Binding("m", "focus_filter", "Filter by model", id="dashboard.filter", group=DASHBOARD),
        Binding("r", "reload", "Reload the history", id="dashboard.reload", group=DASHBOARD),
    ]

    @dataclass
    class RequestUpdate(Message):
        """Posted by the app while a request runs (``done`` False: a phase change, the first token,
        a tick) and once when it ends (``done`` True, with ``outcome`` complete/error/cancelled and
        the error in plain words). ``timing`` is the request's live ``RequestTiming``."""

        provider: str
        model: str
        timing: RequestTiming | None = None
        phase: str = "waiting"
        done: bool = False
        outcome: str | None = None
        error: str | None = None

    def __init__(
        self,
        history_path: Path | None,
        stats_source: RecordSource | None = None,
        *,
        clock: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.history_path = history_path
        self.stats_source = stats_source
        self.clock = clock
        self.history: list[dict[str, Any]] = []  # read from the file
        self.finished: list[dict[str, Any]] = []  # requests that ended while the screen was open
        self.live: dict[str, LiveState] = {}
        self.model_filter: str | None = None
        self.loaded = False
        self._ticker: Timer | None = None
        self._figures: dict[str, HistoryFigures] = {}  # per provider, for the current model filter
        self._models: list[str] = []
        self._last: dict[str, Mapping[str, Any]] = {}  # per provider: the last complete request

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="dash-top"):
            yield Static(Text("Provider dashboard", style="bold"), id="dash-title")
            yield Select([("All models", ALL_MODELS)], allow_blank=False, value=ALL_MODELS, id="dash-model")
        yield Static(Text("Reading the history…", style="dim"), id="dash-summary")
        yield VerticalScroll(id="dash-cards")
        yield KeyBar()

    def on_mount(self) -> None:
        self._ticker = self.set_interval(LIVE_TICK_S, self._tick, pause=True)
        self.load()

    # -- data -----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="dashboard-history")
    def load(self) -> None:
        """Read the history file off the event loop (it can hold tens of thousands of lines)."""
        records = load_history(self.history_path) if self.history_path is not None else []
        self.app.call_from_thread(self._loaded, records)

    def _loaded(self, records: list[dict[str, Any]]) -> None:
        self.history = records
        # a request that ended while the file was read may be in both: keep the file's copy
        self.finished = [r for r in self.finished if not _saved(r, records)]
        self.loaded = True
        self.refresh_figures()

    def records(self) -> list[Mapping[str, Any]]:
        extra: list[Mapping[str, Any]] = []
        if self.stats_source is not None:
            try:
                extra = [r for r in self.stats_source() if isinstance(r.get("provider"), str)]
            except Exception:  # noqa: BLE001 - the app's bookkeeping must not break the screen
                extra = []
        return [*self.history, *extra, *self.finished]

    @on(RequestUpdate)
    def _request_update(self, update: RequestUpdate) -> None:
        if update.done:
            self.live.pop(update.provider, None)
            timing = update.timing or RequestTiming(update.provider, update.model)
            record = timing_record(timing)
            record.update(provider=update.provider, model=update.model or record.get("model"),
                          time=self.clock(), outcome=update.outcome or timing.outcome)
            if update.error:
                record["error"] = update.error
            self.finished.append(record)
            self._add_record(record)
        else:
            state = self.live.get(update.provider)
            since = state.since if state is not None else self.clock()
            self.live[update.provider] = LiveState(update.model, update.phase, update.timing, since)
            self._draw_cards()
        if self._ticker is not None:
            if self.live:
                self._ticker.resume()
            else:
                self._ticker.pause()

    def _add_record(self, record: dict[str, Any]) -> None:
        """One finished request into the cached figures: no re-reading of the whole history."""
        model = record.get("model")
        if isinstance(model, str) and model and model not in self._models:
            self._models.append(model)
            self._models.sort()
            self._update_models(self._models)
        if self.model_filter is None or model == self.model_filter:
            name = record["provider"]
            self._figures.setdefault(name, HistoryFigures(name)).add(record)
            self._note_last(record)
            self._figures = dict(sorted(self._figures.items()))
        self._draw_cards()

    def _tick(self) -> None:
        """While a request runs: redraw only the cards with a live request (elapsed time)."""
        if not self.live:
            return
        now = self.clock()
        live = self._live_for_filter()
        for card in self.query(ProviderCard):
            if card.provider in live:
                self._show(card, live, now)

    # -- drawing --------------------------------------------------------------------------------
    def refresh_figures(self) -> None:
        """Recompute every figure from all records (on load, reload and a new model filter)."""
        records = self.records()
        self._models = history_models(records)
        self._update_models(self._models)
        self._figures = history_figures(records, model=self.model_filter)
        self._last = {}
        wanted = set(self._figures)
        for record in reversed(records):  # the newest first: stops once every provider has one
            if record.get("provider") in wanted and record["provider"] not in self._last \
                    and (self.model_filter is None or record.get("model") == self.model_filter):
                self._note_last(record)
                if len(self._last) == len(wanted):
                    break
        self._draw_cards()

    def _note_last(self, record: Mapping[str, Any]) -> None:
        ttft = record.get("ttft_ms")
        if record.get("outcome") == "complete" and isinstance(ttft, int | float) and not isinstance(ttft, bool):
            self._last[record["provider"]] = record

    def _draw_cards(self) -> None:
        figures = self._figures
        live = self._live_for_filter()
        names = sorted(set(figures) | set(live))
        now = self.clock()
        self._update_summary(figures)
        cards = self.query_one("#dash-cards", VerticalScroll)
        existing = {card.provider: card for card in cards.query(ProviderCard)}
        for name, card in existing.items():
            if name not in names:
                card.remove()
        for name in names:
            card = existing.get(name)
            if card is None:
                card = ProviderCard(name)
                later = [existing[n] for n in sorted(existing) if n > name and n in names]
                cards.mount(card, before=later[0] if later else None)  # cards stay in name order
                existing[name] = card
            self._show(card, live, now)

    def _show(self, card: ProviderCard, live: dict[str, LiveState], now: float) -> None:
        state = live.get(card.provider)
        elapsed = None
        if state is not None:
            elapsed = state.timing.elapsed_ms / 1000 if state.timing is not None else max(0.0, now - state.since)
        card.last = self._last.get(card.provider)
        card.show(self._figures.get(card.provider), state, now, elapsed)

    def _live_for_filter(self) -> dict[str, LiveState]:
        return {name: state for name, state in self.live.items()
                if self.model_filter is None or state.model == self.model_filter}

    def _update_summary(self, figures: dict[str, HistoryFigures]) -> None:
        summary = self.query_one("#dash-summary", Static)
        if not self.loaded:
            return
        shown = sum(f.requests for f in figures.values())
        if not figures and not self.live and not self._models:
            summary.update(Text("No requests yet: ask something, or run `qwen-tui bench`.", style="dim"))
            return
        where = f" · {visible(self.history_path.name, single_line=True)}" if self.history_path else ""
        scope = "every model" if self.model_filter is None else visible(self.model_filter, single_line=True)
        summary.update(Text(f"{shown} requests from {len(figures)} provider{'s' if len(figures) != 1 else ''}"
                            f" ({scope}){where} · charts run oldest → newest", style="dim"))

    def _update_models(self, models: list[str]) -> None:
        select = self.query_one("#dash-model", Select)
        wanted = [ALL_MODELS, *models]
        current = [value for _, value in select._options]  # noqa: SLF001 - no public getter in 8.2
        if current == wanted:
            return
        with select.prevent(Select.Changed):
            select.set_options([("All models", ALL_MODELS)]
                               + [(visible(m, single_line=True), m) for m in models])
            select.value = self.model_filter if self.model_filter in models else ALL_MODELS

    @on(Select.Changed, "#dash-model")
    def _model_chosen(self, event: Select.Changed) -> None:
        value = event.value
        self.model_filter = None if value in (ALL_MODELS, Select.NULL) else str(value)
        self.refresh_figures()

    # -- actions --------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(None)

    def action_focus_filter(self) -> None:
        self.query_one("#dash-model", Select).focus()

    def action_reload(self) -> None:
        self.load()


def _saved(record: Mapping[str, Any], history: list[dict[str, Any]], window_s: float = 10.0) -> bool:
    """Whether ``record`` (seen live) is also among the newest lines of the history file."""
    for line in reversed(history[-200:]):
        if (line.get("provider") == record.get("provider") and line.get("ttft_ms") == record.get("ttft_ms")
                and line.get("outcome") == record.get("outcome")
                and abs(float(line.get("time") or 0) - float(record.get("time") or 0)) <= window_s):
            return True
    return False


__all__ = ["Dashboard", "ProviderCard", "ALL_MODELS", "CHART_POINTS"]
