"""The whole app in a pseudo-terminal against the simulator, timed on the wall clock.

    uv run python bench/tui.py            # 5 runs each, writes "## Full app in a terminal"
    uv run python bench/tui.py --quick    # 2 runs, prints only

Method. The simulator runs in its own process (``python -m qwen_tui.sim``) and is driven over
HTTP (``/_sim/knobs``, ``/_sim/requests``). The app (``python -m qwen_tui``) runs in a 120x40
pseudo-terminal (TERM=xterm-256color, no COLORTERM: 256 colours, as over SSH) with a config
that points every provider at the simulator, and fresh XDG folders. A thread reads the pty
continuously and timestamps every read with ``time.monotonic()``; the simulator records when
each request arrived and when it sent its first and last token on the same clock
(CLOCK_MONOTONIC), so the two sides compare directly. The reply's first and last tokens are
unique markers; a marker "on screen" is the read that carried its last byte. Terminal bytes are
everything the app wrote from Enter until the screen settled (what SSH would carry); CPU is
utime + stime of the app from /proc over the same span. Ready for input is the read that
carries the first frame's key bar (its last line); a key typed at that moment is timed to its
echo, the work start-up leaves for after the first frame included.

The floor: a tiny client in the same kind of pty that imports httpx, reads the question, streams
the same reply and writes the text as it comes (no layout, no colour). It is what any client
must at least spend.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # as a script and from tests (where ``bench`` is tests/bench)

from docs_section import write_section  # noqa: E402
from qwen_tui.sim.process import SimulatorProcess  # noqa: E402

COLS, ROWS = 120, 40
PROVIDER = "sambanova"
READY_APP = b"Providers"  # the key bar's F2 label, at the bottom: the first full frame is painted
READY_FLOOR = b"floor-ready>"
KEY = "Ж"  # typed during a stream: not in any reply, so its echo is unambiguous
CLK_TCK = os.sysconf("SC_CLK_TCK")
NOTES = (
    "What the figures rest on: start-up paints the first frame with only what it needs: the key bar "
    "is one widget (Textual's Footer mounted a widget per key and recomposed them on each focus "
    "change, 14 times while the app started: ~170 ms), the HTTP client is imported at its first use "
    "(40 ms) and the providers are checked after the first frame. Nor does start-up import what the "
    "first frame does not need (tests/ui/test_startup_imports.py): provider plugins are looked for only "
    "when a configured kind is not built in (the entry-point scan and importlib.metadata: ~20 ms; the "
    "Textual fixes read Textual's version from its .dist-info folder's name), the tools package and "
    "pathspec load in the threads that use them, the shipped themes' code themes are known without "
    "Pygments, and the theme is chosen when App.__init__ first reads it (set in on_mount, it had Textual "
    "re-parse every style and restyle the screen before the first frame: ~25 ms); the project index and "
    "the metrics history are read after the first frame. Against commit 78c3ca2, interleaved launches "
    "(9 each, load average ~3 from other jobs): process start to ready 691 → 475 ms median, the key "
    "typed at that moment 50 → 41 ms; at load ~0.5 (5 each) 456 → 375 ms. The streaming figures moved "
    "within the noise in three such interleaved runs. Enter sends before the screen work: "
    "the question's widgets are built, the prompt cleared and the turn mounted once the request is "
    "written (or 10 ms after Enter at the latest), with painting held until the turn is composed; the "
    "request is sent from the stream's own task; a turn's styles are parsed after start-up (Textual "
    "would re-parse the whole stylesheet when the first turn mounts: 8 ms); the session file is begun "
    "after the request. The new turn's room is worked out before its first layout, from the "
    "conversation's height (a first answer sized from the scroll view's virtual size overflowed it by "
    "a row: the scrollbar appeared and the view was laid out again as the first token came), so a "
    "streaming answer holds its page while the first token is awaited and the first token repaints "
    "rows only, "
    "painted at once rather than at the screen's next frame; Textual's update timer ticks on the next "
    "frame after a quiet spell, not the one after (qwen_tui/ui/textual_fixes/timer_ticks.py); the status bar's two "
    "lines repaint only when their text changes; the answer grows a screenful at a time (the view "
    "scrolls once a page, not once a line) and each page is painted once, not twice "
    "(qwen_tui/ui/textual_fixes/one_layout.py); only the cells of a row that changed are sent (not a growing line's "
    "blank tail); neighbouring segments of one style are joined and the driver writes colour changes, "
    "not a full style and a reset per segment (qwen_tui/ui/render/sgr_diff.py); render work is capped per "
    "frame, painted lines are not left in reference cycles (qwen_tui/ui/textual_fixes/strip_cycles.py) and full "
    "garbage collections are held off while an answer streams; the active provider's connection is "
    "opened after the first frame, and nothing on the request's path imports a module. The end of an "
    "answer is painted at once, in the room it streamed in; the answer comes down to its text (a "
    "layout of the view) after that paint. "
    "Enter to the wire is the simulator's clock when it reads the request's headers: it shares the "
    "two cores, so once the request is written the app offers its core (sched_yield) before the "
    "screen work, as a local Ollama would want too (without it the simulator read the request up "
    "to 3 ms late, in one launch in three)."
    " A typed or deleted key is painted at once, not at the screen's next frame "
    "(qwen_tui/ui/paint_now.py); interleaved quick runs against the commit before (two each): the "
    "key typed at ready 39.9 / 42.8 -> 30.3 / 18.1 ms, a key during a 2,000 tok/s stream 14.4 / 14.3"
    " -> 7.3 / 7.7 ms, the first token's figures within the noise."
)


# ------------------------------------------------------------------------------------ replies


def reply_text(tokens: int, code_lines: int, tag: str) -> str:
    """``tokens`` 4-character tokens: a marker token, prose, a list, a table, a code block of
    ``code_lines`` lines, prose; the last token is the closing marker."""
    code = "".join(f"    result_{n} = process(data[{n}], mode='fast')  # line {n}\n" for n in range(code_lines))
    head = (
        " Here is how to do it.\n\n1. Read the file.\n2. Process each row.\n\n"
        "| step | cost |\n|---|---|\n| read | 1 |\n| write | 2 |\n\n"
    )
    body = f"```python\ndef run(data):\n{code}```\n\n"
    sentence = "This paragraph explains the code in some detail, with `inline code` and **bold**. "
    prose = sentence * 4 + "\n\n"  # paragraphs of about 85 tokens
    middle_len = (tokens - 2) * 4
    middle = head + body
    while len(middle) < middle_len:
        middle += prose
    middle = middle[: middle_len - 1] + " "
    text = f"Zq{tag}1" + middle + f"Zq{tag}9"
    assert len(text) == tokens * 4
    return text


# ------------------------------------------------------------------------------------ pty


class Terminal:
    """A child process on a pty of COLS x ROWS (or ``size``, columns and rows); every read timestamped."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, size: tuple[int, int] | None = None) -> None:
        cols, rows = size or (COLS, ROWS)
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.fd = master
        self.buffer = bytearray()
        self.marks: list[tuple[int, float]] = []  # (end offset of a read, when)
        self.cond = threading.Condition()
        self.closed = False
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.5)
                if not ready:
                    if self.proc.poll() is not None:
                        break
                    continue
                data = os.read(self.fd, 1 << 16)
            except OSError:
                break
            if not data:
                break
            now = time.monotonic()
            with self.cond:
                self.buffer += data
                self.marks.append((len(self.buffer), now))
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    @property
    def offset(self) -> int:
        with self.cond:
            return len(self.buffer)

    def time_at(self, end: int) -> float:
        """When the read that brought byte ``end - 1`` arrived."""
        with self.cond:
            for stop, when in self.marks:
                if stop >= end:
                    return when
        raise ValueError(end)

    def wait_for(self, marker: bytes, start: int = 0, timeout: float = 60.0) -> tuple[int, float]:
        """(offset just past ``marker``, when it was read); searching from ``start``."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                at = self.buffer.find(marker, start)
                if at >= 0:
                    end = at + len(marker)
                    break
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    tail = bytes(self.buffer[-600:])
                    raise TimeoutError(f"{marker!r} not seen; last output: {tail!r}")
                self.cond.wait(left)
        return end, self.time_at(end)

    def settle(self, quiet: float = 0.3, limit: float = 3.0) -> tuple[int, float]:
        """Wait until nothing was written for ``quiet`` s; (offset, time of the last read)."""
        deadline = time.monotonic() + limit
        while True:
            with self.cond:
                last = self.marks[-1][1] if self.marks else self.started
                offset = len(self.buffer)
            now = time.monotonic()
            if now - last >= quiet or now >= deadline:
                return offset, last
            time.sleep(min(quiet - (now - last), 0.05) if now - last < quiet else 0.05)

    def type(self, text: str) -> float:
        when = time.monotonic()
        os.write(self.fd, text.encode())
        return when

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_mib(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        if self.proc.poll() is None:
            with_ctrl_c = self.proc.args[-1] != "--floor-client"
            if with_ctrl_c:
                for _ in range(2):
                    try:
                        os.write(self.fd, b"\x03")
                    except OSError:
                        break
                    time.sleep(0.1)
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=2)
        os.close(self.fd)


# ------------------------------------------------------------------------------------ simulator


class Sim(SimulatorProcess):
    """The simulator in its own process, with what the runs ask of it."""

    def __init__(self) -> None:
        super().__init__(ttft_ms=20, tps=1000, cwd=ROOT)

    def knobs(self, **fields: object) -> None:
        self.set_knobs(provider=PROVIDER, **fields)

    def last_chat(self) -> dict:
        return self.chats()[-1]

    def chat_count(self) -> int:
        return len(self.chats())

    def wait_chat_done(self, count: int, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chats = self.chats()
            if len(chats) >= count and chats[count - 1]["last_token_at"] is not None:
                return chats[count - 1]
            time.sleep(0.02)
        raise TimeoutError("the simulator did not finish the reply")


# ------------------------------------------------------------------------------------ runs


@dataclass
class Stream:
    enter_to_wire_ms: float
    first_ms: float
    last_ms: float
    bytes_per_token: float
    cpu_s: float
    tokens: int


@dataclass
class Run:
    ready_ms: float
    first_key_ms: float = 0.0  # a key typed the moment the screen is ready: until its echo
    streams: dict[str, Stream] = field(default_factory=dict)
    key_ms: list[float] = field(default_factory=list)
    rss_ready_mib: float = 0.0
    rss_after_mib: float = 0.0
    conversation_tokens: int = 0


CASES = {  # name: (tokens, code lines, tok/s, tag)
    "fast": (4000, 100, 1000.0, "a"),
    "slow": (300, 15, 50.0, "b"),
}


def environment(sim: Sim, home: Path) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE is set on this machine; an installed app has its bytecode cached
    # (pip and `uv tool install` compile at install time), so the launches run with the cache.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEXTUAL", "NO_COLOR", "COLORTERM", "QWEN_TUI", "PYTHONDONTWRITEBYTECODE"))}
    env.update(sim.env)
    env.update(
        TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS), PYTHONUNBUFFERED="1",
        XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"),
    )
    return env


def ask(term: Terminal, sim: Sim, case: str, question: str, floor: bool, count: int) -> Stream:
    tokens, code_lines, tps, tag = CASES[case]
    sim.knobs(reply=reply_text(tokens, code_lines, tag), tps=tps, ttft_ms=20.0, chunk_chars=4)
    term.type(question)
    time.sleep(0.3)
    term.settle(quiet=0.2, limit=2)
    start = term.offset
    cpu0 = term.cpu_seconds() if not floor else 0.0
    enter = term.type("\r")
    _, first_seen = term.wait_for(f"Zq{tag}1".encode(), start, timeout=30)
    _, last_seen = term.wait_for(f"Zq{tag}9".encode(), start, timeout=180)
    end, _ = term.settle(quiet=0.3, limit=3)
    cpu = term.cpu_seconds() - cpu0 if not floor else 0.0
    chat = sim.wait_chat_done(count)
    return Stream(
        enter_to_wire_ms=(chat["received_at"] - enter) * 1000,
        first_ms=(first_seen - chat["first_token_at"]) * 1000,
        last_ms=(last_seen - chat["last_token_at"]) * 1000,
        bytes_per_token=(end - start) / tokens,
        cpu_s=cpu,
        tokens=tokens,
    )


def key_latency(term: Terminal, sim: Sim, count: int, presses: int = 8) -> list[float]:
    """Keys typed while a 2,000 tok/s answer streams: time until each echo is on screen."""
    sim.knobs(reply=reply_text(8000, 100, "c"), tps=2000.0, ttft_ms=20.0, chunk_chars=4)
    term.type("keys")
    time.sleep(0.3)
    start = term.offset
    term.type("\r")
    _, _ = term.wait_for(b"Zqc1", start, timeout=30)
    time.sleep(0.3)
    found: list[float] = []
    for _ in range(presses):
        offset = term.offset
        sent = term.type(KEY)
        try:
            _, seen = term.wait_for(KEY.encode(), offset, timeout=5)
            found.append((seen - sent) * 1000)
        except TimeoutError:
            found.append(float("inf"))
        time.sleep(0.25)
    term.wait_for(b"Zqc9", start, timeout=120)
    term.settle()
    sim.wait_chat_done(count)
    term.type("\x7f" * (presses + 4))  # clear the prompt
    return found


def run_app(sim: Sim, home: Path, project: Path, config: Path, *, keys: bool) -> Run:
    env = environment(sim, home)
    argv = [sys.executable, "-m", "qwen_tui", str(project), "--config", str(config), "--provider", PROVIDER]
    before = sim.chat_count()
    term = Terminal(argv, env, project)
    try:
        offset, ready = term.wait_for(READY_APP, timeout=30)
        run = Run(ready_ms=(ready - term.started) * 1000)
        sent = term.type(KEY)  # at once: start-up's work after the first frame is in its way
        _, seen = term.wait_for(KEY.encode(), offset, timeout=10)
        run.first_key_ms = (seen - sent) * 1000
        term.type("\x7f")
        time.sleep(1.0)
        term.settle()
        run.rss_ready_mib = term.rss_mib()
        run.streams["fast"] = ask(term, sim, "fast", "please answer", False, before + 1)
        run.streams["slow"] = ask(term, sim, "slow", "and again", False, before + 2)
        if keys:
            run.key_ms = key_latency(term, sim, before + 3)
        return run
    finally:
        term.close()


def run_floor(sim: Sim, home: Path, project: Path) -> Run:
    env = environment(sim, home)
    env["FLOOR_URL"] = sim.url + "/sambanova/v1/chat/completions"
    env["FLOOR_KEY"] = sim.env["SAMBANOVA_API_KEY"]
    before = sim.chat_count()
    term = Terminal([sys.executable, str(Path(__file__).resolve()), "--floor-client"], env, project)
    try:
        _, ready = term.wait_for(READY_FLOOR, timeout=30)
        run = Run(ready_ms=(ready - term.started) * 1000)
        time.sleep(0.3)
        run.streams["fast"] = ask(term, sim, "fast", "please answer", True, before + 1)
        run.streams["slow"] = ask(term, sim, "slow", "and again", True, before + 2)
        return run
    finally:
        term.close()


def run_memory(sim: Sim, home: Path, project: Path, config: Path, answers: int = 25, tokens: int = 4000) -> Run:
    """A conversation of ``answers`` x ``tokens`` tokens sent as fast as the simulator can."""
    env = environment(sim, home)
    argv = [sys.executable, "-m", "qwen_tui", str(project), "--config", str(config), "--provider", PROVIDER]
    before = sim.chat_count()
    term = Terminal(argv, env, project)
    try:
        term.wait_for(READY_APP, timeout=30)
        time.sleep(1.0)
        run = Run(ready_ms=0, rss_ready_mib=term.rss_mib())
        for n in range(answers):
            tag = "m" if n % 2 else "n"  # alternate, so a marker is never an earlier answer's
            sim.knobs(reply=reply_text(tokens, 100, tag), tps=0, ttft_ms=5.0, chunk_chars=4)
            start = term.offset
            term.type(f"question {n}")
            time.sleep(0.05)
            term.type("\r")
            term.wait_for(f"Zq{tag}9".encode(), start, timeout=120)
            sim.wait_chat_done(before + n + 1)
            term.settle(quiet=0.2)
        time.sleep(0.5)
        run.rss_after_mib = term.rss_mib()
        run.conversation_tokens = answers * tokens
        return run
    finally:
        term.close()


# ------------------------------------------------------------------------------------ floor client


def floor_client() -> int:
    """The raw-httpx floor: read a question, stream the reply, write its text as it comes."""
    url, key = os.environ["FLOOR_URL"], os.environ["FLOOR_KEY"]
    client = httpx.Client(timeout=60)
    out = sys.stdout.buffer
    out.write(READY_FLOOR + b" ")
    out.flush()
    for line in sys.stdin:
        body = {"model": "Meta-Llama-3.3-70B-Instruct", "stream": True,
                "messages": [{"role": "user", "content": line.strip()}]}
        with client.stream("POST", url, json=body, headers={"Authorization": f"Bearer {key}"}) as response:
            pending = b""
            for chunk in response.iter_raw():
                pending += chunk
                *frames, pending = pending.split(b"\n\n")
                text = []
                for frame in frames:
                    if frame.startswith(b"data: {"):
                        choices = json.loads(frame[6:]).get("choices") or [{}]
                        text.append(choices[0].get("delta", {}).get("content") or "")
                if text:
                    out.write("".join(text).encode())
                    out.flush()
        out.write(b"\n" + READY_FLOOR + b" ")
        out.flush()
    return 0


# ------------------------------------------------------------------------------------ report


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rng(values: list[float], digits: int = 0) -> str:
    return f"{med(values):,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**not met**"


def report(apps: list[Run], floors: list[Run], memory: Run | None, runs: int) -> str:
    def s(case: str, attr: str, source: list[Run]) -> list[float]:
        return [getattr(r.streams[case], attr) for r in source]

    rows: list[tuple[str, str, str, str, str]] = []

    def row(name: str, attr_or_values, target: float | None, digits: int = 0, case: str = "fast",
            floor_values: list[float] | None = None) -> None:
        values = attr_or_values if isinstance(attr_or_values, list) else s(case, attr_or_values, apps)
        if floor_values is None and not isinstance(attr_or_values, list):
            floor_values = s(case, attr_or_values, floors)
        floor = rng(floor_values, digits) if floor_values else "—"
        t = f"≤ {target:,g}" if target is not None else ""
        v = verdict(med(values), target) if target is not None else ""
        rows.append((name, rng(values, digits), t, v, floor))

    row("process start to ready for input (ms)", [r.ready_ms for r in apps], 400,
        floor_values=[r.ready_ms for r in floors])
    row("a key typed the moment the screen is ready: press to echo on screen (ms)",
        [r.first_key_ms for r in apps], None, 1, floor_values=[])
    row("Enter to the request on the wire, first question (ms)", "enter_to_wire_ms", 5, 1)
    row("Enter to the request on the wire, second question (ms)", "enter_to_wire_ms", 5, 1, case="slow")
    row("first token sent to first token on screen (ms)", "first_ms", 17, 1)
    row("1,000 tok/s, 4,000 tokens, 100-line code block: last token sent to on screen (ms)", "last_ms", 50, 1)
    row("terminal bytes per token, same stream", "bytes_per_token", 60, 1)
    row("client CPU seconds during that stream", "cpu_s", 2, 2, floor_values=[])
    row("50 tok/s, 300 tokens: first token sent to on screen (ms)", "first_ms", 17, 1, case="slow")
    row("50 tok/s, 300 tokens: last token sent to on screen (ms)", "last_ms", 50, 1, case="slow")
    row("50 tok/s, 300 tokens: terminal bytes per token", "bytes_per_token", None, 1, case="slow")
    row("50 tok/s, 300 tokens: client CPU seconds", "cpu_s", None, 2, case="slow", floor_values=[])
    keys = [k for r in apps for k in r.key_ms]
    if keys:
        row(f"a key typed during a 2,000 tok/s stream: press to echo on screen (ms, {len(keys)} presses)",
            keys, 50, 1, floor_values=[])
    if memory is not None:
        rows.append((f"resident memory: ready / after a {memory.conversation_tokens:,}-token conversation (MiB)",
                     f"{memory.rss_ready_mib:,.0f} / {memory.rss_after_mib:,.0f}", "", "", "—"))
    lines = [
        "| figure | qwen-tui: median (min–max) | target | | raw-httpx floor |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows),
    ]
    doc = (__doc__ or "").split("Method. ", 1)[1].strip()
    doc = re.sub(r"\s*\n\s*", " ", doc)
    return "\n".join(
        [
            "## Full app in a terminal",
            "",
            f"`uv run python bench/tui.py` — {runs} launches of the app (`python -m qwen_tui`) and of the floor, "
            f"alternating, after one uncounted launch of each that writes the bytecode cache (as an installed "
            f"app has; this machine sets PYTHONDONTWRITEBYTECODE, which the launches drop); each asks a "
            f"4,000-token answer at 1,000 tok/s (prose, list, table, a 100-line "
            f"Python code block, paragraphs of ~85 tokens), then a 300-token answer at 50 tok/s; "
            f"the first launch also types "
            f"keys during a 2,000 tok/s answer. Simulator TTFT 20 ms, 4-character tokens, {PROVIDER} "
            f"protocol (OpenAI-style SSE). Machine: {os.uname().machine}, {os.cpu_count()} cores shared with "
            f"other jobs; Python {sys.version.split()[0]}. Read the figures as sizes.",
            "",
            *lines,
            "",
            doc,
            "",
            NOTES,
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs, no docs update")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--floor-client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_client:
        return floor_client()
    runs = 2 if args.quick else args.runs
    sim = Sim()
    apps: list[Run] = []
    floors: list[Run] = []
    memory = None
    with tempfile.TemporaryDirectory(prefix="qwen-tui-bench-") as tmp:
        home = Path(tmp)
        project = home / "project"
        project.mkdir()
        (project / "main.py").write_text("print('hello')\n")
        config = home / "config.toml"
        config.write_text(sim.config)
        try:
            # one launch of each first, not counted: it writes the bytecode cache, as a user's
            # first start after installing does
            run_app(sim, home, project, config, keys=False)
            run_floor(sim, home, project)
            for n in range(runs):
                apps.append(run_app(sim, home, project, config, keys=n == 0))
                print(f"app run {n + 1}: {apps[-1]}", file=sys.stderr)
                floors.append(run_floor(sim, home, project))
                print(f"floor run {n + 1}: {floors[-1]}", file=sys.stderr)
            if not args.quick:
                memory = run_memory(sim, home, project, config)
                print(f"memory: {memory}", file=sys.stderr)
        finally:
            sim.close()
    section = report(apps, floors, memory, runs)
    print(section)
    if not (args.quick or args.no_docs):
        write_section(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
