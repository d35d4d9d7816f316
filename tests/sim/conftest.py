"""Helpers for the sim suite. The simulator is the shared one (``tests/conftest.py``: fast
defaults, reset before and after each test)."""

from __future__ import annotations

from qwen_tui.sim import DEFAULT_KEYS

def bearer(provider: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {DEFAULT_KEYS[provider]}"}


def blaxel_headers(workspace: str = "sim-workspace") -> dict[str, str]:
    return {
        "X-Blaxel-Authorization": f"Bearer {DEFAULT_KEYS['blaxel']}",
        "X-Blaxel-Workspace": workspace,
    }


MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Write a helper, please: ä 🚀 漢字"},
]
