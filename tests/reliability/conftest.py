"""Fixtures for the reliability suite: one simulator per module that accepts known key values,
a config file pointing every provider at it, and an in-process runner for the CLI."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from qwen_tui.sim import Simulator
from tests.reliability.faults import KEYS, KEY_ENV, write_config
from tests.support.simulator import FAST


@pytest.fixture(scope="module")
def simulator_options() -> dict:
    """The module's simulator accepts the suite's known keys (see ``faults.KEYS``)."""
    return {**FAST, "keys": KEYS}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project folder used as the current folder."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "main.py").write_text("print('hi')\n")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def keyed_env(sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keys in the environment and ``QWEN_TUI_CONFIG`` naming a config that uses the simulator."""
    config = write_config(sim, tmp_path / "config.toml")
    monkeypatch.setenv("QWEN_TUI_CONFIG", str(config))
    for provider, var in KEY_ENV.items():
        monkeypatch.setenv(var, KEYS[provider])
    return config


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(keyed_env: Path, workdir: Path, capsys: pytest.CaptureFixture[str]):
    """``run_cli(*argv)``: ``qwen_tui.cli.main`` in this process, output captured."""
    from qwen_tui.cli import main

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        sys.stdout.flush()
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run
