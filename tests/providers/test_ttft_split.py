"""Where the TTFT went: connect (or a reused connection), waiting for the headers, headers to
first token, and the provider's own figure beside ours (SambaNova ``time_to_first_token``,
Ollama load + prompt eval), from what ``RequestTiming`` recorded against the simulator."""

from __future__ import annotations

import math
from contextlib import aclosing

import pytest

from qwen_tui.providers.base import ChatRequest, Finished, Message
from qwen_tui.timing import ProviderStats, StatsBook, ttft_split

QUESTION = [Message("user", "hello")]


async def last_timing(provider):
    async with aclosing(provider.stream(ChatRequest(QUESTION))) as stream:
        events = [event async for event in stream]
    assert isinstance(events[-1], Finished)
    return events[-1].timing


async def test_a_new_then_a_reused_connection(make_provider, sim) -> None:
    provider = make_provider("huggingface")
    first = ttft_split((await last_timing(provider)).summary())
    assert first is not None and not first.reused and first.connect_ms is not None
    assert first.waiting_ms is not None and first.first_token_ms is not None
    total = first.connect_ms + first.waiting_ms + first.first_token_ms
    assert math.isclose(total, first.ttft_ms, abs_tol=0.01)  # the parts add up to ours
    assert first.server_ms is None and "the provider's own" not in first.text()
    assert first.text().startswith("connect ")
    second = ttft_split((await last_timing(provider)).summary())
    assert second.reused and second.connect_ms == 0.0
    assert second.text().startswith("reused connection + waiting for headers ")
    assert "headers → first token" in second.text()


async def test_sambanova_reports_its_own_ttft(make_provider, sim) -> None:
    sim.set_knobs(provider="sambanova", ttft_ms=40.0)
    split = ttft_split((await last_timing(make_provider("sambanova"))).summary())
    assert split.server_ms is not None and split.server_ms >= 40.0  # the simulator's own clock
    assert "the provider's own: " in split.text()


async def test_ollama_reports_load_and_prompt_eval(make_provider, sim) -> None:
    sim.set_knobs(provider="ollama", load_ms=30.0)
    split = ttft_split((await last_timing(make_provider("ollama"))).summary())
    assert split.server_ms is not None and split.server_ms >= 30.0
    assert "the provider's own: load " in split.text() and " + prompt eval " in split.text()


def test_records_from_the_history_file_are_data() -> None:
    assert ttft_split(None) is None and ttft_split({"ttft_ms": None}) is None
    assert ttft_split({"ttft_ms": "12"}) is None
    hostile = ttft_split({"ttft_ms": 300.0, "connect_ms": float("nan"), "headers_ms": -5, "server": "x",
                          "reused_connection": "yes"})
    assert hostile is not None and not hostile.measured and hostile.text() == ""
    old = ttft_split({"ttft_ms": 300.0})  # a record from before the split was kept
    assert old is not None and not old.measured
    samba = ttft_split({"ttft_ms": 320.0, "connect_ms": 20.0, "headers_ms": 270.0,
                        "server": {"time_to_first_token": 0.301}})
    assert samba.text() == ("connect 20 ms + waiting for headers 250 ms + headers → first token 50 ms"
                            " · the provider's own: 301 ms")


def test_stats_keep_the_last_record_history_included() -> None:
    book = StatsBook()
    book.add_history([{"provider": "ollama", "ttft_ms": 12.0, "reused_connection": True}], {"ollama"})
    assert ttft_split(book["ollama"].last_record).reused
    assert ProviderStats().last_record is None


@pytest.mark.parametrize("reused", [True, False])
def test_the_split_survives_a_summary_round_trip(reused) -> None:
    from qwen_tui.timing import RequestTiming

    timing = RequestTiming("p", "m", started=10.0)
    if not reused:
        timing.mark_connect(10.0, 10.02)
    timing.headers_at = 10.2
    timing.reused_connection = reused
    timing.mark_content(10.25)
    split = ttft_split(timing.summary())
    assert split.reused is reused
    assert math.isclose(split.first_token_ms, 50.0, abs_tol=0.01)
    assert math.isclose(split.waiting_ms, 200.0 if reused else 180.0, abs_tol=0.01)
