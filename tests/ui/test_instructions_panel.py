"""Project instructions in the TUI: listed in the context panel, counted, sent in the system
prompt (simulator log), switched off for the session from the panel, refused when huge."""

from __future__ import annotations

from qwen_tui.context.instructions import MAX_INSTRUCTIONS_BYTES
from qwen_tui.context.project import INSTRUCTIONS_PREFIX
from qwen_tui.ui.widgets.context_panel import ContextList, ContextPanel
from qwen_tui.ui.widgets.prompt import PromptInput
from tests.support.app import settle

SIZE = (120, 40)


async def _send(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")
    await settle(pilot.app)


async def _until_listed(pilot, panel: ContextPanel, label: str, **want) -> None:
    for _ in range(100):
        found = [e for e in panel.entries if e.kind == "instructions" and e.path == label]
        if found and all(getattr(found[0], k) == v for k, v in want.items()):
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{label} {want} not in {panel.entries}")


def _system(sim) -> str:
    return sim.last_chat("sambanova").body["messages"][0]["content"]


async def test_listed_counted_sent_then_switched_off(make_app, sim, project):
    (project / "AGENTS.md").write_text("Run MARKER_AGENTS before you finish.\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(ContextPanel)
        await _until_listed(pilot, panel, "AGENTS.md", enabled=True)
        entry = panel.entries[0]
        assert entry.tokens and entry.counted == entry.tokens
        assert "instructions" in str(panel.list.get_option_at_index(0).prompt)
        await _send(pilot, "first")
        assert "MARKER_AGENTS" in _system(sim)

        listing = app.query_one(ContextList)
        listing.focus()
        listing.highlighted = 0
        await pilot.press("delete")
        await _until_listed(pilot, panel, "AGENTS.md", enabled=False)
        assert panel.entries[0].counted == 0
        assert "switched off" in str(panel.list.get_option_at_index(0).prompt)
        await _send(pilot, "second")
        assert "MARKER_AGENTS" not in _system(sim)

        listing.focus()
        listing.highlighted = 0
        await pilot.press("space")
        await _until_listed(pilot, panel, "AGENTS.md", enabled=True)
        await _send(pilot, "third")
        assert "MARKER_AGENTS" in _system(sim)


async def test_a_huge_one_is_refused_with_its_reason(make_app, sim, project):
    (project / "QWEN.md").write_text("y" * (MAX_INSTRUCTIONS_BYTES + 1))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(ContextPanel)
        await _until_listed(pilot, panel, "QWEN.md", enabled=False)
        option = panel.list.get_option(INSTRUCTIONS_PREFIX + "QWEN.md")
        shown = str(option.prompt)
        assert "refused" in shown and "over the 64 KB" in shown
        assert panel.entries[0].counted == 0
        await _send(pilot, "hello")
        assert "yyyyyyyy" not in _system(sim)
