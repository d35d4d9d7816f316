"""Provider benchmark and the statistics shared by ``qwen-tui bench`` and the dashboard.

A benchmark sends the same prompt to each provider, one request at a time: first one warm-up per
provider (a cold connection; reported apart, never counted), then ``runs`` rounds that visit every
provider in turn, so slow drift in the network or the machine falls on all providers alike.

The comparison is meant to be honest: "sambanova is 23% faster" is said only when both sides have
enough successful runs and the middle halves of their TTFTs (the interquartile ranges) do not
overlap. Otherwise the figure is still computed but comes with a plain note saying why it is not a
clear difference. No Textual import here.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui.conversation import AnswerSink, stream_answer
from qwen_tui.providers.base import ChatRequest, Message, Provider, ProviderError
from qwen_tui.timing import RequestTiming, percentile
from qwen_tui.metrics import append_history

DEFAULT_PROMPT = "Write a Python function that reverses a string."
#: Fewer successful runs than this on either side and no difference is called.
MIN_RUNS_TO_COMPARE = 5
#: Answers are cut at this many tokens: TTFT does not depend on length, and a bench should cost little.
BENCH_MAX_TOKENS = 256
LAST_ERRORS = 3


# ---- statistics ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spread:
    """Order statistics of a sample (milliseconds, or tokens/s)."""

    n: int
    median: float
    p95: float
    min: float
    max: float
    q1: float
    q3: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread | None:
        data = sorted(float(v) for v in values)
        if not data:
            return None
        def pct(p: float) -> float:
            value = percentile(data, p)
            return data[-1] if value is None else value

        return cls(n=len(data), median=statistics.median(data), p95=pct(95), min=data[0], max=data[-1],
                   q1=pct(25), q3=pct(75))

    def to_json(self, digits: int = 1) -> dict[str, float | int]:
        return {
            "median": round(self.median, digits),
            "p95": round(self.p95, digits),
            "min": round(self.min, digits),
            "max": round(self.max, digits),
            "q1": round(self.q1, digits),
            "q3": round(self.q3, digits),
            "n": self.n,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one provider's median TTFT stands against the fastest one's."""

    fastest: str
    pct: float  # by how much the fastest's median is lower than this one's: 0 for the fastest
    clear: bool  # enough runs on both sides and the middle halves do not overlap
    note: str | None = None  # why the difference is not clear, in plain words


def faster_pct(fast_ms: float, slow_ms: float) -> float:
    """"23% faster": the time saved as a share of the slower time (1,161 vs 1,514 ms -> 23.3)."""
    if slow_ms <= 0:
        return 0.0
    return (slow_ms - fast_ms) / slow_ms * 100.0


def judge(fastest: str, fast: Spread, name: str, other: Spread, min_runs: int = MIN_RUNS_TO_COMPARE) -> Verdict:
    """Whether ``fastest`` is clearly faster than ``name``, and by how much."""
    pct = faster_pct(fast.median, other.median)
    if fastest == name:
        return Verdict(fastest, 0.0, clear=True)
    if fast.n < min_runs or other.n < min_runs:
        return Verdict(fastest, pct, clear=False, note=(
            f"too few successful runs to call a difference ({fastest} {fast.n}, {name} {other.n}; "
            f"{min_runs} each needed)"))
    if fast.q3 >= other.q1:
        return Verdict(fastest, pct, clear=False, note=(
            f"the runs overlap too much to call a difference (middle half: {fastest} "
            f"{fast.q1:,.0f}–{fast.q3:,.0f} ms, {name} {other.q1:,.0f}–{other.q3:,.0f} ms)"))
    return Verdict(fastest, pct, clear=True)


def verdict_words(verdict: Verdict | None, name: str) -> str:
    """The table's last column: "fastest", "sambanova 23% faster" or "no clear difference"."""
    if verdict is None:
        return "—"
    if verdict.fastest == name:
        return "fastest"
    if verdict.clear:
        return f"{verdict.fastest} {verdict.pct:.0f}% faster"
    return "no clear difference"


# ---- one benchmark run -------------------------------------------------------------------------


