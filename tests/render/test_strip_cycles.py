"""Lines the compositor paints must be freed by reference counting, not left to the collector."""

from __future__ import annotations

import gc

from rich.segment import Segment
from textual.strip import Strip

from qwen_tui.ui.textual_fixes import strip_cycles


def painted_lines(count: int) -> None:
    for n in range(count):
        strip = Strip([Segment(f"line {n:04d} "), Segment("tail")], 14)
        assert strip.divide([14]) == [strip]  # the compositor's whole-line cut


def test_whole_line_divide_leaves_no_garbage() -> None:
    strip_cycles.install()
    gc.collect()
    gc.disable()
    try:
        painted_lines(2_000)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 100, f"{unreachable} objects left in cycles by 2,000 painted lines"


def test_partial_cuts_unchanged() -> None:
    strip_cycles.install()
    strip = Strip([Segment("hello "), Segment("world")], 11)
    parts = strip.divide([3, 8, 11])
    assert [part.text for part in parts] == ["hel", "lo wo", "rld"]
    assert strip.divide([3, 8, 11]) is parts  # Textual's cache still serves the other cuts
    assert strip.divide([11, 20]) == [strip]
