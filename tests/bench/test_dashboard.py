"""Dashboard screen: a snapshot over a fixed history, live updates (Pilot), the model filter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Select, Sparkline, Static

from qwen_tui.timing import RequestTiming
from qwen_tui.ui.screens.dashboard import ALL_MODELS, Dashboard, ProviderCard

NOW = 1_800_000_000.0  # the screen's fixed wall clock


def history_lines() -> list[str]:
    """Two hours of requests: a quick provider, a slower one with errors, a local one."""
    lines: list[dict] = []
    fast = [101, 98, 105, 99, 130, 102, 97, 100, 118, 101, 99, 103]
    for i, ttft in enumerate(fast):
        lines.append({"time": NOW - 7200 + i * 600, "provider": "sambanova", "model": "Meta-Llama-3.3-70B-Instruct",
                      "ttft_ms": ttft, "connect_ms": 0.0, "reused_connection": True, "tokens_per_s": 410.0 + i,
                      "outcome": "complete", "server": {"time_to_first_token": ttft / 1000 - 0.02}})
    slow = [310, 450, 298, 520, 305, 330, 760, 300]
    for i, ttft in enumerate(slow):
        lines.append({"time": NOW - 7000 + i * 800, "provider": "huggingface",
                      "model": "Qwen/Qwen2.5-Coder-32B-Instruct", "ttft_ms": ttft, "connect_ms": 41.0,
                      "reused_connection": False, "tokens_per_s": 88.0, "outcome": "complete"})
    lines.append({"time": NOW - 1500, "provider": "huggingface", "model": "Qwen/Qwen2.5-Coder-32B-Instruct",
                  "ttft_ms": None, "outcome": "error",
                  "error": "huggingface: rate limited (429) — try again in 30 s"})
    lines.append({"time": NOW - 300, "provider": "huggingface", "model": "Qwen/Qwen2.5-Coder-32B-Instruct",
                  "ttft_ms": None, "outcome": "error",
                  "error": "huggingface: the connection dropped\x1b[2J mid-answer"})
    for i, ttft in enumerate([900, 420, 415, 430]):
        lines.append({"time": NOW - 3600 + i * 900, "provider": "ollama", "model": "qwen2.5-coder:7b",
                      "ttft_ms": ttft, "tokens_per_s": 45.0, "outcome": "complete"})
    text = [json.dumps(line) for line in lines]
    text.insert(3, "{this line is corrupt")  # bad lines are skipped, never fatal
    text.insert(9, '{"provider": "sambanova", "ttft_ms": "slow"}')
    return text


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join(history_lines()) + "\n", encoding="utf-8")
    return path


class Host(App[None]):
    def __init__(self, history: Path, source=None) -> None:
        super().__init__()
        self.history = history
        self.source = source
        self.dashboard: Dashboard | None = None

    def on_mount(self) -> None:
        self.dashboard = Dashboard(self.history, self.source, clock=lambda: NOW)
        self.push_screen(self.dashboard)


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def card(app: Host, provider: str) -> ProviderCard:
    return next(c for c in app.screen.query(ProviderCard) if c.provider == provider)


def card_text(app: Host, provider: str) -> str:
    return "\n".join(str(s.render()) for s in card(app, provider).query(Static) if s.display)


def test_snapshot_with_a_history(history: Path, snap_compare) -> None:
    assert snap_compare(Host(history), terminal_size=(110, 42), run_before=loaded)


async def test_history_figures_per_provider(history: Path) -> None:
    app = Host(history)
    async with app.run_test(size=(110, 42)) as pilot:
        await loaded(pilot)
        assert [c.provider for c in app.screen.query(ProviderCard)] == ["huggingface", "ollama", "sambanova"]
        fast = card_text(app, "sambanova")
        assert "median 101 ms" in fast and "errors 0 of 12 (0%)" in fast and "416 tok/s" in fast
        slow = card_text(app, "huggingface")
        assert "errors 2 of 10 (20%)" in slow and "rate limited (429)" in slow
        assert "\x1b" not in slow and "␛[2J" in slow  # error text is data: the escape is made visible
        assert card(app, "sambanova").query_one(Sparkline).data[-1] == 103


async def test_live_update_while_a_request_runs(history: Path) -> None:
    app = Host(history)
    async with app.run_test(size=(110, 42)) as pilot:
        await loaded(pilot)
        screen = app.dashboard
        timing = RequestTiming("sambanova", "Meta-Llama-3.3-70B-Instruct", started=50.0)
        screen.post_message(Dashboard.RequestUpdate("sambanova", "Meta-Llama-3.3-70B-Instruct", timing, "waiting"))
        await pilot.pause()
        assert "● live: waiting" in card_text(app, "sambanova")

        timing.mark_content(50.087)
        timing.mark_content(50.090)
        screen.post_message(Dashboard.RequestUpdate("sambanova", "Meta-Llama-3.3-70B-Instruct", timing, "streaming"))
        await pilot.pause()
        assert "live: TTFT 87 ms, streaming (2 tokens)" in card_text(app, "sambanova")
        assert card(app, "sambanova").query_one(Sparkline).data[-1] == pytest.approx(87, abs=0.01)

        timing.outcome = "complete"
        screen.post_message(Dashboard.RequestUpdate("sambanova", "Meta-Llama-3.3-70B-Instruct", timing, done=True,
                                                    outcome="complete"))
        await pilot.pause()
        text = card_text(app, "sambanova")
        assert "live" not in text and "errors 0 of 13" in text and "last 87 ms" in text

        # a provider with no history shows up with its first request, and its failure is listed
        screen.post_message(Dashboard.RequestUpdate("blaxel", "sim-model", None, "connecting"))
        await pilot.pause()
        assert "● live: connecting" in card_text(app, "blaxel")
        screen.post_message(Dashboard.RequestUpdate("blaxel", "sim-model", None, done=True, outcome="error",
                                                    error="blaxel: the workload is not available (503)"))
        await pilot.pause()
        blaxel = card_text(app, "blaxel")
        assert "errors 1 of 1 (100%)" in blaxel and "blaxel: the workload is not available (503)" in blaxel
        assert [c.provider for c in app.screen.query(ProviderCard)] == ["blaxel", "huggingface", "ollama", "sambanova"]


async def test_model_filter_and_stats_source(history: Path) -> None:
    extra = [{"time": NOW - 5, "provider": "local", "model": "qwen2.5-coder:7b", "ttft_ms": 55.0,
              "outcome": "complete"}]
    app = Host(history, source=lambda: extra)
    async with app.run_test(size=(110, 42)) as pilot:
        await loaded(pilot)
        select = app.screen.query_one("#dash-model", Select)
        assert select.value == ALL_MODELS
        assert "local" in [c.provider for c in app.screen.query(ProviderCard)]
        select.value = "qwen2.5-coder:7b"
        await pilot.pause()
        await pilot.pause()
        assert [c.provider for c in app.screen.query(ProviderCard)] == ["local", "ollama"]
        assert "(qwen2.5-coder:7b)" in str(app.screen.query_one("#dash-summary", Static).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, Dashboard)


async def test_missing_history_says_so(tmp_path: Path) -> None:
    app = Host(tmp_path / "none.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        assert "No requests yet" in str(app.screen.query_one("#dash-summary", Static).render())
        assert not list(app.screen.query(ProviderCard))