@dataclass(slots=True)
class RunResult:
    """What one request of a benchmark measured."""

    provider: str
    model: str
    index: int  # 0 is the warm-up
    outcome: str  # complete | error
    ttft_ms: float | None = None
    connect_ms: float | None = None
    reused_connection: bool | None = None
    tokens: int = 0
    tokens_per_s: float | None = None
    error: str | None = None  # plain words, redacted
    error_kind: str | None = None
    server: dict[str, Any] = field(default_factory=dict)

    @property
    def warmup(self) -> bool:
        return self.index == 0

    @property
    def ok(self) -> bool:
        return self.outcome == "complete" and self.ttft_ms is not None

    @classmethod
    def from_timing(cls, timing: RequestTiming, index: int, error: ProviderError | None = None,
                    message: str | None = None) -> RunResult:
        result = cls(
            provider=timing.provider,
            model=timing.model,
            index=index,
            outcome="error" if (error is not None or message) else "complete",
            ttft_ms=timing.ttft_ms,
            connect_ms=timing.connect_ms,
            reused_connection=timing.reused_connection,
            tokens=timing.tokens,
            tokens_per_s=timing.tokens_per_s,
            server=dict(timing.server),
        )
        if error is not None:
            result.error, result.error_kind = error.message, error.kind
        elif message:
            result.error, result.error_kind = message, "error"
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.index,
            "warmup": self.warmup,
            "outcome": self.outcome,
            "ttft_ms": _r(self.ttft_ms),
            "connect_ms": _r(self.connect_ms),
            "reused_connection": self.reused_connection,
            "tokens": self.tokens,
            "tokens_per_s": _r(self.tokens_per_s),
            "error": self.error,
        }


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(slots=True)
class ProviderResult:
    """A provider's warm-up and measured runs, and how it compares with the fastest."""

    provider: str
    model: str
    warmup: RunResult | None = None
    runs: list[RunResult] = field(default_factory=list)
    verdict: Verdict | None = None

    @property
    def ok_runs(self) -> list[RunResult]:
        return [r for r in self.runs if r.ok]

    @property
    def errors(self) -> int:
        return sum(1 for r in self.runs if not r.ok)

    @property
    def ttft(self) -> Spread | None:
        return Spread.of(r.ttft_ms for r in self.ok_runs if r.ttft_ms is not None)

    @property
    def tokens_per_s(self) -> Spread | None:
        return Spread.of(r.tokens_per_s for r in self.ok_runs if r.tokens_per_s is not None)

    def by_connection(self, reused: bool) -> list[RunResult]:
        """Successful runs (warm-up included) on a reused, or on a new, connection."""
        every = ([self.warmup] if self.warmup else []) + self.runs
        return [r for r in every if r.ok and bool(r.reused_connection) is reused]

    def last_errors(self, count: int = LAST_ERRORS) -> list[str]:
        every = ([self.warmup] if self.warmup else []) + self.runs
        return [r.error for r in every if r.error][-count:]

    def to_json(self) -> dict[str, Any]:
        ttft, rate = self.ttft, self.tokens_per_s
        cold, reused = self.by_connection(False), self.by_connection(True)
        return {
            "provider": self.provider,
            "model": self.model,
            "runs": len(self.runs),
            "ok": len(self.ok_runs),
            "errors": self.errors,
            "ttft_ms": ttft.to_json() if ttft else {"median": None, "p95": None, "min": None, "max": None},
            "tokens_per_s": ({"median": round(rate.median, 1), "min": round(rate.min, 1), "max": round(rate.max, 1)}
                             if rate else {"median": None}),
            "vs_fastest_pct": None if self.verdict is None else round(self.verdict.pct, 1),
            "vs_fastest": None if self.verdict is None else {
                "fastest": self.verdict.fastest, "clear": self.verdict.clear, "note": self.verdict.note},
            "warmup": None if self.warmup is None else self.warmup.to_json(),
            "connections": {
                "cold": {"runs": len(cold), "ttft_median_ms": _median(r.ttft_ms for r in cold),
                         "connect_median_ms": _median(r.connect_ms for r in cold)},
                "reused": {"runs": len(reused), "ttft_median_ms": _median(r.ttft_ms for r in reused)},
            },
            "last_errors": self.last_errors(),
            "samples": [r.to_json() for r in self.runs],
        }


