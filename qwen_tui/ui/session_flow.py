"""Saved conversations from the chat: resume one (read in a thread), or pick it in the browser."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from qwen_tui.terminal_text import visible
from qwen_tui.ui.compacting import dim_compacted
from qwen_tui.ui.widgets.chat_view import ChatView

if TYPE_CHECKING:
    from qwen_tui.ui.app import QwenApp


async def resume_session(app: QwenApp, which: str) -> None:
    """``which`` is "latest" or an id (prefix); the next question continues that conversation.
    A bad id or a corrupt file is told (the file moved aside), never fatal."""
    store = app.sessions
    seen = len(store.problems)
    try:
        session = await asyncio.to_thread(app.conversation.find_saved, which)
    except Exception as exc:  # noqa: BLE001 - told, never fatal
        app.notify(visible(f"Could not resume: {exc}"), severity="warning", markup=False)
        return
    finally:
        for problem in store.problems[seen:]:
            app.notify(visible(problem), title="Session file skipped", severity="warning", markup=False, timeout=10)
    if session is None:
        app.notify("No saved session to resume yet.")
        return
    app.conversation.resume(session)
    app.refresh_context()  # counted while the turns render: the sidebar's change is painted before them
    await app.query_one(ChatView).show_session(session, app.code_theme)
    dim_compacted(app)  # the turns a compaction stands for stay shown, dimmed


def browse_sessions(app: QwenApp) -> None:
    if app.sessions is None:
        app.notify("Sessions are not available.")
        return
    from qwen_tui.ui.screens.session_browser import SessionBrowser

    def chosen(result) -> None:
        if result is not None:
            app.resume_session(result.session_id)

    current = app.session.id if app.session is not None else None
    app.push_screen(SessionBrowser(app.sessions, export_dir=app.project_root, current=current), chosen)
