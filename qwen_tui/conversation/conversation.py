"""One conversation: its turns, its session file, and asking a provider with the whole history.

The TUI holds one ``Conversation``; ``ask`` and the benchmark use ``stream_answer`` alone (one
question, no history, no session). No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qwen_tui.conversation.loop import AnswerSink, stream_answer, yield_cpu
from qwen_tui.conversation.recorder import SessionRecorder
from qwen_tui.conversation.turn import Turn, history_messages
from qwen_tui.providers.base import ChatRequest, Message, Provider

if TYPE_CHECKING:
    from qwen_tui.context.project import ProjectContext
    from qwen_tui.context.prompt import BuiltPrompt
    from qwen_tui.session import Session, SessionStore

#: A question whose history is shorter than this (characters) and that has no context files is
#: planned on the event loop: a thread hop would cost more than the work.
PLAN_INLINE_CHARS = 200_000


class Conversation:
    """The turns so far and the session they are saved in (``sessions`` None: nothing saved)."""

    def __init__(self, project_root: Path, sessions: SessionStore | None, *,
                 on_problem: Callable[[str], None] | None = None) -> None:
        self.project_root = project_root
        self.sessions = sessions
        self.session: Session | None = None
        self.turns: list[Turn] = []
        self.on_problem = on_problem or (lambda message: None)
        self._last_write: asyncio.Future | None = None

    def history_messages(self) -> list[Message]:
        return history_messages(self.turns)

    def clear(self) -> None:
        """A new conversation: the next question starts a new session file."""
        self.turns = []
        self.session = None

    def resume(self, session: Session) -> None:
        """Continue a saved conversation: its questions and answers become the history."""
        self.session = session
        self.turns = []
        for saved in session.turns:
            if saved.role == "user":
                self.turns.append(Turn(saved.content))
            elif saved.role == "race" and self.turns and not self.turns[-1].text:
                self.turns.pop()  # a race whose answers were all set aside: its question goes too
            elif saved.role == "assistant" and self.turns:
                last = self.turns[-1]
                last.text = saved.content
                last.outcome = saved.outcome or "complete"
                last.provider, last.model = saved.provider or "", saved.model or ""

    def find_saved(self, which: str) -> Session | None:
        """``latest`` (this project's, else any) or an id or its prefix; blocking (a thread's job).
        An unknown id raises ``SessionError``; corrupt files met on the way land in
        ``sessions.problems``."""
        store = self.sessions
        if store is None:
            return None
        if which == "latest":
            return store.latest(self.project_root) or store.latest(None)
        return store.load(store.resolve_id(which))

    def take_back_last(self) -> Turn | None:
        """The last turn, removed from the history (to ask it again)."""
        return self.turns.pop() if self.turns else None

    async def plan(self, project: ProjectContext, question: str, context_window: int) -> BuiltPrompt:
        """The request's messages: files are read and tokens counted in a thread unless there is
        almost nothing to do."""
        history = self.history_messages()
        if project.selection.entries or sum(len(m.content) for m in history) > PLAN_INLINE_CHARS:
            return await asyncio.to_thread(project.plan, question, history, context_window)
        return project.plan(question, history, context_window)

    async def answer(self, turn: Turn, provider: Provider, messages: Sequence[Message], sink: AnswerSink, *,
                     context_files: Sequence[str] = (), on_sent: Callable[[], None] | None = None) -> Turn:
        """Ask ``provider`` (the messages already hold the history and the question); ``turn``
        joins the history at once and its answer streams into it and into ``sink``."""
        self.turns.append(turn)
        sent = asyncio.Event()

        def request_sent() -> None:
            yield_cpu()  # a server on this machine gets a core to read the request before our screen work
            sent.set()
            if on_sent is not None:
                on_sent()

        recorder = None
        if self.sessions is not None:
            recorder = SessionRecorder(
                self.sessions, turn, get_session=lambda: self.session, set_session=self._set_session,
                project=str(self.project_root), context_files=list(context_files), after=self._last_write,
                on_problem=self._session_problem)
            recorder.begin(sent)
        request = ChatRequest(messages=list(messages), model=turn.model, on_sent=request_sent)
        try:
            await stream_answer(provider, request, sink, turn)
        finally:
            if recorder is not None:
                self._last_write = recorder.finish()
        return turn

    async def saved(self) -> None:
        """Until the last answer is on disk (tests; quitting)."""
        if self._last_write is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._last_write)

    def _set_session(self, session: Session) -> None:
        self.session = session

    def _session_problem(self, message: str) -> None:
        self.sessions = None  # one warning, not one per question
        self.on_problem(message)
