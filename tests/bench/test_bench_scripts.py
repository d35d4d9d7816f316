"""The parsing and reporting of the bench scripts (race.py, provider_overhead.py's cold case,
tool_step.py) on made-up inputs, and each one's command line parsed; one real cold ``ask`` and
one tool-step ``ask`` against the simulator process are marked slow. No timing is asserted."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name: str) -> ModuleType:
    """A bench script as a module (``bench`` here is tests/bench, so not by package name)."""
    spec = importlib.util.spec_from_file_location(f"bench_script_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


race = load("race")
provider_overhead = load("provider_overhead")
tool_step = load("tool_step")
health = load("health_under_load")

TAGS = {"huggingface": "e", "sambanova": "f"}


def chat(provider: str, received: float, first: float, last: float) -> dict:
    return {"provider": provider, "received_at": received, "first_token_at": first, "last_token_at": last}


def test_lane_delays_read_each_marker_against_its_own_request() -> None:
    buffer = b"\x1b[2JZqe1 text Zqf1 more\x1b[5;3HZqe9 tail"  # sambanova's last marker never written
    reads = [(10, 100.0), (20, 100.010), (len(buffer), 104.030)]  # (end offset, when read)

    def time_at(end: int) -> float:
        return next(when for stop, when in reads if stop >= end)

    chats = [chat("sambanova", 99.9815, 100.0, 104.0), chat("huggingface", 99.980, 99.995, 104.020)]
    run = race.lane_delays(buffer, 0, time_at, chats, TAGS)
    assert run.first_ms["huggingface"] == pytest.approx(5.0)  # Zqe1 ends at 8: the first read
    assert run.first_ms["sambanova"] == pytest.approx(10.0)  # Zqf1 ends at 17: the second read
    assert run.last_ms["huggingface"] == pytest.approx(10.0)
    assert run.last_ms["sambanova"] is None
    assert run.spread_ms == pytest.approx(1.5)


def test_lane_delays_search_only_after_the_race_started() -> None:
    buffer = b"Zqe9 from before Zqe1 Zqe9"
    start = buffer.index(b"Zqe1")
    run = race.lane_delays(buffer, start, lambda end: 1.0 if end > start else 0.0,
                           [chat("huggingface", 0.5, 0.9, 0.99)], {"huggingface": "e"})
    assert run.last_ms["huggingface"] == pytest.approx(10.0)


def test_race_report_says_when_a_lane_was_never_painted() -> None:
    def run(last: dict, cpu: float) -> race.RaceRun:
        return race.RaceRun(first_ms=dict.fromkeys(race.LANES, 3.0), last_ms=last, enter_to_wire_ms=4.0,
                            spread_ms=1.0, cpu_s=cpu, bytes_per_token=50.0)

    good = dict.fromkeys(race.LANES, 12.0)
    bad = {**good, "ollama": None}
    text = race.report([run(good, 3.0), run(bad, 5.0), run(good, 4.0)], [run(good, 1.0)] * 3, ("0.1", "0.2"))
    assert text.startswith("## Race in a terminal\n")
    lines = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert "12.0 (12.0–12.0) | ≤ 50 | met" in lines["sambanova: last token sent → on screen (ms)"]
    ollama = lines["ollama: last token sent → on screen (ms)"]
    assert "never painted in 1 of 3" in ollama and "**not met**" in ollama
    assert "Client CPU, app / floor: 4.0x" in text
    assert "0.1 before, 0.2 after" in text


def test_ask_summary_and_gap() -> None:
    out = '{"type":"delta","text":"ab"}\n{"type":"summary","ttft_ms":303.5,"connect_ms":0.7}\n'
    summary = provider_overhead.ask_summary(out)
    assert summary["ttft_ms"] == 303.5
    assert provider_overhead.cold_gap_ms(summary, chat("sambanova", 10.0, 10.301, 11.0)) == pytest.approx(2.5)
    with pytest.raises(ValueError):
        provider_overhead.ask_summary('{"type":"delta","text":"ab"}\n')


def test_cold_section_judges_the_median_gap() -> None:
    opened = {"connect_ms": 0.8, "reused_connection": False}
    reused = {"connect_ms": 0.0, "reused_connection": True}
    text = provider_overhead.cold_section(
        {"sambanova": [(14.0, opened), (13.0, opened), (20.0, opened)], "ollama": [(1.0, reused), (-0.5, reused)]},
        ("0.5", "0.6"))
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert "14.00 ms | 13.00–20.00 ms | opened, 0.80 ms" in rows["sambanova"] and "**not met**" in rows["sambanova"]
    assert "0.25 ms" in rows["ollama"] and "reused" in rows["ollama"] and rows["ollama"].endswith("| met |")


@pytest.mark.slow
def test_one_cold_ask_against_the_simulator_process() -> None:
    with provider_overhead.SimulatorProcess(ttft_ms=50.0, tps=1000.0) as sim:
        gaps = provider_overhead.cold_ask(sim, 1, providers=("ollama",))
    (gap, summary), = gaps["ollama"]
    assert summary["outcome"] == "complete" and summary["tokens"] == 40
    assert -5 < gap < 1000


def test_tool_step_files_fit_one_read_file_page() -> None:
    from qwen_tui.tools.reading import MAX_READ_OUTPUT_CHARS

    text = tool_step.file_text(3)
    lines = text.splitlines()
    assert len(lines) == tool_step.FILE_LINES and lines[0] == "v3_0000 = f(0)"
    assert sum(len(f"{n:>6}\t{line}") + 1 for n, line in enumerate(lines, 1)) < MAX_READ_OUTPUT_CHARS


def test_tool_step_script_reads_each_file_then_answers() -> None:
    steps = tool_step.script(3)
    paths = [step["tool_calls"][0]["arguments"]["path"] for step in steps[:-1]]
    assert paths == ["src/mod_0.py", "src/mod_1.py", "src/mod_2.py"]
    assert steps[-1] == {"text": "All read."}
    from qwen_tui.sim.script import parse_script

    assert [len(step.calls) for step in parse_script(steps)] == [1, 1, 1, 0]


def test_tool_step_gaps_run_from_each_answers_end_to_the_next_arrival() -> None:
    chats = [{"received_at": 1.0, "ended_at": 1.5}, {"received_at": 1.503, "ended_at": 2.0},
             {"received_at": 2.0105, "ended_at": 2.2}]
    assert tool_step.step_gaps_ms(chats) == pytest.approx([3.0, 10.5])


def test_tool_step_report_judges_each_client_against_the_floor() -> None:
    text = tool_step.report({"sambanova": [2.0, 3.0, 4.0]}, {"sambanova": [1.0, 1.0, 1.0]},
                            {"sambanova": [7.0, 8.0, 9.0]}, {"sambanova": [0.5]}, 1, ("0.1", "0.2"))
    assert text.startswith("## Tool step\n")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    ask = rows["ask --tools read, sambanova"]
    assert "3.00 ms (p90 4.00, 2.00–4.00)" in ask and "+2.00 ms | 3.0x" in ask and ask.endswith("| met |")
    assert rows["TUI, sambanova"].endswith("| **not met** |")
    assert "sambanova 0.50 s" in text and "0.1 before, 0.2 after" in text


def test_health_reads_each_providers_word_off_the_status_bar() -> None:
    lines = ["", " ● huggingface down · ● sambanova cold · ● ollama check failed · ● blaxel warm │ MCP 1/1  "]
    assert health.provider_words(lines) == {"huggingface": "down", "sambanova": "cold", "ollama": "check failed",
                                            "blaxel": "warm"}
    text = health.report([{"huggingface": "cold", "sambanova": "cold", "ollama": "cold", "blaxel": "cold"},
                          health.provider_words(lines)], "1.00")
    assert "**1 of 2**" in text and "| 2 | down | cold | check failed | warm |" in text


@pytest.mark.parametrize("module", ["race", "provider_overhead", "tool_step", "tui", "render", "context",
                                    "health_under_load"])
def test_each_script_has_a_help_that_parses(module: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH / f"{module}.py"), "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ")


@pytest.mark.slow
def test_one_tool_step_ask_against_the_simulator_process(tmp_path: Path) -> None:
    bench = tool_step.Bench(tmp_path)
    try:
        gaps, chats = bench.ask("sambanova")
    finally:
        bench.close()
    assert len(gaps) == tool_step.STEPS and len(chats) == tool_step.STEPS + 1
    tool_messages = [m for m in chats[-1]["body"]["messages"] if m["role"] == "tool"]
    assert len(tool_messages) == tool_step.STEPS and "v1_1999 = f(1999)" in tool_messages[-1]["content"]
