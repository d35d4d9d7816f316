"""Textual's timers tick on the next boundary after a quiet spell, and never skip their last tick.

Upstream: ``textual/timer.py``, ``Timer._run`` (Textual 8.2) skips the ticks whose time has
passed with ``count = int((now - start) / interval + 1)``:

- one boundary too many: after any pause longer than a frame, the second tick of the screen's
  update timer came 17-33 ms after the first instead of 0-17 ms. The screen paints on that
  timer, so a question's layout, and a first token that arrived within two frames of it, waited
  an extra frame;
- past the end of a timer with a count: a one-shot timer (``set_timer``) whose delay has passed
  by the time its task first reads the clock (a delay of a few microseconds, or any delay when
  another thread holds the GIL between the two reads) is skipped whole and never calls back.
  The streaming answer schedules its next frame that way: the frame never came, and the answer
  stopped on screen until its end (and a test waiting for the frame waited forever).

The replacement is a copy of the whole method, so it is installed only over the very source it
was copied from.
"""

from __future__ import annotations

from textual import _time
from textual._time import sleep
from textual.timer import EventTargetGone, Timer

from qwen_tui.ui.textual_fixes.guarded_patch import GuardedPatch

#: sha256 of ``inspect.getsource(Timer._run)`` in Textual 8.2.8 (with the line
#: ``count = int((now - start) / _interval + 1)``).
TEXTUAL_SHA256 = "60c942a84c1a8765932ea4fe897d61a94d0a74dcd249ec0b4a6aad75757ade50"


async def _run(self: Timer) -> None:
    # Textual 8.2's Timer._run, but for the skip of passed ticks.
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
            # not leave the loop on a tick that has passed), but never past the last one.
            ahead = max(int((now - start) / _interval), count + 1)
            if _repeat is not None:
                ahead = min(ahead, _repeat)
            if ahead > count:
                count = ahead
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


PATCH = GuardedPatch(__name__, Timer, "_run", _run, TEXTUAL_SHA256)
install = PATCH.install
