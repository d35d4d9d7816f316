"""In the real app: the palette's session and theme entries, a theme switch that persists and
re-highlights code, side panel sizes kept in state.toml, and the session export (file and
clipboard) checked for content."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input

from qwen_tui import paths
from qwen_tui.config import load_config
from qwen_tui.session import SessionStore
from qwen_tui.sim import Simulator
from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.screens.session_browser import SessionBrowser, TextDialog
from tests.support.app import make_app as build_app, until_indexed, until_saved

REPLY = "Use this:\n\n```python\ndef add(a, b):\n    return a + b  # 42\n```\n\nDone.\n"


def make_app(project: Path, config_file: Path, **kwargs) -> QwenApp:
    return build_app(project, load_config(config_file), **kwargs)


async def ask(pilot, app: QwenApp, question: str):
    app.ask(question)
    await app.request_worker.wait()
    answer = app.query_one(ChatView).last_answer
    await answer.body.wait_rendered()
    await until_saved(pilot, app)  # the session's end record and the context refresh run in workers
    return answer


async def palette(pilot, app: QwenApp, query: str) -> list[str]:
    """Open the palette, type ``query``; returns the titles it offers (first is highlighted)."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    app.screen.query_one(Input).value = query
    for _ in range(50):
        await pilot.pause(0.02)
        hits = [str(option.prompt) for option in app.screen.query_one("CommandList").options]
        if hits and not any("Searching" in h for h in hits):
            return hits
    return []


async def saved_state(pilot, app: QwenApp) -> dict:
    """state.toml as on disk once the pending save has run."""
    for _ in range(100):
        await pilot.pause(0.02)
        if not any(w.group == "state" and w.is_running for w in app.workers):
            break
    return tomllib.loads(paths.state_file().read_text())


def code_colours(app: QwenApp) -> set[str]:
    """The foreground colours used to draw the last answer (its code block carries the syntax theme)."""
    body = app.query_one(ChatView).last_answer.body
    colours = set()
    for y in range(body.size.height):
        for segment in body.render_line(y):
            if segment.style is not None and segment.style.color is not None:
                colours.add(str(segment.style.color))
    return colours


# ---- palette ----------------------------------------------------------------------------------


async def test_palette_lists_sessions_and_every_shipped_theme(sim: Simulator, project: Path, config_file: Path) -> None:
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        themes = await palette(pilot, app, "Theme: qwen")
        for name in ("qwen-dark", "qwen-light", "qwen-high-contrast", "qwen-ansi"):
            assert any(f"Theme: {name}" in hit for hit in themes), themes
        assert any("qwen-dark (current)" in hit for hit in themes)
        await pilot.press("escape")
        hits = await palette(pilot, app, "Sessions: browse")
        assert hits[0].startswith("Sessions: browse")
        await pilot.press("enter")
        for _ in range(50):
            if isinstance(app.screen, SessionBrowser):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, SessionBrowser)


async def test_theme_switch_from_palette_persists_and_recolours_code(sim: Simulator, project: Path,
                                                                     config_file: Path) -> None:
    sim.set_knobs(reply=REPLY)
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        assert app.theme == "qwen-dark" and app.code_theme == "one-dark"
        answer = await ask(pilot, app, "add two numbers")
        assert answer.body.code_theme == "one-dark"
        before = code_colours(app)
        hits = await palette(pilot, app, "Theme: qwen-light")
        assert hits[0].startswith("Theme: qwen-light")
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "qwen-light"
        assert app.code_theme == "xcode"  # the light theme's code_theme
        assert answer.body.code_theme == "xcode"  # the answer already on screen follows
        await answer.body.wait_rendered()
        await pilot.pause()
        assert code_colours(app) != before, "the code block was not drawn again with the light syntax theme"
        assert (await saved_state(pilot, app))["theme"] == "qwen-light"
        later = await ask(pilot, app, "again")
        assert later.body.code_theme == "xcode"  # new answers too
    assert os.stat(paths.state_file()).st_mode & 0o777 == 0o600

    again = make_app(project, config_file)  # the next start uses the saved choice
    async with again.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, again)
        assert again.theme == "qwen-light" and again.code_theme == "xcode"


