"""The screen paints on an interval timer: after a stall its next tick is the next boundary."""

from __future__ import annotations

import asyncio

import pytest
from textual import _time
from textual.timer import EventTargetGone, Timer

from qwen_tui.ui.textual_fixes import timer_ticks


class Target:
    """A stand-in for the widget a timer belongs to (the timer keeps a weak reference)."""


async def ticks_after_stall(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A 1 s timer on a fake clock; the first tick's work takes until 5.3 s."""
    clock = [0.0]
    monkeypatch.setattr(_time, "get_time", lambda: clock[0])

    async def fake_sleep(seconds: float) -> None:
        clock[0] += max(seconds, 0.0)
        await asyncio.sleep(0)

    monkeypatch.setattr(timer_ticks, "sleep", fake_sleep)
    monkeypatch.setattr("textual.timer.sleep", fake_sleep)
    target = Target()
    timer = Timer(target, 1.0)
    ticks: list[float] = []

    async def tick(*, next_timer: float, count: int) -> None:
        ticks.append(clock[0])
        if len(ticks) == 1:
            clock[0] = 5.3  # a stall: the ticks at 2 s to 5 s have passed
        else:
            raise EventTargetGone  # ends the timer's loop

    timer._tick = tick  # type: ignore[method-assign]
    await asyncio.wait_for(timer._run(), timeout=5)
    return ticks


async def test_next_tick_after_a_stall_is_the_next_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    assert timer_ticks.install(), "Textual's Timer._run changed: check whether it still skips a tick too many"
    ticks = await ticks_after_stall(monkeypatch)
    assert ticks[:2] == [1.0, 6.0]  # Textual 8.2 alone: [1.0, 7.0]
