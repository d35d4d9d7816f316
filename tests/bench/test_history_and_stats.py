"""Metrics history (corrupt lines, rotation, redaction) and the benchmark's statistics."""

from __future__ import annotations

import io
import json
from pathlib import Path

from qwen_tui.benchmark import (
    BenchStep,
    ProviderResult,
    RunResult,
    Spread,
    compare,
    faster_pct,
    history_figures,
    history_models,
    judge,
)
from qwen_tui.subcommands.bench import ProgressLine
from qwen_tui.timing import RequestTiming
from qwen_tui.metrics import append_history, load_history, rotated_path


def timing(provider: str = "sambanova", ttft_s: float = 0.1, outcome: str = "complete") -> RequestTiming:
    t = RequestTiming(provider, "m", started=10.0)
    t.mark_content(10.0 + ttft_s)
    t.mark_content(10.0 + ttft_s + 0.01)
    t.outcome = outcome
    return t


# ---- history ---------------------------------------------------------------------------------------


def test_history_with_corrupt_lines_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    append_history(path, timing("sambanova"))
    with path.open("ab") as fh:
        fh.write(b"{not json\n")
        fh.write(b"\xff\xfe\x00 binary junk\n")
        fh.write(b"[1, 2, 3]\n")
        fh.write(b'{"model": "no provider"}\n')
        fh.write(b'{"provider": "x", "ttft_ms": "fast"}\n')
        fh.write(b'{"provider": "x", "ttft_ms": NaN}\n')
        fh.write(b'{"provider": "x", "ttft_ms": true}\n')
        fh.write(b"[" * 50_000 + b"\n")
        fh.write(b'{"provider": "huggingface", "ttft_ms": 300.5, "outcome": "complete", "time": 5}\n')
        fh.write(b'{"provider": "half a line", "ttft')  # a crash mid-write: no newline
    append_history(path, timing("ollama"))  # lands after the torn line: that one line is lost, no more
    records = load_history(path)
    assert [r["provider"] for r in records] == ["sambanova", "huggingface"]
    assert records[0]["ttft_ms"] == 100.0 and records[1]["ttft_ms"] == 300.5


def test_missing_history_is_empty(tmp_path: Path) -> None:
    assert load_history(tmp_path / "none.jsonl") == []


def test_history_rotates_past_the_limit_and_reads_both(tmp_path: Path) -> None:
    path = tmp_path / "state" / "metrics.jsonl"
    for _ in range(5):
        append_history(path, timing("a"), max_bytes=1000)
    assert path.stat().st_size >= 1000 and not rotated_path(path).exists()  # five lines pass the limit
    for _ in range(5):
        append_history(path, timing("b"), max_bytes=1000)  # the first of these moves the five aside
    assert rotated_path(path).name == "metrics.jsonl.1"
    assert [r["provider"] for r in load_history(path)] == ["a"] * 5 + ["b"] * 5
    assert [r["provider"] for r in load_history(path, include_rotated=False)] == ["b"] * 5
    for _ in range(6):  # the 1st moves the b's aside (dropping the a's), the 6th moves five c's aside
        append_history(path, timing("c"), max_bytes=1000)
    assert [r["provider"] for r in load_history(path)] == ["c"] * 6
    assert len(load_history(path, include_rotated=False)) == 1
    assert (path.parent.stat().st_mode & 0o777) == 0o700


