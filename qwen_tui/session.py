"""Conversations and their append-only JSONL files.

One file per session in the XDG data folder (``sessions/<id>.jsonl``). Nothing is ever rewritten:
each event is one line, written with a single ``write`` and no Python buffering, so a process killed
at any moment leaves every earlier line whole and at worst a truncated last line, which loading
ignores. The assistant's text goes down as ``answer_delta`` records (only the text that is new since
the previous one) at most every ``FLUSH_INTERVAL`` seconds while it streams, so a SIGKILL loses at
most that much of an answer.

Record types: ``meta`` (first line), ``user``, ``answer_start``, ``answer_delta``, ``answer_end``,
``rename``, ``race``, ``compaction`` (a summary now stands for the first ``covers`` turns; the
turns stay in the file) and ``compaction_undone``. Unknown types are skipped, so newer files
still open in older versions.

No Textual here: the TUI and the CLI both use this module.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui import paths
from qwen_tui.atomic import move_aside, write_atomic
from qwen_tui.providers.base import Message
from qwen_tui.redact import redact

FORMAT_VERSION = 1
FLUSH_INTERVAL = 0.5  # seconds: the most answer text a crash may lose
TITLE_MAX = 120
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class SessionError(Exception):
    """A session cannot be opened: unknown id, ambiguous prefix, or a corrupt file."""


# ---- the model ---------------------------------------------------------------------------


@dataclass(slots=True)
class Turn:
    """One message of a conversation.

    An assistant turn's ``outcome`` is ``complete``, ``error`` or ``cancelled`` once it ended,
    ``interrupted`` when its file stops before the end (the app was killed), None while streaming.
    """

    role: str  # "user" | "assistant"
    content: str
    provider: str | None = None
    model: str | None = None
    timing: dict[str, Any] | None = None
    context_files: list[str] = field(default_factory=list)
    outcome: str | None = None
    created: float = field(default_factory=time.time)
    error: str | None = None
    #: A race's other answers (provider, model, content, outcome, timing, error): kept for the
    #: record and the export, never sent back to a model.
    alternates: list[dict[str, Any]] = field(default_factory=list)
    race: bool = False
    #: The answer's tool calls, in order: name, arguments, ok, summary, content (capped), diff.
    tools: list[dict[str, Any]] = field(default_factory=list)
    #: What the model reasoned before answering ("thinking"): kept and shown, never sent back.
    reasoning: str = ""


@dataclass(slots=True)
class Session:
    id: str
    title: str | None
    project: str | None
    created: float
    turns: list[Turn] = field(default_factory=list)
    path: Path | None = None
    updated: float = 0.0
    #: The compactions in force, oldest first: summary, covers (how many conversation turns it
    #: stands for), provider, model. Undone ones are taken off.
    compactions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def display_title(self) -> str:
        """The title the user gave, else the start of the first question."""
        if self.title:
            return self.title
        for turn in self.turns:
            if turn.role == "user" and turn.content.strip():
                return clean_title(turn.content.strip().splitlines()[0], limit=60)
        return "(empty)"

    def history(self) -> list[Message]:
        """The conversation as provider messages: user and assistant text only.

        An answer that was stopped, failed or cut by a crash counts as the text that arrived;
        an answer with no text at all is left out.
        """
        out: list[Message] = []
        for i, turn in enumerate(self.turns):
            following = self.turns[i + 1] if i + 1 < len(self.turns) else None
            if turn.role == "user" and following is not None and following.role == "race":
                continue  # a race whose answers were all set aside: its question goes too
            if turn.role in ("user", "assistant") and turn.content:
                out.append(Message(turn.role, turn.content))  # type: ignore[arg-type]
        return out


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A row of the session browser."""

    id: str
    title: str
    project: str | None
    updated: float
    turns: int


