"""One shell command run for the model: in the project root, through the user's shell, stdin
closed, stdout and stderr on one pipe (interleaved as a terminal shows them), in a process group
of its own so that a stop or a timeout ends every process it started.

No process outlives the run: when the command exits, times out, is stopped (``stop()``) or its
task is cancelled, the whole group gets SIGTERM, then SIGKILL after a short grace. Output is
decoded incrementally (UTF-8, bad bytes replaced), handed to ``on_output`` as it arrives with
control characters made visible, and kept for the model in bounded memory (``OutputCapture``).
"""

from __future__ import annotations

import asyncio
import codecs
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from qwen_tui.redact import redact
from qwen_tui.terminal_text import visible
from qwen_tui.tools.command_output import OutputCapture

Status = Literal["exited", "timed_out", "stopped", "not_started"]
#: Called with each piece of output as it arrives (control characters already visible).
OutputCallback = Callable[[str], None]

READ_CHUNK = 64 * 1024
KILL_GRACE_S = 2.0  # SIGTERM, then SIGKILL after this
DRAIN_S = 1.0  # after the command ended, how long to read what is still in the pipe
OUTPUT_INTERVAL_S = 0.05  # the callback gets at most one piece per interval (a flood is coalesced)
OWN_PREFIX = "QWEN_TUI_"


def command_environment(base: Mapping[str, str], key_envs: Iterable[str | None]) -> dict[str, str]:
    """``base`` without the provider keys (every ``api_key_env``) and qwen-tui's own variables:
    a command the model wrote must not be able to read or spend the user's keys."""
    drop = {name for name in key_envs if name}
    return {k: v for k, v in base.items() if k not in drop and not k.startswith(OWN_PREFIX)}


def user_shell(env: Mapping[str, str]) -> str:
    """``$SHELL`` when it is an executable, else ``/bin/sh``."""
    shell = env.get("SHELL", "")
    if shell and os.path.isabs(shell) and os.access(shell, os.X_OK):
        return shell
    return "/bin/sh"


@dataclass(slots=True)
class CommandOutcome:
    """How a run ended, and its output as the model will read it."""

    command: str
    status: Status
    exit_code: int | None  # None when it did not exit by itself; negative: killed by that signal
    duration_s: float
    timeout_s: float
    output: str  # head and tail, cleaned (see OutputCapture.text)
    lines: int  # lines printed in all
    left_out: int  # lines not in ``output``
    error: str = ""  # why it did not start

    @property
    def ok(self) -> bool:
        return self.status == "exited" and self.exit_code == 0


