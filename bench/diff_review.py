"""How long a 2,000-line diff takes to be on screen once an edit call has arrived.

In a headless Textual app the size of the TUI, each run times, from the moment the review is
asked for (what ``ChatSink.approve`` does), the first frame that shows ``EditReview`` with its
diff, rendered to the escape sequences a terminal would get (as ``App._display`` does). The floor,
in the same run, is an empty ``ModalScreen`` pushed the same way. Also timed: the edit engine's
proposal (the diff itself, computed in the tool's thread before the review is asked for) and the
frame once the code is highlighted (the lexer is looked up in a thread).

    uv run python bench/diff_review.py            # 9 runs per case
    uv run python bench/diff_review.py --runs 3

It prints its figures; docs/benchmarks.md is not touched.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path
from time import perf_counter

from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qwen_tui.tools.edits import propose  # noqa: E402

LINES = 1_000  # every line changed: 1,000 removed + 1,000 added = a 2,000-line diff


def two_versions(lines: int = LINES) -> tuple[bytes, bytes]:
    before = "".join(f"    value_{n} = compute(items[{n}], factor={n % 13})  # step {n}\n" for n in range(lines))
    after = "".join(f"    value_{n} = compute(items[{n}], factor={n % 7}, fast=True)  # step {n}\n"
                    for n in range(lines))
    return before.encode(), after.encode()


class Empty(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Static("empty")


class BenchApp(App[None]):
    """Tells ``frame_of`` when a frame of a given screen has been rendered."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: tuple[Screen, asyncio.Future[float], object] | None = None
        self.code_theme = "monokai"

    def compose(self) -> ComposeResult:
        yield Static("the chat would be here")

    def _display(self, screen: Screen, renderable) -> None:  # noqa: ANN001
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.console)  # what a terminal would be sent
            if self.waiting is not None:
                target, future, ready = self.waiting
                if screen is target and not future.done() and (ready is None or ready()):
                    future.set_result(perf_counter())
        super()._display(screen, renderable)

    async def frame_of(self, build, ready=None) -> tuple[float, Screen]:  # noqa: ANN001
        """ms from now until the first frame of the screen ``build()`` makes (after ``ready()``)."""
        start = perf_counter()
        screen = build()
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting = (screen, future, ready)
        self.push_screen(screen)
        shown = await asyncio.wait_for(future, 10)
        self.waiting = None
        return (shown - start) * 1000, screen

    async def next_frame_when(self, screen: Screen, ready) -> float:  # noqa: ANN001
        start = perf_counter()
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting = (screen, future, ready)
        screen.refresh()
        shown = await asyncio.wait_for(future, 10)
        self.waiting = None
        return (shown - start) * 1000


async def measure(size: tuple[int, int], runs: int) -> dict[str, object]:
    before, after = two_versions()
    out: dict[str, object] = {"size": f"{size[0]}x{size[1]}"}
    proposal_ms = []
    for _ in range(runs):
        t = perf_counter()
        proposal = propose("src/steps.py", ROOT / "src" / "steps.py", before, after, 0o644, "edit_file")
        proposal_ms.append((perf_counter() - t) * 1000)
    out["diff_lines"] = proposal.diff.count("\n")
    out["propose_ms"] = statistics.median(proposal_ms)
    app = BenchApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        floor, review, highlighted = [], [], []
        for run in range(runs + 1):
            ms, screen = await app.frame_of(Empty)
            floor.append(ms)
            screen.dismiss(None)
            await pilot.pause()

            t = perf_counter()
            from qwen_tui.ui.screens.edit_review import EditReview  # as ChatSink.approve imports it (cold: once)
            from qwen_tui.ui.widgets.diff_view import DiffView

            import_ms = (perf_counter() - t) * 1000
            fresh = propose("src/steps.py", ROOT / "src" / "steps.py", before, after, 0o644, "edit_file")
            ms, screen = await app.frame_of(lambda: EditReview(fresh))  # noqa: B023
            view = screen.query_one(DiffView)
            ms_lit = ms
            if view.highlighter is None:
                t = perf_counter()
                for _ in range(500):
                    if view.highlighter is not None:
                        break
                    await asyncio.sleep(0.002)
                ms_lit = ms + (perf_counter() - t) * 1000 + await app.next_frame_when(screen, None)
            if run == 0:
                out["cold_review_ms"] = ms + import_ms
                out["cold_highlighted_ms"] = ms_lit + import_ms
                out["split"] = view.split
            else:
                review.append(ms)
                highlighted.append(ms_lit)
            screen.dismiss(None)
            await pilot.pause()
        out["floor_ms"] = statistics.median(floor[1:])
        out["review_ms"] = statistics.median(review)
        out["review_max_ms"] = max(review)
        out["highlighted_ms"] = statistics.median(highlighted)
    return out


async def main(runs: int) -> None:
    print(f"A {LINES * 2:,}-line diff (every line of a {LINES:,}-line file changed); median of {runs} runs,"
          " ms from the review being asked for to its first frame rendered")
    print(f"{'size':>8} {'layout':>13} {'propose':>8} {'floor':>7} {'review':>7} {'max':>6} {'lit':>6}"
          f" {'cold':>6} {'cold lit':>8}")
    for size in ((120, 40), (160, 48)):
        r = await measure(size, runs)
        print(f"{r['size']:>8} {'side by side' if r['split'] else 'unified':>13} {r['propose_ms']:>8.1f}"
              f" {r['floor_ms']:>7.1f} {r['review_ms']:>7.1f} {r['review_max_ms']:>6.1f} {r['highlighted_ms']:>6.1f}"
              f" {r['cold_review_ms']:>6.1f} {r['cold_highlighted_ms']:>8.1f}")
    print("propose: the edit engine's diff (in the tool's thread, before the review is asked for); floor: an empty\n"
          "ModalScreen; review: EditReview with the diff in its +/- colours; lit: the same once highlighted;\n"
          "cold: the first review of the process (imports included).")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    asyncio.run(main(parser.parse_args().runs))