def clean_title(text: str, limit: int = TITLE_MAX) -> str:
    """One line, no control or bidi characters, at most ``limit`` characters."""
    text = _CONTROL_RE.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def new_session_id() -> str:
    """Sortable by creation time, unique enough for one user: ``20261126-045700-3fa9c1``."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


# ---- writing -----------------------------------------------------------------------------


def _append_record(path: Path, record: dict[str, Any], sync: bool = False) -> None:
    """Append one JSON line with a single write. A previous truncated line is closed first, so
    a resumed session never glues a new record onto a broken one."""
    line = json.dumps(record, ensure_ascii=False, default=str, separators=(",", ":")) + "\n"
    data = line.encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


#: A tool result or diff longer than this is cut in the session file (with a note saying so).
TOOL_RECORD_CHARS = 20_000


def _capped(text: str) -> str:
    if len(text) <= TOOL_RECORD_CHARS:
        return text
    return text[:TOOL_RECORD_CHARS] + f"\n[… {len(text) - TOOL_RECORD_CHARS:,} more characters not saved]"


def _timing_dict(timing: Any) -> dict[str, Any] | None:
    if timing is None:
        return None
    if hasattr(timing, "summary"):
        timing = timing.summary()
    if not isinstance(timing, dict):
        return None
    return json.loads(redact(json.dumps(timing, default=str)))


class AnswerWriter:
    """Saves one streaming answer. Built for the event loop: ``update`` is O(1) on most calls.

    ``update(full_text)`` records the text so far and writes the new part as one ``answer_delta``
    when ``FLUSH_INTERVAL`` has passed since the last write. Inside a running asyncio loop a timer
    also flushes text that is waiting when tokens stall, so nothing older than the interval is ever
    only in memory. ``finish`` writes the rest and the end record, then fsyncs.
    """

    def __init__(self, store: SessionStore, session: Session, turn: Turn, interval: float = FLUSH_INTERVAL) -> None:
        self.store, self.session, self.turn = store, session, turn
        self.interval = interval
        self._text = ""
        self._written = 0  # characters of _text already on disk
        self._last_flush = time.monotonic()
        self._timer: asyncio.TimerHandle | None = None
        self._lock = threading.Lock()  # finish() may run in a thread while the loop's timer flushes
        self.finished = False

    @property
    def text(self) -> str:
        return self._text

    def update(self, full_text: str) -> None:
        """The whole answer so far (each call extends the previous text)."""
        if self.finished:
            return
        self._text = full_text
        self.turn.content = full_text
        if len(full_text) <= self._written:
            return
        wait = self.interval - (time.monotonic() - self._last_flush)
        if wait <= 0:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._timer = loop.call_later(wait, self._timer_flush)

    def append(self, delta: str) -> None:
        """Same as ``update`` for callers that hold deltas rather than the whole text."""
        self.update(self._text + delta)

    def _timer_flush(self) -> None:
        self._timer = None
        if not self.finished:
            self.flush()

    def flush(self) -> None:
        """Write whatever text is not on disk yet, now."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._last_flush = time.monotonic()
        text = self._text
        if self.finished or self._written >= len(text):
            return
        delta = text[self._written :]
        self._written = len(text)
        _append_record(self.session.path, {"type": "answer_delta", "text": redact(delta)})  # type: ignore[arg-type]
        self.session.updated = time.time()

    def add_tool(self, name: str, arguments: dict[str, Any], ok: bool, summary: str, content: str,
                 diff: str | None = None) -> None:
        """One tool call of the answer and what came of it, written at once (after the text so
        far, so a resumed session shows them in order). Everything is redacted; long results are
        capped (the model saw them whole)."""
        with self._lock:
            if self.finished:
                return
            self._flush_locked()
            record: dict[str, Any] = {
                "type": "tool", "name": name, "arguments": json.loads(redact(json.dumps(arguments, default=str))),
                "ok": ok, "summary": redact(summary), "content": redact(_capped(content)), "at": time.time()}
            if diff:
                record["diff"] = redact(_capped(diff))
            _append_record(self.session.path, record)  # type: ignore[arg-type]
            self.turn.tools.append(record)

    def finish(self, outcome: str = "complete", timing: Any = None, error: str | None = None,
               reasoning: str = "") -> Turn:
        """Close the answer: ``outcome`` is complete, error or cancelled; ``timing`` a dict or a
        ``RequestTiming``; ``error`` a message (redacted before it is stored); ``reasoning`` the
        model's thinking, written as one record before the end (redacted too)."""
        with self._lock:
            if self.finished:
                return self.turn
            timer, self._timer = self._timer, None
            if timer is not None:
                timer.cancel()  # harmless if it already ran; a late run finds finished=True
            self._flush_locked()
            self.finished = True
            if reasoning:
                self.turn.reasoning = redact(reasoning)
                record = {"type": "reasoning", "text": self.turn.reasoning}
                _append_record(self.session.path, record)  # type: ignore[arg-type]
            self.turn.outcome = outcome
            self.turn.timing = _timing_dict(timing)
            self.turn.error = redact(error) if error else None
            record: dict[str, Any] = {
                "type": "answer_end", "outcome": outcome, "timing": self.turn.timing, "at": time.time(),
            }
            if self.turn.error:
                record["error"] = self.turn.error
            _append_record(self.session.path, record, sync=True)  # type: ignore[arg-type]
            self.session.updated = record["at"]
            return self.turn


