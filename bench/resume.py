"""Resuming a long saved session, in a pseudo-terminal, timed on the wall clock.

    uv run python bench/resume.py            # 3 launches each, writes "## Resuming a long session"
    uv run python bench/resume.py --quick    # 1 launch each, prints only

Method. A session of 300 questions and answers (each answer a paragraph, a list and a 60-line
Python code block; about 1.3 MB of JSONL, written by ``SessionStore`` as the app writes it) is
made in a fresh XDG data folder. The app (``python -m qwen_tui PROJECT --demo --resume ID``) runs
in a 120x40 pseudo-terminal with ``bench/tui.py``'s ``Terminal`` (every read timestamped with
``time.monotonic()``). Launch to last answer on screen: from the process start to the read that
carries the last answer's own marker (a comment in its code block, unique to it). Key echo during
the resume: a key typed at the first frame (the key bar painted), while the session is read and
shown, until its echo; then a key typed every 20 ms until the marker is seen is timed the same
way, and the worst of those is shown too. RSS: the app's VmRSS once the screen has been quiet for
a second. Paging: the chat is focused (Shift+Tab), then PageUp is pressed until the first question is on
screen (first launch only, with ``TEXTUAL_ANIMATIONS=none``: a page is one jump, not Textual's
0.6 s smooth scroll); each press comes once the output has been quiet for 50 ms, and is timed from
the key to the first repaint it causes, and to the end of its repaint (the last read before 30 ms
of quiet). The floor: the same launch with no session to resume (launch to
the first frame, RSS after a second).

Also here: counting the request for the context panel (``refresh_context`` in app.py:
``ProjectContext.measure`` for 50 context files plus the estimate of a 200-turn history), timed
in-process, and whether it runs off the event loop (the loop's largest stall while it runs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from docs_section import write_section  # noqa: E402
from tui import COLS, ROWS, Terminal  # noqa: E402

TURNS = 300  # questions, each with its answer
BEFORE = (
    "Before (commit 1a1ed19, every turn mounted and rendered on the event loop; this bench, one launch): "
    "the last answer on screen 25.2 s after the process started, a key typed at the first frame echoed "
    "after 23.8 s, RSS 201 MiB. What changed: the session's latest screen of turns is rendered at once; "
    "the older questions and answers wait in one blank of their estimated height "
    "(qwen_tui/ui/widgets/earlier_turns.py), split around each turn as it comes within a screen of the "
    "view, nearest first; every answer's Markdown and highlighting (30-100 ms each here) is done in a "
    "thread and handed to the widget (StreamingMarkdown.adopt), the turn mounted hidden and shown with "
    "the blank's new height in one layout, while the chat keeps the child at the top of the view in "
    "place (ChatView.arrange); turns rendered on the way go back to a blank, at their real height, "
    "once three screens away. "
    "Then (round 5; main 78c3ca2 before, paging with the loop-stall sampler, load 2-3): the worst pages "
    "were full garbage collections (gen 2, 1.5 M objects at the top, 1.5-2.2 s each): Textual's "
    "StylesCache.get_inner_outer is an lru_cache keyed by the cache itself, so the last 1,024 painted "
    "widgets' lines stayed alive (RSS at the top 273-338 MiB); textual_fixes/styles_cache_colors keys it "
    "by the colours. A turn given back to a blank drops its lines before it is removed (freed by reference "
    "counting, not by a full collection); full collections wait while the view pages through earlier "
    "turns (run when it is still for 0.5 s, at least every 10 s); page keys scroll and paint at once "
    "instead of after the next refresh and frame. Same sampler after: worst page 1.7-1.9 s -> 0.2-0.3 s, "
    "95th percentile 143-196 -> 56-84 ms, RSS at the top 274-338 -> 101-106 MiB; the median page (a "
    "full repaint of the screen) did not move. "
    "Then (2026-12-04, on a quiet machine; figures from this bench's full runs): a page repainted the "
    "whole screen. Any question to Textual about a widget off screen (the chat's own search for the turns "
    "near the view, and Textual's own when such a widget is restyled or mounted hidden) rebuilt the "
    "compositor's full map and dropped its visible one, and the next scroll, compared with nothing, found "
    "every widget changed: textual_fixes/scroll_repaint compares it with the full map, which is what the "
    "screen shows, and the chat reads its children's places from its own arrangement (ChatView._placed); "
    "the SGR writer looks its styles up instead of parsing each again (a full 120x40 frame 7.2 -> 1.4 ms). "
    "Key to a page's first repaint, median (full runs; the SGR lookups already in the first): 20.1 -> "
    "14.1 ms. Resuming: the background work (project index, "
    "provider checks, tools, MCP servers) starts once the session given on the command line is shown (its "
    "threads and imports took the interpreter from the session's rendering), full collections wait from "
    "the process start to the first frame (one cost about 20 ms of it), and while the TUI runs the "
    "interpreter's switch interval is 1 ms, not 5 (a key's echo waits for a hand-over between threads "
    "several times); the HTTP client is imported and the TLS context built in a thread before the first "
    "connection (on the loop they held a key for tens of ms). Launch to the last answer, the same two "
    "runs: 707 -> 599 ms. Then (the same day): the worst of the keys typed every 20 ms while the "
    "session is shown was the one typed just before the last answer's frame; it waited for that frame "
    "(layout, the answer's first render, the write) and for one or two full layouts after it (the context "
    "panel's figures, the chat's scrollbar appearing), each slowed several times by the background start's "
    "threads. Now the history is counted while the turns render (its layout lands with theirs), the "
    "background work starts 0.25 s after the session is painted, and a typed or deleted key is painted at "
    "once instead of at the next refresh (ui/paint_now.py, shared with the first token and the page keys). "
    "Worst key, interleaved launches of the commit before and after the first two: median 46.9 -> 38.6 ms. "
    "Run to run the machine's speed moves these figures: four full runs of the same code that day gave "
    "launch to the last answer 599-834 ms and a page 14.1-17.0 ms, with the floor's first frame at "
    "325-457 ms. Then (the next day): a page rendered about six widgets for each row of the chat, one of "
    "them seen. Textual's compositor renders every widget under an update in full (the screen, the "
    "containers its turns cover) and the widgets beside the update too (the sidebar, for every row); "
    "textual_fixes/covered_lines renders a widget only for the update's rows where it shows, and the chat "
    "view's own rows (its padding; each turn mounted or removed emptied its styles cache) are one row "
    "repeated (ui/widgets/background_rows.py). Interleaved launches of the commit before and after, 300 "
    "pages each, 4 pairs: key to a page's first repaint, median 10.5 -> 7.9 ms, 95th percentile "
    "16.0 -> 11.7 ms."
)
READY = b"Providers"  # the key bar's F2 label: the first full frame is painted
KEY = "Ж"
PAGE_UP = "\x1b[5~"
SHIFT_TAB = "\x1b[Z"


def question_text(n: int) -> str:
    return f"Question {n:03d}: how should the parser handle record kind {n} when the input is long?"


def answer_text(n: int) -> str:
    """A paragraph, a list and a 60-line code block whose last line carries the marker ``Zr<n>e``."""
    paragraph = (f"Answer {n:03d}. The parser reads each record, checks its kind and hands it to the right "
                 "handler; long inputs are read in chunks so memory stays flat, and errors name the line. ")
    items = "".join(f"- step {i}: validate field {i} of record {n} and keep going\n" for i in range(1, 5))
    code = "".join(f"    value_{i} = handle(record[{i}], kind={n}, strict=True)  # {i}\n" for i in range(58))
    return (f"{paragraph * 2}\n\n{items}\n```python\ndef process_{n}(record):\n{code}"
            f"    return finish(record)  # Zr{n:03d}e\n```\n")


def make_session(directory: Path, project: Path, turns: int = TURNS) -> tuple[str, int]:
    """The session file, written the way the app writes one; (its id, its size in bytes)."""
    from qwen_tui.session import SessionStore

    store = SessionStore(directory)
    session = store.create(project, title="Long parser session")
    for n in range(turns):
        store.append_user(session, question_text(n))
        writer = store.begin_answer(session, "sambanova", "Meta-Llama-3.3-70B-Instruct", interval=0)
        writer.update(answer_text(n))
        writer.finish("complete", {"ttft_ms": 180.0, "tokens_per_s": 400.0, "tokens": 1100})
    return session.id, session.path.stat().st_size


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEXTUAL", "NO_COLOR", "COLORTERM", "QWEN_TUI", "PYTHONDONTWRITEBYTECODE"))}
    env.update(
        TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS), PYTHONUNBUFFERED="1",
        XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"),
    )
    return env


@dataclass
class Launch:
    ready_ms: float = 0.0  # process start to the first frame
    last_answer_ms: float = 0.0  # process start to the last answer on screen
    first_key_ms: float = 0.0  # a key typed at the first frame, until its echo
    keys_ms: list[float] = field(default_factory=list)  # keys typed while the resume ran
    rss_mib: float = 0.0
    pages_ms: list[float] = field(default_factory=list)  # PageUp to its first repaint
    page_ends_ms: list[float] = field(default_factory=list)  # PageUp to the end of its repaint
    top_reached: bool = False
    rss_top_mib: float = 0.0  # once at the top


def time_key(term: Terminal, timeout: float = 60.0) -> float:
    offset = term.offset
    sent = term.type(KEY)
    _, seen = term.wait_for(KEY.encode(), offset, timeout=timeout)
    term.type("\x7f")
    return (seen - sent) * 1000


def launch(home: Path, project: Path, resume: str | None, pages: int) -> Launch:
    argv = [sys.executable, "-m", "qwen_tui", str(project), "--demo"]
    if resume:
        argv += ["--resume", resume]
    env = environment(home)
    if pages:
        env["TEXTUAL_ANIMATIONS"] = "none"  # a page is one jump, not a 0.6 s smooth scroll
    term = Terminal(argv, env, project)
    run = Launch()
    marker = f"Zr{TURNS - 1:03d}e".encode()
    try:
        offset, ready = term.wait_for(READY, timeout=60)
        run.ready_ms = (ready - term.started) * 1000
        run.first_key_ms = time_key(term)
        if resume:
            while True:
                with term.cond:
                    done = term.buffer.find(marker) >= 0
                if done:
                    break
                try:
                    run.keys_ms.append(time_key(term, timeout=30))
                except TimeoutError:
                    run.keys_ms.append(float("inf"))
                    break
                time.sleep(0.02)
            end, seen = term.wait_for(marker, 0, timeout=60)
            run.last_answer_ms = (seen - term.started) * 1000
        time.sleep(1.0)
        term.settle(quiet=0.3, limit=5)
        run.rss_mib = term.rss_mib()
        if resume and pages:
            run.pages_ms, run.page_ends_ms, run.top_reached = page_up(term, pages)
            time.sleep(0.5)
            run.rss_top_mib = term.rss_mib()
        return run
    finally:
        term.close()


def page_up(term: Terminal, limit: int) -> tuple[list[float], list[float], bool]:
    """PageUp until the first question is on screen (at most ``limit`` presses): for each press,
    key to the first repaint, and key to the end of its repaint."""
    term.type(SHIFT_TAB)  # from the prompt to the chat
    term.settle(quiet=0.3, limit=3)
    first_question = question_text(0).split(":")[0].encode()
    start = term.offset
    firsts: list[float] = []
    wholes: list[float] = []
    for _ in range(limit):
        term.settle(quiet=0.05, limit=2)  # the previous page's work (earlier turns rendered) is done
        offset = term.offset
        sent = term.type(PAGE_UP)
        try:
            _, first = term.wait_for(b"\x1b", offset, timeout=2)
        except TimeoutError:
            continue
        _, last = term.settle(quiet=0.03, limit=2)
        firsts.append((first - sent) * 1000)
        wholes.append((last - sent) * 1000)
        with term.cond:
            if term.buffer.find(first_question, start) >= 0:
                return firsts, wholes, True
    return firsts, wholes, False


# ------------------------------------------------------------------------------------ counting


@dataclass
class Counting:
    ms: list[float] = field(default_factory=list)
    stall_ms: float = 0.0
    files: int = 0
    turns: int = 0
    tokens: int = 0


def counting(runs: int = 5, files: int = 50, turns: int = 200) -> Counting:
    """``refresh_context``'s work: ``ProjectContext.measure`` with ``files`` files and the estimate of a
    ``turns``-turn history, in a thread as the app runs it, with a ticker on the loop."""
    from qwen_tui.context.project import ProjectContext, estimate_tokens

    with tempfile.TemporaryDirectory(prefix="qwen-tui-count-") as tmp:
        root = Path(tmp)
        for n in range(files):
            source = "".join(f"def f_{i}(x):\n    return x * {i}\n" for i in range(200))
            (root / f"module_{n:02d}.py").write_text(source)
        project = ProjectContext(root, instructions=False)
        project.build()
        for n in range(files):
            project.add(f"module_{n:02d}.py")
        history = [answer_text(n) if n % 2 else question_text(n) for n in range(turns)]
        result = Counting(files=files, turns=turns)

        async def once() -> tuple[float, float, int]:
            loop = asyncio.get_running_loop()
            worst, last, running = 0.0, loop.time(), True

            async def ticker() -> None:
                nonlocal worst, last
                while running:
                    await asyncio.sleep(0.001)
                    now = loop.time()
                    worst, last = max(worst, now - last), now

            tick = asyncio.create_task(ticker())
            await asyncio.sleep(0.01)

            def measure() -> tuple[list, int]:
                return project.measure(), sum(estimate_tokens(text) for text in history)

            started = time.perf_counter()
            entries, tokens = await asyncio.to_thread(measure)
            took = time.perf_counter() - started
            running = False
            await tick
            return took * 1000, worst * 1000, tokens + sum(e.counted for e in entries)

        for _ in range(runs):
            took, stall, tokens = asyncio.run(once())
            result.ms.append(took)
            result.stall_ms = max(result.stall_ms, stall)
            result.tokens = tokens
        return result


# ------------------------------------------------------------------------------------ report


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rng(values: list[float], digits: int = 0) -> str:
    if not values:
        return "—"
    return f"{med(values):,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**not met**"


def report(apps: list[Launch], floors: list[Launch], count: Counting, size: int, runs: int) -> str:
    rows: list[tuple[str, str, str, str, str]] = []

    def row(name: str, values: list[float], target: float | None, floor: list[float] | None = None,
            digits: int = 0) -> None:
        t = f"≤ {target:,g}" if target is not None else ""
        v = verdict(med(values), target) if target is not None and values else ""
        rows.append((name, rng(values, digits), t, v, rng(floor, digits) if floor else "—"))

    row("process start to first frame (ms)", [r.ready_ms for r in apps], None, [r.ready_ms for r in floors])
    row("process start to the last answer on screen (ms)", [r.last_answer_ms for r in apps], 800,
        [r.ready_ms for r in floors])
    row("a key typed at the first frame, during the resume: press to echo (ms)", [r.first_key_ms for r in apps],
        50, [r.first_key_ms for r in floors], 1)
    keys = [k for r in apps for k in r.keys_ms]
    row(f"keys typed until the last answer shows: worst of {len(keys)} (ms)",
        [max(r.keys_ms) for r in apps if r.keys_ms], 50, None, 1)
    row("resident memory a second after (MiB)", [r.rss_mib for r in apps], 120, [r.rss_mib for r in floors])
    pages = [p for r in apps for p in r.pages_ms]
    ends = [p for r in apps for p in r.page_ends_ms]
    reached = all(r.top_reached for r in apps if r.pages_ms)
    where = "to the first question" if reached else "(the top not reached)"
    row(f"PageUp {where}, {len(pages)} pages: key to the first repaint (ms)", pages, 16.7, None, 1)
    if pages:
        row("the same: 95th percentile / worst page (ms)",
            [statistics.quantiles(pages, n=20)[-1] if len(pages) > 1 else pages[0], max(pages)], None, None, 1)
        row("the same: key to the end of the page's repaint (ms)", ends, None, None, 1)
        row("resident memory at the top, every turn rendered on the way (MiB)",
            [r.rss_top_mib for r in apps if r.pages_ms], None, None)
    row(f"counting the request: {count.files} context files + a {count.turns}-turn history, in a thread (ms)",
        count.ms, 50, None, 1)
    row("the event loop's largest stall while it counts (ms)", [count.stall_ms], 16.7, None, 1)
    lines = [
        "| figure | qwen-tui: median (min–max) | target | | floor: no session |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows),
    ]
    doc = (__doc__ or "").split("Method. ", 1)[1].strip()
    doc = re.sub(r"\s*\n\s*", " ", doc)
    return "\n".join([
        "## Resuming a long session",
        "",
        f"`uv run python bench/resume.py` — {runs} launches resuming a {TURNS}-question session "
        f"({size / 1e6:.2f} MB of JSONL) and {runs} with none, alternating, after one uncounted launch "
        f"(bytecode cache). Machine: {os.uname().machine}, {os.cpu_count()} cores shared with other jobs; "
        f"Python {sys.version.split()[0]}. Read the figures as sizes.",
        "",
        *lines,
        "",
        doc,
        "",
        BEFORE,
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 launch each, no docs update")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--pages", type=int, default=2000, help="PageUp presses at most (0: none)")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    apps: list[Launch] = []
    floors: list[Launch] = []
    with tempfile.TemporaryDirectory(prefix="qwen-tui-resume-") as tmp:
        home = Path(tmp)
        project = home / "project"
        project.mkdir()
        (project / "main.py").write_text("print('hello')\n")
        sessions = home / "data" / "qwen-tui" / "sessions"
        session_id, size = make_session(sessions, project)
        print(f"session {session_id}: {size:,} bytes", file=sys.stderr)
        launch(home, project, None, pages=0)  # uncounted: writes the bytecode cache
        for n in range(runs):
            apps.append(launch(home, project, session_id, pages=args.pages if n == 0 else 0))
            print(f"resume {n + 1}: {apps[-1]}", file=sys.stderr)
            floors.append(launch(home, project, None, pages=0))
            print(f"floor {n + 1}: {floors[-1]}", file=sys.stderr)
    count = counting()
    print(f"counting: {count}", file=sys.stderr)
    section = report(apps, floors, count, size, runs)
    print(section)
    if not (args.quick or args.no_docs):
        write_section(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
