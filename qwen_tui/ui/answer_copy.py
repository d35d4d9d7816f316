"""Copying the last answer, or one of its code blocks, to the clipboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qwen_tui.ui.clipboard import copy_locally
from qwen_tui.ui.widgets.chat_view import ChatView

if TYPE_CHECKING:
    from textual.app import App

    from qwen_tui.ui.app import QwenApp


def copy_text(app: App, text: str, what: str) -> None:
    """OSC 52 (works over SSH) and the local clipboard when a tool for it is installed.
    ``app.copied`` keeps it: tests read it (a terminal's clipboard cannot be read back)."""
    app.copied = text  # type: ignore[attr-defined]
    app.copy_to_clipboard(text)
    app.run_worker(lambda: copy_locally(text), thread=True, group="clipboard")
    app.notify(f"Copied {what} ({len(text)} characters)", timeout=2)


def copy_last_answer(app: QwenApp) -> None:
    answer = app.query_one(ChatView).last_answer
    if answer is None or not answer.text:
        app.notify("No answer to copy yet.")
        return
    copy_text(app, answer.text, "the last answer")


def copy_code_block(app: QwenApp) -> None:
    """One code block is copied at once; of several, the user picks one."""
    answer = app.query_one(ChatView).last_answer
    blocks = answer.code_blocks if answer is not None else []
    if not blocks:
        app.notify("The last answer has no code block.")
    elif len(blocks) == 1:
        copy_text(app, blocks[0], "the code block")
    else:
        from qwen_tui.ui.screens.code_block_picker import CodeBlockPicker

        def picked(block: str | None) -> None:
            if block is not None:
                copy_text(app, block, "the code block")

        app.push_screen(CodeBlockPicker(blocks), picked)