async def test_start_up_theme_is_not_saved_as_a_choice(sim: Simulator, project: Path, config_file: Path) -> None:
    """Only a switch is saved: starting (with the config's or the default theme) writes no theme."""
    app = make_app(project, config_file, theme="qwen-high-contrast")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        assert app.theme == "qwen-high-contrast" and app.code_theme == "github-dark"
        assert "theme" not in await saved_state(pilot, app)


# ---- panel sizes ------------------------------------------------------------------------------


async def test_side_panel_width_and_hiding_are_kept(sim: Simulator, project: Path, config_file: Path) -> None:
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        sidebar = app.query_one("#sidebar")
        assert sidebar.outer_size.width == 34
        await palette(pilot, app, "View: wider side panels")
        await pilot.press("enter")
        await pilot.pause()
        assert sidebar.outer_size.width == 38
        assert (await saved_state(pilot, app))["panel_sizes"] == {"sidebar": 38}

    wider = make_app(project, config_file)
    async with wider.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, wider)
        sidebar = wider.query_one("#sidebar")
        assert sidebar.display and sidebar.outer_size.width == 38
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not sidebar.display
        assert (await saved_state(pilot, wider))["panel_sizes"] == {"sidebar": 0}

    hidden = make_app(project, config_file)
    async with hidden.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, hidden)
        assert not hidden.query_one("#sidebar").display  # hidden by the user: stays hidden
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert hidden.query_one("#sidebar").display
        assert (await saved_state(pilot, hidden))["panel_sizes"] == {"sidebar": 34}


# ---- export -----------------------------------------------------------------------------------


async def test_export_to_a_file_and_to_the_clipboard(sim: Simulator, project: Path, config_file: Path,
                                                     tmp_path: Path) -> None:
    sim.set_knobs(reply=REPLY)
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        app.project.add("src/app.py")
        await ask(pilot, app, "How do I add `a` and ``b``?")
        await pilot.pause(0.2)  # the end record is written in a thread
        await pilot.press("f3")
        for _ in range(100):
            if isinstance(app.screen, SessionBrowser) and app.screen.infos:
                break
            await pilot.pause(0.02)
        browser = app.screen
        assert [i.title for i in browser.infos] == ["How do I add `a` and ``b``?"]
        session_id = browser.infos[0].id

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        field = app.screen.query_one(Input)
        assert field.value == str(project.resolve() / f"how-do-i-add-a-and-b-{session_id}.md")
        target = tmp_path / "exports" / "chat.md"
        target.parent.mkdir()
        field.value = str(target)
        await pilot.press("enter")
        for _ in range(100):
            if target.exists():
                break
            await pilot.pause(0.02)
        exported = target.read_text()

        await pilot.press("c")
        await pilot.pause()
        copied = app.copied

    assert os.stat(target).st_mode & 0o777 == 0o600
    assert copied == exported
    session = SessionStore().load(session_id)
    timing = session.turns[1].timing
    lines = exported.splitlines()
    assert lines[0] == "# How do I add `a` and ``b``?"
    assert f"- Session: `{session_id}`" in lines
    assert f"- Project: `{project.resolve()}`" in lines
    # the question verbatim, in a fence longer than its own backticks
    question_at = next(i for i, line in enumerate(lines) if line.startswith("## You · "))
    assert lines[question_at + 2: question_at + 7] == [
        "Context: `src/app.py`", "", "```text", "How do I add `a` and ``b``?", "```"]
    assert session.turns[0].context_files == ["src/app.py"]
    assert session.turns[1].provider == "ollama" and session.turns[1].model == "qwen2.5-coder:7b"
    assert "## Assistant · ollama / qwen2.5-coder:7b" in lines
    assert REPLY.strip() in exported  # the answer's Markdown kept as it is
    assert f"_TTFT {timing['ttft_ms']:.0f} ms" in exported and f"{timing['tokens']} tokens_" in exported
    for secret in sim.env().values():
        assert secret not in exported
