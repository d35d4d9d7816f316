"""Where the last answer's TTFT went, in F2 and on the dashboard (Pilot, against the simulator):
connect or a reused connection, waiting for headers, headers to first token, and SambaNova's own
figure beside ours."""

from __future__ import annotations

from qwen_tui.ui.screens.dashboard import Dashboard, ProviderCard
from qwen_tui.ui.screens.provider_picker import ProviderPicker
from tests.support.app import settle
from tests.ui.test_thinking import ask


async def test_f2_and_the_dashboard_show_where_the_last_ttft_went(make_app, sim):
    app = make_app()
    async with app.run_test(size=(130, 40)) as pilot:
        await ask(pilot, "hello")
        await settle(app)
        await pilot.press("f2")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ProviderPicker)
        rows = {s.name: str(picker.query_one("#picker-list").get_option(s.name).prompt) for s in picker.statuses}
        assert "last TTFT " in rows["sambanova"]
        assert "waiting for headers" in rows["sambanova"] and "headers → first token" in rows["sambanova"]
        assert "the provider's own: " in rows["sambanova"]  # SambaNova's time_to_first_token
        assert "last TTFT" not in rows["ollama"]  # not asked yet
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f5")
        for _ in range(100):
            await pilot.pause(0.02)
            if isinstance(app.screen, Dashboard) and app.screen.loaded:
                break
        await pilot.pause(0.1)
        cards = {card.provider: card for card in app.screen.query(ProviderCard)}
        split = str(cards["sambanova"].query_one(".card-split").render())
        assert split.startswith("last TTFT ") and "the provider's own: " in split