def _median(values: Iterable[float | None]) -> float | None:
    data = [v for v in values if v is not None]
    return round(statistics.median(data), 1) if data else None


@dataclass(slots=True)
class BenchReport:
    providers: list[ProviderResult]
    runs: int
    prompt: str
    skipped: dict[str, str] = field(default_factory=dict)  # provider -> why
    notes: list[str] = field(default_factory=list)

    @property
    def fastest(self) -> str | None:
        for p in self.providers:
            if p.verdict is not None and p.verdict.fastest == p.provider:
                return p.provider
        return None

    @property
    def all_failed(self) -> bool:
        return not any(p.ok_runs for p in self.providers)

    def to_json(self) -> dict[str, Any]:
        return {
            "providers": [p.to_json() for p in self.providers],
            "fastest": self.fastest,
            "runs": self.runs,
            "prompt": self.prompt,
            "skipped": [{"provider": k, "reason": v} for k, v in self.skipped.items()],
            "notes": self.notes,
        }


def compare(results: list[ProviderResult], min_runs: int = MIN_RUNS_TO_COMPARE) -> list[str]:
    """Set each result's verdict against the fastest median TTFT; return notes in plain words."""
    measured = [(r, r.ttft) for r in results]
    ranked = sorted(((r, s) for r, s in measured if s is not None), key=lambda pair: pair[1].median)
    notes: list[str] = []
    for r, s in measured:
        if s is None:
            r.verdict = None
            notes.append(f"{r.provider}: no successful run, so no TTFT to compare")
    if not ranked:
        return notes
    best, best_spread = ranked[0]
    for r, s in ranked:
        r.verdict = judge(best.provider, best_spread, r.provider, s, min_runs)
        if r.verdict.note:
            notes.append(f"{best.provider} vs {r.provider}: {r.verdict.note}")
    if len(ranked) == 1 and len(results) > 1:
        notes.append(f"only {best.provider} answered, so there is nothing to compare it with")
    return notes


# ---- running -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchStep:
    """Progress: a run about to start (``result`` None) or just finished."""

    provider: str
    index: int  # 0 is the warm-up
    runs: int
    done: int  # requests finished so far, all providers
    total: int  # requests planned, all providers
    result: RunResult | None = None


async def measure_once(provider: Provider, prompt: str, index: int,
                       max_tokens: int | None = BENCH_MAX_TOKENS) -> tuple[RunResult, RequestTiming]:
    """One request, read to the end; failures become an error result, never an exception."""
    model = provider.settings.model
    request = ChatRequest(messages=[Message("user", prompt)], max_tokens=max_tokens)
    answer = await stream_answer(provider, request, AnswerSink())
    timing = answer.timing or RequestTiming(provider.name, model)
    if not timing.provider:
        timing.provider = provider.name
    if answer.error is not None:
        timing.outcome = "error"  # a plugin's bug too: it must not end the whole benchmark
        return RunResult.from_timing(timing, index, error=answer.error), timing
    if timing.ttft_ms is None or not answer.text:
        timing.outcome = "error"
        return RunResult.from_timing(timing, index, message=f"{provider.name}: the answer was empty (no TTFT)"), timing
    timing.outcome = "complete"
    return RunResult.from_timing(timing, index), timing


async def run_bench(
    providers: Mapping[str, Provider],
    *,
    prompt: str = DEFAULT_PROMPT,
    runs: int = 5,
    warmup: bool = True,
    history: Path | None = None,
    progress: Callable[[BenchStep], None] | None = None,
    min_runs: int = MIN_RUNS_TO_COMPARE,
    max_tokens: int | None = BENCH_MAX_TOKENS,
) -> BenchReport:
    """Benchmark ``providers`` (already built and checked) and compare them.

    Every request, warm-up included, is added to the metrics ``history`` when one is given.
    """
    results = {name: ProviderResult(name, p.settings.model) for name, p in providers.items()}
    schedule = ([(name, 0) for name in providers] if warmup else []) + [
        (name, i) for i in range(1, runs + 1) for name in providers]
    done = 0
    for name, index in schedule:
        if progress:
            progress(BenchStep(name, index, runs, done, len(schedule)))
        result, timing = await measure_once(providers[name], prompt, index, max_tokens)
        results[name].model = result.model or results[name].model
        if index == 0:
            results[name].warmup = result
        else:
            results[name].runs.append(result)
        done += 1
        if history is not None:
            await _record(history, timing, result)
        if progress:
            progress(BenchStep(name, index, runs, done, len(schedule), result))
    report = BenchReport(ranked(results.values()), runs, prompt)
    report.notes = compare(report.providers, min_runs)
    return report


