"""A key typed in the prompt is painted as it is handled, not at the screen's next frame: with
the screen's frame timer stopped, the echo still reaches the terminal."""

from __future__ import annotations

import asyncio

from textual import events

from qwen_tui.ui.widgets.prompt import PromptInput
from tests.support.app import until

SIZE = (120, 40)


async def test_a_typed_key_and_a_deleted_one_are_painted_at_once(make_app, monkeypatch):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptInput)
        await until(pilot, lambda: app._background_started)
        await pilot.pause(0.3)
        screen = app.screen
        screen._update_timer.pause()
        monkeypatch.setattr(screen._update_timer, "resume", lambda: None)  # no frame comes by itself
        sent: list[str] = []
        display = app._display
        monkeypatch.setattr(app, "_display", lambda on, update: (sent.append(update.render_segments(app.console)),
                                                                  display(on, update))[1])
        app.post_message(events.Key("Ж", "Ж"))
        await asyncio.sleep(0.2)
        assert prompt.text == "Ж"
        assert any("Ж" in frame for frame in sent), "the typed key waited for a frame"
        painted = len(sent)
        app.post_message(events.Key("backspace", None))
        await asyncio.sleep(0.2)
        assert prompt.text == ""
        assert len(sent) > painted, "the deletion waited for a frame"
        assert "Ж" not in sent[-1]
