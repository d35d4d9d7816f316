"""Start-up does only what the first frame needs: the HTTP client is imported, and the
providers checked, once the screen is up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.prompt import PromptInput

BUILD_THE_APP = """
import sys
from pathlib import Path
from qwen_tui.config import load_config
from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.prompt import PromptInput
app = QwenApp(Path(sys.argv[1]), load_config(env={"SAMBANOVA_API_KEY": "x"}), state=None, sessions=None)
assert app.providers, "no providers built"
print(sorted(m for m in sys.modules if m == "httpx" or m.startswith("httpx.")))
"""


@pytest.mark.slow
def test_building_the_app_runs_no_http_client_import(tmp_path: Path):
    out = subprocess.run([sys.executable, "-c", BUILD_THE_APP, str(tmp_path)], capture_output=True, text=True,
                         timeout=60, check=True).stdout.splitlines()
    # a stand-in in qwen_tui.providers.http: httpx itself is not imported at all
    assert out[0] == "[]", out


@pytest.mark.slow
def test_the_client_module_loads_on_first_use(tmp_path: Path):
    code = BUILD_THE_APP + "app.providers['sambanova'].client; print('httpx._client' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                         timeout=60, check=True).stdout.splitlines()
    assert out[-1] == "True"


async def test_providers_are_checked_after_the_first_frame(make_app, monkeypatch):
    events: list[str] = []
    frame = QwenApp._after_first_frame
    check = QwenApp._check_providers
    monkeypatch.setattr(QwenApp, "_after_first_frame", lambda self: (events.append("frame"), frame(self)))
    monkeypatch.setattr(QwenApp, "_check_providers", lambda self: (events.append("check"), check(self)))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert events[:2] == ["frame", "check"]


async def test_the_first_question_parses_no_styles(make_app, sim, monkeypatch):
    """A turn's styles are parsed after the first frame: Textual would parse them, and re-parse
    every other source, when the first question mounts (8 ms, as the request leaves)."""
    from qwen_tui.ui.widgets.chat_view import ChatView

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        parses: list[int] = []
        parse = app.stylesheet.parse
        monkeypatch.setattr(app.stylesheet, "parse", lambda: (parses.append(1), parse())[1])
        prompt = app.query_one(PromptInput)
        prompt.insert("a question")
        await pilot.press("enter")
        await app.request_worker.wait()
        await pilot.pause()
        assert app.query_one(ChatView).last_answer.text
        assert parses == []
