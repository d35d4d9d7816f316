"""The status bar: active provider and model, every provider's TTFT figures and state, and the
live figures of the request in flight (elapsed time until the first token, then TTFT and tokens/s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.containers import Vertical
from textual.timer import Timer
from textual.widget import Widget

from qwen_tui.conversation.health import ProviderState, ProviderStatus
from qwen_tui.timing import RequestTiming
from qwen_tui.terminal_text import visible

STATE_STYLE = {
    ProviderState.WARM: "green",
    ProviderState.COLD: "cyan",
    ProviderState.LOADING: "yellow",
    ProviderState.DOWN: "red",
    ProviderState.NO_KEY: "red",
    ProviderState.DEMO: "magenta",
    ProviderState.CHECKING: "dim",
    ProviderState.CHECK_FAILED: "yellow",
}


@dataclass(slots=True)
class LiveRequest:
    """The request in flight: its phase and its live timing (None until the provider sends one)."""

    provider: str
    started: float
    phase: str = "connecting"
    timing: RequestTiming | None = None


def speed_style(ttft_ms: float | None) -> str:
    """Green under 0.6 s, yellow under 2 s, red beyond: plain colour names work in 16 colours."""
    if ttft_ms is None:
        return "dim"
    if ttft_ms < 600:
        return "green"
    if ttft_ms < 2000:
        return "yellow"
    return "red"


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "–"
    if ms < 1000:
        return f"{ms:.0f}ms"
    return f"{ms / 1000:.1f}s"


class StatusLine(Widget):
    """One line of text that repaints only when the text changes (a status tick that shows the
    same figures sends nothing to the terminal)."""

    DEFAULT_CSS = """
    StatusLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._text = Text()
        self.repaints = 0  # how many times the text changed (tests read it)

    @property
    def text(self) -> Text:
        return self._text

    def set_text(self, text: Text) -> None:
        if text == self._text:
            return
        self._text = text
        self.repaints += 1
        self.refresh()

    def render(self) -> Text:
        return self._text


