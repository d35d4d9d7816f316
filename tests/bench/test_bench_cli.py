"""``qwen-tui bench`` end to end against the simulator: ranking, medians, the relative figure,
warm-up apart, skipped providers, errors, exit codes and the metrics history."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui import paths
from qwen_tui.cli import main
from qwen_tui.sim import Fault, Simulator
from qwen_tui.metrics import load_history

FAST_MS, SLOW_MS = 100.0, 300.0


def configure_speeds(sim: Simulator) -> None:
    sim.set_knobs(provider="sambanova", ttft_ms=FAST_MS)
    sim.set_knobs(provider="huggingface", ttft_ms=SLOW_MS)


@pytest.mark.timing
def test_json_ranks_providers_with_medians_and_relative_figure(sim: Simulator, bench_env, tmp_path: Path) -> None:
    """The real CLI in a subprocess: the fixed ``--json`` shape, right order, right figures."""
    configure_speeds(sim)
    result = subprocess.run(
        [sys.executable, "-m", "qwen_tui", "bench", "--providers", "huggingface,sambanova", "--runs", "5", "--json"],
        env={**os.environ, **bench_env}, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    names = [p["provider"] for p in report["providers"]]
    assert names == ["sambanova", "huggingface"]  # fastest first, whatever order they were named in
    fast, slow = report["providers"]
    for row in (fast, slow):
        assert set(row) >= {"provider", "model", "runs", "errors", "ttft_ms", "tokens_per_s", "vs_fastest_pct"}
        assert set(row["ttft_ms"]) >= {"median", "p95", "min", "max"}
        assert "median" in row["tokens_per_s"]
        assert row["runs"] == 5 and row["errors"] == 0
        assert row["warmup"]["warmup"] is True and row["warmup"]["reused_connection"] is False
        assert row["connections"]["reused"]["runs"] == 5
    assert abs(fast["ttft_ms"]["median"] - FAST_MS) < 10
    assert abs(slow["ttft_ms"]["median"] - SLOW_MS) < 10
    assert fast["ttft_ms"]["min"] <= fast["ttft_ms"]["median"] <= fast["ttft_ms"]["p95"] <= fast["ttft_ms"]["max"]
    expected = (slow["ttft_ms"]["median"] - fast["ttft_ms"]["median"]) / slow["ttft_ms"]["median"] * 100
    assert fast["vs_fastest_pct"] == 0.0
    assert slow["vs_fastest_pct"] == pytest.approx(expected, abs=0.1)
    assert slow["vs_fastest_pct"] == pytest.approx((SLOW_MS - FAST_MS) / SLOW_MS * 100, abs=4)
    assert slow["vs_fastest"] == {"fastest": "sambanova", "clear": True, "note": None}
    assert report["fastest"] == "sambanova" and report["notes"] == []
    # progress on stderr, one line per run (stderr is a pipe), the warm-up named as such
    lines = result.stderr.splitlines()
    assert len(lines) == 12 and lines[0].startswith("bench [1/12] huggingface warm-up: TTFT")
    assert "run 5/5" in lines[-1] and "Traceback" not in result.stderr


def test_table_says_how_much_faster_and_shows_connections(sim: Simulator, bench_env, capsys) -> None:
    configure_speeds(sim)
    code = main(["bench", "--providers", "sambanova,huggingface", "--runs", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("provider"))
    assert lines[header].split()[:4] == ["provider", "model", "runs", "errors"]
    assert lines[header + 1].startswith("sambanova") and lines[header + 1].endswith("fastest")
    slow = lines[header + 2]
    assert slow.startswith("huggingface")
    pct = int(slow.rsplit("sambanova ", 1)[1].split("%")[0])
    assert 63 <= pct <= 70 and slow.endswith("% faster")
    assert "new connection: TTFT" in out and "reused: TTFT median" in out
    assert "Notes:" not in out


def test_too_few_runs_give_a_plain_note_instead_of_a_figure(sim: Simulator, bench_env, capsys) -> None:
    configure_speeds(sim)
    code = main(["bench", "--providers", "sambanova,huggingface", "--runs", "2"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "% faster" not in out
    assert "no clear difference" in out
    assert "too few successful runs to call a difference (sambanova 2, huggingface 2; 5 each needed)" in out


def test_without_names_runs_every_usable_provider_and_says_which_it_skipped(sim: Simulator, bench_env,
                                                                          monkeypatch, capsys) -> None:
    monkeypatch.delenv("HF_TOKEN")
    code = main(["bench", "--runs", "1", "--json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    ran = {p["provider"] for p in report["providers"]}
    assert ran == {"sambanova", "ollama", "dead"}  # ollama and the local server need no key
    skipped = {s["provider"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"huggingface", "blaxel"}
    assert "HF_TOKEN" in skipped["huggingface"] and "BL_API_KEY" in skipped["blaxel"]
    assert "bench: skipped huggingface: no API key — set the environment variable HF_TOKEN" in err
    assert code == 0  # some runs succeeded
    dead = next(p for p in report["providers"] if p["provider"] == "dead")
    assert dead["errors"] == 1 and dead["ttft_ms"]["median"] is None and dead["vs_fastest_pct"] is None
    assert report["providers"][-1]["provider"] == "dead"  # no TTFT: ranked last


def test_every_run_failing_exits_1_without_traceback(sim: Simulator, bench_env, capsys) -> None:
    code = main(["bench", "--providers", "dead", "--runs", "2"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "dead: " in out and "Last errors:" in out
    assert "no successful run" in out
    assert err.count("error: dead:") == 3  # warm-up and two runs, each on its own progress line
    assert "Traceback" not in err


def test_errors_are_counted_and_the_warmup_is_not(sim: Simulator, bench_env, capsys) -> None:
    sim.push_fault(Fault(kind="status", status=503), provider="sambanova")  # hits the warm-up
    sim.push_fault(Fault(kind="status", status=500), provider="sambanova")  # hits run 1
    code = main(["bench", "--providers", "sambanova", "--runs", "3", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    row = report["providers"][0]
    assert row["warmup"]["outcome"] == "error" and row["warmup"]["error"].startswith("sambanova:")
    assert row["runs"] == 3 and row["errors"] == 1 and row["ttft_ms"]["n"] == 2
    assert len(row["last_errors"]) == 2


def test_every_request_goes_to_the_metrics_history(sim: Simulator, bench_env, capsys) -> None:
    sim.push_fault(Fault(kind="status", status=500), provider="ollama")  # the warm-up fails
    assert main(["bench", "--providers", "ollama", "--runs", "3"]) == 0
    records = load_history(paths.metrics_file())
    assert [r["provider"] for r in records] == ["ollama"] * 4
    assert [r["warmup"] for r in records] == [True, False, False, False]
    assert all(r["source"] == "bench" for r in records)
    assert records[0]["outcome"] == "error" and records[0]["error"].startswith("ollama:")
    assert all(r["outcome"] == "complete" and r["ttft_ms"] > 0 and r["reused_connection"] for r in records[1:])
    assert all(isinstance(r["time"], float) and "connect_ms" in r and "tokens_per_s" in r for r in records)
    assert (paths.metrics_file().stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--providers", "nope"], "unknown provider(s) 'nope'"),
        (["--providers", " , "], "--providers is empty"),
        (["--runs", "0"], "--runs must be between 1 and 1000"),
        (["--prompt", "  "], "--prompt is empty"),
        (["--providers", "blaxel"], "BL_API_KEY"),  # named but unusable: a configuration error
    ],
)
def test_usage_errors_exit_2(sim: Simulator, bench_env, capsys, args: list[str], message: str) -> None:
    code = main(["bench", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err


def test_demo_runs_on_the_builtin_simulator_and_leaves_the_history_alone(bench_env, capsys) -> None:
    code = main(["bench", "--demo", "--providers", "sambanova", "--runs", "1", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["providers"][0]["errors"] == 0
    assert "not added to the metrics history" in err
    assert not paths.metrics_file().exists()
