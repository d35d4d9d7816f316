"""A tool step is saved once the next request of the answer has gone out (its JSON no longer
competes with that request for the GIL), and at the latest when the answer ends."""

from __future__ import annotations

import asyncio
import time

from qwen_tui.conversation import recorder as recorder_module
from qwen_tui.conversation.agent import ToolStep
from qwen_tui.conversation.recorder import SessionRecorder
from qwen_tui.conversation.turn import Turn
from qwen_tui.providers.base import ToolCall
from qwen_tui.session import SessionStore
from qwen_tui.tools.results import ToolResult


def step(n: int) -> ToolStep:
    call = ToolCall(f"call_{n}", "read_file", {"path": f"mod_{n}.py"}, "{}")
    return ToolStep(call, ToolResult("read_file", True, f"     1\tline of {n}", f"read mod_{n}.py: 1 line"))


async def started(tmp_path, monkeypatch) -> tuple[SessionRecorder, SessionStore]:
    monkeypatch.setattr(recorder_module, "TOOL_WITHIN_S", 30.0)  # only the events below release a step
    store = SessionStore(tmp_path / "sessions")
    sessions: list = []
    rec = SessionRecorder(store, Turn("q", provider="sim", model="m"),
                          get_session=lambda: sessions[-1] if sessions else None, set_session=sessions.append,
                          project=str(tmp_path), context_files=[], after=None,
                          on_problem=lambda text: None)
    sent = asyncio.Event()
    sent.set()
    rec.begin(sent)
    for _ in range(200):
        if rec.writer is not None:
            break
        await asyncio.sleep(0.01)
    assert rec.writer is not None
    return rec, store


async def test_a_step_is_written_when_the_next_request_has_gone(tmp_path, monkeypatch) -> None:
    rec, _store = await started(tmp_path, monkeypatch)
    rec.record_tool(step(1))
    await asyncio.sleep(0.05)
    assert rec.writer.turn.tools == []  # the next request has not gone out yet
    rec.request_sent()
    await asyncio.wait_for(asyncio.shield(rec._last_tool), 5)
    assert [t["content"] for t in rec.writer.turn.tools] == ["     1\tline of 1"]


async def test_the_last_steps_are_written_at_the_end_without_waiting(tmp_path, monkeypatch) -> None:
    rec, store = await started(tmp_path, monkeypatch)
    rec.record_tool(step(1))
    rec.request_sent()
    rec.record_tool(step(2))  # the answer's last step: no request comes after it
    began = time.monotonic()
    await asyncio.wait_for(rec.finish(), 5)
    assert time.monotonic() - began < 5
    saved = store.load(rec._get_session().id).turns[-1]
    assert [t["arguments"]["path"] for t in saved.tools] == ["mod_1.py", "mod_2.py"]
