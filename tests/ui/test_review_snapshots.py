"""Snapshots of a diff review at 80x24 and 120x40 (unified) and 160x40 (side by side), over the
real app with a fixed clock; the proposal is built by the edit engine from two versions of a
file, and the screen is taken once the code is highlighted."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.tools.edits import propose
from qwen_tui.ui.screens.edit_review import EditReview
from qwen_tui.ui.widgets.diff_view import DiffView

from .test_snapshots import make, ready

BEFORE = "".join(f"def step_{i}(value):\n    return value + {i}\n\n\n" for i in range(12))
AFTER = BEFORE.replace("return value + 3\n", "# three is special\n    return value * 3\n").replace(
    "def step_9(value):\n    return value + 9\n", "def step_9(value, extra=0):\n    return value + 9 + extra\n")


def proposal(project: Path):
    real = project / "src" / "steps.py"
    return propose("src/steps.py", real, BEFORE.encode(), AFTER.encode(), 0o644, "edit_file")


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40"),
                                  pytest.param((160, 40), id="160x40-side-by-side")])
def test_diff_review(snap_compare, project, size):
    async def run_before(pilot):
        await ready(pilot)
        pilot.app.push_screen(EditReview(proposal(project)))
        await pilot.pause()
        view = pilot.app.screen.query_one(DiffView)
        for _ in range(200):
            if view.highlighter is not None:
                break
            await pilot.pause(0.01)
        assert view.highlighter is not None and view.split == (size[0] >= 160)
        await pilot.pause()

    assert snap_compare(make(project), terminal_size=size, run_before=run_before)
