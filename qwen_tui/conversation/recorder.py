"""The session file of one answer, written off the event loop while it streams.

The question and the answer's start are written in a thread once the request has gone out
(nothing ahead of the request on the loop, a thread start included); the text so far is handed to
the writer at most every ``SAVE_EVERY_S`` (joining the pieces costs O(length), so not per delta);
the end record is written in a thread after the answer. Writes of one conversation stay in order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from qwen_tui.conversation.turn import Turn

if TYPE_CHECKING:
    from qwen_tui.conversation.agent import ToolStep
    from qwen_tui.session import AnswerWriter, Session, SessionStore

#: The streaming answer is handed to the session writer at most this often (the writer itself
#: writes to disk every ``session.FLUSH_INTERVAL``).
SAVE_EVERY_S = 0.05
#: The question is written at the latest this long after it was asked, sent or not.
BEGIN_WITHIN_S = 0.010
#: A tool step is written once the next request has gone out, at the latest this long after it
#: ended (its write, 2 ms of JSON for a 2,000-line read, held the GIL while the request was sent).
TOOL_WITHIN_S = 0.010


class SessionRecorder:
    """Saves one turn: ``begin`` after the request is sent, ``finish`` when the answer ended."""

    def __init__(self, store: SessionStore, turn: Turn, *, get_session: Callable[[], Session | None],
                 set_session: Callable[[Session], None], project: str, context_files: list[str],
                 after: asyncio.Future | None, on_problem: Callable[[str], None]) -> None:
        self.store, self.turn = store, turn
        self._get_session, self._set_session = get_session, set_session
        self.project, self.context_files = project, context_files
        self._after = after  # the previous turn's last write: this one's first waits for it
        self._on_problem = on_problem
        self.writer: AnswerWriter | None = None
        self._saved_len = 0
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._begun: asyncio.Future | None = None
        self._last_tool: asyncio.Future | None = None
        self._tool_waits: list[asyncio.Event] = []  # tool steps waiting for the next request to go

    def begin(self, sent: asyncio.Event) -> None:
        self._begun = asyncio.ensure_future(self._begin(sent))

    async def _begin(self, sent: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(BEGIN_WITHIN_S):
                await sent.wait()
        if self._after is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._after)
        turn, store = self.turn, self.store

        def begin() -> AnswerWriter:
            session = self._get_session()
            if session is None:
                session = store.create(self.project, title=turn.question)
                self._set_session(session)
            store.append_user(session, turn.question, self.context_files)
            return store.begin_answer(session, turn.provider, turn.model)

        try:
            self.writer = await asyncio.to_thread(begin)
        except Exception as exc:  # noqa: BLE001 - saving must never stop the conversation
            self._on_problem(f"Session not saved: {exc}")
            return
        if not self._closed:
            self._tick()

    def _tick(self) -> None:
        self._timer = None
        if self._closed or self.writer is None:
            return
        text = self.turn.text
        if len(text) != self._saved_len:
            self._saved_len = len(text)
            self.writer.update(text)
        self._timer = asyncio.get_running_loop().call_later(SAVE_EVERY_S, self._tick)

    def record_tool(self, step: ToolStep) -> None:
        """One tool call and its result, written in a thread after the text so far (in order),
        once the next request has gone out (``request_sent``) or ``TOOL_WITHIN_S`` has passed."""
        went = asyncio.Event()
        self._tool_waits.append(went)
        self._last_tool = asyncio.ensure_future(self._record_tool(step, self._last_tool, went))

    def request_sent(self) -> None:
        """A request of this answer has been written: the tool steps before it can be saved."""
        waits, self._tool_waits = self._tool_waits, []
        for went in waits:
            went.set()

    async def _record_tool(self, step: ToolStep, previous: asyncio.Future | None, went: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(TOOL_WITHIN_S):
                await went.wait()
        for before in (self._begun, previous):
            if before is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(before)
        writer, turn = self.writer, self.turn
        if writer is None:
            return
        call, result = step.call, step.result
        diff = result.proposal.diff if result.proposal is not None and result.proposal.state == "applied" else None
        text = turn.text

        def write() -> None:
            writer.update(text)
            writer.add_tool(call.name, call.arguments, result.ok, result.summary, result.content, diff)

        with contextlib.suppress(Exception):  # a full disk is told at the answer's end
            await asyncio.to_thread(write)

    def finish(self) -> asyncio.Future:
        """Write the end of the answer (in a thread); the future is done when it is on disk."""
        self._closed = True
        self.request_sent()  # no request comes after the last step: nothing to wait for
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return asyncio.ensure_future(self._finish())

    async def _finish(self) -> None:
        for before in (self._begun, self._last_tool):
            if before is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(before)
        writer, turn = self.writer, self.turn
        if writer is None:
            return
        error = turn.error.message if turn.error is not None else None
        text, reasoning = turn.text, "".join(turn.reasoning)

        def finish() -> None:
            writer.update(text)
            writer.finish(turn.outcome, turn.timing, error, reasoning)

        try:
            await asyncio.to_thread(finish)
        except Exception as exc:  # noqa: BLE001 - a full disk is told, the conversation goes on
            self._on_problem(f"Session not saved: {exc}")
