"""A third-party provider package, really installed, is listed and usable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parent.parent / "plugin_echo"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    uv = os.environ.get("UV", "uv")
    result = subprocess.run(
        [uv, "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(PLUGIN)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert list(target.glob("qwen_tui_echo-*.dist-info"))
    return target


def run(site: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp / "config.toml"
    config.write_text(
        'default_provider = "echo"\n[providers.echo]\n'
        'kind = "echo"\nbase_url = "http://127.0.0.1:1"\nmodel = "echo-1"\n'
    )
    env = {**os.environ, "PYTHONPATH": str(site), "QWEN_TUI_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "qwen_tui", *args], capture_output=True, text=True,
                          env=env, cwd=tmp, timeout=60)


def test_plugin_is_listed_and_answers(plugin_site: Path, tmp_path: Path) -> None:
    listed = run(plugin_site, tmp_path, "providers", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)["providers"]}
    assert rows["echo"]["kind"] == "echo" and rows["echo"]["reachable"] is True
    asked = run(plugin_site, tmp_path, "ask", "--provider", "echo", "ping pong")
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.strip() == "echo: ping pong"
    assert "echo · echo-1 · TTFT" in asked.stderr


def test_unknown_kind_without_the_plugin_is_a_config_error(tmp_path: Path) -> None:
    result = run(tmp_path, tmp_path, "providers")
    assert result.returncode == 2
    assert "unknown kind 'echo'" in result.stderr
    assert "Traceback" not in result.stderr
