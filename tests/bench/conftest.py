"""Bench tests: the shared in-process simulator (short answers) and a config that points every
provider at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.sim import DEFAULT_KEYS, DEFAULT_WORKSPACE, Simulator

SHORT_REPLY = "def reverse(s):\n    return s[::-1]\n"


def write_config(sim: Simulator, folder: Path, *, dead: bool = False) -> Path:
    urls = sim.base_urls()
    path = folder / "config.toml"
    text = f"""
default_provider = "sambanova"
[providers.huggingface]
base_url = "{urls['huggingface']}"
[providers.sambanova]
base_url = "{urls['sambanova']}"
[providers.ollama]
base_url = "{urls['ollama']}"
[providers.blaxel]
base_url = "{urls['blaxel']}"
api_url = "{urls['blaxel_api']}"
model = "sim-model"
"""
    if dead:  # a closed loopback port: every request fails to connect
        text += '[providers.dead]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n'
    path.write_text(text)
    return path


@pytest.fixture
def sim_knobs() -> dict:
    """Every answer is a short code block, as fast as possible."""
    return {"ttft_ms": 5.0, "tps": 0, "reply": SHORT_REPLY}


@pytest.fixture
def bench_env(sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for the CLI: the config file and the simulator's keys (Blaxel's left unset)."""
    config = write_config(sim, tmp_path, dead=True)
    env = {
        "QWEN_TUI_CONFIG": str(config),
        "HF_TOKEN": DEFAULT_KEYS["huggingface"],
        "SAMBANOVA_API_KEY": DEFAULT_KEYS["sambanova"],
        "BL_WORKSPACE": DEFAULT_WORKSPACE,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
