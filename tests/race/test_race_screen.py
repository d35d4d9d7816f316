"""The race screen with Pilot: live lanes, the ranking, Escape, stopping one lane, keeping an
answer. Behaviour against the simulator (real HTTP); snapshots with scripted providers."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from textual.app import App

from qwen_tui.config import default_config
from qwen_tui.demo import start_demo
from qwen_tui.providers.base import Message
from qwen_tui.providers.registry import build_provider
from qwen_tui.race import Race
from qwen_tui.sim import Fault, Simulator
from qwen_tui.ui.screens.race import RacePick, RaceProviders, RaceScreen
from tests.ui.fakes import Script, ScriptedProvider

REPLY = "Lane answer.\n```python\nprint('hi')\n```\n" + "More words here. " * 20 + "\nEnd.\n"


class RaceApp(App):
    def __init__(self, screen) -> None:
        super().__init__()
        self.race_screen = screen
        self.result: object = "pending"

    def on_mount(self) -> None:
        self.push_screen(self.race_screen, callback=self._done)

    def _done(self, result) -> None:
        self.result = result


@pytest.fixture
async def sim_providers(sim: Simulator):
    _, config = start_demo(default_config(), sim, paced=False)
    made = []

    def make(*specs: tuple[str, float, float]):
        for name, ttft, tps in specs:
            sim.set_knobs(provider=name, ttft_ms=ttft, tps=tps, reply=REPLY, chunk_chars=4)
            made.append(build_provider(config.providers[name]))
        return made

    yield make
    for provider in made:
        await provider.aclose()


async def finished(pilot, screen: RaceScreen, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if screen.report is not None:
            break
        await asyncio.sleep(0.02)
    assert screen.report is not None, "the race did not end"
    for lane in screen.lanes:
        await lane.body.wait_rendered()
    await pilot.pause()


def race_of(providers, question: str = "Which is faster?") -> RaceScreen:
    race = Race(providers, [p.settings.model for p in providers], [Message("user", question)])
    return RaceScreen(question, race)


@pytest.mark.parametrize("specs", [
    [("sambanova", 20.0, 800.0), ("ollama", 150.0, 300.0)],
    [("blaxel", 260.0, 500.0), ("huggingface", 190.0, 500.0), ("ollama", 110.0, 500.0), ("sambanova", 30.0, 500.0)],
], ids=["2 lanes", "4 lanes"])
@pytest.mark.timing
async def test_the_lanes_stream_and_the_ranking_follows_their_ttfts(sim_providers, specs):
    screen = race_of(sim_providers(*specs))
    app = RaceApp(screen)
    async with app.run_test(size=(160, 48)) as pilot:
        await finished(pilot, screen)
        assert all(lane.lane.outcome == "complete" for lane in screen.lanes)
        assert [lane.body.text for lane in screen.lanes] == [REPLY] * len(specs)
        by_ttft = [name for name, _, _ in sorted(specs, key=lambda s: s[1])]
        assert [lane.name for lane in screen.report.ranking()] == by_ttft
        ranking = str(screen._ranking.render())
        assert ranking.index("1. [") < ranking.index(by_ttft[0]) < ranking.index(by_ttft[-1])
        assert screen.query_one("#lanes").has_class("columns")  # 160 columns: side by side
        header = str(screen.lanes[0].header.render())
        assert "TTFT" in header and "tokens" in header


async def test_one_lane_failing_mid_stream_shows_its_error_while_the_others_finish(sim_providers, sim):
    providers = sim_providers(("sambanova", 20.0, 600.0), ("ollama", 60.0, 600.0))
    sim.push_fault(Fault("drop", after_tokens=5), provider="ollama")
    screen = race_of(providers)
    app = RaceApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished(pilot, screen)
        failed, ok = screen.lanes[1], screen.lanes[0]
        assert ok.lane.outcome == "complete" and ok.body.text == REPLY
        assert failed.lane.outcome == "error" and failed.error.has_class("shown")
        assert failed.body.text and REPLY.startswith(failed.body.text)  # what arrived is kept
        assert [lane.name for lane in screen.report.ranking()] == ["sambanova", "ollama"]
        assert not screen.query_one("#lanes").has_class("columns")  # 80 columns: stacked


async def test_escape_stops_every_lane_keeping_what_arrived_then_closes(sim_providers):
    providers = sim_providers(("sambanova", 10.0, 40.0), ("ollama", 10.0, 40.0))
    screen = race_of(providers)
    app = RaceApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if all(lane.lane.parts for lane in screen.lanes):
                break
            await asyncio.sleep(0.02)
        await pilot.press("escape")
        await finished(pilot, screen)
        assert [lane.lane.outcome for lane in screen.lanes] == ["cancelled", "cancelled"]
        assert all(lane.body.text and len(lane.body.text) < len(REPLY) for lane in screen.lanes)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.result, RacePick) and app.result.kept is None


async def test_x_stops_only_the_focused_lane(sim_providers):
    providers = sim_providers(("sambanova", 10.0, 40.0), ("ollama", 10.0, 2000.0))
    screen = race_of(providers)
    app = RaceApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        screen.lanes[0].focus()
        for _ in range(200):
            if screen.lanes[0].lane.parts:
                break
            await asyncio.sleep(0.02)
        await pilot.press("x")
        await finished(pilot, screen)
        assert screen.lanes[0].lane.outcome == "cancelled"
        assert screen.lanes[1].lane.outcome == "complete" and screen.lanes[1].body.text == REPLY


async def test_a_number_keeps_that_answer(sim_providers):
    providers = sim_providers(("sambanova", 10.0, 0), ("ollama", 30.0, 0))
    screen = race_of(providers)
    app = RaceApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("1")  # while running: nothing to keep yet
        await finished(pilot, screen)
        await pilot.press("2")
        await pilot.pause()
        pick = app.result
        assert isinstance(pick, RacePick) and pick.kept == 1
        assert pick.lanes[1].name == "ollama" and pick.lanes[1].text == REPLY
        assert pick.question == "Which is faster?"


async def test_the_provider_picker_needs_two_to_four():
    picker = RaceProviders([("a", "m1"), ("b", "m2"), ("c", "m3")], last=["a"])
    app = RaceApp(picker)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert app.result == "pending"  # one ticked: not enough
        assert "Tick 2 to 4" in str(picker.query_one(".race-hint").render())
        await pilot.press("down", "space", "enter")
        await pilot.pause()
        assert app.result == ["a", "b"]


# -- snapshots: scripted lanes, a fixed clock ------------------------------------------------
ANSWER = ["Use a **set**:\n\n", "```python\n", "def unique(xs):\n", "    return set(xs)\n", "```\n", "Done."]


def scripted_race(n: int) -> RaceScreen:
    speeds = [(120.0, 250.0), (340.0, 90.0), (80.0, 600.0), (500.0, 45.0)]
    names = ["sambanova", "huggingface", "ollama", "blaxel"]
    providers = [ScriptedProvider(names[i], f"model-{i + 1}", script=Script(chunks=ANSWER, ttft_ms=t, tps=r))
                 for i, (t, r) in enumerate(speeds[:n])]
    ticks = itertools.count()
    race = Race(providers, [p.settings.model for p in providers], [Message("user", "dedupe a list")],
                clock=lambda: next(ticks) * 0.25)
    return RaceScreen("dedupe a list", race)


@pytest.mark.parametrize("size, n", [((80, 24), 2), ((160, 48), 4)], ids=["80x24-stacked", "160x48-columns"])
def test_race_snapshot(snap_compare, size, n):
    async def run_before(pilot) -> None:
        screen = pilot.app.race_screen
        await finished(pilot, screen)
        await asyncio.sleep(0.1)  # each answer comes down to its text after its last paint
        await pilot.pause()

    screen = scripted_race(n)
    screen.lanes[0].started = 0.0
    assert snap_compare(RaceApp(screen), terminal_size=size, run_before=run_before)


async def test_each_lane_ends_with_its_last_line_in_view_unless_the_user_scrolled_up(sim_providers):
    from textual.containers import VerticalScroll

    screen = race_of(sim_providers(("sambanova", 10.0, 2000.0), ("ollama", 10.0, 150.0)))
    app = RaceApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:  # stacked: each lane a few rows high
        for _ in range(500):
            if screen.lanes[1].query_one(VerticalScroll).max_scroll_y > 3:
                break
            await asyncio.sleep(0.01)
        screen.lanes[1].on_mouse_scroll_up()  # the user reads the second lane from its start
        screen.lanes[1].query_one(VerticalScroll).scroll_home(animate=False)
        await finished(pilot, screen)
        await pilot.pause(0.1)
        first, second = (lane.query_one(VerticalScroll) for lane in screen.lanes)
        assert first.max_scroll_y > 0 and first.scroll_y == first.max_scroll_y
        assert second.max_scroll_y > 0 and second.scroll_y == 0


# -- the cost of four lanes: one frame for all, pages, no full collection before the ranking ---


async def test_a_lane_takes_its_column_at_once_and_grows_a_page_at_a_time(sim_providers, sim):
    from textual.containers import VerticalScroll as LaneView

    providers = sim_providers(("sambanova", 10.0, 1500.0), ("ollama", 10.0, 1500.0))
    for name in ("sambanova", "ollama"):
        sim.set_knobs(provider=name, reply="".join(f"line {n}\n\n" for n in range(150)), chunk_chars=4)
    screen = race_of(providers)
    app = RaceApp(screen)
    async with app.run_test(size=(160, 48)) as pilot:
        heights, rooms = set(), set()
        for _ in range(400):
            await asyncio.sleep(0.01)
            if screen.report is not None:
                break
            body = screen.lanes[0].body
            if body.text and not body.finished:  # once finished it settles to its text's height
                heights.add(body.size.height)
                view = screen.lanes[0].query_one(LaneView)
                rooms.add((body.room, body.grow_step, view.scrollable_content_region.height))
        assert len(rooms) == 1
        ((room, step, view_height),) = rooms
        assert room == view_height and step == room - 3  # the column's height, then a page less 3 rows
        assert all(h == room or (h - room) % step == 0 for h in heights)
        assert len(heights) >= 3  # it grew, by pages
        await finished(pilot, screen)


async def test_answers_sharing_frames_catch_up_in_the_same_frame():
    from qwen_tui.ui.render.markdown_stream import SharedFrames, StreamingMarkdown

    frames = SharedFrames(0.5)
    bodies = [StreamingMarkdown(), StreamingMarkdown()]
    for body in bodies:
        body.frames = frames

    class Two(App):
        def compose(self):
            yield from bodies

    async with Two().run_test(size=(80, 24)) as pilot:
        for body in bodies:
            body.append("first ")  # an answer's first text is shown at once, not at the frame
        await pilot.pause()
        assert all(body._lines for body in bodies)
        bodies[0].append("more")  # a frame starts: the next is 0.5 s after it
        await pilot.pause()
        bodies[0].append(" and more")
        await asyncio.sleep(0.03)
        bodies[1].append("more")  # later: on its own clock it would be shown at once
        for body in bodies:
            await body.wait_rendered()
        flushed = [body._last_flush for body in bodies]
        assert abs(flushed[0] - flushed[1]) < 0.01  # the same frame
        assert all("more" in body.render_line(0).text for body in bodies)


async def test_no_full_collection_runs_until_the_ranking_is_on_screen():
    import gc

    before = gc.get_threshold()
    screen = scripted_race(2)
    at_last_end: list[tuple[int, int, int]] = []
    on_done = screen.on_done

    def record(index, lane):
        if all(lane.outcome != "pending" for lane in screen.race.lanes):
            at_last_end.append(gc.get_threshold())
        on_done(index, lane)

    screen.on_done = record
    async with RaceApp(screen).run_test(size=(160, 48)) as pilot:
        await finished(pilot, screen)
        await pilot.pause(0.1)
        assert at_last_end and at_last_end[0][2] >= 1_000_000  # the last lane's end is painted first
        assert gc.get_threshold() == before  # and the collector is back once the ranking shows
