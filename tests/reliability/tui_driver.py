"""Driving the TUI against the simulator for the reliability tests: build the app, swap a
provider's settings between questions, send, wait, and measure how fast a key press is handled."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from textual import events

from qwen_tui.config import AppConfig, load_config
from qwen_tui.providers.registry import build_provider
from qwen_tui.sim import Simulator
from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.chat_view import AssistantMessage, ChatView
from qwen_tui.ui.widgets.prompt import PromptInput
from tests.reliability.faults import KEY_ENV, KEYS, Setup, write_config
from tests.support.app import make_app as build_app

SIZE = (120, 40)
KEY_BUDGET_S = 0.100  # the bound: a key press is handled within 100 ms


def keyed_environ(setup: Setup | None = None) -> dict[str, str]:
    env = {**os.environ, **{KEY_ENV[p]: k for p, k in KEYS.items()}}
    if setup is not None:
        for var in setup.drop_env:
            env.pop(var, None)
        env.update(setup.set_env)
    return env


def config_for(sim: Simulator, folder: Path, name: str | None = None, setup: Setup | None = None) -> AppConfig:
    overrides = {name: setup.settings} if name and setup else {}
    path = write_config(sim, folder / "tui-config.toml", **overrides)
    return load_config(path, env=keyed_environ(setup))


def make_app(sim: Simulator, project: Path, folder: Path, **kwargs) -> QwenApp:
    """The app on ``project``, every provider at ``sim`` with the suite's keys."""
    return build_app(project, config_for(sim, folder), **kwargs)


async def use_settings(app: QwenApp, sim: Simulator, folder: Path, name: str, setup: Setup) -> None:
    """Replace provider ``name`` in the running app with one built from ``setup``."""
    config = config_for(sim, folder, name, setup)
    old = app.providers[name]
    app.providers[name] = build_provider(config.provider(name))
    app.models[name] = config.provider(name).model
    await old.aclose()


async def send(pilot, text: str) -> AssistantMessage:
    app = pilot.app
    prompt = app.query_one(PromptInput)
    prompt.focus()
    prompt.clear()
    prompt.insert(text)
    await pilot.press("enter")
    answer = app.query_one(ChatView).last_answer
    assert answer is not None
    return answer


async def wait_for_text(app: QwenApp, answer: AssistantMessage, timeout: float = 10.0) -> None:
    """Until the first text of ``answer`` has arrived (or the request is over)."""
    deadline = time.perf_counter() + timeout
    while not answer.text and app.streaming and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)


async def key_latency(app: QwenApp, char: str = "z") -> float:
    """Seconds from a key event's arrival to the prompt showing the character."""
    prompt = app.query_one(PromptInput)
    prompt.focus()
    before = prompt.text
    start = time.perf_counter()
    app.post_message(events.Key(char, char))
    while prompt.text == before:
        if time.perf_counter() - start > 5:
            raise AssertionError("the key press was not handled within 5 s")
        await asyncio.sleep(0.001)
    elapsed = time.perf_counter() - start
    prompt.clear()
    return elapsed


def error_shown(answer: AssistantMessage) -> str:
    """The inline error as the user sees it (what happened, then the fix)."""
    return str(answer.query_one(".answer-error").render())


class LoopLag:
    """The longest time the event loop went without running a 2 ms heartbeat: an upper bound on
    how long a key press would have waited."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task | None = None

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.002)
            last = now

    def __enter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._beat())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
