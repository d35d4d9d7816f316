"""The screen across a tool step: held (not painted) from a tool call until the next answer shows
something, so a paint does not sit between a fast model's answer and the request after it; never
held for longer than ``HOLD_S`` after that request, so a slow model's wait shows the entries."""

from __future__ import annotations

import asyncio

import pytest

from qwen_tui.ui import chat_sink
from qwen_tui.ui.chat_sink import ChatSink
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.tool_entry import ToolEntry
from tests.support.app import settle, until
from tests.ui.test_review import ask

SIZE = (120, 40)
READ_APP = {"name": "read_file", "arguments": {"path": "src/app.py"}}
READ_UTIL = {"name": "read_file", "arguments": {"path": "src/util.py"}}


def entry_lines(app) -> list[str]:
    return [entry.line for entry in app.query_one(ChatView).query(ToolEntry)]


@pytest.mark.parametrize("provider", ["sambanova", "ollama"])
async def test_the_screen_is_held_from_each_tool_call_until_the_answer_shows_text(make_app, sim, sim_config,
                                                                                 provider, monkeypatch):
    monkeypatch.setattr(chat_sink, "HOLD_S", 30.0)  # only the answer's own events release it here
    sim_config.default_provider = provider
    sim.set_knobs(provider=provider, script=[{"tool_calls": [READ_APP]}, {"tool_calls": [READ_UTIL]},
                                             {"text": "Both read."}])
    at_call, at_send = [], []
    on_tool_call, request_sent = ChatSink.on_tool_call, ChatSink.request_sent

    def record(into, original):
        def recorded(self, *args):
            original(self, *args)
            into.append((self._hold is not None, self.app._batch_count > 0, len(entry_lines(self.app))))
        return recorded

    monkeypatch.setattr(ChatSink, "on_tool_call", record(at_call, on_tool_call))
    monkeypatch.setattr(ChatSink, "request_sent", record(at_send, request_sent))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "read both")
        await settle(app)
        assert at_call == [(True, True, 0), (True, True, 0)]  # held, and no entry built or mounted yet
        assert [held for held, _, _ in at_send] == [False, True, True]  # the question's request: not held
        assert all(painting_held and shown == 0 for _, painting_held, shown in at_send[1:])
        assert app._batch_count == 0
        assert [line.split(" · ")[0] for line in entry_lines(app)] == ["✓ read_file src/app.py",
                                                                       "✓ read_file src/util.py"]
        assert app.query_one(ChatView).last_answer.text.endswith("Both read.")


async def test_a_slow_next_answer_does_not_keep_the_screen_held(make_app, sim, monkeypatch):
    monkeypatch.setattr(chat_sink, "HOLD_S", 0.05)
    sim.set_knobs(provider="sambanova", script=[{"tool_calls": [READ_APP]}, {"text": "Read it."}], ttft_ms=1500)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "read it")
        await until(pilot, lambda: sum(r.is_chat for r in sim.requests) == 2)
        await asyncio.sleep(0.4)
        await pilot.pause()
        assert app._batch_count == 0
        assert entry_lines(app)[0].startswith("✓ read_file src/app.py · 2 lines")
        assert "Read it." not in app.query_one(ChatView).last_answer.text  # still awaited: the entry shows
        await settle(app)
        assert app.query_one(ChatView).last_answer.text.endswith("Read it.")


@pytest.mark.parametrize("provider", ["sambanova", "ollama"])
async def test_after_a_slow_start_the_screen_is_held_from_the_calls_first_byte(make_app, sim, sim_config,
                                                                               provider, monkeypatch):
    """The model starts 300 ms after each request, past ``HOLD_S``: the screen is painted while it
    waits (the status line ticks), and held again as soon as a call begins to arrive, so nothing is
    painted between the call's last byte and the next request."""
    monkeypatch.setattr(chat_sink, "HOLD_S", 0.05)
    sim_config.default_provider = provider
    sim.set_knobs(provider=provider, script=[{"tool_calls": [READ_APP]}, {"tool_calls": [READ_UTIL]},
                                             {"text": "Both read."}], ttft_ms=300)
    held_as_call_ends = []
    on_tool_call = ChatSink.on_tool_call

    def record(self, call):
        held_as_call_ends.append(self.app._batch_count > 0)
        on_tool_call(self, call)

    monkeypatch.setattr(ChatSink, "on_tool_call", record)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "read both")
        await until(pilot, lambda: sum(r.is_chat for r in sim.requests) == 2)
        await asyncio.sleep(0.15)  # the next answer is still awaited: not held meanwhile
        await pilot.pause()
        assert app._batch_count == 0
        await settle(app)
        assert held_as_call_ends == [True, True]
        assert app._batch_count == 0
        assert app.query_one(ChatView).last_answer.text.endswith("Both read.")
