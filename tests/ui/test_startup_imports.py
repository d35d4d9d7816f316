"""What start-up leaves for later: modules the first frame does not need are not imported by the
app's entry (they load where used, or in the workers after the first frame), and the theme is
chosen before the stylesheet is parsed (no re-parse of every style before the first frame)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.color import Color
from textual.css.stylesheet import Stylesheet

from qwen_tui.ui.themes import terminal_theme

#: Loaded where they are used or after the first frame; each was once imported at start-up.
LAZY = (
    "importlib.metadata",  # the plugin scan (providers/registry.py) and Textual's __version__
    "pathspec",  # the ignore rules: read by the project index, in its thread
    "qwen_tui.tools",  # the toolbox: built in a thread after the first frame
    "httpx",  # the HTTP client: its first use
    "mcp",  # the MCP SDK: only with a server configured
    "markdown_it",  # an answer's Markdown: rendered in a worker after the first frame
    "pygments",  # code highlighting and the code themes: the first code block (warmed after the first frame)
)

IMPORT_THE_ENTRY = """
import sys
from pathlib import Path
import qwen_tui.cli
from qwen_tui.cli import _load, build_parser
from qwen_tui.ui.app import QwenApp
tui, _ = build_parser()
config = _load(tui.parse_args([sys.argv[1]]))
app = QwenApp(Path(sys.argv[1]), config, state=None, sessions=None)
assert app.providers, "no providers built"
print(" ".join(sorted(sys.modules)))
"""


@pytest.mark.slow
def test_the_entry_imports_none_of_the_lazy_modules(tmp_path: Path):
    """The CLI's path to the app (parse, config with its provider kinds, the app built) imports
    none of ``LAZY``: a top-level import of one of them added back fails here, by name."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".gitignore").write_text("build/\n")  # a rules file: the index would need pathspec
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", IMPORT_THE_ENTRY, str(project)], capture_output=True, text=True,
                         timeout=60, env=env, check=True).stdout.split()
    assert "qwen_tui.ui.app" in out and "textual.app" in out  # the listing is real
    imported = sorted(m for m in out if any(m == lazy or m.startswith(lazy + ".") for lazy in LAZY))
    assert imported == [], imported


async def test_the_theme_is_in_place_before_the_first_parse(make_app, monkeypatch):
    """Setting the theme in on_mount made Textual re-parse every style and restyle the screen
    before the first frame; chosen when App.__init__ first reads it, the first parse has it."""
    reparses: list[int] = []
    reparse = Stylesheet.reparse
    monkeypatch.setattr(Stylesheet, "reparse", lambda self: (reparses.append(1), reparse(self))[1])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "qwen-dark"
        assert app.screen.styles.background == Color.parse("#14141C")  # qwen-dark's background
        assert app.has_class("-theme-qwen-dark", "-dark-mode")
        assert app.code_theme == "one-dark"
        assert reparses == []


async def test_a_saved_theme_is_the_starting_one(make_app):
    from qwen_tui.state import State

    state = State.load()
    state.theme = "qwen-light"
    app = make_app(state=state)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "qwen-light" and app.has_class("-light-mode")
        assert app.screen.styles.background == Color.parse("#F7F7FA")
        assert app.code_theme == "xcode"


def test_a_sixteen_colour_terminal_gets_the_ansi_theme():
    themes = {"qwen-dark": object(), "qwen-ansi": object()}

    def app(color_system: str, headless: bool = False) -> SimpleNamespace:
        return SimpleNamespace(is_headless=headless, console=SimpleNamespace(color_system=color_system),
                               available_themes=themes)

    assert terminal_theme(app("standard"), "qwen-dark") == "qwen-ansi"
    assert terminal_theme(app("256"), "qwen-dark") == "qwen-dark"
    assert terminal_theme(app("standard", headless=True), "qwen-dark") == "qwen-dark"


DEMO_BESIDE = """
import json, os, sys, urllib.request
from qwen_tui.config import load_config
from qwen_tui.demo import start_demo_process
sim, config = start_demo_process(load_config(env={}))
settings = config.providers["sambanova"]
request = urllib.request.Request(settings.base_url + "/models", headers={"Authorization": "Bearer " + settings.api_key})
with urllib.request.urlopen(request, timeout=30) as reply:  # sent at once: it waits in the backlog
    models = [m["id"] for m in json.load(reply)["data"]]
print(json.dumps({"aiohttp": "aiohttp" in sys.modules, "models": models, "child": sim.proc.pid}), flush=True)
if sys.argv[1] == "stop":
    sim.stop()
    print(json.dumps({"returncode": sim.proc.returncode}), flush=True)
else:
    os.kill(os.getpid(), 9)  # the app killed: the child must not stay behind
"""


def _demo(how: str) -> list[dict]:
    import json

    done = subprocess.run([sys.executable, "-c", DEMO_BESIDE, how], capture_output=True, text=True, timeout=60)
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.slow
def test_the_tui_demo_simulator_runs_in_its_own_process():
    """``--demo`` in the TUI: aiohttp is imported by the simulator's process, not the app's; a
    request sent before the child serves is answered; ``stop`` ends the child."""
    started, stopped = _demo("stop")
    assert started["aiohttp"] is False
    assert "Meta-Llama-3.3-70B-Instruct" in started["models"]
    assert stopped["returncode"] == 0


@pytest.mark.slow
def test_the_demo_simulator_ends_with_the_app():
    import os
    import time

    (started,) = _demo("kill")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(started["child"], 0)
        except ProcessLookupError:
            return
        try:
            with open(f"/proc/{started['child']}/stat") as stat:  # a zombie (not yet reaped) is gone too
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.05)
    pytest.fail("the demo simulator outlived the app")
