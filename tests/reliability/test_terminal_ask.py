"""Terminal safety of ``qwen-tui ask`` on a terminal: every payload (hostile.PAYLOADS) in the
answer and in a provider's error body is shown as a visible placeholder on stdout and stderr, and
nothing reaches the terminal raw. (A pipe gets the answer as is: tests/providers/test_cli.py.)"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from qwen_tui.sim import Fault, Simulator
from tests.reliability.faults import KEY_ENV, KEYS, write_config
from tests.ptyio import drain
from tests.reliability.hostile import PAYLOADS, all_payloads, raw_problems, tagged, visible_form


def ask_on_a_terminal(config: Path, cwd: Path, *args: str) -> tuple[int, bytes]:
    master, slave = pty.openpty()
    env = {**os.environ, **{KEY_ENV[p]: k for p, k in KEYS.items()}, "QWEN_TUI_CONFIG": str(config)}
    try:
        proc = subprocess.run([sys.executable, "-m", "qwen_tui", "ask", *args], stdin=subprocess.DEVNULL,
                              stdout=slave, stderr=slave, env=env, cwd=cwd, timeout=30)
        os.close(slave)
        out = drain(master)
    finally:
        os.close(master)
    return proc.returncode, out


def test_ask_on_a_terminal_shows_every_payload_visibly(sim: Simulator, tmp_path: Path) -> None:
    config = write_config(sim, tmp_path / "config.toml")
    sim.set_knobs(provider="sambanova", ttft_ms=5.0, tps=0, reply=f"answer {all_payloads()} END\n")
    code, out = ask_on_a_terminal(config, tmp_path, "--provider", "sambanova", "hello")
    assert code == 0, out
    assert not raw_problems(out), raw_problems(out)
    text = out.decode()
    for name in PAYLOADS:
        assert visible_form(tagged(name)) in text, name

    sim.push_fault(Fault(kind="status", status=500, message=f"bad {all_payloads()}"), provider="sambanova")
    code, out = ask_on_a_terminal(config, tmp_path, "--provider", "sambanova", "hello")
    assert code == 1, out
    assert not raw_problems(out), raw_problems(out)
    text = out.decode()
    assert "sambanova" in text and visible_form(tagged("osc52")) in text and visible_form(tagged("rlo")) in text
