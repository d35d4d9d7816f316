"""Launches of the real app with one core kept busy: does a healthy provider ever show as down?

    uv run python bench/health_under_load.py            # 8 launches, writes "## Provider health under load"
    uv run python bench/health_under_load.py --quick    # 3 launches, prints only

Each launch: the simulator in its own process (every provider reachable), a busy loop pinned to
nothing in particular (a second process spinning, so the two cores are shared three ways), the app
(``python -m qwen_tui``) in a 120x40 pty with fresh XDG folders, as bench/tui.py launches it. Once
the first frame is up, the harness waits for the start-up checks to end and reads the status bar
from the screen (the pty's bytes through the pyte terminal emulator): each provider's word
(cold, warm, down, check failed, ...). A launch fails when a provider the simulator serves is
shown as anything but reachable.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from docs_section import write_section  # noqa: E402
from tui import COLS, READY_APP, ROWS, Sim, Terminal, environment  # noqa: E402

PROVIDERS = ("huggingface", "sambanova", "ollama", "blaxel")
REACHABLE = ("cold", "warm")
CHECKS_S = 4.0  # the start-up checks have ended by then (each has its own, shorter timeout)


def screen_lines(data: bytes) -> list[str]:
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    stream.feed(data)
    return list(screen.display)


def provider_words(lines: list[str]) -> dict[str, str]:
    """Each provider's state word on the status bar's providers line (``name word`` pairs)."""
    words: dict[str, str] = {}
    for line in lines:
        if sum(name in line for name in PROVIDERS) < 3:
            continue
        for name in PROVIDERS:
            at = line.find(name)
            if at < 0:
                continue
            rest = line[at + len(name):].strip(" ●○·:│").split("·")[0].split("│")[0].strip()
            for state in ("check failed", "no key", "loading model", "checking", "cold", "warm", "down",
                          "demo"):
                if rest.startswith(state):
                    words[name] = state
                    break
            else:
                words[name] = rest.split(" ")[0] if rest else "?"
    return words


def launch(sim: Sim, home: Path, project: Path, config: Path) -> dict[str, str]:
    env = environment(sim, home)
    argv = [sys.executable, "-m", "qwen_tui", str(project), "--config", str(config)]
    term = Terminal(argv, env, project)
    try:
        term.wait_for(READY_APP, timeout=60)
        time.sleep(CHECKS_S)
        term.settle()
        with term.cond:
            data = bytes(term.buffer)
        return provider_words(screen_lines(data))
    finally:
        term.close()


def report(results: list[dict[str, str]], load: str) -> str:
    bad = [r for r in results if any(r.get(name) not in REACHABLE for name in PROVIDERS)]
    rows = "\n".join(f"| {n + 1} | " + " | ".join(r.get(name, "?") for name in PROVIDERS) + " |"
                     for n, r in enumerate(results))
    return "\n".join([
        "## Provider health under load",
        "",
        f"`uv run python bench/health_under_load.py` — {len(results)} launches of the app against the simulator "
        "(every provider reachable) while a second process keeps one core busy; the status bar read off the "
        f"screen {CHECKS_S:g} s after the first frame. Load average before: {load}.",
        "",
        "| launch | " + " | ".join(PROVIDERS) + " |",
        "| --- | " + " | ".join("---" for _ in PROVIDERS) + " |",
        rows,
        "",
        f"Launches showing a reachable provider as not reachable: **{len(bad)} of {len(results)}** (target 0).",
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 launches, no docs update")
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    import os

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    sim = Sim()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    results: list[dict[str, str]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="qwen-tui-health-") as tmp:
            root = Path(tmp)
            config = root / "config.toml"
            config.write_text(sim.config)
            for n in range(runs):
                home = root / f"home{n}"
                project = home / "project"
                project.mkdir(parents=True)
                (project / "main.py").write_text("print('hello')\n")
                results.append(launch(sim, home, project, config))
                print(f"launch {n + 1}: {results[-1]}", file=sys.stderr)
    finally:
        busy.kill()
        sim.close()
    section = report(results, load)
    print(section)
    if not args.quick:
        write_section(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
