"""``--demo``: the built-in simulator, with every provider pointed at it, so the whole app can
be tried with no keys and no network. The subcommands start it in-process (``start_demo``); the
TUI in a process of its own (``start_demo_process``), so that its imports (aiohttp: a third of
the app's start-up) run on another core while the app starts."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
from typing import TYPE_CHECKING, Protocol

from qwen_tui.config import AppConfig
from qwen_tui.providers.base import ProviderSettings
from qwen_tui.sim import DEFAULT_KEYS, DEFAULT_WORKSPACE
from qwen_tui.sim.addresses import base_urls
from qwen_tui.sim.catalog import BLAXEL_AGENTS

if TYPE_CHECKING:
    from qwen_tui.sim import Simulator

#: How long a stopped demo simulator gets to end before it is killed.
STOP_WAIT_S = 2.0
#: The demo simulator's process: ``python -m qwen_tui.sim`` at a lower priority, so that where
#: the cores are busy its start gives way to the app's (it is needed at the first request).
_CHILD = "import os, runpy; os.nice(10); runpy.run_module('qwen_tui.sim', run_name='__main__', alter_sys=True)"

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


class SimulatorAddresses(Protocol):
    def base_urls(self) -> dict[str, str]: ...


def demo_settings(settings: ProviderSettings, sim: SimulatorAddresses) -> ProviderSettings:
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
        from qwen_tui.sim import Simulator

        sim = Simulator(port=0)
        sim.start()
    if paced:
        for provider, knobs in DEMO_KNOBS.items():
            sim.set_knobs(provider=provider, **knobs)
    providers = {name: demo_settings(s, sim) for name, s in config.providers.items()}
    return sim, dataclasses.replace(config, providers=providers)


class DemoProcess:
    """``python -m qwen_tui.sim`` serving a listening socket made here: the URLs are known at
    once, and a request sent before the child serves waits in the socket's backlog. The child
    ends when ``stop`` closes its stdin, or when this process ends (its stdin closes too)."""

    def __init__(self, knobs: dict[str, dict[str, float]]) -> None:
        listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, "--fd", str(listener.fileno()), "--knobs", json.dumps(knobs),
                 "--until-stdin-closes"],
                pass_fds=(listener.fileno(),), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            listener.close()  # the child holds its own copy

    def base_urls(self) -> dict[str, str]:
        return base_urls(self.url)

    def stop(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_demo_process(config: AppConfig, *, paced: bool = True) -> tuple[DemoProcess, AppConfig]:
    """As ``start_demo``, the simulator in a child process; returns at once (it starts meanwhile)."""
    sim = DemoProcess(DEMO_KNOBS if paced else {})
    providers = {name: demo_settings(s, sim) for name, s in config.providers.items()}
    return sim, dataclasses.replace(config, providers=providers)
