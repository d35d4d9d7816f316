"""Terminal safety with Pilot, for what a pty cannot carry: a paste holding ESC (Textual's input
parser turns ESC inside a bracketed paste back into keys) goes into the prompt and the dialogs'
inputs as visible placeholders; a prefilled input hands back its raw value when left unchanged."""

from __future__ import annotations

from pathlib import Path

from textual import events

from qwen_tui.ui.widgets.prompt import PromptInput
from qwen_tui.ui.widgets.safe_input import SafeInput
from tests.reliability.hostile import all_payloads, visible_form
from tests.reliability.tui_driver import SIZE, make_app

UNSAFE = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\u2066", "\x08")


async def test_paste_with_escapes_goes_in_visible(sim, workdir: Path, tmp_path: Path) -> None:
    app = make_app(sim, workdir, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptInput)
        prompt.focus()
        app.post_message(events.Paste(f"pasted {all_payloads()}\r\nline two"))  # as the driver posts it
        await pilot.pause()
        assert prompt.text == visible_form(f"pasted {all_payloads()}\nline two")
        assert not any(ch in prompt.text for ch in UNSAFE)

        await pilot.press("ctrl+g")  # go to file: a SafeInput
        finder_input = app.screen.query_one(SafeInput)
        app.post_message(events.Paste(f"x{all_payloads()}"))
        await pilot.pause()
        assert finder_input.value == visible_form(f"x{all_payloads()}")


async def test_safe_input_shows_visible_and_returns_the_raw_value_unchanged(sim, workdir: Path, tmp_path: Path) -> None:
    raw = "/tmp/proj\x1b]2;t\x1b\\/a.md"
    async with make_app(sim, workdir, tmp_path).run_test(size=SIZE):
        field = SafeInput(value=raw)
        assert field.value == visible_form(raw)
        assert field.submitted_value(field.value) == raw  # kept as is: the real path
        assert field.submitted_value("/tmp/other.md") == "/tmp/other.md"
