"""Blaxel as its SDK speaks it: paged listings (camelCase, snake_case accepted)."""

from __future__ import annotations

import pytest

from qwen_tui.providers.blaxel import next_page_cursor
from qwen_tui.sim import Simulator


@pytest.mark.parametrize("page_keys", ["camel", "snake"])
async def test_120_models_over_pages_are_all_listed(make_provider, sim: Simulator, page_keys: str) -> None:
    sim.set_knobs("blaxel", extra_models=114, page_keys=page_keys)
    models = await make_provider("blaxel").list_models()
    names = [m.id for m in models]
    assert len(names) == 120 == len(set(names))
    assert names[:2] == ["sim-model", "sandbox-model"] and names[-1] == "sim-extra-114"
    listings = [r for r in sim.requests if r.path.endswith("/models")]
    assert len(listings) == 2  # 100 a page: two pages, the second one short
    assert listings[0].query == {"limit": "100"}
    assert listings[1].query["cursor"]


def test_next_page_cursor_reads_both_spellings() -> None:
    assert next_page_cursor({"hasMore": True, "nextCursor": "abc"}) == "abc"
    assert next_page_cursor({"has_more": True, "next_cursor": "abc"}) == "abc"
    assert next_page_cursor({"hasMore": False, "nextCursor": "abc"}) is None
    assert next_page_cursor({"hasMore": True, "nextCursor": ""}) is None  # the SDK's end too
    assert next_page_cursor({"hasMore": True}) is None
    assert next_page_cursor(None) is None


async def test_every_control_plane_call_carries_blaxel_version(make_provider, sim: Simulator) -> None:
    provider = make_provider("blaxel")
    await provider.list_models()
    await provider.list_agents()
    await provider.resolve("sim-model")
    control = [r for r in sim.requests if "/blaxel/api/" in r.path]
    assert {r.path.rsplit("/api/v0", 1)[1] for r in control} == {"/models", "/agents", "/models/sim-model"}
    assert {r.headers.get("blaxel-version") for r in control} == {"2026-09-22"}


async def test_a_non_openai_runtime_is_refused_before_sending(make_provider, sim: Simulator) -> None:
    from qwen_tui.providers import base
    from .test_protocol import fail

    err = await fail(make_provider("blaxel", model="sim-claude"))
    assert isinstance(err, base.UnsupportedModel)
    assert "'sim-claude' runs on the 'anthropic' runtime" in err.message
    assert "does not speak the OpenAI chat API" in err.message and "nothing was sent" in err.message
    assert "runtime type 'openai'" in err.message
    assert sim.last_chat("blaxel") is None  # not one chat request went out
