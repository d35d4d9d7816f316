"""Session browser (Pilot): resume, rename, delete with confirmation, export, copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, OptionList

from qwen_tui.session import SessionStore
from qwen_tui.ui.screens.session_browser import ConfirmDialog, ResumeSession, SessionBrowser, TextDialog
from tests.support.app import until_workers_done


class Host(App[None]):
    def __init__(self, store: SessionStore, export_dir: Path) -> None:
        super().__init__()
        self.store, self.export_dir = store, export_dir
        self.result: object = "unset"
        self.copied: str | None = None

    def on_mount(self) -> None:
        self.push_screen(SessionBrowser(self.store, self.export_dir), self._done)

    def _done(self, result: ResumeSession | None) -> None:
        self.result = result

    def copy_text(self, text: str, what: str) -> None:
        self.copied = text


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    store = SessionStore(tmp_path / "sessions")
    for question in ("older question", "newer question"):
        s = store.create(str(tmp_path / "proj"))
        store.append_user(s, question)
        w = store.begin_answer(s, "ollama", "qwen", interval=0)
        w.update(f"answer to {question}")
        w.finish("complete", {"ttft_ms": 100.0})
    return store


async def test_lists_newest_first_and_resumes(store: SessionStore, tmp_path: Path) -> None:
    app = Host(store, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_workers_done(pilot, app)
        browser = app.screen
        assert isinstance(browser, SessionBrowser)
        assert [i.title for i in browser.infos] == ["newer question", "older question"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.result == ResumeSession(browser.infos[1].id)
        assert store.load(app.result.session_id).turns[0].content == "older question"


async def test_delete_asks_first(store: SessionStore, tmp_path: Path) -> None:
    app = Host(store, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_workers_done(pilot, app)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # kept
        await until_workers_done(pilot, app)
        assert len(store.list()) == 2
        await pilot.press("d", "y")
        await until_workers_done(pilot, app)
        assert [i.title for i in store.list()] == ["older question"]
        assert [i.title for i in app.screen.infos] == ["older question"]


async def test_rename(store: SessionStore, tmp_path: Path) -> None:
    app = Host(store, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_workers_done(pilot, app)
        await pilot.press("r")
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one(Input).value = "Parser work"
        await pilot.press("enter")
        await until_workers_done(pilot, app)
        await until_workers_done(pilot, app)
        assert store.list()[0].title == "Parser work"
        assert app.screen.infos[0].title == "Parser work"


async def test_export_to_file_and_clipboard(store: SessionStore, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    app = Host(store, out)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_workers_done(pilot, app)
        await pilot.press("c")
        assert app.copied is not None and "## Assistant · ollama / qwen" in app.copied
        assert "answer to newer question" in app.copied
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, TextDialog)
        suggested = dialog.query_one(Input).value
        assert suggested.startswith(str(out)) and suggested.endswith(".md")
        await pilot.press("enter")
        await until_workers_done(pilot, app)
        files = list(out.glob("*.md"))
        assert len(files) == 1
        assert files[0].read_text() == app.copied


async def test_corrupt_file_is_reported_and_skipped(store: SessionStore, tmp_path: Path) -> None:
    (store.directory / "20200101-000000-abcdef.jsonl").write_text("garbage\n")
    app = Host(store, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_workers_done(pilot, app)
        assert len(app.screen.infos) == 2
        notes = [n.message for n in app._notifications]
        assert any("20200101-000000-abcdef.jsonl" in m and "not a session file" in m for m in notes)
        assert len(app.screen.query_one(OptionList).options) == 2
