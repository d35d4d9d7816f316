"""Time to first token and tokens/s are what the knobs say, measured by a client on loopback."""

from __future__ import annotations

import json
import statistics
import time

import httpx
import pytest

from qwen_tui.sim import Fault, Simulator

from .helpers import chat_request

pytestmark = pytest.mark.timing


def _token_times(client: httpx.Client, sim: Simulator, provider: str) -> tuple[float, list[float]]:
    """(seconds to response headers, arrival time of each non-empty content token)."""
    url, headers, body = chat_request(sim, provider)
    times: list[float] = []
    start = time.perf_counter()
    with client.stream("POST", url, headers=headers, json=body) as response:
        headers_at = time.perf_counter() - start
        for line in response.iter_lines():
            now = time.perf_counter() - start
            if provider == "ollama":
                if line and json.loads(line).get("message", {}).get("content"):
                    times.append(now)
            elif line.startswith("data: {"):
                chunk = json.loads(line[6:])
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    times.append(now)
    return headers_at, times


def test_ttft_is_within_a_few_ms_of_the_knob(sim: Simulator) -> None:
    sim.set_knobs("openai", ttft_ms=80, tps=0)
    with httpx.Client(timeout=10) as client:
        client.get(f"{sim.base_urls()['openai']}/models", headers={"Authorization": "Bearer x"})
        runs = [_token_times(client, sim, "openai") for _ in range(5)]
    for headers_at, _ in runs:
        assert headers_at < 0.03  # headers and role chunk come at once
    ttfts = [times[0] * 1000 for _, times in runs]
    assert all(t >= 79.5 for t in ttfts), ttfts
    # the best run shows the simulator's own precision; the median allows for a busy machine
    assert min(ttfts) < 80 + 5, ttfts
    assert statistics.median(ttfts) < 80 + 20, ttfts


def test_thousand_tokens_per_second_is_accurate(sim: Simulator) -> None:
    sim.set_knobs("huggingface", ttft_ms=10, tps=1000, chunk_chars=1, reply="x" * 400)
    with httpx.Client(timeout=10) as client:
        _, times = _token_times(client, sim, "huggingface")
    assert len(times) == 400
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 950 < rate < 1050, rate


def test_schedule_is_absolute_at_moderate_rates(sim: Simulator) -> None:
    sim.set_knobs("ollama", ttft_ms=20, tps=200, chunk_chars=2, reply="ab" * 40)
    with httpx.Client(timeout=10) as client:
        _, times = _token_times(client, sim, "ollama")
    assert len(times) == 40
    expected_last = 0.020 + 39 / 200
    assert expected_last - 0.001 < times[-1] < expected_last + 0.02, times[-1]


def test_ollama_cold_load_holds_headers_and_reports_load_duration(sim: Simulator) -> None:
    sim.set_knobs("ollama", load_ms=150, ttft_ms=20, tps=0)
    url, headers, body = chat_request(sim, "ollama")
    start = time.perf_counter()
    with httpx.stream("POST", url, json=body, timeout=10) as response:
        headers_at = time.perf_counter() - start
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert headers_at >= 0.149
    final = lines[-1]
    assert final["done"] is True and final["done_reason"] == "stop"
    assert 150e6 <= final["load_duration"] < 180e6
    assert 19e6 <= final["prompt_eval_duration"] < 40e6
    assert final["total_duration"] >= final["load_duration"] + final["prompt_eval_duration"]
    assert final["eval_count"] == len(lines) - 1


def test_loading_fault_on_ollama_is_a_cold_load_of_its_seconds(sim: Simulator) -> None:
    sim.set_knobs("ollama", ttft_ms=0, tps=0)
    sim.push_fault(Fault("loading", seconds=0.2), provider="ollama")
    url, _, body = chat_request(sim, "ollama")
    start = time.perf_counter()
    response = httpx.post(url, json={**body, "stream": False}, timeout=10)
    assert time.perf_counter() - start >= 0.2
    assert response.status_code == 200
    assert response.json()["load_duration"] >= 200e6


def test_stall_pauses_mid_stream_then_continues(sim: Simulator) -> None:
    sim.set_knobs("sambanova", ttft_ms=5, tps=0)
    sim.push_fault(Fault("stall", after_tokens=3, seconds=0.25), provider="sambanova")
    with httpx.Client(timeout=10) as client:
        _, times = _token_times(client, sim, "sambanova")
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps[2] >= 0.245  # between token 3 and token 4
    assert max(gaps[:2] + gaps[3:]) < 0.05