def test_history_line_has_the_fields_and_no_key(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    t = timing("sambanova")
    t.server = {"time_to_first_token": 0.09}
    append_history(path, t, error="sambanova: refused key sk-abcdefghijklmnop " + "x" * 1000, extra={"source": "bench"})
    line = json.loads(path.read_text())
    assert set(line) >= {"provider", "model", "time", "ttft_ms", "connect_ms", "reused_connection", "tokens_per_s",
                         "server", "outcome", "error", "source"}
    assert line["server"] == {"time_to_first_token": 0.09}
    assert "sk-abcdefghijklmnop" not in line["error"] and "[redacted]" in line["error"]
    assert len(line["error"]) <= 300


# ---- statistics ------------------------------------------------------------------------------------


def test_faster_pct_matches_the_projects_first_measurement() -> None:
    assert round(faster_pct(1161, 1514)) == 23


def test_spread_order_statistics() -> None:
    s = Spread.of([5, 1, 3, 2, 4])
    assert (s.n, s.median, s.min, s.max, s.q1, s.q3) == (5, 3, 1, 5, 2, 4)
    assert s.p95 == 4.8
    assert Spread.of([]) is None


def test_overlapping_runs_are_not_called_a_difference() -> None:
    fast = Spread.of([100, 110, 120, 130, 140])
    slow = Spread.of([115, 125, 135, 145, 155])  # middle halves 110–130 and 125–145 overlap
    verdict = judge("a", fast, "b", slow)
    assert not verdict.clear and "overlap" in (verdict.note or "")
    assert verdict.pct == faster_pct(120, 135)
    clear = judge("a", fast, "c", Spread.of([200, 210, 220, 230, 240]))
    assert clear.clear and clear.note is None


def run(provider: str, index: int, ttft: float | None) -> RunResult:
    return RunResult(provider, "m", index, "complete" if ttft else "error", ttft_ms=ttft, reused_connection=True,
                     error=None if ttft else f"{provider}: down")


def test_compare_names_the_fastest_and_notes_providers_without_runs() -> None:
    a = ProviderResult("a", "m", runs=[run("a", i, 100 + i) for i in range(1, 6)])
    b = ProviderResult("b", "m", runs=[run("b", i, 300 + i) for i in range(1, 6)])
    c = ProviderResult("c", "m", runs=[run("c", 1, None)])
    notes = compare([b, c, a])
    assert a.verdict.fastest == "a" and a.verdict.pct == 0
    assert b.verdict.clear and b.verdict.pct == faster_pct(103, 303)
    assert c.verdict is None and notes == ["c: no successful run, so no TTFT to compare"]


# ---- the history as the dashboard sees it -------------------------------------------------------------


def test_history_figures_per_provider_and_model() -> None:
    records = [
        {"provider": "b", "model": "m1", "time": 3.0, "ttft_ms": 300.0, "outcome": "complete", "tokens_per_s": 50.0},
        {"provider": "a", "model": "m1", "time": 1.0, "ttft_ms": 100.0, "outcome": "complete", "tokens_per_s": 90.0},
        {"provider": "a", "model": "m2", "time": 2.0, "ttft_ms": 120.0, "outcome": "complete"},
        {"provider": "a", "model": "m1", "time": 4.0, "ttft_ms": None, "outcome": "error", "error": "a: 503"},
        {"provider": "a", "model": "m1", "time": 5.0, "outcome": "cancelled"},
    ]
    figures = history_figures(records)
    assert list(figures) == ["a", "b"]
    a = figures["a"]
    assert a.points == [(1.0, 100.0), (2.0, 120.0)]
    assert (a.requests, a.errors, a.error_rate) == (4, 1, 0.25)
    assert a.last_errors == [(4.0, "a: 503")] and a.median_tokens_per_s == 90.0
    assert a.ttft.median == 110.0
    only_m2 = history_figures(records, model="m2")
    assert list(only_m2) == ["a"] and only_m2["a"].points == [(2.0, 120.0)]
    assert history_models(records) == ["m1", "m2"]


# ---- progress -------------------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_rewrites_one_line_on_a_terminal_and_prints_lines_in_a_pipe() -> None:
    result = run("sambanova\x1b[2J", 1, 101.0)
    steps = [BenchStep("sambanova\x1b[2J", 1, 5, 0, 10), BenchStep("sambanova\x1b[2J", 1, 5, 1, 10, result)]
    tty, pipe = FakeTerminal(), io.StringIO()
    for stream in (tty, pipe):
        progress = ProgressLine(stream)
        for step in steps:
            progress(step)
        progress.close()
    assert tty.getvalue().count("\r\x1b[K") == 3 and "\n" not in tty.getvalue()
    assert "bench [1/10] sambanova" in tty.getvalue() and "run 1/5…" in tty.getvalue()
    assert pipe.getvalue().splitlines() == ["bench [1/10] sambanova␛[2J run 1/5: TTFT 101 ms · reused connection"]
    assert "\x1b[2J" not in tty.getvalue() + pipe.getvalue()
