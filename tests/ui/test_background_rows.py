"""The chat view and the earlier turns' blank render their own rows once: Textual's own line,
repeated, and not when a border, an outline or a title makes the rows differ."""

from __future__ import annotations

import pytest
from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from qwen_tui.ui.widgets.background_rows import BackgroundRows


class Rows(BackgroundRows, VerticalScroll):
    DEFAULT_CSS = "Rows { padding: 0 2; background: $panel; }"


class RowsApp(App):
    def compose(self) -> ComposeResult:
        with Rows():
            for n in range(30):
                yield Static(f"line {n}")


def textual_lines(widget: Widget, crop: Region):
    widget._styles_cache.clear()
    return Widget.render_lines(widget, crop)


@pytest.mark.parametrize("style", [None, "round red", "title", "outline"])
async def test_the_rows_are_textuals_own(style, monkeypatch: pytest.MonkeyPatch) -> None:
    app = RowsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        rows = app.query_one(Rows)
        if style == "title":
            rows.border_title = "Chat"
            rows.styles.border = ("round", "red")
        elif style == "outline":
            rows.styles.outline = ("solid", "green")
        elif style:
            rows.styles.border = ("round", "red")
        await pilot.pause()
        crop = Region(1, 0, rows.size.width, rows.outer_size.height)
        rendered = []
        render_line = StylesCache.render_line

        def counted(self, *args, **kwargs):
            rendered.append(args[1])
            return render_line(self, *args, **kwargs)

        rows._styles_cache.clear()
        monkeypatch.setattr(StylesCache, "render_line", counted)
        ours = rows.render_lines(crop)
        monkeypatch.setattr(StylesCache, "render_line", render_line)
        assert ours == textual_lines(rows, crop)
        assert len(ours) == crop.height
        if style is None:
            assert rendered == [0]  # one row rendered, the rest the same strip
        else:
            assert len(rendered) == crop.height  # the edges differ: every row rendered, as Textual does
