"""Snapshots of a command's block in the chat: running (its last lines live) and finished
(folded under its exit line; unfolded with Enter), at 80x24 and 120x40."""

from __future__ import annotations

import pytest
from textual.app import App

from qwen_tui.ui.widgets.command_block import CommandBlock

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
OUTPUT = "".join(f"tests/test_{n:02d}.py::test_case PASSED\n" for n in range(1, 13)) + "collecting…"


class BlockApp(App):
    def __init__(self, state: str) -> None:
        super().__init__()
        self.state = state

    def compose(self):
        yield CommandBlock("pytest -q tests/")

    async def on_mount(self) -> None:
        block = self.query_one(CommandBlock)
        block.feed(OUTPUT)
        if self.state != "running":
            self.call_after_refresh(block.finish, "$ pytest -q tests/: exit 1 (13 lines, 2.4 s)")
        if self.state == "unfolded":
            block.focus()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", ["running", "finished", "unfolded"])
def test_command_block(snap_compare, size, state) -> None:
    async def run_before(pilot) -> None:
        await pilot.pause()
        await pilot.pause()
        if state == "unfolded":
            await pilot.press("enter")
            await pilot.pause()

    assert snap_compare(BlockApp(state), terminal_size=size, run_before=run_before)
