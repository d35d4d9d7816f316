"""A broken config, state, session or theme file: the app starts, says what is wrong in the form
``file: key: problem — fix``, and still answers a question (against the simulator)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tomllib
from pathlib import Path


from qwen_tui import paths
from qwen_tui.config import load_config
from qwen_tui.session import SessionStore
from qwen_tui.sim import Simulator
from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.chat_view import ChatView
from tests.support.app import make_app as build_app, until, until_indexed, until_saved

BAD_CONFIG = 'default_provider = 3\n[providers.ollama]\nmodle = "x"\n'


def notices(app) -> list[str]:
    return [f"{n.title}: {n.message}" if n.title else n.message for n in app._notifications]


async def answers(pilot, app: QwenApp, question: str = "are you there?") -> None:
    """The app sends a question and shows the simulator's whole answer."""
    app.ask(question)
    await app.request_worker.wait()
    answer = app.query_one(ChatView).last_answer
    assert answer.outcome == "complete", answer.error_message
    assert answer.text == "Hello from the simulator.\n"
    await until_saved(pilot, app)


def make_app(project: Path, config_file: Path, **kwargs) -> QwenApp:
    """The app loads its state itself: some of these tests break the state file."""
    return build_app(project, load_config(config_file), load_state=False, **kwargs)


# ---- config -----------------------------------------------------------------------------------


async def test_broken_config_file_notice_then_defaults(sim: Simulator, project: Path, monkeypatch) -> None:
    """No --config: the TUI names every problem at the top, starts with defaults (OLLAMA_HOST
    points the default Ollama provider at the simulator, as a user's environment would)."""
    from qwen_tui import cli

    config_path = paths.config_file()
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(BAD_CONFIG)
    monkeypatch.setenv("OLLAMA_HOST", sim.base_urls()["ollama"])
    started: dict = {}

    def fake_run_app(root, config, **kwargs):
        started.update(root=root, config=config, **kwargs)
        return 0

    monkeypatch.setattr("qwen_tui.ui.app.run_app", fake_run_app)
    assert cli.main([str(project)]) == 0
    problem = started["config_problem"]
    assert f"{config_path}: default_provider: expected a string, got a whole number — " in problem
    assert f"{config_path}: providers.ollama.modle: unknown key — did you mean 'model'?" in problem
    assert config_path.read_text() == BAD_CONFIG  # the user's file is never rewritten

    app = build_app(started["root"], started["config"], load_state=False, config_problem=problem)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        banner = app.query_one("#config-problem")
        assert banner.has_class("shown") and banner.display
        shown = str(banner.render())
        assert "default_provider: expected a string" in shown and "providers.ollama.modle: unknown key" in shown
        assert app.active == "ollama"
        await answers(pilot, app)


def test_broken_config_named_on_the_command_line_exits_2(sim: Simulator, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_CONFIG)
    env = {**os.environ}
    run = lambda *a: subprocess.run([sys.executable, "-m", "qwen_tui", *a], capture_output=True, text=True,  # noqa: E731
                                    env=env, cwd=tmp_path, timeout=30)
    tui = run("--config", str(bad), str(tmp_path))
    assert tui.returncode == 2
    assert f"{bad}: default_provider: expected a string" in tui.stderr and "Traceback" not in tui.stderr
    check = run("config", "--check", "--config", str(bad))
    assert check.returncode == 2
    assert f"{bad}: providers.ollama.modle: unknown key — did you mean 'model'?" in check.stderr
    where = run("config", "--path", "--config", str(bad))
    assert where.returncode == 0 and where.stdout.strip() == str(bad)


# ---- state ------------------------------------------------------------------------------------


async def test_broken_state_file_notice_moved_aside_and_rewritten(sim: Simulator, project: Path,
                                                                  config_file: Path) -> None:
    state_path = paths.state_file()
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text('last_provider = "ollama"\ntheme = = broken\n')
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        told = [n for n in notices(app) if str(state_path) in n]
        assert told, notices(app)
        assert "not valid TOML" in told[0]
        assert "started with defaults; the old file was moved to state.toml.corrupt-" in told[0]
        assert list(state_path.parent.glob("state.toml.corrupt-*")), "the broken file was not kept aside"
        await answers(pilot, app)
        await pilot.pause(0.2)
    saved = tomllib.loads(state_path.read_text())  # the next save wrote a good file
    assert saved["version"] == 1
    assert os.stat(state_path).st_mode & 0o777 == 0o600


async def test_state_with_wrong_types_keeps_the_good_values(sim: Simulator, project: Path, config_file: Path) -> None:
    state_path = paths.state_file()
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text('theme = "qwen-light"\nlast_provider = 7\n[panel_sizes]\nsidebar = "wide"\n')
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        told = " ".join(notices(app))
        assert f"{state_path}: ignored bad values: last_provider: expected a string" in told
        assert "panel_sizes.sidebar: expected a whole number of cells" in told
        assert app.theme == "qwen-light"  # the good value still counts
        await answers(pilot, app)


# ---- sessions ---------------------------------------------------------------------------------


