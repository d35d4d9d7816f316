"""The real app under each shipped theme (the 16-colour qwen-ansi included), with an answer that
has a code block so the theme's syntax colours show, at 120x40 and 80x24; and the session browser.

Providers are scripted with fixed timings and the clock is fixed, so every figure is stable.
Update with ``pytest tests/sessions_e2e/test_theme_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from qwen_tui.config import AppConfig
from qwen_tui.session import SessionStore
from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.file_tree import ProjectTree
from qwen_tui.ui.widgets.prompt import PromptInput
from qwen_tui.ui.screens.session_browser import SessionBrowser
from ui.fakes import Script, ScriptedProvider  # tests/ui/fakes.py: the scripted provider of the UI snapshots

THEMES = ["qwen-dark", "qwen-light", "qwen-high-contrast", "qwen-ansi"]
SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
ANSWER = [
    "Here is the **fix**:\n\n",
    "```python\n",
    "def answer(limit: int = 42) -> str:\n",
    '    """Say it."""\n',
    '    return f"the answer is {limit}"  # checked\n',
    "```\n\n",
    "It returns the answer.",
]


def make(project: Path, theme: str, sessions: SessionStore | None = None) -> QwenApp:
    script = Script(chunks=ANSWER)
    providers = {
        "sambanova": ScriptedProvider("sambanova", "Meta-Llama-3.3-70B-Instruct", script=script),
        "ollama": ScriptedProvider("ollama", "qwen2.5-coder:7b", key=None, needs_key=False, script=script),
    }
    config = AppConfig(path=project / "config.toml", exists=False, default_provider="sambanova")
    return QwenApp(project, config, providers, clock=lambda: 100.5, state=None, sessions=sessions,
                   load_metrics=False, theme=theme)


async def ready(pilot) -> None:
    tree = pilot.app.query_one(ProjectTree)
    for _ in range(100):
        if tree.root.children and pilot.app.project.files:
            break
        await asyncio.sleep(0.01)
    await pilot.pause()


async def answered(pilot) -> None:
    await ready(pilot)
    pilot.app.query_one(PromptInput).insert("Fix answer() please")
    await pilot.press("enter")
    await pilot.app.request_worker.wait()
    await pilot.app.query_one(ChatView).last_answer.body.wait_rendered()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", THEMES)
def test_app_under_theme(snap_compare, project, theme, size):
    app = make(project, theme)
    assert snap_compare(app, terminal_size=size, run_before=answered)
    assert app.theme == theme and app.code_theme == {
        "qwen-dark": "one-dark", "qwen-light": "xcode", "qwen-high-contrast": "github-dark", "qwen-ansi": "ansi_dark",
    }[theme]


def test_session_browser(snap_compare, project, tmp_path):
    store = SessionStore(tmp_path / "sessions")
    for question, turns in (("Why does the build fail on CI?", 1), ("Add a --resume flag", 2)):
        session = store.create(str(project.resolve()))
        for n in range(turns):
            store.append_user(session, question if n == 0 else "and the tests?")
            writer = store.begin_answer(session, "ollama", "qwen2.5-coder:7b", interval=0)
            writer.update("Answer.")
            writer.finish("complete")
    if len(store.list()) != 2:
        raise AssertionError(store.problems)

    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("f3")
        for _ in range(100):
            if isinstance(pilot.app.screen, SessionBrowser) and pilot.app.screen.infos:
                break
            await asyncio.sleep(0.01)
        await pilot.pause()

    assert snap_compare(make(project, "qwen-dark", sessions=store), terminal_size=(120, 40), run_before=run_before)
