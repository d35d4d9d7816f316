"""Textual's interval timers tick on the next boundary after a quiet spell, not the one after.

``Timer._run`` (Textual 8) skips the ticks whose time has passed with
``count = int((now - start) / interval + 1)``, one boundary too many: after any pause longer
than a frame, the second tick of the screen's update timer came 17-33 ms after the first
instead of 0-17 ms. The screen paints on that timer, so a question's layout, and a first token
that arrived within two frames of it, waited an extra frame. Installed only where the source
still has that line (a Textual that fixed it is left alone).
"""

from __future__ import annotations

import inspect

from textual import _time
from textual._time import sleep
from textual.timer import EventTargetGone, Timer

_SKIPS_ONE_TOO_MANY = "count = int((now - start) / _interval + 1)"


async def _run(self: Timer) -> None:
    # Textual 8.2's Timer._run, but for the line marked.
    count = 0
    _repeat = self._repeat
    _interval = self._interval
    self._active  # noqa: B018 - Textual instantiates the event here, in the loop's thread
    await self._active.wait()
    start = _time.get_time()

    while _repeat is None or count <= _repeat:
        next_timer = start + ((count + 1) * _interval)
        now = _time.get_time()
        if self._skip and next_timer < now:
            # The next tick is the first one still ahead (count + 1: float rounding must
            # not leave the loop on a tick that has passed).
            count = max(int((now - start) / _interval), count + 1)
            continue
        now = _time.get_time()
        wait_time = max(0, next_timer - now)
        await sleep(wait_time)
        count += 1
        await self._active.wait()
        if self._reset:
            start = _time.get_time()
            count = 0
            self._reset = False
            continue
        try:
            await self._tick(next_timer=next_timer, count=count)
        except EventTargetGone:
            break


def install() -> bool:
    """Idempotent; True when Textual's timers now tick on time."""
    if Timer._run is _run:
        return True
    try:
        source = inspect.getsource(Timer._run)
    except (OSError, TypeError):
        return False
    if _SKIPS_ONE_TOO_MANY not in source:
        return False
    Timer._run = _run  # type: ignore[method-assign]
    return True
