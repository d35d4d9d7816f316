"""One simulator for the whole sim suite (fast defaults); each test starts from a clean state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qwen_tui.sim import DEFAULT_KEYS, Simulator

FAST_TTFT_MS = 5.0


@pytest.fixture(scope="session")
def sim_server() -> Iterator[Simulator]:
    with Simulator(ttft_ms=FAST_TTFT_MS, tps=0) as sim:
        yield sim


@pytest.fixture
def sim(sim_server: Simulator) -> Iterator[Simulator]:
    sim_server.reset()
    yield sim_server
    sim_server.reset()


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
