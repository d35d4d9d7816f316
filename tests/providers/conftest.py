from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.config import AppConfig, load_config
from qwen_tui.demo import start_demo
from qwen_tui.providers.base import Provider, Timeouts
from qwen_tui.providers.registry import build_provider
from qwen_tui.sim import Simulator

PROVIDERS = ("huggingface", "sambanova", "ollama", "blaxel", "openai")


def base_config(tmp: Path) -> AppConfig:
    path = tmp / "config.toml"
    path.write_text('[providers.openai]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n')
    return load_config(path, env={})


@pytest.fixture
async def make_provider(sim: Simulator, tmp_path: Path):
    _, config = start_demo(base_config(tmp_path), sim, paced=False)
    made: list[Provider] = []

    def make(kind: str, *, timeouts: Timeouts | None = None, **changes: object) -> Provider:
        import dataclasses

        settings = config.providers[kind]
        if timeouts is not None:
            changes["timeouts"] = timeouts
        provider = build_provider(dataclasses.replace(settings, **changes))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()
