"""The key bar: the screen's bindings on one line, in the first frame, repainted only when
they change, and a click on a key presses it."""

from __future__ import annotations

from qwen_tui.ui.widgets.file_tree import ProjectTree
from qwen_tui.ui.widgets.key_bar import KeyBar
from qwen_tui.ui.widgets.prompt import PromptInput
from qwen_tui.ui.screens.provider_picker import ProviderPicker


def bar_text(app) -> str:
    return app.query_one(KeyBar).render().plain


async def test_the_bar_is_in_the_first_frame(make_app):
    app = make_app(check_health=False, load_metrics=False)
    async with app.run_test(size=(120, 40)):
        # no pause: the first frame is painted, and the keys are on it (Textual's Footer mounted
        # its keys a frame later, after the bindings signal)
        text = bar_text(app)
        assert "f2 f4 f5 Providers" in text
        assert "esc ^r f8 f9 f3 ^n Chat" in text
        assert text.endswith("▏^p ")


async def test_whole_items_only_and_the_palette_label_when_there_is_room(make_app):
    app = make_app(check_health=False, load_metrics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert len(text) == 80
        assert "f3 ^n Chat" in text
        assert "^g" not in text and "Files" not in text  # the item that does not fit is left out whole
        await pilot.resize_terminal(200, 24)
        await pilot.pause()
        text = bar_text(app)
        assert "^b Side panels" in text and text.endswith("▏^p Command palette ")


async def test_focus_changes_the_keys_and_repaints_only_when_they_change(make_app):
    app = make_app(check_health=False, load_metrics=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        assert "ctrl+j Prompt" in bar_text(app)
        before = bar.repaints
        app.query_one(ProjectTree).focus()
        await pilot.pause()
        assert "ctrl+j" not in bar_text(app)
        assert bar.repaints == before + 1
        app.refresh_bindings()  # the same bindings again: nothing to repaint
        await pilot.pause()
        assert bar.repaints == before + 1
        app.query_one(PromptInput).focus()
        await pilot.pause()
        assert "ctrl+j Prompt" in bar_text(app)
        assert bar.repaints == before + 2


async def test_a_click_on_a_key_presses_it(make_app):
    app = make_app(check_health=False, load_metrics=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        x = bar_text(app).index("f2")
        bar = app.query_one(KeyBar)
        assert bar.target_at(x)[1] == "f2" and bar.target_at(x + 3)[1] == "f4"
        assert bar.target_at(x + 2) is None  # the space between two keys of a group
        await pilot.click(KeyBar, offset=(x, 0))
        await pilot.pause()
        assert isinstance(app.screen, ProviderPicker)
