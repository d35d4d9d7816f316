"""A Blaxel agent answers in the TUI (Pilot against the simulator's agent endpoint)."""

from __future__ import annotations

from pathlib import Path

from qwen_tui.config import load_config
from qwen_tui.sim import DEFAULT_KEYS
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.prompt import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar
from tests.support.app import make_app, settle

SIZE = (120, 40)
REPLY = "Reviewed: **no bugs** in `app.py`.\n"


async def test_an_agent_answers_in_the_tui(sim, project: Path, tmp_path: Path) -> None:
    sim.set_knobs("blaxel", reply=REPLY, ttft_ms=20, tps=None)
    table = "\n".join(f'{key} = "{value}"' for key, value in sim.blaxel_agent_table("code-reviewer").items())
    path = tmp_path / "config.toml"
    path.write_text(sim.config_toml(default_provider="reviewer") + f"\n[providers.reviewer]\n{table}\n")
    config = load_config(path, env=sim.env())
    app = make_app(project, config)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptInput)
        prompt.focus()
        prompt.insert("Review this project")
        await pilot.press("enter")
        await settle(app)
        answer = app.query_one(ChatView).last_answer
        assert answer.outcome == "complete", answer.error_message
        assert answer.text == REPLY
        request = sim.last_chat("blaxel")
        assert request.path == f"/blaxel/run/{sim.workspace}/agents/code-reviewer"
        assert request.body["inputs"].endswith("Review this project")
        status = app.query_one(StatusBar).render_status().plain
        assert "reviewer" in status and "TTFT" in status
        assert DEFAULT_KEYS["blaxel"] not in status
        assert app.stats["reviewer"].last is not None and app.stats["reviewer"].last >= 15
