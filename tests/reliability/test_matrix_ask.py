"""The fault matrix through ``qwen-tui ask``: every provider × every fault, in this process via
``cli.main`` (fast), and a representative few in a real subprocess.

For each cell: a message in plain words naming the provider and the fix, the partial answer kept
on stdout, the documented exit code, and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.sim import Fault, Simulator
from tests.reliability.faults import (
    CHUNK,
    KEY_ENV,
    KEYS,
    PROVIDERS,
    Case,
    expected_words,
    is_complete,
    matrix,
    partial_of,
    write_config,
)

pytestmark = pytest.mark.slow

MATRIX = matrix()


def prepare(sim: Simulator, name: str, case: Case) -> None:
    sim.set_knobs(provider=PROVIDERS[name], ttft_ms=5.0, tps=0, reply=case.reply(), chunk_chars=CHUNK)


@pytest.mark.parametrize(("name", "case"), MATRIX, ids=[f"{n}-{c.id}" for n, c in MATRIX])
def test_ask_fault(name: str, case: Case, sim: Simulator, run_cli, tmp_path: Path, monkeypatch) -> None:
    sim_name = PROVIDERS[name]
    prepare(sim, name, case)
    with case.arrange(sim, name, sim_name) as setup:
        config = write_config(sim, tmp_path / "case.toml", **{name: setup.settings})
        monkeypatch.setenv("QWEN_TUI_CONFIG", str(config))
        for var in setup.drop_env:
            monkeypatch.delenv(var, raising=False)
        for var, value in setup.set_env.items():
            monkeypatch.setenv(var, value)
        result = run_cli("ask", "--provider", name, "Tell me about the project.")
    assert "Traceback" not in result.stderr + result.stdout
    reply = case.reply()
    if is_complete(case, sim_name):
        assert result.code == 0, result.stderr
        assert result.stdout == reply + ("" if reply.endswith("\n") else "\n")
        assert "· complete" in result.stderr
        return
    assert result.code == (2 if case.id == "missing_key" else 1), result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    message = errors[0].removeprefix("error: ")
    assert message.startswith(f"{name}: ") and " — " in message, message  # provider, what — fix
    for word in expected_words(case, sim_name):
        assert word.lower() in message.lower(), (word, message)
    if case.keeps_partial:
        assert result.stdout.startswith(partial_of(case)), result.stdout
    assert result.stdout.strip() in reply  # nothing but answer text on stdout


SUBPROCESS_CASES = [
    ("huggingface", Fault(kind="drop", after_tokens=3), 1, "dropped"),
    ("ollama", Fault(kind="status", status=429, retry_after=7), 1, "try again in 7 s"),
    ("blaxel", Fault(kind="error_event", after_tokens=3, message="the model fell over"), 1, "fell over"),
]


def test_ask_faults_in_a_real_process(sim: Simulator, tmp_path: Path) -> None:
    """A representative subset in a subprocess: exit codes, stderr and the JSON lines as a user sees them."""
    config = write_config(sim, tmp_path / "config.toml")
    env = {**os.environ, "QWEN_TUI_CONFIG": str(config), **{KEY_ENV[p]: k for p, k in KEYS.items()}}
    for name, fault, code, word in SUBPROCESS_CASES:
        sim.set_knobs(provider=PROVIDERS[name], ttft_ms=5.0, tps=0, reply="abcdefghijklmnopqrstuvwxyz",
                      chunk_chars=CHUNK)
        sim.push_fault(fault, provider=PROVIDERS[name])
        result = subprocess.run([sys.executable, "-m", "qwen_tui", "ask", "--json", "--provider", name, "hi"],
                                capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
        assert result.returncode == code, result.stderr
        assert "Traceback" not in result.stderr
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line["type"] for line in lines][-2:] == ["error", "summary"]
        assert lines[-1]["outcome"] == "error"
        assert word in lines[-2]["message"] and lines[-2]["provider"] == name
        text = "".join(line["text"] for line in lines if line["type"] == "delta")
        assert text == ("abcdefghijkl" if fault.kind != "status" else "")
    env.pop("HF_TOKEN")
    missing = subprocess.run([sys.executable, "-m", "qwen_tui", "ask", "--provider", "huggingface", "hi"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert missing.returncode == 2 and "HF_TOKEN" in missing.stderr and "Traceback" not in missing.stderr
