"""Provider simulator: a real HTTP server on loopback speaking the Hugging Face router, SambaNova,
Ollama (native and /v1), Blaxel (control and run plane) and generic OpenAI-compatible protocols,
with knobs for time to first token, tokens/s and faults.

It imports nothing from ``qwen_tui.providers``: a bug shared by client and simulator would hide.
The server (``Simulator``, ``run_foreground``, ``KEY_ENV_VARS``) loads when first named: it
imports aiohttp, which the app's ``--demo`` runs in a process of its own (``qwen_tui.demo``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qwen_tui.sim.catalog import DEFAULT_MODELS
from qwen_tui.sim.knobs import (
    DEFAULT_KEYS,
    DEFAULT_WORKSPACE,
    FAULT_KINDS,
    PROVIDERS,
    Fault,
    Knobs,
    RecordedRequest,
    SimError,
)
from qwen_tui.sim.reply import DEFAULT_REPLY

if TYPE_CHECKING:
    from qwen_tui.sim.foreground import run_foreground
    from qwen_tui.sim.server import KEY_ENV_VARS, Simulator

_SERVER = {"Simulator": "qwen_tui.sim.server", "KEY_ENV_VARS": "qwen_tui.sim.server",
           "run_foreground": "qwen_tui.sim.foreground"}


def __getattr__(name: str) -> Any:
    if name in _SERVER:
        import importlib

        return getattr(importlib.import_module(_SERVER[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DEFAULT_KEYS",
    "DEFAULT_MODELS",
    "DEFAULT_REPLY",
    "DEFAULT_WORKSPACE",
    "FAULT_KINDS",
    "KEY_ENV_VARS",
    "PROVIDERS",
    "Fault",
    "Knobs",
    "RecordedRequest",
    "SimError",
    "Simulator",
    "run_foreground",
]
