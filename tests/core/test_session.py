"""Sessions: append-only JSONL that survives crashes, corrupt files, renames, export."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qwen_tui.providers.base import Message
from qwen_tui.redact import register_secret
from qwen_tui.session import SessionError, SessionStore, export_markdown


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def test_round_trip_keeps_every_field(store: SessionStore) -> None:
    s = store.create("/proj")
    store.append_user(s, "Why is it slow?", ["src/a.py", "README.md"])
    w = store.begin_answer(s, "sambanova", "Llama-3.3", interval=0.0)
    w.update("Because ")
    w.update("Because of I/O.")
    w.finish("complete", {"ttft_ms": 120.5, "tokens_per_s": 88.0, "tokens": 12})

    loaded = store.load(s.id)
    assert loaded.project == "/proj"
    user, answer = loaded.turns
    assert (user.role, user.content, user.context_files) == ("user", "Why is it slow?", ["src/a.py", "README.md"])
    assert (answer.provider, answer.model, answer.content) == ("sambanova", "Llama-3.3", "Because of I/O.")
    assert answer.outcome == "complete"
    assert answer.timing == {"ttft_ms": 120.5, "tokens_per_s": 88.0, "tokens": 12}
    assert loaded.history() == [Message("user", "Why is it slow?"), Message("assistant", "Because of I/O.")]
    assert oct(s.path.stat().st_mode & 0o777) == "0o600"


def test_deltas_hold_only_new_text(store: SessionStore) -> None:
    s = store.create("/p")
    w = store.begin_answer(s, "ollama", "m", interval=0.0)
    for text in ("a", "ab", "abc"):
        w.update(text)
    w.finish()
    deltas = [r["text"] for r in records(s.path) if r["type"] == "answer_delta"]
    assert deltas == ["a", "b", "c"]
    assert records(s.path)[-1]["type"] == "answer_end"


def test_update_is_throttled(store: SessionStore) -> None:
    s = store.create("/p")
    w = store.begin_answer(s, "ollama", "m", interval=0.2)
    text = ""
    for i in range(200):  # a burst of tokens well inside one interval
        text += f"t{i} "
        w.update(text)
    assert [r for r in records(s.path) if r["type"] == "answer_delta"] == []
    time.sleep(0.25)
    w.update(text + "end")
    deltas = [r["text"] for r in records(s.path) if r["type"] == "answer_delta"]
    assert deltas == [text + "end"]


async def test_stalled_stream_is_flushed_by_timer(store: SessionStore) -> None:
    s = store.create("/p")
    w = store.begin_answer(s, "ollama", "m", interval=0.1)
    w.update("partial answer")  # then the provider goes quiet
    await asyncio.sleep(0.25)
    assert [r["text"] for r in records(s.path) if r["type"] == "answer_delta"] == ["partial answer"]
    w.finish("cancelled")
    assert store.load(s.id).turns[-1].outcome == "cancelled"


def test_unfinished_answer_counts_as_what_arrived(store: SessionStore) -> None:
    s = store.create("/p")
    store.append_user(s, "q1")
    w = store.begin_answer(s, "ollama", "m", interval=0.0)
    w.update("half an ans")
    store.append_user(s, "q2")  # e.g. the app was killed and resumed
    empty = store.begin_answer(s, "ollama", "m")
    empty.finish("error", error="provider down")
    loaded = store.load(s.id)
    assert [t.outcome for t in loaded.turns] == [None, "interrupted", None, "error"]
    assert loaded.history() == [Message("user", "q1"), Message("assistant", "half an ans"), Message("user", "q2")]


def test_truncated_last_line_loads_and_resumes_cleanly(store: SessionStore) -> None:
    s = store.create("/p")
    store.append_user(s, "question")
    w = store.begin_answer(s, "ollama", "m", interval=0.0)
    w.update("kept text")
    with s.path.open("ab") as fh:  # a SIGKILL in the middle of a write
        fh.write(b'{"type":"answer_delta","text":"lost')
    loaded = store.load(s.id)
    assert loaded.turns[-1].content == "kept text"
    assert loaded.turns[-1].outcome == "interrupted"
    assert store.problems == []
    # resuming appends after the broken line, never glued onto it
    store.append_user(loaded, "next question")
    again = store.load(s.id)
    assert [t.content for t in again.turns] == ["question", "kept text", "next question"]


def test_corrupt_file_is_reported_moved_aside_and_skipped(store: SessionStore) -> None:
    good = store.create("/p")
    store.append_user(good, "fine")
    bad = store.directory / "20260101-000000-badbad.jsonl"
    bad.write_bytes(b"\x00\xffnot json at all\n")
    infos = store.list()
    assert [i.id for i in infos] == [good.id]
    assert len(store.problems) == 1
    assert "20260101-000000-badbad.jsonl" in store.problems[0]
    assert "not a session file" in store.problems[0]
    assert not bad.exists()
    assert list(store.directory.glob("20260101-000000-badbad.jsonl.corrupt-*"))
    with pytest.raises(SessionError):
        store.load("20260101-000000-badbad")


def test_load_of_corrupt_file_says_why(store: SessionStore) -> None:
    store.directory.mkdir(parents=True)
    (store.directory / "20260101-000000-aaaaaa.jsonl").write_text('{"type":"user","text":"no header"}\n')
    with pytest.raises(SessionError, match="no session header"):
        store.load("20260101-000000-aaaaaa")


def test_bad_line_in_the_middle_is_skipped_with_a_note(store: SessionStore) -> None:
    s = store.create("/p")
    store.append_user(s, "one")
    with s.path.open("a") as fh:
        fh.write("{broken\n")
    store.append_user(s, "two")
    loaded = store.load(s.id)
    assert [t.content for t in loaded.turns] == ["one", "two"]
    assert any("line 3 unreadable" in p for p in store.problems)
    assert s.path.exists()  # the rest is good: the file stays


def test_list_rename_delete_and_prefix(store: SessionStore) -> None:
    a = store.create("/p1")
    store.append_user(a, "first question\nsecond line")
    b = store.create("/p2", title="Named")
    infos = {i.id: i for i in store.list()}
    assert infos[a.id].title == "first question" and infos[a.id].turns == 1
    assert infos[b.id].title == "Named" and infos[b.id].project == "/p2"
    assert store.rename(a.id, "New\x1b[31m name\n") == "New [31m name"
    assert store.load(a.id).title == "New [31m name"
    assert {i.id: i.title for i in store.list()}[a.id] == "New [31m name"
    assert store.load(b.id[:-2]).id == b.id  # unique prefix
    store.delete(b.id)
    assert [i.id for i in store.list()] == [a.id]
    with pytest.raises(SessionError):
        store.load(b.id)
    with pytest.raises(SessionError, match="not a session id"):
        store.load("../../etc/passwd")


def test_latest_prefers_most_recent_and_filters_project(store: SessionStore) -> None:
    assert store.latest() is None
    old = store.create("/p1")
    store.append_user(old, "old")
    new = store.create("/p2")
    store.append_user(new, "new")
    assert store.latest().id == new.id
    assert store.latest("/p1").id == old.id


def test_no_secret_reaches_the_file(store: SessionStore) -> None:
    secret = "sk-test-SECRETVALUE-123456"
    register_secret(secret)
    s = store.create("/p")
    store.append_user(s, f"my key is {secret}")
    w = store.begin_answer(s, "hf", "m", interval=0.0)
    w.update(f"echo {secret}")
    w.finish("error", {"ttft_ms": 1.0, "note": f"Bearer {secret}"}, error=f"401 for key {secret}")
    text = s.path.read_text()
    assert secret not in text
    assert "[redacted]" in text
    assert secret not in export_markdown(store.load(s.id))


def test_export_markdown_content(store: SessionStore, tmp_path: Path) -> None:
    s = store.create("/proj", title="Fix the parser")
    store.append_user(s, "What does ``` do here?", ["parser.py"])
    w = store.begin_answer(s, "ollama", "qwen2.5-coder:7b", interval=0.0)
    w.update("It opens a fence:\n\n```python\nx = 1\n```\n")
    w.finish("complete", {"ttft_ms": 250.4, "tokens_per_s": 31.25, "tokens": 40})
    store.append_user(s, "And then?")
    store.begin_answer(s, "ollama", "qwen2.5-coder:7b").finish("cancelled")
    md = store.export_markdown(store.load(s.id))
    assert md.startswith("# Fix the parser\n")
    assert f"- Session: `{s.id}`" in md
    assert "- Project: `/proj`" in md
    assert "Context: `parser.py`" in md
    assert "````text\nWhat does ``` do here?\n````" in md  # the question cannot break the document
    assert "## Assistant · ollama / qwen2.5-coder:7b" in md
    assert "It opens a fence:\n\n```python\nx = 1\n```" in md
    assert "_TTFT 250 ms · 31.2 tok/s · 40 tokens_" in md
    assert "_(no text)_" in md and "_cancelled_" in md
    out = store.export_to_file(store.load(s.id), tmp_path)
    assert out.name == f"fix-the-parser-{s.id}.md"
    assert out.read_text() == md


CHILD = textwrap.dedent(
    """
    import sys, time
    from qwen_tui.session import SessionStore
    store = SessionStore(sys.argv[1])
    s = store.create("/proj")
    store.append_user(s, "count")
    w = store.begin_answer(s, "sim", "m")
    text = ""
    written = 0
    print("ID", s.id, flush=True)
    i = 0
    while True:
        text += f"word{i} "
        i += 1
        w.update(text)
        if w._written != written:
            written = w._written
            print("FLUSHED", written, flush=True)
        time.sleep(0.01)
    """
)


def test_sigkill_mid_answer_loses_at_most_the_last_interval(tmp_path: Path) -> None:
    directory = tmp_path / "sessions"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(directory)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    try:
        session_id = proc.stdout.readline().split()[1]
        flushed = []
        while len(flushed) < 2:
            line = proc.stdout.readline()
            assert line.startswith("FLUSHED"), line
            flushed.append(int(line.split()[1]))
        time.sleep(0.2)  # killed between flushes, with unflushed text in memory
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    store = SessionStore(directory)
    answer = store.load(session_id).turns[-1]
    assert answer.outcome == "interrupted"
    assert len(answer.content) >= flushed[-1]
    assert answer.content.startswith("word0 word1 ")
    words = answer.content.split()
    assert words == [f"word{i}" for i in range(len(words))]  # whole, in order, nothing garbled


async def test_finish_from_a_thread_while_timer_pending_writes_each_text_once(store: SessionStore) -> None:
    s = store.create("/p")
    w = store.begin_answer(s, "ollama", "m", interval=0.05)
    w.update("abc")  # a timer is now pending on the loop
    await asyncio.to_thread(w.finish, "complete", None)
    await asyncio.sleep(0.1)  # the cancelled timer must not write again
    deltas = [r["text"] for r in records(s.path) if r["type"] == "answer_delta"]
    assert deltas == ["abc"]
    assert [r["type"] for r in records(s.path)][-1] == "answer_end"
