"""The official ``blaxel`` SDK's control-plane client reads the simulator's pages as Blaxel's."""

from __future__ import annotations

import httpx
import pytest

from qwen_tui.sim import DEFAULT_KEYS, Simulator

blaxel_client = pytest.importorskip("blaxel.core.client.client")
from blaxel.core.client.api.agents import list_agents  # noqa: E402
from blaxel.core.client.api.models import get_model, list_models  # noqa: E402
from blaxel.core.common.settings import BLAXEL_API_VERSION  # noqa: E402


def _client(sim: Simulator):
    return blaxel_client.Client(
        base_url=sim.base_urls()["blaxel_api"],
        headers={
            "X-Blaxel-Authorization": f"Bearer {DEFAULT_KEYS['blaxel']}",
            "X-Blaxel-Workspace": sim.workspace,
            "Blaxel-Version": BLAXEL_API_VERSION,
        },
    )


def test_sdk_version_is_the_one_we_send() -> None:
    from qwen_tui.providers.blaxel import BLAXEL_VERSION

    assert BLAXEL_API_VERSION == BLAXEL_VERSION == "2026-09-22"


def test_sdk_walks_120_models_over_camel_case_pages(sim: Simulator) -> None:
    sim.set_knobs("blaxel", extra_models=114)
    client = _client(sim)
    names: list[str] = []
    cursor = None
    for _ in range(10):
        kwargs = {"cursor": cursor} if cursor else {}
        page = list_models.sync(client=client, limit=50, **kwargs)
        names += [m.metadata.name for m in page.data]
        if not page.meta.has_more:
            break
        cursor = page.meta.next_cursor
    assert len(names) == 120 == len(set(names))
    # what the SDK would send back is camelCase too
    assert set(page.meta.to_dict()) == {"hasMore", "total", "totalIsPartial"}
    # and the raw wire, without the SDK's lenient reader
    raw = httpx.get(f"{sim.base_urls()['blaxel_api']}/models", headers=client._headers, params={"limit": 50}).json()
    assert raw["meta"]["hasMore"] is True and isinstance(raw["meta"]["nextCursor"], str)


def test_sdk_reads_model_runtime_and_agents(sim: Simulator) -> None:
    client = _client(sim)
    model = get_model.sync(model_name="sim-model", client=client)
    assert model.spec.runtime.type_ == "openai" and model.spec.runtime.model == "qwen2.5-coder-32b-instruct"
    claude = get_model.sync(model_name="sim-claude", client=client)
    assert claude.spec.runtime.type_ == "anthropic"
    agents = list_agents.sync(client=client)
    assert [a.metadata.name for a in agents.data] == ["code-reviewer", "doc-writer", "test-runner"]


AGENT_RUN = """
from blaxel.core.agents import bl_agent
print(bl_agent("code-reviewer").run({"inputs": "any bugs?"}), end="")
"""


def test_sdk_agent_run_gets_the_agents_answer(sim: Simulator) -> None:
    """``BlAgent.run`` (its settings read from the environment at import: a process of its own)."""
    import os
    import subprocess
    import sys

    sim.set_knobs("blaxel", reply="Looks fine.\n", ttft_ms=5, tps=None)
    env = {**os.environ, "BL_API_KEY": DEFAULT_KEYS["blaxel"], "BL_WORKSPACE": sim.workspace,
           "BL_AGENT_CODE_REVIEWER_URL": f"{sim.base_urls()['blaxel']}/{sim.workspace}/agents/code-reviewer",
           "DO_NOT_TRACK": "1"}
    done = subprocess.run([sys.executable, "-c", AGENT_RUN], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Looks fine.\n"
    request = sim.last_chat("blaxel")
    assert request.path == f"/blaxel/run/{sim.workspace}/agents/code-reviewer"
    assert request.body == {"inputs": "any bugs?"}
    assert request.headers["x-blaxel-workspace"] == sim.workspace
    assert request.headers["blaxel-version"] == BLAXEL_API_VERSION
