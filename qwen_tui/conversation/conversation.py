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

from qwen_tui.conversation.agent import DEFAULT_MAX_STEPS, AgentSink, ToolStep, run_agent
from qwen_tui.conversation.compaction import Compaction, sent_history
from qwen_tui.conversation.loop import AnswerSink, stream_answer, yield_cpu
from qwen_tui.conversation.recorder import SessionRecorder
from qwen_tui.conversation.turn import Turn
from qwen_tui.providers.base import ChatRequest, Message, Provider

if TYPE_CHECKING:
    from qwen_tui.context.project import ProjectContext
    from qwen_tui.tools.toolbox import Answer as ToolAnswer
    from qwen_tui.race import Lane
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
        self.compactions: list[Compaction] = []  # in force, oldest first (``compaction``)

    @property
    def compacted(self) -> Compaction | None:
        """The compaction in force: its summary is sent for the turns it covers."""
        return self.compactions[-1] if self.compactions else None

    def history_messages(self) -> list[Message]:
        return sent_history(self.turns, self.compacted)

    def add_compaction(self, compaction: Compaction) -> None:
        """From now on the summary is sent for the turns it covers; saved after the last write."""
        self.compactions.append(compaction)
        self._save_compaction(compaction)

    def undo_compaction(self) -> Compaction | None:
        """The last compaction taken back (its turns are sent again), or None when there is none."""
        if not self.compactions:
            return None
        undone = self.compactions.pop()
        self._save_compaction(None)
        return undone

    def _save_compaction(self, compaction: Compaction | None) -> None:
        store, session, after = self.sessions, self.session, self._last_write
        if store is None or session is None:
            return

        def save() -> None:
            if compaction is None:
                store.append_compaction_undone(session)
            else:
                store.append_compaction(session, compaction.summary, compaction.covers, compaction.provider,
                                        compaction.model)

        async def write() -> None:
            if after is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(after)
            try:
                await asyncio.to_thread(save)
            except Exception as exc:  # noqa: BLE001 - saving must never stop the conversation
                self._session_problem(f"Session not saved: {exc}")

        self._last_write = asyncio.ensure_future(write())

    def clear(self) -> None:
        """A new conversation: the next question starts a new session file."""
        self.turns = []
        self.session = None
        self.compactions = []

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
                last.reasoning = [saved.reasoning] if saved.reasoning else []  # shown, never sent
                last.outcome = saved.outcome or "complete"
                last.provider, last.model = saved.provider or "", saved.model or ""
        self.compactions = [Compaction(c["summary"], min(c["covers"], len(self.turns)), c.get("provider") or "",
                                       c.get("model") or "") for c in session.compactions]

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
        """The last turn, removed from the history (to ask it again); a compaction that stood for
        it is undone (its summary would still carry the turn)."""
        if not self.turns:
            return None
        last = self.turns.pop()
        if self.compacted is not None and self.compacted.covers > len(self.turns):
            self.undo_compaction()
        return last

    async def plan(self, project: ProjectContext, question: str, context_window: int) -> BuiltPrompt:
        """The request's messages: files are read and tokens counted in a thread unless there is
        almost nothing to do."""
        history = self.history_messages()
        if project.selection.entries or project.resources or sum(len(m.content) for m in history) > PLAN_INLINE_CHARS:
            return await asyncio.to_thread(project.plan, question, history, context_window)
        return project.plan(question, history, context_window)

    async def answer(self, turn: Turn, provider: Provider, messages: Sequence[Message], sink: AnswerSink, *,
                     context_files: Sequence[str] = (), on_sent: Callable[[], None] | None = None,
                     tools: ToolAnswer | None = None, blocks: bool = False, max_steps: int = DEFAULT_MAX_STEPS,
                     on_fallback: Callable[[], None] | None = None) -> Turn:
        """Ask ``provider`` (the messages already hold the history and the question); ``turn``
        joins the history at once and its answer streams into it and into ``sink``. With
        ``tools`` (and an ``AgentSink``), the model may call them: the agent loop runs, every
        step saved as it happens."""
        self.turns.append(turn)
        sent = asyncio.Event()

        def request_sent() -> None:
            yield_cpu()  # a server on this machine gets a core to read the request before our screen work
            sent.set()
            if recorder is not None:  # the steps before this request are saved now, not while it is sent
                recorder.request_sent()
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
            if tools is None:
                await stream_answer(provider, request, sink, turn)
            else:
                agent_sink = sink if recorder is None else _Recorded(sink, recorder)  # type: ignore[arg-type]
                await run_agent(provider, request, agent_sink, turn, tools, blocks=blocks, max_steps=max_steps,
                                on_fallback=on_fallback)
        finally:
            if recorder is not None:
                self._last_write = recorder.finish()
        return turn

    def add_race(self, question: str, lanes: Sequence[Lane], kept: int | None, spread_ms: float | None, *,
                 context_files: Sequence[str] = ()) -> Turn | None:
        """A race's question and every lane's answer, saved; the kept answer joins the history as
        the question's answer (none kept: the question stays out of the history too)."""
        turn = None
        if kept is not None:
            lane = lanes[kept]
            turn = Turn(question, provider=lane.name, model=lane.model, outcome=lane.outcome, timing=lane.timing)
            turn.text = lane.text
            self.turns.append(turn)
        if self.sessions is not None:
            records = [{"provider": lane.name, "model": lane.model, "content": lane.text, "outcome": lane.outcome,
                        "error": lane.error, "timing": lane.timing} for lane in lanes]
            self._last_write = asyncio.ensure_future(
                self._save_race(question, records, kept, spread_ms, list(context_files), self._last_write))
        return turn

    async def _save_race(self, question: str, records: list[dict], kept: int | None, spread_ms: float | None,
                         context_files: list[str], after: asyncio.Future | None) -> None:
        if after is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(after)
        store = self.sessions
        if store is None:
            return

        def save() -> None:
            if self.session is None:
                self.session = store.create(str(self.project_root), title=question)
            store.append_user(self.session, question, context_files)
            store.append_race(self.session, records, kept, spread_ms)

        try:
            await asyncio.to_thread(save)
        except Exception as exc:  # noqa: BLE001 - saving must never stop the conversation
            self._session_problem(f"Session not saved: {exc}")

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


class _Recorded(AgentSink):
    """The viewer's sink, with each tool step also saved; every other call goes straight to the
    viewer's own method (bound here: nothing added on the text's path)."""

    def __init__(self, sink: AgentSink, recorder: SessionRecorder) -> None:
        for name in ("on_text", "on_reasoning", "on_phase", "on_usage", "on_call_started", "on_finish", "on_error",
                     "on_cancel", "on_step", "on_tool_call", "on_note", "approve"):
            setattr(self, name, getattr(sink, name))
        self._sink, self._recorder = sink, recorder

    def on_tool_result(self, step: ToolStep) -> None:
        self._recorder.record_tool(step)
        self._sink.on_tool_result(step)