@dataclass
class CommandRun:
    """One run: start it with ``await run.execute()`` (or ``run_blocking()`` from a worker thread);
    ``stop()`` may be called from any thread."""

    command: str
    cwd: Path
    env: dict[str, str]
    timeout_s: float
    on_output: OutputCallback | None = None
    shell: str = ""
    outcome: CommandOutcome | None = None
    pid: int | None = None  # the shell's, also its process group's id, once started
    capture: OutputCapture = field(default_factory=OutputCapture)
    _stop_requested: bool = False
    _loop: asyncio.AbstractEventLoop | None = None
    _stop_event: asyncio.Event | None = None
    output_interval: float = OUTPUT_INTERVAL_S
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: list[str] = field(default_factory=list)
    _last_emit: float = 0.0
    _emit_later: asyncio.TimerHandle | None = None

    def __post_init__(self) -> None:
        if not self.shell:
            self.shell = user_shell(self.env)

    # ---- stopping -----------------------------------------------------------------------------

    def stop(self) -> None:
        """End the command and everything it started; ``execute`` returns a ``stopped`` outcome.
        Safe from any thread, before, during or after the run."""
        with self._lock:
            self._stop_requested = True
            loop, event = self._loop, self._stop_event
        if loop is None or event is None:
            return
        try:
            if loop is _running_loop():
                event.set()
            else:
                loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the loop is closed: the run is over
            pass

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    # ---- running ------------------------------------------------------------------------------

    def run_blocking(self) -> CommandOutcome:
        """Run in a fresh event loop: for the synchronous toolbox, called from a worker thread."""
        return asyncio.run(self.execute())

    async def execute(self) -> CommandOutcome:
        started = time.monotonic()
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._stop_event = asyncio.Event()
            if self._stop_requested:
                self._stop_event.set()
        stop_event = self._stop_event
        if stop_event.is_set():
            return self._finish("stopped", None, started)
        try:
            proc = await asyncio.create_subprocess_exec(
                self.shell, "-c", self.command, cwd=str(self.cwd), env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            return self._finish("not_started", None, started, error=f"{self.shell}: {exc.strerror or exc}")
        assert proc.stdout is not None
        self.pid = proc.pid
        reader = asyncio.create_task(self._pump(proc.stdout))
        exited = asyncio.create_task(_exit_of(proc))
        stopping = asyncio.create_task(stop_event.wait())
        status: Status = "exited"
        try:
            done, _ = await asyncio.wait({exited, stopping}, timeout=self.timeout_s,
                                         return_when=asyncio.FIRST_COMPLETED)
            if exited not in done:
                status = "stopped" if stopping in done else "timed_out"
            await end_group(proc)  # what the command left running in the background goes too
            try:
                await asyncio.wait_for(asyncio.shield(reader), DRAIN_S)
            except asyncio.TimeoutError:  # a process outside the group holds the pipe open
                reader.cancel()
        except asyncio.CancelledError:
            await end_group(proc)
            reader.cancel()
            _close_transport(proc)
            self._finish("stopped", None, started)
            raise
        finally:
            for task in (exited, stopping):
                task.cancel()
        _close_transport(proc)
        code = proc.returncode if status == "exited" else None
        return self._finish(status, code, started)

    async def _pump(self, stream: asyncio.StreamReader) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            chunk = await stream.read(READ_CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            if text:
                self.capture.feed(text)
                self._queue_output(text)
            if not chunk:
                self._emit()
                return

    def _queue_output(self, text: str) -> None:
        if self.on_output is None:
            return
        self._pending.append(text)
        wait = self.output_interval - (time.monotonic() - self._last_emit)
        if wait <= 0:
            self._emit()
        elif self._emit_later is None:
            self._emit_later = asyncio.get_running_loop().call_later(wait, self._emit)

    def _emit(self) -> None:
        """Hand what arrived since the last call to ``on_output``, control characters visible."""
        if self._emit_later is not None:
            self._emit_later.cancel()
            self._emit_later = None
        text = "".join(self._pending)
        self._pending.clear()
        if not text or self.on_output is None:
            return
        self._last_emit = time.monotonic()
        try:
            self.on_output(redact(visible(text)))
        except Exception:  # noqa: BLE001 - a broken display must not stall the command or lose its output
            self.on_output = None

    def _finish(self, status: Status, code: int | None, started: float, error: str = "") -> CommandOutcome:
        self._emit()
        self.capture.close()
        output, left_out = self.capture.text()
        self.outcome = CommandOutcome(self.command, status, code, time.monotonic() - started, self.timeout_s,
                                      output, self.capture.lines, left_out, error)
        return self.outcome


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def _exit_of(proc: asyncio.subprocess.Process) -> int:
    """The shell's exit code as soon as it exits. (``Process.wait`` also waits for the pipe to
    close, which a background child may hold open.)"""
    delay = 0.005
    while proc.returncode is None:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
    return proc.returncode


def _close_transport(proc: asyncio.subprocess.Process) -> None:
    transport = getattr(proc, "_transport", None)  # no public close; the pipe must not leak
    if transport is not None:
        transport.close()


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of group ``pgid`` is left. Zombies do not count: where
    PID 1 does not reap orphans (containers), they stay in the group after death."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # state ppid pgrp ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):  # gone, or a member changed its uid (setuid)
        pass


async def end_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM to the command's process group, SIGKILL to what is left after the grace; the
    shell's own exit is awaited (its code is then in ``proc.returncode``)."""
    pgid = proc.pid  # start_new_session: the shell leads a group of its own id
    if not group_alive(pgid):
        return
    _signal_group(pgid, signal.SIGTERM)
    _signal_group(pgid, signal.SIGCONT)  # a stopped process cannot act on SIGTERM
    deadline = time.monotonic() + KILL_GRACE_S
    delay = 0.005
    while time.monotonic() < deadline:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
        if not group_alive(pgid):
            break
    else:
        _signal_group(pgid, signal.SIGKILL)
    await _exit_of(proc)
