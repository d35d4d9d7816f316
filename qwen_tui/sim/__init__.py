"""Provider simulator: a real HTTP server on loopback speaking the Hugging Face router, SambaNova,
Ollama (native and /v1), Blaxel (control and run plane) and generic OpenAI-compatible protocols,
with knobs for time to first token, tokens/s and faults.

It imports nothing from ``qwen_tui.providers``: a bug shared by client and simulator would hide.
"""

from qwen_tui.sim.catalog import DEFAULT_MODELS
from qwen_tui.sim.foreground import run_foreground
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
from qwen_tui.sim.server import KEY_ENV_VARS, Simulator

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
