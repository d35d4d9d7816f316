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
