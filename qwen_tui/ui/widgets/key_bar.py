"""The bottom line of key bindings, drawn as one text.

Textual's ``Footer`` mounts a widget per key and recomposes all of them whenever the bindings
change, which happens each time focus moves: fourteen times while this app starts, 170 ms before
the first full frame over a pty. ``KeyBar`` is one widget: it works out its items when the
bindings change and repaints only if they differ.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import groupby

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

SEPARATOR = " "  # after the space that ends each item
PALETTE_EDGE = "▏"


@dataclass(frozen=True)
class KeyItem:
    """What one stretch of the bar shows: one or more keys and what they do."""

    keys: tuple[tuple[str, str], ...]  # (key, how it is displayed)
    description: str
    enabled: bool = True
    tooltip: str = ""
    grouped: bool = False  # several actions under their group's name: each key is its own target


def key_items(screen: Screen) -> tuple[list[KeyItem], KeyItem | None]:
    """The bar's items for the screen's active bindings, grouped as Textual's Footer groups them
    (an action once, with all its keys; a run of actions of one group under the group's name),
    and the command palette's item, shown at the right."""
    app = screen.app
    active = screen.active_bindings
    by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
    for _node, binding, enabled, tooltip in active.values():
        if binding.show:
            by_action[binding.action].append((binding, enabled, tooltip))
    items: list[KeyItem] = []
    for group, runs in groupby(by_action.values(), lambda bindings: bindings[0][0].group):
        actions = list(runs)
        if group is not None and len(actions) > 1:
            keys = tuple((b[0][0].key, app.get_key_display(b[0][0])) for b in actions)
            enabled = any(b[0][1] for b in actions)
            tooltip = " · ".join(f"{display} {b[0][2] or b[0][0].description}"
                                 for (_, display), b in zip(keys, actions))
            items.append(KeyItem(keys, group.description, enabled, tooltip, grouped=True))
            continue
        for bindings in actions:
            binding, enabled, tooltip = bindings[0]
            items.append(KeyItem(((binding.key, app.get_key_display(binding)),), binding.description,
                                 enabled, tooltip or binding.description))
    palette: KeyItem | None = None
    if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
        _node, binding, enabled, tooltip = active[app.COMMAND_PALETTE_BINDING]
        palette = KeyItem(((binding.key, app.get_key_display(binding)),), binding.description, enabled,
                          tooltip or binding.description)
    return items, palette


def _item_text(item: KeyItem, key_style: Style, description_style: Style, offset: int,
               targets: list[tuple[int, int, KeyItem, str]]) -> Text:
    """One item: its keys, then what they do, then a space; where its keys fall on the line
    (counted from ``offset``) go to ``targets``."""
    text = Text()
    for index, (key, display) in enumerate(item.keys):
        if index:
            text.append(" ")
        start = offset + text.cell_len
        text.append(display, key_style)
        if item.grouped:
            targets.append((start, offset + text.cell_len, item, key))
    if item.description:
        text.append(" ")
        text.append(item.description, description_style)
    if not item.grouped:
        targets.append((offset, offset + text.cell_len, item, item.keys[0][0]))
    if not item.enabled:
        text.stylize("dim")
    text.append(" ")
    return text


def _width_of(items: list[KeyItem]) -> int:
    """Cells the items take on the line: a leading space, each item, separators."""
    widths = [_item_text(item, Style(), Style(), 0, []).cell_len for item in items]
    return 1 + sum(widths) + len(SEPARATOR) * (len(items) - 1)


class KeyBar(Widget):
    """The active key bindings of its screen on one line; a click on a key presses it."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--edge"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        & > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .key-bar--description { color: $footer-description-foreground; background: $footer-description-background; }
        & > .key-bar--edge { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.items: list[KeyItem] = []
        self.palette: KeyItem | None = None
        self._targets: list[tuple[int, int, KeyItem, str]] = []  # (start, end, item, key) on the line
        self._update_pending = False
        self.repaints = 0  # how many times the items changed (tests read it)

    def on_mount(self) -> None:
        self.items, self.palette = key_items(self.screen)
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, _screen: Screen) -> None:
        # published for each focus change and binding check: work out the items once per batch
        if not self._update_pending:
            self._update_pending = True
            self.call_later(self._update)

    def _update(self) -> None:
        self._update_pending = False
        if not self.is_attached:
            return
        items, palette = key_items(self.screen)
        if (items, palette) != (self.items, self.palette):
            self.items, self.palette = items, palette
            self.repaints += 1
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        description_style = self.get_component_rich_style("key-bar--description", partial=True)
        width = self.size.width
        right = Text(end="")
        right_targets: list[tuple[int, int, KeyItem, str]] = []
        if self.palette is not None:
            palette = self.palette
            if _width_of(self.items) + 1 + _width_of([palette]) > width:
                palette = replace(palette, description="")  # short of room: the key alone
            right.append(PALETTE_EDGE, self.get_component_rich_style("key-bar--edge"))
            right.append_text(_item_text(palette, key_style, description_style, 1, right_targets))
        room = max(width - right.cell_len, 0)
        line = Text(" ", no_wrap=True, overflow="crop", end="")
        targets: list[tuple[int, int, KeyItem, str]] = []
        for item in self.items:  # whole items only: a key without its description reads as a glitch
            start = line.cell_len + (len(SEPARATOR) if line.cell_len > 1 else 0)
            item_targets: list[tuple[int, int, KeyItem, str]] = []
            text = _item_text(item, key_style, description_style, start, item_targets)
            if start + text.cell_len > room:
                break
            if line.cell_len > 1:
                line.append(SEPARATOR)
            line.append_text(text)
            targets += item_targets
        line.truncate(room, pad=True)
        line.append_text(right)
        self._targets = targets + [(start + room, end + room, item, key) for start, end, item, key in right_targets]
        return line

    def target_at(self, x: int) -> tuple[KeyItem, str] | None:
        for start, end, item, key in self._targets:
            if start <= x < end:
                return item, key
        return None

    def on_click(self, event: events.Click) -> None:
        target = self.target_at(event.x)
        if target is None:
            return
        item, key = target
        event.stop()
        if item.enabled:
            self.app.simulate_key(key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        target = self.target_at(event.x)
        self.tooltip = target[0].tooltip if target else None
