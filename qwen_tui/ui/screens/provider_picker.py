"""Provider picker (F2): every provider with its health, model, last and median TTFT (and where the
last one went: connect, waiting for headers, first token, beside the provider's own figure) and
whether its key is set. Enter switches; ``m`` (or Right) opens the second step, the models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from qwen_tui.ui import keys
from qwen_tui.terminal_text import visible
from qwen_tui.timing import fmt_duration
from qwen_tui.ui.widgets.status_bar import STATE_STYLE, ProviderStatus, fmt_ms, speed_style


@dataclass(frozen=True, slots=True)
class Pick:
    """What the picker chose: a provider, and a model when the second step was used."""

    provider: str
    model: str | None = None


def provider_row(status: ProviderStatus, active: bool) -> Text:
    """Two lines: name, state, last/median TTFT, key; then the model (and the error, if any)."""
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append("● " if active else "  ", style="bold")
    row.append(f"{visible(status.name, single_line=True):<12}", style="bold")
    row.append(f" {status.state:<13}", style=STATE_STYLE.get(status.state, ""))
    row.append(f"{fmt_ms(status.last_ttft_ms):>6}", style=speed_style(status.last_ttft_ms))
    row.append("/")
    row.append(f"{fmt_ms(status.median_ttft_ms):<6}", style=speed_style(status.median_ttft_ms))
    row.append("  ")
    if not status.needs_key:
        row.append("no key needed", style="dim")
    elif status.key_set:
        row.append("key set", style="green")
    else:
        row.append("key missing", style="red")
    row.append("\n    ")
    row.append(visible(status.model, single_line=True), style="dim")
    if status.error:
        row.append("  " + visible(status.error, single_line=True), style="red")
    split = status.last_split
    if split is not None and split.measured:
        row.append(f"\n    last TTFT {fmt_duration(split.ttft_ms)}: {split.text()}", style="dim")
    return row


class ProviderPicker(ModalScreen[Pick | None]):
    DEFAULT_CSS = """
    ProviderPicker { align: center middle; }
    ProviderPicker > Vertical { width: 90%; max-width: 110; height: auto; max-height: 90%;
                                border: round $primary; background: $surface; padding: 0 1; }
    ProviderPicker OptionList { height: auto; max-height: 24; border: none; }
    ProviderPicker .picker-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Close (or back to providers)", id="picker.close", group=keys.PICKER),
        Binding("m,right", "models", "List this provider's models", id="picker.models", group=keys.PICKER),
    ]

    def __init__(
        self,
        statuses: list[ProviderStatus],
        active: str,
        list_models: Callable[[str], Awaitable[list[str]]],
    ) -> None:
        super().__init__()
        self.statuses = statuses
        self.active = active
        self._list_models = list_models
        self.step = "providers"
        self.models_of: str | None = None

    def compose(self):
        with Vertical():
            yield Static(Text("Providers  (TTFT last/median)", style="bold"), id="picker-title")
            yield OptionList(
                *[Option(provider_row(s, s.name == self.active), id=s.name) for s in self.statuses],
                id="picker-list",
            )
            yield Static(Text("Enter switch · m models · Esc close"), classes="picker-hint", id="picker-hint")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        names = [s.name for s in self.statuses]
        option_list.highlighted = names.index(self.active) if self.active in names else 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.step == "providers":
            self.dismiss(Pick(str(event.option.id)))
        elif self.models_of is not None and event.option.id is not None:
            self.dismiss(Pick(self.models_of, str(event.option.id)))

    def action_models(self) -> None:
        if self.step != "providers":
            return
        option_list = self.query_one(OptionList)
        if option_list.highlighted is None:
            return
        name = str(option_list.get_option_at_index(option_list.highlighted).id)
        self.step, self.models_of = "models", name
        title = Text(f"Models of {visible(name, single_line=True)}", style="bold")
        self.query_one("#picker-title", Static).update(title)
        self.query_one("#picker-hint", Static).update(Text("Enter use this model · Esc back"))
        option_list.clear_options()
        option_list.add_option(Option(Text("loading…", style="dim"), id=None, disabled=True))
        self._load_models(name)

    @work(exclusive=True, group="picker-models")
    async def _load_models(self, name: str) -> None:
        option_list = self.query_one(OptionList)
        try:
            models = await self._list_models(name)
        except Exception as exc:  # noqa: BLE001 - any provider error, told in plain words
            message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
            option_list.clear_options()
            option_list.add_option(Option(Text(visible(message), style="red"), disabled=True))
            return
        option_list.clear_options()
        if not models:
            option_list.add_option(Option(Text("no models listed", style="dim"), disabled=True))
            return
        current = next((s.model for s in self.statuses if s.name == name), None)
        for model in models:
            label = Text(("● " if model == current else "  ") + visible(model, single_line=True))
            option_list.add_option(Option(label, id=model))
        option_list.highlighted = models.index(current) if current in models else 0

    def action_back(self) -> None:
        if self.step == "models":
            self.step, self.models_of = "providers", None
            option_list = self.query_one(OptionList)
            option_list.clear_options()
            option_list.add_options(
                [Option(provider_row(s, s.name == self.active), id=s.name) for s in self.statuses]
            )
            self.query_one("#picker-title", Static).update(Text("Providers  (TTFT last/median)", style="bold"))
            self.query_one("#picker-hint", Static).update(Text("Enter switch · m models · Esc close"))
            option_list.highlighted = 0
            return
        self.dismiss(None)
