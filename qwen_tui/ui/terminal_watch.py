"""Leaving when the terminal goes away (a dropped SSH connection, a closed window): the session
is on disk, and Textual's input thread would otherwise spin on the dead terminal."""

from __future__ import annotations

import asyncio
import contextlib
import select
import signal
import sys

from textual.app import App

TERMINAL_GONE = 129  # 128 + SIGHUP, as a shell reports a hung-up job


def watch_terminal(app: App) -> None:
    """SIGHUP, or stdin reporting a hang-up (checked every second), ends ``app``."""
    with contextlib.suppress(ValueError, RuntimeError, NotImplementedError, OSError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, app.exit, None, TERMINAL_GONE)
    try:
        poller = select.poll()
        poller.register(sys.__stdin__.fileno(), select.POLLHUP | select.POLLERR | select.POLLNVAL)
    except (AttributeError, ValueError, OSError):
        return

    def check() -> None:
        if poller.poll(0):
            app.exit(return_code=TERMINAL_GONE)

    app.set_interval(1.0, check, name="terminal-watch")