def good_session(project: Path) -> str:
    store = SessionStore()
    session = store.create(str(project.resolve()))
    store.append_user(session, "the good one")
    writer = store.begin_answer(session, "ollama", "m", interval=0)
    writer.update("kept answer")
    writer.finish("complete")
    return session.id


async def test_corrupt_session_file_on_resume_is_told_moved_aside_and_skipped(sim: Simulator, project: Path,
                                                                             config_file: Path) -> None:
    good = good_session(project)
    folder = paths.sessions_dir()
    bad = folder / "29991231-235959-bad000.jsonl"  # sorts newest: the store meets it first
    bad.write_bytes(b"\x00\xffnot json at all\n{also not}\n")
    os.utime(bad, (4e9, 4e9))
    app = make_app(project, config_file, resume="latest")
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if app.session is not None:
                break
            await pilot.pause(0.02)
        await until_indexed(pilot, app)
        told = [n for n in notices(app) if bad.name in n]
        assert told, notices(app)
        assert told[0].startswith("Session file skipped: ")
        assert (f"{bad}: not a session file (no session header on the first line) — skipped; the file was moved to"
                in told[0])
        assert not bad.exists() and list(folder.glob(f"{bad.name}.corrupt-*"))
        assert app.session.id == good
        assert [m.text for m in app.query_one(ChatView).assistant_messages] == ["kept answer"]
        await answers(pilot, app)


async def test_corrupt_session_file_in_the_browser(sim: Simulator, project: Path, config_file: Path) -> None:
    from qwen_tui.ui.screens.session_browser import SessionBrowser

    good = good_session(project)
    bad = paths.sessions_dir() / "20200101-000000-bad111.jsonl"
    bad.write_text('{"type":"meta","id":"../../etc"}\n')
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        await pilot.press("f3")
        browser = app.screen
        assert isinstance(browser, SessionBrowser)
        for _ in range(100):
            if browser.infos:
                break
            await pilot.pause(0.02)
        assert [i.id for i in browser.infos] == [good]
        told = [n for n in notices(app) if bad.name in n]
        assert told and "not a session file (the session header has no valid id) — skipped" in told[0]
        await pilot.press("escape")
        await answers(pilot, app)


# ---- themes -----------------------------------------------------------------------------------


async def test_bad_user_theme_is_named_with_its_field_and_skipped(sim: Simulator, project: Path,
                                                                  config_file: Path) -> None:
    folder = paths.user_themes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    (folder / "mine.toml").write_text('name = "mine"\nprimary = "#ff8800"\ndark = true\n')
    state_path = paths.state_file()
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text('theme = "mine"\n')
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        told = [n for n in notices(app) if "broken.toml" in n]
        assert told, notices(app)
        assert f"{folder / 'broken.toml'}: primary: 'not-a-colour' is not a colour — use" in told[0]
        assert "(theme skipped)" in told[0]
        assert "broken" not in app.available_themes
        assert app.theme == "mine"  # the good user theme loaded and was chosen from state.toml
        await answers(pilot, app)


async def test_unknown_theme_name_falls_back_with_a_notice(sim: Simulator, project: Path, config_file: Path) -> None:
    state_path = paths.state_file()
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text('theme = "no-such-theme"\n')
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        assert any("theme 'no-such-theme' not found — using another" in n for n in notices(app)), notices(app)
        assert app.theme == "qwen-dark"
        await answers(pilot, app)


# ---- a save that dies half-way ----------------------------------------------------------------


async def test_a_state_save_cut_before_its_rename_leaves_the_old_file_whole(sim: Simulator, project: Path,
                                                                            config_file: Path, monkeypatch) -> None:
    """The crash point of an atomic save: the temp file is written but never renamed. The old
    state.toml stays whole, no temp file is left, and the app runs on."""
    import qwen_tui.atomic

    state_path = paths.state_file()
    state_path.parent.mkdir(parents=True, exist_ok=True)
    old = 'theme = "qwen-light"\n[panel_sizes]\nsidebar = 40\n'
    state_path.write_text(old)
    attempts: list[str] = []

    def crash(src, dst):
        attempts.append(Path(src).read_text())  # the new content was complete in the temp file
        raise OSError(28, "No space left on device")

    class CrashingOs:  # os as qwen_tui.atomic sees it, with a rename that never happens
        replace = staticmethod(crash)

        def __getattr__(self, name):
            return getattr(os, name)

    monkeypatch.setattr(qwen_tui.atomic, "os", CrashingOs())
    app = make_app(project, config_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_indexed(pilot, app)
        app.theme = "qwen-high-contrast"  # a save of the new choice ...
        await until(pilot, lambda: bool(attempts) and 'theme = "qwen-high-contrast"' in attempts[-1])
        await answers(pilot, app)  # ... that failed does not stop the app
    assert state_path.read_text() == old

    def leftovers() -> list[str]:
        return sorted(p.name for p in state_path.parent.iterdir() if p.name.startswith((".state.toml", "state.toml")))

    for _ in range(100):  # a save thread may still be on its way out
        if leftovers() == ["state.toml"]:
            break
        await asyncio.sleep(0.02)
    assert leftovers() == ["state.toml"], "a temp file was left behind"
    assert state_path.read_text() == old
