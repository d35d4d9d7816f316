"""Building a ``QwenApp`` for a test and waiting until it has done what the test waits for.

The waits are named for what they wait for: an answer (``settle``), the project index
(``until_indexed``), the background saves (``until_saved``), every worker (``until_workers_done``),
any condition (``until``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.app import App
from textual.worker import WorkerCancelled

from qwen_tui.config import AppConfig
from qwen_tui.state import State
from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.chat_view import ChatView

#: Worker groups that write files or refresh panels after an answer (the session file is the
#: conversation's own: ``app.conversation.saved()``).
BACKGROUND_GROUPS = ("state", "context", "metrics-save")


def make_app(project: Path, config: AppConfig, *, load_state: bool = True, background: bool = False,
             **kwargs: Any) -> QwenApp:
    """A ``QwenApp`` on ``project`` with ``config``.

    ``load_state``: pass ``State.load()`` (from the test's isolated state folder) unless the test
    gives a ``state``; False leaves the app to load it itself, as a test of a broken state file
    needs. ``background=False`` turns off the provider checks at start-up and the metrics history
    load, work the test did not ask for and that would send requests of its own."""
    if load_state:
        kwargs.setdefault("state", State.load())
    if not background:
        kwargs.setdefault("check_health", False)
        kwargs.setdefault("load_metrics", False)
    return QwenApp(project, config, **kwargs)


async def settle(app: QwenApp, *, saved: bool = False) -> None:
    """The request in flight over (or stopped) and its answer rendered on screen; with
    ``saved``, the session records it produced written too."""
    if app.request_worker is not None:
        try:
            await app.request_worker.wait()
        except WorkerCancelled:
            pass
    answer = app.query_one(ChatView).last_answer
    if answer is not None:
        await answer.body.wait_rendered()
    if saved:
        await app.conversation.saved()


async def until(pilot, condition, seconds: float = 10.0) -> None:
    """Until ``condition()`` is true, polled every 10 ms; bounded by the wall clock, not by a
    number of pauses, so a loaded machine's slow pauses do not end the wait early."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {condition.__code__.co_qualname}")
        await pilot.pause(0.01)


async def until_indexed(pilot, app: QwenApp, tries: int = 100) -> None:
    """Until the project index has files (at most ``tries`` × 20 ms), then one more pause."""
    for _ in range(tries):
        if app.project.files:
            break
        await pilot.pause(0.02)
    await pilot.pause()


async def until_saved(pilot, app: QwenApp, tries: int = 200) -> None:
    """Until no save or refresh that follows an answer is running (at most ``tries`` × 10 ms),
    so the test does not end the app under them."""
    await app.conversation.saved()
    for _ in range(tries):
        await pilot.pause(0.01)
        if not any(w.is_running and w.group in BACKGROUND_GROUPS for w in app.workers):
            return


async def until_workers_done(pilot, app: App) -> None:
    """Every worker of ``app`` finished, then one pause for what they posted."""
    await app.workers.wait_for_complete()
    await pilot.pause()
