"""The real app, killed with SIGKILL in the middle of an answer, loses at most the last 500 ms.

``python -m qwen_tui`` runs in a pseudo-terminal against the simulator (in this process, so its
request log and pacing clock are ours). The answer is paced slowly; once it has streamed for a while
the app is killed. The session file must then hold every character the simulator had sent 500 ms
before the kill, and both ``SessionStore`` and the app's ``--resume`` must show it.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from qwen_tui.session import FLUSH_INTERVAL, SessionStore
from qwen_tui.sim import Simulator

TPS = 20.0  # tokens per second: the answer takes ~10 s, the kill comes well before its end
CHUNK = 4  # characters per token
TTFT_S = 0.05
STREAM_BEFORE_KILL_S = 1.8  # at least 1.5 s of streaming before the kill
#: Time for a token to go from the simulator's socket into the app's writer (loopback read,
#: decoding, one event-loop turn) on a loaded 2-core machine. Not the flush interval: that is 0.5 s.
DELIVERY_SLACK_S = 0.15
REPLY = "".join(f"w{n:03d} " for n in range(200))  # every token distinct, so a prefix is exact
QUESTION = "tell me a long story"


class PtyApp:
    """The app in a pseudo-terminal of a fixed size; its output is drained in a thread so it never
    blocks on a full terminal buffer."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, size: tuple[int, int] = (120, 40)) -> None:
        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qwen_tui", *args], stdin=slave, stdout=slave, stderr=slave,
            env=env, cwd=cwd, start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
                if ready:
                    chunk = os.read(self.master, 65536)
                    if not chunk:
                        return
                    self.output.extend(chunk)
                elif self.proc.poll() is not None:
                    return
            except OSError:
                return

    def type(self, text: str) -> None:
        os.write(self.master, text.encode("utf-8"))

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=2)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def sent_by(chat_received_at: float, moment: float) -> str:
    """The reply text the simulator had written by ``moment`` (its pacing: first token at arrival
    + TTFT, token i at first + i / TPS)."""
    elapsed = moment - (chat_received_at + TTFT_S)
    if elapsed < 0:
        return ""
    tokens = int(elapsed * TPS) + 1
    return REPLY[: tokens * CHUNK]


def kill_mid_answer(sim: Simulator, config_file: Path, project: Path) -> tuple[float, float]:
    """Start the app, ask, SIGKILL it after ≥ 1.5 s of streaming. Returns (the chat request's
    arrival, the kill moment), both on the simulator's clock."""
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    app = PtyApp(["--config", str(config_file), str(project)], env, cwd=project)
    try:
        # ready: the app checks every provider's health as soon as it is mounted
        wait_for(lambda: any(not r.is_chat for r in sim.requests), 30, "the app's health checks")
        time.sleep(0.5)
        app.type(QUESTION)
        time.sleep(0.2)
        app.type("\r")
        chat = wait_for(lambda: next((r for r in sim.requests if r.is_chat), None), 20, "the chat request")
        assert chat.provider == "ollama"
        assert QUESTION in str(chat.body)
        first_token = chat.received_at + TTFT_S  # received_at is time.perf_counter()
        while time.perf_counter() < first_token + STREAM_BEFORE_KILL_S:
            time.sleep(0.01)
        killed_at = time.perf_counter()
        app.kill()
    finally:
        if app.proc.poll() is None:
            app.kill()
    assert app.proc.returncode == -signal.SIGKILL
    return chat.received_at, killed_at


