"""Snapshots at 80x24 and 120x40: empty start, mid-stream, an error, the picker, help, the demo
badge and the 16-colour look. Providers are scripted with fixed timings and the clock is fixed,
so every figure on screen is stable."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from qwen_tui.config import AppConfig
from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.file_tree import ProjectTree
from qwen_tui.ui.widgets.prompt import PromptInput

from .fakes import Script, ScriptedProvider

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
ANSWER = [
    "Here is the **fix**:\n\n",
    "```python\n",
    "def answer():\n",
    "    return 42\n",
    "```\n\n",
    "It returns the answer.",
]


def make(project: Path, *, script: Script | None = None, demo: bool = False, theme: str | None = None) -> QwenApp:
    providers = {
        "huggingface": ScriptedProvider("huggingface", "Qwen/Qwen2.5-Coder-32B-Instruct", script=script),
        "sambanova": ScriptedProvider("sambanova", "Meta-Llama-3.3-70B-Instruct", script=script),
        "ollama": ScriptedProvider("ollama", "qwen2.5-coder:7b", key=None, needs_key=False, script=script),
        "blaxel": ScriptedProvider("blaxel", "my-model", key=None, script=script),
    }
    config = AppConfig(path=project / "config.toml", exists=False, default_provider="sambanova")
    return QwenApp(project, config, providers, demo=demo, clock=lambda: 100.5, state=None, sessions=None,
                   load_metrics=False, theme=theme or "qwen-dark")


async def ready(pilot) -> None:
    """The tree's first level is loaded and every start-up worker has run."""
    tree = pilot.app.query_one(ProjectTree)
    for _ in range(100):
        if tree.root.children and pilot.app.project.files:
            break
        await asyncio.sleep(0.01)
    await pilot.pause()


async def ask(pilot, text: str = "Fix answer() please") -> None:
    await ready(pilot)
    prompt = pilot.app.query_one(PromptInput)
    prompt.insert(text)
    await pilot.press("enter")


async def answered(pilot) -> None:
    """Wait until the answer ended (complete or error) and is on screen."""
    await ask(pilot)
    worker = pilot.app.request_worker
    await worker.wait()
    await pilot.app.query_one(ChatView).last_answer.body.wait_rendered()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_empty_start(snap_compare, project, size):
    assert snap_compare(make(project), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_mid_stream(snap_compare, project, size):
    async def run_before(pilot):
        await ask(pilot)
        answer = pilot.app.query_one(ChatView).last_answer
        for _ in range(200):
            if answer.text.endswith("```\n\n"):
                break
            await asyncio.sleep(0.01)
        await answer.body.wait_rendered()
        await pilot.pause()

    assert snap_compare(make(project, script=Script(chunks=ANSWER, hang_after=5)), terminal_size=size,
                        run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_error_inline(snap_compare, project, size):
    assert snap_compare(make(project, script=Script(chunks=ANSWER, fail_after=2)), terminal_size=size,
                        run_before=answered)


@pytest.mark.parametrize("size", SIZES)
def test_picker(snap_compare, project, size):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("f2")

    assert snap_compare(make(project), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, project, size):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("f1")

    assert snap_compare(make(project), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_demo_badge(snap_compare, project, size):
    assert snap_compare(make(project, script=Script(chunks=ANSWER), demo=True), terminal_size=size,
                        run_before=answered)


@pytest.mark.parametrize("size", SIZES)
def test_sixteen_colours(snap_compare, project, size):
    assert snap_compare(make(project, script=Script(chunks=ANSWER), theme="qwen-ansi"), terminal_size=size,
                        run_before=answered)
