"""``--demo``: the built-in simulator, started in-process, with every provider pointed at it,
so the whole app can be tried with no keys and no network."""

from __future__ import annotations

import dataclasses

from qwen_tui.config import AppConfig
from qwen_tui.providers.base import ProviderSettings
from qwen_tui.sim import DEFAULT_KEYS, DEFAULT_WORKSPACE, Simulator
from qwen_tui.sim.catalog import BLAXEL_AGENTS

DEMO_MODELS = {
    "huggingface": "Qwen/Qwen2.5-Coder-32B-Instruct",
    "sambanova": "Meta-Llama-3.3-70B-Instruct",
    "ollama": "qwen2.5-coder:7b",
    "blaxel": "sim-model",
    "openai": "sim-openai-model",
}
#: Simulated speeds, so the status bar has differences to show.
DEMO_KNOBS = {
    "huggingface": {"ttft_ms": 420.0, "tps": 90.0},
    "sambanova": {"ttft_ms": 180.0, "tps": 400.0},
    "ollama": {"ttft_ms": 300.0, "tps": 45.0},
    "blaxel": {"ttft_ms": 350.0, "tps": 120.0},
    "openai": {"ttft_ms": 250.0, "tps": 150.0},
}


def demo_settings(settings: ProviderSettings, sim: Simulator) -> ProviderSettings:
    """``settings`` re-pointed at the simulator, with its demo key and model."""
    urls = sim.base_urls()
    if settings.kind == "blaxel-agent":  # stays an agent: one of the simulator's
        agent = settings.extra.get("agent")
        agent = agent if agent in BLAXEL_AGENTS else BLAXEL_AGENTS[0]
        extra = {k: v for k, v in settings.extra.items() if k != "agent_url"} | {"agent": agent}
        return dataclasses.replace(settings, base_url=urls["blaxel"], api_url=urls["blaxel_api"],
                                   workspace=DEFAULT_WORKSPACE, api_key=DEFAULT_KEYS["blaxel"], model=agent,
                                   extra=extra)
    kind = settings.kind if settings.kind in urls else "openai"
    changes: dict[str, object] = {
        "base_url": urls[kind],
        "model": DEMO_MODELS.get(kind, settings.model),
        "api_key": DEFAULT_KEYS.get(kind),
    }
    if kind == "blaxel":
        changes.update(api_url=urls["blaxel_api"], workspace=DEFAULT_WORKSPACE)
    if settings.kind not in urls:
        changes["kind"] = "openai"
        changes["api_key_env"] = None
    return dataclasses.replace(settings, **changes)


def start_demo(config: AppConfig, sim: Simulator | None = None, *, paced: bool = True) -> tuple[Simulator, AppConfig]:
    """Start the simulator (unless given one) and return it with a config that uses it."""
    if sim is None:
        sim = Simulator(port=0)
        sim.start()
    if paced:
        for provider, knobs in DEMO_KNOBS.items():
            sim.set_knobs(provider=provider, **knobs)
    providers = {name: demo_settings(s, sim) for name, s in config.providers.items()}
    return sim, dataclasses.replace(config, providers=providers)
