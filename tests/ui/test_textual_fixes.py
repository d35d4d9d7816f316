"""The Textual fixes: each one changes what it says (and its check fails without it), each
stands aside on a Textual it was not written for, and importing ``qwen_tui.ui`` installs them."""

from __future__ import annotations

import asyncio
import gc
import logging
import subprocess
import sys
import weakref

import pytest
import textual
from rich.segment import Segment
from textual import _time
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.strip import Strip
from textual.timer import EventTargetGone, Timer
from textual.widget import Widget

from qwen_tui.ui import textual_fixes
from qwen_tui.ui.textual_fixes import (FIXES, covered_lines, installed, one_layout, scroll_repaint, strip_cycles,
                                       styles_cache_colors, timer_ticks)
from qwen_tui.ui.textual_fixes.guarded_patch import GuardedPatch
from qwen_tui.ui.textual_fixes.one_layout import LaidOutOnce


def without(fix: GuardedPatch, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual as it is without ``fix`` (restored after the test)."""
    if not fix.in_effect:
        return
    if fix.replaced is not None:
        monkeypatch.setattr(fix.owner, fix.attribute, fix.replaced)
    else:
        monkeypatch.delattr(fix.owner, fix.attribute)
    assert not fix.in_effect


ALL_IN_EFFECT = {"strip_cycles": True, "timer_ticks": True, "one_layout": True, "styles_cache_colors": True,
                 "scroll_repaint": True, "covered_lines": True}


def test_every_fix_is_in_effect_on_the_tested_textual() -> None:
    assert installed() == ALL_IN_EFFECT, (
        f"a fix stood aside ({[(fix.name, fix.stood_aside) for fix in FIXES]}): see textual_fixes' docstring"
    )


def test_install_is_idempotent() -> None:
    before = (Strip.__dict__["divide"], Timer.__dict__["_run"], LaidOutOnce.__dict__["_size_updated"])
    assert textual_fixes.install() == installed()
    assert textual_fixes.install() == installed()
    assert (Strip.__dict__["divide"], Timer.__dict__["_run"], LaidOutOnce.__dict__["_size_updated"]) == before
    assert strip_cycles.PATCH.replaced is not strip_cycles.PATCH.replacement  # Textual's, not our own


def test_importing_qwen_tui_ui_installs_the_fixes() -> None:
    script = (
        "from textual.strip import Strip; from textual.timer import Timer\n"
        "divide, run = Strip.divide, Timer._run\n"
        "import qwen_tui.ui\n"
        "from qwen_tui.ui.textual_fixes import installed\n"
        "print(installed(), Strip.divide is not divide, Timer._run is not run)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split("}")[0] + "}" == str(ALL_IN_EFFECT)
    assert done.stdout.split("}")[1].split() == ["True", "True"]


# ------------------------------------------------------------------ strip_cycles


def check_painted_lines_leave_no_garbage() -> None:
    gc.collect()
    gc.disable()
    try:
        for n in range(2_000):
            strip = Strip([Segment(f"line {n:04d} "), Segment("tail")], 14)
            assert strip.divide([14]) == [strip]  # the compositor's whole-line cut
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 100, f"{unreachable} objects left in cycles by 2,000 painted lines"


def test_strip_cycles_painted_lines_leave_no_garbage() -> None:
    check_painted_lines_leave_no_garbage()


def test_strip_cycles_check_fails_without_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    without(strip_cycles.PATCH, monkeypatch)
    with pytest.raises(AssertionError, match="objects left in cycles"):
        check_painted_lines_leave_no_garbage()


def test_strip_cycles_partial_cuts_unchanged() -> None:
    strip = Strip([Segment("hello "), Segment("world")], 11)
    parts = strip.divide([3, 8, 11])
    assert [part.text for part in parts] == ["hel", "lo wo", "rld"]
    assert strip.divide([3, 8, 11]) is parts  # Textual's cache still serves the other cuts
    assert strip.divide([11, 20]) == [strip]


# ------------------------------------------------------------------ timer_ticks


class Target:
    """A stand-in for the widget a timer belongs to (the timer keeps a weak reference)."""


async def check_next_tick_after_a_stall(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1 s timer on a fake clock; the first tick's work takes until 5.3 s: the next tick is
    the next boundary, 6 s (Textual 8.2 alone: 7 s)."""
    clock = [0.0]
    monkeypatch.setattr(_time, "get_time", lambda: clock[0])

    async def fake_sleep(seconds: float) -> None:
        clock[0] += max(seconds, 0.0)
        await asyncio.sleep(0)

    monkeypatch.setattr(timer_ticks, "sleep", fake_sleep)
    monkeypatch.setattr("textual.timer.sleep", fake_sleep)
    timer = Timer(Target(), 1.0)
    ticks: list[float] = []

    async def tick(*, next_timer: float, count: int) -> None:
        ticks.append(clock[0])
        if len(ticks) == 1:
            clock[0] = 5.3  # a stall: the ticks at 2 s to 5 s have passed
        else:
            raise EventTargetGone  # ends the timer's loop

    timer._tick = tick  # type: ignore[method-assign]
    await asyncio.wait_for(timer._run(), timeout=5)
    assert ticks[:2] == [1.0, 6.0]


async def test_timer_ticks_next_tick_after_a_stall_is_the_next_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    await check_next_tick_after_a_stall(monkeypatch)


async def test_timer_ticks_check_fails_without_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    without(timer_ticks.PATCH, monkeypatch)
    with pytest.raises(AssertionError, match=r"7\.0"):
        await check_next_tick_after_a_stall(monkeypatch)


async def check_a_passed_one_shot_timer_still_fires(monkeypatch: pytest.MonkeyPatch) -> None:
    """``set_timer``'s timer (``repeat=0``) of 1 µs, on a clock that moves 1 ms between reads (the
    task preempted): its one tick comes, at once (Textual 8.2 alone: never)."""
    clock = [0.0]

    def get_time() -> float:
        clock[0] += 0.001
        return clock[0]

    monkeypatch.setattr(_time, "get_time", get_time)
    timer = Timer(Target(), 1e-6, repeat=0)
    ticks: list[int] = []

    async def tick(*, next_timer: float, count: int) -> None:
        ticks.append(count)

    timer._tick = tick  # type: ignore[method-assign]
    await asyncio.wait_for(timer._run(), timeout=5)
    assert ticks == [1], f"the one-shot timer ticked {len(ticks)} times"


async def test_timer_ticks_a_passed_one_shot_timer_still_fires(monkeypatch: pytest.MonkeyPatch) -> None:
    await check_a_passed_one_shot_timer_still_fires(monkeypatch)


async def test_timer_ticks_one_shot_check_fails_without_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    without(timer_ticks.PATCH, monkeypatch)
    with pytest.raises(AssertionError, match="ticked 0 times"):
        await check_a_passed_one_shot_timer_still_fires(monkeypatch)


async def test_timer_ticks_a_counted_interval_keeps_its_last_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    """An interval of 3 ticks stalled past all of them: it skips to its last tick, not past it."""
    clock = [0.0]
    monkeypatch.setattr(_time, "get_time", lambda: clock[0])

    async def fake_sleep(seconds: float) -> None:
        clock[0] += max(seconds, 0.0)
        await asyncio.sleep(0)

    monkeypatch.setattr(timer_ticks, "sleep", fake_sleep)
    timer = Timer(Target(), 1.0, repeat=2)
    ticks: list[float] = []

    async def tick(*, next_timer: float, count: int) -> None:
        ticks.append(clock[0])
        clock[0] = 9.5  # a stall past every later tick

    timer._tick = tick  # type: ignore[method-assign]
    await asyncio.wait_for(timer._run(), timeout=5)
    assert ticks == [1.0, 9.5]


# ------------------------------------------------------------------ one_layout


class Grower(LaidOutOnce, Widget):
    DEFAULT_CSS = "Grower { height: auto; }"
    rows = 5

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows

    def render_line(self, y: int) -> Strip:
        return Strip([Segment(f"line {y}")])


class Scroller(LaidOutOnce, VerticalScroll):
    """As the chat view: a scroll view that takes the mixin, holding a growing answer."""


class GrowApp(App):
    def compose(self) -> ComposeResult:
        with Scroller():
            yield Grower()


async def check_growing_repaints_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A widget that grows by ten lines is laid out twice (scrolling relies on the second) and
    sent to the screen once (Textual 8.2 alone: twice, the second update the same as the first)."""
    events: list[str] = []
    display, refresh_layout = App._display, Screen._refresh_layout

    def counted_display(self: App, screen: Screen, renderable: object) -> None:
        if renderable is not None:
            events.append("paint")
        display(self, screen, renderable)

    def counted_layout(self: Screen, *args: object, **kwargs: object) -> None:
        events.append("layout")
        refresh_layout(self, *args, **kwargs)

    monkeypatch.setattr(App, "_display", counted_display)
    monkeypatch.setattr(Screen, "_refresh_layout", counted_layout)
    app = GrowApp()
    async with app.run_test(size=(40, 30)) as pilot:
        grower = app.query_one(Grower)
        await pilot.pause()
        await pilot.pause()
        events.clear()
        grower.rows = 15
        grower.refresh(layout=True)
        for _ in range(5):
            await pilot.pause(0.02)
        assert grower.size.height == 15
    assert events.count("layout") == 2, events
    assert events.count("paint") == 1, f"repainted {events.count('paint')} times: {events}"


async def test_one_layout_growing_repaints_once(monkeypatch: pytest.MonkeyPatch) -> None:
    await check_growing_repaints_once(monkeypatch)


async def test_one_layout_check_fails_without_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    without(one_layout.PATCH, monkeypatch)
    with pytest.raises(AssertionError, match="repainted 2 times"):
        await check_growing_repaints_once(monkeypatch)


def test_one_layout_is_taken_by_the_growing_widgets() -> None:
    from qwen_tui.ui.render.markdown_stream import StreamingMarkdown
    from qwen_tui.ui.widgets.chat_view import AssistantMessage, ChatView

    for widget in (StreamingMarkdown, AssistantMessage, ChatView):
        assert widget._size_updated is one_layout.PATCH.replacement, widget


# ------------------------------------------------------------------ standing aside


def upstream_of(fix: GuardedPatch):
    owner, attribute = fix.upstream or (fix.owner, fix.attribute)
    return getattr(owner, attribute)


@pytest.mark.parametrize("fix", FIXES, ids=[fix.name for fix in FIXES])
def test_a_changed_source_hash_stands_aside(
    fix: GuardedPatch, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    without(fix, monkeypatch)
    textual_before = fix.owner.__dict__.get(fix.attribute)
    monkeypatch.setattr(fix, "sha256", "0" * 64)  # as if Textual's function had changed
    monkeypatch.setattr(fix, "stood_aside", None)
    with caplog.at_level(logging.DEBUG, logger=fix.module):
        assert fix.install() is False
        assert fix.install() is False
    assert fix.owner.__dict__.get(fix.attribute) is textual_before  # Textual untouched
    assert installed()[fix.name] is False
    lines = [record for record in caplog.records if record.name == fix.module]
    assert len(lines) == 1 and lines[0].levelno == logging.DEBUG
    assert "changed" in lines[0].getMessage() and fix.name in lines[0].getMessage()


@pytest.mark.parametrize("fix", FIXES, ids=[fix.name for fix in FIXES])
def test_a_changed_upstream_function_stands_aside(fix: GuardedPatch, monkeypatch: pytest.MonkeyPatch) -> None:
    without(fix, monkeypatch)
    owner, attribute = fix.upstream or (fix.owner, fix.attribute)
    original = upstream_of(fix)

    def renamed_inside(*args, **kwargs):  # Textual's function, edited
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, attribute, renamed_inside)
    monkeypatch.setattr(fix, "stood_aside", None)
    assert fix.install() is False
    assert getattr(owner, attribute) is renamed_inside
    assert "changed" in (fix.stood_aside or "")


@pytest.mark.parametrize("fix", FIXES, ids=[fix.name for fix in FIXES])
def test_an_untested_textual_version_stands_aside(fix: GuardedPatch, monkeypatch: pytest.MonkeyPatch) -> None:
    without(fix, monkeypatch)
    monkeypatch.setattr(textual, "__version__", "8.3.0", raising=False)
    monkeypatch.setattr(fix, "stood_aside", None)
    assert fix.install() is False
    assert "8.3.0 is outside the tested range" in (fix.stood_aside or "")
    assert not fix.in_effect


# ------------------------------------------------------------------ private Textual API relied on


async def test_the_private_textual_api_listed_in_the_package_docstring_is_there() -> None:
    """``qwen_tui.ui.paint_now`` and ``ChatView._preload_styles`` fall back quietly (a frame
    later) when these go: this says so on the Textual that dropped them."""
    from qwen_tui.ui.render.markdown_stream import StreamingMarkdown

    app = GrowApp()
    async with app.run_test(size=(40, 30)):
        assert isinstance(app._batch_count, int)
        assert isinstance(app.screen._dirty_widgets, set)
        assert callable(app.screen._on_timer_update)
        probe = StreamingMarkdown.__new__(StreamingMarkdown)
        sources = probe._get_default_css()
        assert any("StreamingMarkdown" in css for _, css, _, _ in sources)
        assert isinstance(app.screen._scroll_required, bool)
        assert isinstance(app.query_one(Grower)._scroll_required, bool)
    for name in ("_batch_count", "_dirty_widgets", "_on_timer_update", "_scroll_required", "_get_default_css"):
        assert name in textual_fixes.__doc__


# ------------------------------------------------------------------ styles_cache_colors


def check_a_painted_widgets_lines_go_with_it() -> None:
    """What a widget's every painted line does (``StylesCache.render_line`` asks for the
    background styles), then the widget is gone: its cache, and the lines it holds, must go."""
    from textual._styles_cache import StylesCache
    from textual.color import Color

    cache = StylesCache()
    cache._cache[0] = Strip([Segment("painted line")], 12)
    cache.get_inner_outer(Color(20, 20, 28), Color(30, 30, 40))
    held = weakref.ref(cache)
    del cache
    gc.collect()
    assert held() is None, "a removed widget's rendered lines are still in memory"


def test_styles_cache_colors_a_painted_widgets_lines_go_with_it() -> None:
    check_a_painted_widgets_lines_go_with_it()


def test_styles_cache_colors_check_fails_without_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    without(styles_cache_colors.PATCH, monkeypatch)
    with pytest.raises(AssertionError, match="still in memory"):
        check_a_painted_widgets_lines_go_with_it()


def test_styles_cache_colors_same_styles_as_textual() -> None:
    from textual.color import Color

    upstream = styles_cache_colors.PATCH.replaced
    base, background = Color(20, 20, 28), Color(200, 10, 10, 0.5)
    ours = styles_cache_colors.PATCH.replacement(None, base, background)
    assert ours == upstream(object(), base, background)


# ------------------------------------------------------------------ scroll_repaint


class ScrolledBesideASidebar(App):
    CSS = "#side { dock: left; width: 20; } #view { width: 1fr; }"

    def compose(self) -> ComposeResult:
        from textual.widgets import Static

        yield Static("sidebar", id="side")
        with VerticalScroll(id="view"):
            for n in range(100):
                yield Static(f"line {n}")


async def check_a_scroll_repaints_only_the_view() -> None:
    """A scroll after the compositor rebuilt its full map (what any question about a widget off
    screen does): only the scrolled view is dirty, not the sidebar, not the whole screen."""
    app = ScrolledBesideASidebar()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        screen, view = app.screen, app.query_one("#view")
        compositor = screen._compositor
        compositor._full_map_invalidated = True
        assert compositor.full_map and compositor._visible_map is None  # the rebuild drops the visible map
        view.scroll_to(y=10, animate=False, immediate=True)
        compositor._dirty_regions.clear()
        compositor.reflow_visible(screen, screen.size)
        dirty = set(compositor._dirty_regions)
        assert dirty, "the scroll repainted nothing"
        assert screen.size.region not in dirty and all(region.x >= 20 for region in dirty), (
            f"the whole screen is repainted for a scroll of the view: {sorted(dirty)}")


async def test_scroll_repaint_a_scroll_repaints_only_the_view() -> None:
    await check_a_scroll_repaints_only_the_view()


async def test_scroll_repaint_check_fails_without_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    without(scroll_repaint.PATCH, monkeypatch)
    with pytest.raises(AssertionError, match="whole screen is repainted"):
        await check_a_scroll_repaints_only_the_view()


# ------------------------------------------------------------------ covered_lines


class NestedBehindAToast(App):
    """A scrolled view with padding inside two containers, beside a sidebar, and a notice on a
    layer above: containers covered by their children, and a widget covered by another layer."""

    CSS = """
    #side { dock: left; width: 16; height: 100%; }
    #outer, #inner { height: 1fr; }
    #view { padding: 0 1; height: 1fr; }
    #notice { layer: above; offset: 30 3; width: 20; height: 3; background: red; }
    Screen { layers: below above; }
    """

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical
        from textual.widgets import Static

        yield Static("sidebar\n" * 5, id="side")
        with Vertical(id="outer"), Vertical(id="inner"), VerticalScroll(id="view"):
            for n in range(60):
                yield Static(f"line {n} " + "x" * (n % 40))
        yield Static("a notice", id="notice")


def upstream_chops(compositor, crop, is_rendered_line):
    return covered_lines.PATCH.replaced(compositor, crop, is_rendered_line)


async def test_covered_lines_the_screen_is_what_textual_composes() -> None:
    """Full and partial updates, before and after a scroll: the same pieces on every cut."""
    app = NestedBehindAToast()
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause()
        screen = app.screen
        compositor = screen._compositor
        view = app.query_one("#view")
        for scroll in (0, 7, 23):
            view.scroll_to(y=scroll, animate=False, immediate=True)
            await pilot.pause()
            rows = {2, 3, 4, 9, 15}
            for crop, rendered in ((screen.size.region, lambda y: True),
                                   (Region(10, 2, 40, 14), rows.__contains__)):
                ours = compositor._render_chops(crop, rendered)
                theirs = upstream_chops(compositor, crop, rendered)
                for y in range(screen.size.height):
                    if not (rendered(y) and crop.y <= y < crop.bottom):
                        continue
                    ends = compositor.cuts[y][1:]
                    sent = [(x, ours[y][x]) for x, end in zip(ours[y], ends) if end > crop.x and x < crop.right]
                    assert sent == [(x, theirs[y][x]) for x, _ in sent], f"row {y} after a scroll to {scroll}"
                    assert all(piece is not None for _, piece in sent)


async def check_covered_containers_are_not_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows each widget is asked to render, by id, during one full update."""
    from collections import Counter

    asked: Counter = Counter()
    render_lines = Widget.render_lines

    def counted(self, crop):
        asked[self.id or type(self).__name__] += crop.height
        return render_lines(self, crop)

    app = NestedBehindAToast()
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(Widget, "render_lines", counted)
        app.screen._compositor.render_update(full=True)
        monkeypatch.setattr(Widget, "render_lines", render_lines)
    assert asked["side"] == 20 and asked["notice"] == 3
    # The view shows in its padding, the containers around it nowhere.
    assert asked["view"] == 20
    assert asked["outer"] == 0 and asked["inner"] == 0 and asked["Screen"] == 0, (
        f"covered widgets rendered: {dict(asked)}")


async def test_covered_lines_covered_containers_are_not_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    await check_covered_containers_are_not_rendered(monkeypatch)


async def test_covered_lines_check_fails_without_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    without(covered_lines.PATCH, monkeypatch)
    with pytest.raises(AssertionError, match="covered widgets rendered"):
        await check_covered_containers_are_not_rendered(monkeypatch)