def ranked(results: Iterable[ProviderResult]) -> list[ProviderResult]:
    """Fastest median TTFT first; providers with no successful run last, in their given order."""
    def key(r: ProviderResult) -> tuple[bool, float]:
        s = r.ttft
        return (s is None, s.median if s else 0.0)

    return sorted(results, key=key)


async def _record(history: Path, timing: RequestTiming, result: RunResult) -> None:
    extra = {"source": "bench", "warmup": result.warmup}
    try:
        await asyncio.to_thread(append_history, history, timing, error=result.error, extra=extra)
    except (OSError, ValueError):
        pass  # a history that cannot be written must not spoil the measurement


# ---- the metrics history, per provider (the dashboard's figures) ----------------------------------


@dataclass(slots=True)
class HistoryFigures:
    """One provider's requests in the metrics history, oldest first."""

    provider: str
    models: set[str] = field(default_factory=set)
    points: list[tuple[float, float]] = field(default_factory=list)  # (wall time, TTFT ms), complete only
    rates: list[float] = field(default_factory=list)
    requests: int = 0
    errors: int = 0
    last_errors: list[tuple[float, str]] = field(default_factory=list)  # (wall time, message)
    _spread: Spread | None = field(default=None, repr=False, compare=False)  # cached until the next add
    _rate: float | None = field(default=None, repr=False, compare=False)

    def add(self, record: Mapping[str, Any]) -> None:
        self.requests += 1
        self._spread = self._rate = None
        when = float(record.get("time") or 0.0)
        model = record.get("model")
        if isinstance(model, str) and model:
            self.models.add(model)
        outcome = record.get("outcome")
        ttft = record.get("ttft_ms")
        if outcome == "error":
            self.errors += 1
            message = record.get("error")
            text = message if isinstance(message, str) and message else "failed (no message recorded)"
            self.last_errors.append((when, text))
            del self.last_errors[:-LAST_ERRORS]
        elif outcome == "complete" and isinstance(ttft, (int, float)):
            self.points.append((when, float(ttft)))
            rate = record.get("tokens_per_s")
            if isinstance(rate, (int, float)):
                self.rates.append(float(rate))

    @property
    def ttft(self) -> Spread | None:
        if self._spread is None:
            self._spread = Spread.of(t for _, t in self.points)
        return self._spread

    @property
    def median_tokens_per_s(self) -> float | None:
        if self._rate is None and self.rates:
            self._rate = statistics.median(self.rates)
        return self._rate

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None


def history_models(records: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({r["model"] for r in records if isinstance(r.get("model"), str) and r["model"]})


def history_figures(records: Iterable[Mapping[str, Any]], model: str | None = None) -> dict[str, HistoryFigures]:
    """Per-provider figures from history records (``load_history``'s shape), optionally one model's."""
    figures: dict[str, HistoryFigures] = {}
    for record in sorted(records, key=lambda r: float(r.get("time") or 0.0)):
        if model is not None and record.get("model") != model:
            continue
        name = record["provider"]
        figures.setdefault(name, HistoryFigures(name)).add(record)
    return dict(sorted(figures.items()))


__all__ = [
    "BENCH_MAX_TOKENS",
    "DEFAULT_PROMPT",
    "MIN_RUNS_TO_COMPARE",
    "BenchReport",
    "BenchStep",
    "HistoryFigures",
    "ProviderResult",
    "RunResult",
    "Spread",
    "Verdict",
    "compare",
    "faster_pct",
    "history_figures",
    "history_models",
    "judge",
    "measure_once",
    "ranked",
    "run_bench",
    "verdict_words",
]