# ---- reading -----------------------------------------------------------------------------


def _parse(path: Path, data: bytes) -> tuple[Session, list[str]]:
    """Build a session from a file's bytes. Raises SessionError when it is not a session file;
    returns the lines it had to skip as notes."""
    lines = data.split(b"\n")
    truncated_tail = bool(lines and lines[-1])  # no final newline: the last write was cut short
    notes: list[str] = []
    records: list[tuple[int, dict[str, Any]]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
            if not isinstance(record, dict) or not isinstance(record.get("type"), str):
                raise ValueError("not a record")
        except (ValueError, UnicodeDecodeError):
            if number == len(lines) and truncated_tail:
                continue  # a line cut by a crash: expected, not a problem
            notes.append(f"line {number} unreadable, skipped")
            continue
        records.append((number, record))
    if not records or records[0][1].get("type") != "meta":
        raise SessionError("no session header on the first line")
    meta = records[0][1]
    sid = meta.get("id")
    if not isinstance(sid, str) or not _ID_RE.match(sid):
        raise SessionError("the session header has no valid id")
    created = meta.get("created") if isinstance(meta.get("created"), (int, float)) else 0.0
    session = Session(
        id=sid,
        title=meta.get("title") if isinstance(meta.get("title"), str) else None,
        project=meta.get("project") if isinstance(meta.get("project"), str) else None,
        created=float(created),
        path=path,
        updated=float(created),
    )
    answer: Turn | None = None
    for number, rec in records[1:]:
        kind = rec["type"]
        at = rec.get("at")
        if isinstance(at, (int, float)) and not isinstance(at, bool):
            session.updated = max(session.updated, float(at))
        try:
            if kind == "user":
                answer = _close_open(answer)
                text = rec["text"]
                files = rec.get("context_files") or []
                if not isinstance(text, str) or not all(isinstance(f, str) for f in files):
                    raise TypeError
                session.turns.append(Turn("user", text, context_files=list(files), created=float(at or created)))
            elif kind == "answer_start":
                answer = _close_open(answer)
                answer = Turn(
                    "assistant",
                    "",
                    provider=_str_or_none(rec.get("provider")),
                    model=_str_or_none(rec.get("model")),
                    created=float(at or created),
                )
                session.turns.append(answer)
            elif kind == "answer_delta":
                if answer is None or not isinstance(rec.get("text"), str):
                    raise TypeError
                answer.content += rec["text"]
            elif kind == "answer_end":
                if answer is None:
                    raise TypeError
                answer.outcome = _str_or_none(rec.get("outcome")) or "complete"
                answer.timing = rec.get("timing") if isinstance(rec.get("timing"), dict) else None
                answer.error = _str_or_none(rec.get("error"))
                answer = None
            elif kind == "reasoning":
                if answer is None or not isinstance(rec.get("text"), str):
                    raise TypeError
                answer.reasoning += rec["text"]
            elif kind == "tool":
                if answer is None or not isinstance(rec.get("name"), str):
                    raise TypeError
                answer.tools.append({key: rec.get(key) for key in ("name", "arguments", "ok", "summary", "content",
                                                                     "diff")})
            elif kind == "race":
                answer = _close_open(answer)
                session.turns.append(_race_turn(rec, float(at or created)))
            elif kind == "compaction":
                if not isinstance(rec.get("summary"), str) or not isinstance(rec.get("covers"), int):
                    raise TypeError
                session.compactions.append({key: rec.get(key) for key in ("summary", "covers", "provider", "model")})
            elif kind == "compaction_undone":
                if session.compactions:
                    session.compactions.pop()
            elif kind == "rename":
                if not isinstance(rec.get("title"), str):
                    raise TypeError
                session.title = rec["title"] or None
            # unknown kinds: written by a newer version; skip quietly
        except (KeyError, TypeError, ValueError):
            notes.append(f"line {number} ({kind}) malformed, skipped")
    _close_open(answer)
    if not session.updated:
        session.updated = path.stat().st_mtime if path.exists() else 0.0
    return session, notes


def _race_turn(rec: dict[str, Any], at: float) -> Turn:
    """A race record as a turn: the kept answer (role assistant), or role "race" when none was."""
    lanes = rec["lanes"]
    kept = rec.get("kept")
    if not isinstance(lanes, list) or not all(isinstance(x, dict) for x in lanes):
        raise TypeError
    clean = [{
        "provider": _str_or_none(x.get("provider")), "model": _str_or_none(x.get("model")),
        "content": x.get("content") if isinstance(x.get("content"), str) else "",
        "outcome": _str_or_none(x.get("outcome")), "error": _str_or_none(x.get("error")),
        "timing": x.get("timing") if isinstance(x.get("timing"), dict) else None,
    } for x in lanes]
    if isinstance(kept, int) and not isinstance(kept, bool) and 0 <= kept < len(clean):
        main = clean[kept]
        return Turn("assistant", main["content"], provider=main["provider"], model=main["model"],
                    timing=main["timing"], outcome=main["outcome"] or "complete", created=at, error=main["error"],
                    alternates=[x for i, x in enumerate(clean) if i != kept], race=True)
    return Turn("race", "", created=at, outcome="complete", alternates=clean, race=True)


def _close_open(answer: Turn | None) -> None:
    """An answer followed by anything but its end record was cut off by a crash."""
    if answer is not None and answer.outcome is None:
        answer.outcome = "interrupted"
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# ---- the store ---------------------------------------------------------------------------


class SessionStore:
    """All sessions in one folder. Broken files are moved aside (``*.jsonl.corrupt-<time>``) and
    listed in ``problems``; they never stop the app."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else paths.sessions_dir()
        self.problems: list[str] = []
        self._cache: dict[Path, tuple[int, int, SessionInfo]] = {}

    # -- files -----------------------------------------------------------------------------
    def _ensure_dir(self) -> Path:
        return paths.ensure_dir(self.directory)

    def path_for(self, session_id: str) -> Path:
        if not _ID_RE.match(session_id):
            raise SessionError(f"{session_id!r} is not a session id")
        return self.directory / f"{session_id}.jsonl"

    def _quarantine(self, path: Path, why: str) -> None:
        moved = move_aside(path)
        where = f"moved to {moved.name}" if moved else "left in place"
        self.problems.append(f"{path}: {why} — skipped; the file was {where}")
        self._cache.pop(path, None)

    # -- writing ---------------------------------------------------------------------------
    def create(self, project: str | os.PathLike[str] | None, title: str | None = None) -> Session:
        """A new session; its file is written at once (header only)."""
        self._ensure_dir()
        now = time.time()
        session_id = new_session_id()
        while self.path_for(session_id).exists():
            session_id = new_session_id()
        session = Session(
            id=session_id,
            title=clean_title(title) if title else None,
            project=os.fspath(project) if project is not None else None,
            created=now,
            path=self.path_for(session_id),
            updated=now,
        )
        meta = {
            "type": "meta",
            "v": FORMAT_VERSION,
            "id": session.id,
            "title": session.title,
            "project": session.project,
            "created": now,
        }
        _append_record(session.path, meta, sync=True)  # type: ignore[arg-type]
        return session

    def append_user(self, session: Session, text: str, context_files: list[str] | None = None) -> Turn:
        """Save the question the moment it is sent."""
        turn = Turn("user", redact(text), context_files=[redact(f) for f in (context_files or [])])
        _append_record(
            self._path(session),
            {"type": "user", "text": turn.content, "context_files": turn.context_files, "at": turn.created},
        )
        session.turns.append(turn)
        session.updated = turn.created
        return turn

    def begin_answer(
        self, session: Session, provider: str, model: str, interval: float = FLUSH_INTERVAL
    ) -> AnswerWriter:
        turn = Turn("assistant", "", provider=provider, model=model)
        _append_record(
            self._path(session),
            {"type": "answer_start", "provider": provider, "model": model, "at": turn.created},
        )
        session.turns.append(turn)
        session.updated = turn.created
        return AnswerWriter(self, session, turn, interval=interval)

    def append_race(self, session: Session, lanes: list[dict[str, Any]], kept: int | None,
                    spread_ms: float | None = None) -> Turn:
        """Save a race after its question (``append_user``): every lane's answer, and which one the
        conversation goes on with (None: none). Each lane: provider, model, content, outcome,
        error, timing (a ``RequestTiming`` or its summary)."""
        record_lanes = [{
            "provider": lane.get("provider"), "model": lane.get("model"),
            "content": redact(lane.get("content") or ""), "outcome": lane.get("outcome"),
            "error": redact(lane["error"]) if lane.get("error") else None,
            "timing": _timing_dict(lane.get("timing")),
        } for lane in lanes]
        at = time.time()
        record = {"type": "race", "lanes": record_lanes, "kept": kept, "spread_ms": spread_ms, "at": at}
        _append_record(self._path(session), record, sync=True)
        turn = _race_turn(record, at)
        session.turns.append(turn)
        session.updated = at
        return turn

    def append_compaction(self, session: Session, summary: str, covers: int, provider: str = "",
                          model: str = "") -> None:
        """From now on ``summary`` (empty: nothing) is sent for the first ``covers`` turns; the
        turns stay in the file, before this record."""
        record = {"type": "compaction", "summary": redact(summary), "covers": covers, "provider": provider,
                  "model": model, "at": time.time()}
        _append_record(self._path(session), record, sync=True)
        session.compactions.append({key: record[key] for key in ("summary", "covers", "provider", "model")})

    def append_compaction_undone(self, session: Session) -> None:
        """The last compaction is taken back: its turns are sent again."""
        _append_record(self._path(session), {"type": "compaction_undone", "at": time.time()}, sync=True)
        if session.compactions:
            session.compactions.pop()

    def rename(self, session_id: str, title: str) -> str:
        """Give a session a title (empty: back to the automatic one). Returns the stored title."""
        path = self.path_for(session_id)
        if not path.is_file():
            raise SessionError(f"no session {session_id}")
        clean = clean_title(title)
        _append_record(path, {"type": "rename", "title": clean, "at": time.time()})
        return clean

    def delete(self, session_id: str) -> None:
        """Remove a session's file for good (the UI asks first)."""
        path = self.path_for(session_id)
        try:
            path.unlink()
        except FileNotFoundError:
            raise SessionError(f"no session {session_id}") from None
        self._cache.pop(path, None)

    def _path(self, session: Session) -> Path:
        if session.path is None:
            session.path = self.path_for(session.id)
        return session.path

    # -- reading ---------------------------------------------------------------------------
    def _read(self, path: Path) -> Session | None:
        """Parse one file; a corrupt one is quarantined and None returned."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.problems.append(f"{path}: cannot be read ({exc.__class__.__name__}) — skipped")
            return None
        try:
            session, notes = _parse(path, data)
        except SessionError as exc:
            self._quarantine(path, f"not a session file ({exc})")
            return None
        if session.id != path.stem:
            session.id = path.stem  # a copied/renamed file: the file name is the id that works
        for note in notes:
            self.problems.append(f"{path}: {note}")
        return session

    def list(self) -> list[SessionInfo]:
        """Every readable session, most recently updated first."""
        if not self.directory.is_dir():
            return []
        infos: list[SessionInfo] = []
        for path in self.directory.glob("*.jsonl"):
            if not _ID_RE.match(path.stem):
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            cached = self._cache.get(path)
            if cached and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
                infos.append(cached[2])
                continue
            session = self._read(path)
            if session is None:
                continue
            info = SessionInfo(
                id=session.id,
                title=session.display_title,
                project=session.project,
                updated=session.updated or stat.st_mtime,
                turns=len(session.turns),
            )
            self._cache[path] = (stat.st_mtime_ns, stat.st_size, info)
            infos.append(info)
        infos.sort(key=lambda i: (i.updated, i.id), reverse=True)
        return infos

    def resolve_id(self, id_or_prefix: str) -> str:
        """An exact id, or a prefix that matches exactly one session."""
        if _ID_RE.match(id_or_prefix) and self.path_for(id_or_prefix).is_file():
            return id_or_prefix
        if not _ID_RE.match(id_or_prefix):
            raise SessionError(f"{id_or_prefix!r} is not a session id")
        if not self.directory.is_dir():
            matches: list[str] = []
        else:
            matches = sorted(p.stem for p in self.directory.glob(f"{id_or_prefix}*.jsonl"))
        if not matches:
            raise SessionError(f"no session {id_or_prefix} — `qwen-tui sessions` or the session browser lists them")
        if len(matches) > 1:
            raise SessionError(f"{id_or_prefix} matches {len(matches)} sessions — give more of the id")
        return matches[0]

    def load(self, session_id: str) -> Session:
        """Open a session by id (or unique prefix). Raises SessionError; a corrupt file is moved
        aside first."""
        sid = self.resolve_id(session_id)
        path = self.path_for(sid)
        session = self._read(path)
        if session is None:
            raise SessionError(self.problems[-1] if self.problems else f"no session {sid}")
        return session

    def latest(self, project: str | os.PathLike[str] | None = None) -> Session | None:
        """The most recently updated session (in ``project`` when given), or None."""
        want = os.fspath(project) if project is not None else None
        for info in self.list():
            if want is not None and info.project != want:
                continue
            try:
                return self.load(info.id)
            except SessionError:
                continue
        return None

    # -- export ----------------------------------------------------------------------------
    def export_markdown(self, session: Session) -> str:
        return export_markdown(session)

    def export_to_file(self, session: Session, path: str | os.PathLike[str]) -> Path:
        """Write the Markdown export (atomically, mode 0600). Returns the path written."""
        target = Path(path).expanduser()
        if target.is_dir():
            target = target / default_export_name(session)
        return write_atomic(target, export_markdown(session), mode=0o600)


def default_export_name(session: Session) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", session.display_title).strip("-").lower()[:40] or "session"
    return f"{slug}-{session.id}.md"


def _fmt_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch)) if epoch else "?"


def _fence_for(text: str) -> str:
    """A code fence longer than any backtick run inside ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def export_markdown(session: Session) -> str:
    """The conversation as a Markdown document: questions, answers, models and timings.

    Questions are quoted verbatim in fences so their own Markdown cannot break the document;
    answers are Markdown already and are kept as they are.
    """
    title = session.display_title
    out = [f"# {title}", ""]
    out.append(f"- Session: `{session.id}`")
    if session.project:
        out.append(f"- Project: `{session.project}`")
    out.append(f"- Started: {_fmt_time(session.created)}")
    out.append("")
    for turn in session.turns:
        if turn.role == "user":
            out.append(f"## You · {_fmt_time(turn.created)}")
            out.append("")
            if turn.context_files:
                out.append("Context: " + ", ".join(f"`{f}`" for f in turn.context_files))
                out.append("")
            fence = _fence_for(turn.content)
            out.extend([f"{fence}text", turn.content, fence, ""])
        else:
            if turn.role == "assistant":
                who = " / ".join(x for x in (turn.provider, turn.model) if x) or "assistant"
                out.append(f"## Assistant · {who}" + (" (kept from a race)" if turn.race else ""))
                out.append("")
                if turn.reasoning:
                    out.extend(["<details><summary>Thinking</summary>", "", turn.reasoning, "", "</details>", ""])
                out.append(turn.content if turn.content else "_(no text)_")
                out.append("")
                for tool in turn.tools:
                    mark = "✓" if tool.get("ok") else "✗"
                    out.append(f"- {mark} `{tool.get('name')}` {tool.get('summary') or ''}".rstrip())
                    if tool.get("diff"):
                        fence = _fence_for(str(tool["diff"]))
                        out.extend(["", f"  {fence}diff", *[f"  {line}" for line in str(tool["diff"]).splitlines()],
                                    f"  {fence}"])
                if turn.tools:
                    out.append("")
                facts = _turn_facts(turn)
                if facts:
                    out.append(f"_{facts}_")
                    out.append("")
            elif turn.race:
                out.extend(["## Race · no answer kept", ""])
            for other in turn.alternates:
                alt = Turn("assistant", other["content"], provider=other["provider"], model=other["model"],
                           timing=other["timing"], outcome=other["outcome"], error=other["error"])
                who = " / ".join(x for x in (alt.provider, alt.model) if x) or "assistant"
                out.extend([f"### Also in the race · {who}", ""])
                out.append(alt.content if alt.content else "_(no text)_")
                out.append("")
                facts = _turn_facts(alt)
                if facts:
                    out.extend([f"_{facts}_", ""])
    return "\n".join(out).rstrip() + "\n"


def _turn_facts(turn: Turn) -> str:
    parts: list[str] = []
    timing = turn.timing or {}
    ttft = timing.get("ttft_ms")
    rate = timing.get("tokens_per_s")
    tokens = timing.get("tokens")
    if isinstance(ttft, (int, float)):
        parts.append(f"TTFT {ttft:.0f} ms")
    if isinstance(rate, (int, float)):
        parts.append(f"{rate:.1f} tok/s")
    if isinstance(tokens, int):
        parts.append(f"{tokens} tokens")
    if turn.outcome and turn.outcome != "complete":
        parts.append(turn.outcome)
    if turn.error:
        parts.append(f"error: {clean_title(turn.error, 200)}")
    return " · ".join(parts)