@pytest.mark.slow
@pytest.mark.timing
@pytest.mark.timeout(90)
async def test_sigkill_mid_answer_keeps_text_up_to_the_last_flush(sim: Simulator, config_file: Path,
                                                                  project: Path) -> None:
    from qwen_tui.config import load_config
    from tests.support.app import make_app
    from qwen_tui.ui.widgets.chat_view import ChatView

    sim.set_knobs(ttft_ms=TTFT_S * 1000, tps=TPS, chunk_chars=CHUNK, reply=REPLY)
    received_at, killed_at = await asyncio.to_thread(kill_mid_answer, sim, config_file, project)

    # 1. the file, read back by the store
    store = SessionStore()
    infos = store.list()
    assert len(infos) == 1, f"expected one session, found {infos} ({store.problems})"
    session = store.load(infos[0].id)
    assert store.problems == []
    assert [t.role for t in session.turns] == ["user", "assistant"]
    assert session.turns[0].content == QUESTION
    saved = session.turns[1].content
    assert session.turns[1].outcome == "interrupted"
    assert session.turns[1].provider == "ollama"
    assert REPLY.startswith(saved), f"saved text is not what the simulator sent: {saved!r}"
    must_have = sent_by(received_at, killed_at - FLUSH_INTERVAL - DELIVERY_SLACK_S)
    assert len(must_have) >= 4 * CHUNK, "the test did not stream long enough to mean anything"
    assert saved.startswith(must_have), (
        f"lost more than {FLUSH_INTERVAL} s of text: saved {len(saved)} chars, "
        f"{len(must_have)} had been sent 0.5 s before the kill"
    )
    assert len(saved) < len(REPLY), "the answer finished before the kill: the test proves nothing"

    # 2. `qwen-tui --resume` (latest), the real command in a terminal: the saved text is on screen
    last_word = saved.split()[-1] if saved.endswith(" ") else saved.split()[-2]
    await asyncio.to_thread(resume_in_terminal, config_file, project, last_word)

    # 3. the app, opened with --resume ID: shows the text and continues the conversation
    sim.set_knobs(ttft_ms=5.0, tps=None, reply="Continued.\n", chunk_chars=4)
    app = make_app(project, load_config(config_file), resume=session.id[:15])
    async with app.run_test(size=(120, 40)) as pilot:
        await shown(pilot, app)
        answer = app.query_one(ChatView).last_answer
        assert app.session is not None and app.session.id == session.id
        assert answer.text == saved
        assert answer.outcome == "interrupted"
        app.ask("go on")
        await app.request_worker.wait()
        contents = [m["content"] for m in sim.last_chat().body["messages"]]
        assert QUESTION in contents and saved in contents and contents[-1].endswith("go on")
        for _ in range(200):  # the answer's end record is written in a thread
            if store.load(session.id).turns[-1].outcome == "complete":
                break
            await pilot.pause(0.01)
    again = store.load(session.id)
    assert [t.content for t in again.turns] == [QUESTION, saved, "go on", "Continued.\n"]


def resume_in_terminal(config_file: Path, project: Path, last_word: str) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    app = PtyApp(["--config", str(config_file), str(project), "--resume"], env, cwd=project)
    try:
        wait_for(lambda: b"Resumed" in app.output and last_word.encode() in app.output, 30,
                 f"the resumed session on screen (its last word {last_word!r})")
        app.type("\x03")  # Ctrl+C twice quits
        time.sleep(0.3)
        app.type("\x03")
        assert app.proc.wait(timeout=15) == 0
    finally:
        app.kill()


async def shown(pilot, app) -> None:
    from qwen_tui.ui.widgets.chat_view import ChatView

    for _ in range(300):
        if app.session is not None and app.query_one(ChatView).last_answer is not None:
            break
        await pilot.pause(0.02)
    await pilot.pause()


async def test_resume_latest_with_a_truncated_last_line(sim: Simulator, config_file: Path, project: Path) -> None:
    """A crash can cut the last line in half: ``--resume`` (latest) still opens the session and
    shows the text before it, marked interrupted; no problem is reported for the cut line."""
    from qwen_tui.config import load_config
    from tests.support.app import make_app
    from qwen_tui.ui.widgets.chat_view import ChatView

    store = SessionStore()
    session = store.create(str(project.resolve()))
    store.append_user(session, QUESTION)
    writer = store.begin_answer(session, "ollama", "qwen2.5-coder:7b", interval=0)
    writer.update(REPLY[:80])
    with open(session.path, "ab") as fh:
        fh.write(b'{"type":"answer_delta","te')

    app = make_app(project, load_config(config_file), resume="latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await shown(pilot, app)
        answer = app.query_one(ChatView).last_answer
        assert app.session.id == session.id
        assert answer.text == REPLY[:80]
        assert answer.outcome == "interrupted"
        assert not [n for n in app._notifications if "skipped" in n.message]