class StatusBar(Vertical):
    """Two lines: what is active and what is happening now (``#status-live``); then each
    provider's figures (``#status-providers``). Each line is its own widget and repaints only
    when its text changes: the live line's clock does not resend the providers line."""

    DEFAULT_CSS = """
    StatusBar { height: 2; padding: 0 1; background: $panel; }
    StatusBar > StatusLine { text-wrap: nowrap; text-overflow: ellipsis; }
    """
    #: While waiting for the first token the elapsed time is shown at this resolution and the
    #: line ticks this often; once tokens flow, the rate is refreshed once a second.
    WAIT_TICK_S = 0.1
    RATE_TICK_S = 1.0

    def __init__(self, *, clock: Callable[[], float], id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._clock = clock
        self.active = ""
        self.model = ""
        self.demo = False
        self.statuses: list[ProviderStatus] = []
        self.live: LiveRequest | None = None
        self.last_result: str = ""
        self.extra = Text()  # e.g. the MCP servers' count (qwen_tui.ui.mcp_servers)
        self._ticker: Timer | None = None
        self._tick_every = 0.0
        self._live_line = StatusLine(id="status-live")
        self._providers_line = StatusLine(id="status-providers")

    def compose(self):
        yield self._live_line
        yield self._providers_line

    def show(
        self,
        *,
        active: str,
        model: str,
        statuses: list[ProviderStatus],
        demo: bool,
        live: LiveRequest | None = None,
        last_result: str | None = None,
    ) -> None:
        self.active, self.model, self.statuses, self.demo = active, model, statuses, demo
        self.live = live
        if last_result is not None:
            self.last_result = last_result
        self._paint()

    def set_extra(self, text: Text) -> None:
        """A short note at the end of the top line (the MCP servers' count)."""
        self.extra = text
        self._live_line.set_text(self.top_line())

    def _paint(self) -> None:
        """Bring both lines up to date (each repaints only if it changed); keep the clock
        ticking at the pace the live line needs."""
        self._live_line.set_text(self.top_line())
        self._providers_line.set_text(self._fitted_providers_line())
        self._schedule_tick()

    def _schedule_tick(self) -> None:
        live = self.live
        if live is None or not self.is_mounted:
            every = 0.0
        elif live.timing is None or live.timing.first_token_at is None:
            every = self.WAIT_TICK_S
        else:
            every = self.RATE_TICK_S
        if every == self._tick_every:
            return
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self._tick_every = every
        if every:
            self._ticker = self.set_interval(every, self._tick, name="status-tick")

    def _tick(self) -> None:
        self._live_line.set_text(self.top_line())
        self._schedule_tick()

    def live_text(self) -> Text:
        live = self.live
        text = Text()
        if live is None:
            if self.last_result:
                text.append(self.last_result, style="dim")
            return text
        timing = live.timing
        if timing is None or timing.first_token_at is None:
            elapsed = (self._clock() - (timing.started if timing else live.started)) * 1000
            elapsed = elapsed // 100 * 100  # 100 ms steps: the line changes (and repaints) 10x a second
            label = {"loading_model": "loading model", "waiting": "waiting"}.get(live.phase, live.phase)
            text.append(f"⏱ {fmt_ms(elapsed)} ", style="bold")
            text.append(label, style="yellow" if live.phase == "loading_model" else "dim")
        else:
            text.append("TTFT ", style="dim")
            text.append(fmt_ms(timing.ttft_ms), style=speed_style(timing.ttft_ms) + " bold")
            rate = timing.tokens_per_s
            text.append("  ")
            text.append(f"{rate:.0f} tok/s" if rate else "– tok/s", style="bold")
            if timing.reasoned and timing.answer_at is None:  # reasoning so far, no answer yet
                text.append("  thinking…", style="dim italic")
        return text

    def top_line(self) -> Text:
        """Active provider and model, then the live figures (or the last result)."""
        top = Text(no_wrap=True, overflow="ellipsis")
        if self.demo:
            top.append(" DEMO ", style="bold reverse magenta")
            top.append(" ")
        top.append(visible(self.active, single_line=True), style="bold")
        top.append(" · ")
        top.append(visible(self.model, single_line=True))
        live = self.live_text()
        if live.plain:
            top.append("  │ ")
            top.append_text(live)
        if self.extra.plain:
            top.append("  │ ")
            top.append_text(self.extra)
        return top

    def _fitted_providers_line(self) -> Text:
        line = self.providers_line(short=False)
        if line.cell_len > max(self.size.width - 2, 20):
            line = self.providers_line(short=True)
        return line

    def render_status(self) -> Text:
        """Both lines as one text (what the bar shows)."""
        result = Text("\n", no_wrap=True, overflow="ellipsis").join([self.top_line(), self._fitted_providers_line()])
        result.no_wrap, result.overflow = True, "ellipsis"
        return result

    def on_resize(self) -> None:
        self._providers_line.set_text(self._fitted_providers_line())

    def providers_line(self, short: bool) -> Text:
        """Each provider: name, last/median TTFT coloured by speed, state. ``short`` abbreviates
        names so four providers fit in 80 columns."""
        line = Text(no_wrap=True, overflow="ellipsis")
        for index, status in enumerate(self.statuses):
            if index:
                line.append("  " if not short else " ")
            name_style = "bold underline" if status.name == self.active else "bold"
            name = visible(status.name, single_line=True)
            line.append(name[:5] if short else name, style=name_style)
            line.append(" ")
            if status.last_ttft_ms is not None:
                line.append(fmt_ms(status.last_ttft_ms), style=speed_style(status.last_ttft_ms))
                line.append("/")
                line.append(fmt_ms(status.median_ttft_ms), style=speed_style(status.median_ttft_ms))
                line.append(" ")
            line.append(status.state, style=STATE_STYLE.get(status.state, ""))
        return line
