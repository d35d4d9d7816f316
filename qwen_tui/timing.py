"""Time to first token, measured one way for every provider, and rolling per-provider stats.

TTFT runs on a monotonic clock from the moment the request is handed to the connection pool (after
the body is built) to the first chunk with non-empty visible content, reasoning included (what the
user sees first, and what SambaNova's own figure counts); the first *answer* token is kept beside
it (``answer_ms``). A cold connection's connect time is inside it and also kept on its own, so
"slow provider" and "slow handshake" can be told apart.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

clock: Callable[[], float] = time.perf_counter  # monotonic, high resolution


def _ms(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start) * 1000.0


@dataclass(slots=True)
class RequestTiming:
    """What one request measured. Filled in while the stream runs."""

    provider: str
    model: str
    started: float = field(default_factory=lambda: clock())
    connect_started: float | None = None
    connect_done: float | None = None
    reused_connection: bool | None = None
    headers_at: float | None = None
    first_token_at: float | None = None  # the first token of any kind (reasoning included)
    answer_at: float | None = None  # the first token of the answer itself (text or a tool call)
    last_token_at: float | None = None
    tokens: int = 0  # content chunks seen; replaced by the provider's count when it reports one
    chunks: int = 0
    server: dict[str, Any] = field(default_factory=dict)  # the provider's own figures
    outcome: str = "pending"  # complete | error | cancelled

    # -- marks ------------------------------------------------------------------------------
    def mark_connect(self, started: float, done: float) -> None:
        self.connect_started, self.connect_done = started, done
        self.reused_connection = False

    def mark_headers(self) -> None:
        if self.headers_at is None:
            self.headers_at = clock()
        if self.reused_connection is None:
            self.reused_connection = True

    def mark_content(self, now: float | None = None) -> None:
        now = clock() if now is None else now
        if self.first_token_at is None:
            self.first_token_at = now
        self.last_token_at = now
        self.chunks += 1
        self.tokens += 1

    def mark_answer(self, now: float | None = None) -> None:
        """The answer itself began (after any reasoning); call beside ``mark_content``."""
        if self.answer_at is None:
            self.answer_at = clock() if now is None else now

    # -- figures ----------------------------------------------------------------------------
    @property
    def ttft_ms(self) -> float | None:
        return _ms(self.started, self.first_token_at)

    @property
    def answer_ms(self) -> float | None:
        """Start to the first answer token: equal to TTFT unless the model reasoned first."""
        return _ms(self.started, self.answer_at)

    @property
    def connect_ms(self) -> float | None:
        """Connect (and TLS) time of a new connection; 0.0 on a reused one."""
        if self.reused_connection:
            return 0.0
        return _ms(self.connect_started, self.connect_done)

    @property
    def headers_ms(self) -> float | None:
        return _ms(self.started, self.headers_at)

    @property
    def elapsed_ms(self) -> float:
        end = self.last_token_at or clock()
        return (end - self.started) * 1000.0

    @property
    def tokens_per_s(self) -> float | None:
        """Tokens after the first over the time from first to last token: every generated
        token, reasoning included (providers count it in their completion tokens too)."""
        if self.first_token_at is None or self.last_token_at is None or self.tokens < 2:
            return None
        span = self.last_token_at - self.first_token_at
        if span <= 0:
            return None
        return (self.tokens - 1) / span

    def summary(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "ttft_ms": _round(self.ttft_ms),
            "answer_ms": _round(self.answer_ms),
            "connect_ms": _round(self.connect_ms),
            "reused_connection": self.reused_connection,
            "headers_ms": _round(self.headers_ms),
            "tokens": self.tokens,
            "tokens_per_s": _round(self.tokens_per_s),
            "outcome": self.outcome,
            "server": self.server,
        }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def percentile(values: Iterable[float], pct: float) -> float | None:
    """Nearest-rank-interpolated percentile (same as numpy's default 'linear')."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


@dataclass(slots=True)
class ProviderStats:
    """Rolling TTFT and throughput of one provider over its last ``window`` requests."""

    window: int = 50
    ttfts: deque[float] = field(default_factory=deque)
    rates: deque[float] = field(default_factory=deque)
    errors: int = 0
    requests: int = 0

    def add(self, timing: RequestTiming) -> None:
        self.requests += 1
        if timing.outcome == "error":
            self.errors += 1
        if timing.ttft_ms is not None:
            self.ttfts.append(timing.ttft_ms)
            while len(self.ttfts) > self.window:
                self.ttfts.popleft()
        if timing.tokens_per_s is not None:
            self.rates.append(timing.tokens_per_s)
            while len(self.rates) > self.window:
                self.rates.popleft()

    @property
    def last(self) -> float | None:
        return self.ttfts[-1] if self.ttfts else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.ttfts) if self.ttfts else None

    @property
    def p95(self) -> float | None:
        return percentile(self.ttfts, 95)

    @property
    def median_tokens_per_s(self) -> float | None:
        return statistics.median(self.rates) if self.rates else None


class StatsBook:
    """Per-provider rolling stats, keyed by provider name."""

    def __init__(self, window: int = 50) -> None:
        self.window = window
        self._stats: dict[str, ProviderStats] = {}

    def __getitem__(self, provider: str) -> ProviderStats:
        if provider not in self._stats:
            self._stats[provider] = ProviderStats(window=self.window)
        return self._stats[provider]

    def add(self, timing: RequestTiming) -> None:
        self[timing.provider].add(timing)

    def names(self) -> list[str]:
        return list(self._stats)

    def add_history(self, records: Iterable[Mapping[str, Any]], providers: Container[str]) -> None:
        """Earlier sessions' TTFTs (the metrics file's records) for the providers configured now."""
        for record in records:
            name, ttft = record.get("provider"), record.get("ttft_ms")
            if name in providers and isinstance(ttft, (int, float)):
                stats = self[name]
                stats.ttfts.append(float(ttft))
                while len(stats.ttfts) > stats.window:
                    stats.ttfts.popleft()


def fmt_ms(value: float | None) -> str:
    """A duration as the CLI and the race write it: "1,234 ms", or "—" when not measured."""
    return "—" if value is None else f"{value:,.0f} ms"


def fmt_duration(value: float | None) -> str:
    """Milliseconds under a second ("850 ms"), seconds above ("2.4 s"), "—" when not measured."""
    if value is None:
        return "—"
    return f"{value:,.0f} ms" if value < 1000 else f"{value / 1000:,.1f} s"


def first_tokens_text(ttft_ms: float | None, answer_ms: float | None,
                      fmt: Callable[[float | None], str] = fmt_duration) -> str:
    """``TTFT 310 ms``, and ``· answer 2.4 s`` beside it when the answer began later than the
    first token (the model reasoned first); ``fmt`` writes each figure."""
    text = f"TTFT {fmt(ttft_ms)}"
    if answer_ms is not None and ttft_ms is not None and answer_ms - ttft_ms >= 1.0:
        text += f" · answer {fmt(answer_ms)}"
    return text


__all__ = ["RequestTiming", "ProviderStats", "StatsBook", "percentile", "clock", "first_tokens_text", "fmt_duration",
           "fmt_ms"]
