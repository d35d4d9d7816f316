"""``qwen-tui ask --file`` end to end: a real subprocess, the simulator on loopback, and the request
it received checked against the context builder's own output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.context import ProjectIndex, Selection, build_prompt
from qwen_tui.sim import Simulator

from .helpers import write

A_PY = "def add(a, b):\n    return a + b\n"
NOTES = "one\ntwo\nthree\nfour\n"


@pytest.fixture(scope="module")
def simulator_options() -> dict:
    return {"ttft_ms": 1.0, "tps": 0}


@pytest.fixture
def project(tmp_path: Path, sim: Simulator):
    root = tmp_path / "proj"
    write(root, ".gitignore", "*.log\n")
    write(root, "src/a.py", A_PY)
    write(root, "src/deep/b.md", "# Title\n\n```sh\nls\n```\n")
    write(root, "src/debug.log", "ignored\n")
    write(root, "src/logo.png", b"\x89PNG\x00\x00\x00")
    write(root, "notes.txt", NOTES)
    write(tmp_path, "outside.txt", "outside\n")
    (root / "src" / "away.txt").symlink_to(tmp_path / "outside.txt")
    config = tmp_path / "config.toml"
    config.write_text(sim.config_toml(default_provider="sambanova"))
    env = {**os.environ, **sim.env(), "QWEN_TUI_CONFIG": str(config)}
    sim.clear_requests()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "qwen_tui", "ask", *args], cwd=root, env=env, text=True,
            capture_output=True, timeout=60,
        )

    return root, run


def test_ask_file_sends_exact_contents_with_paths(project, sim: Simulator) -> None:
    root, run = project
    result = run("--file", "src/", "--file", "notes.txt:2-3", "what does add do?")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "src/logo.png: binary file" in result.stderr
    assert "src/away.txt: outside the project folder" in result.stderr
    sent = sim.last_chat("sambanova").body["messages"]
    system = sent[0]["content"]
    assert sent[0]["role"] == "system" and sent[-1] == {"role": "user", "content": "what does add do?"}
    assert f"## src/a.py\n```python\n{A_PY}```\n" in system
    assert "## src/deep/b.md\n````markdown\n# Title\n\n```sh\nls\n```\n````\n" in system
    assert "## notes.txt (lines 2-3)\n```text\ntwo\nthree\n```\n" in system
    assert "debug.log" not in system and "logo.png" not in system and "outside" not in system
    # the CLI used the very same builder: rebuild it here and compare message for message
    idx = ProjectIndex(root)
    idx.build()
    sel = Selection()
    sel.add("src/")
    sel.add("notes.txt:2-3")
    files, _ = sel.expand(idx)
    expected = build_prompt("what does add do?", [], files).messages
    assert sent == [m.to_wire() for m in expected]


@pytest.mark.parametrize(
    ("arg", "words"),
    [("src/logo.png", "binary file"), ("missing.py", "no such file"), ("src/away.txt", "outside the project")],
)
def test_ask_file_refuses_a_bad_named_file_with_exit_2(project, sim: Simulator, arg: str, words: str) -> None:
    _, run = project
    result = run("--file", arg, "hi")
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
    assert sim.last_chat() is None  # nothing was sent
