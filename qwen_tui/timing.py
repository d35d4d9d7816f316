"""Time to first token, measured one way for every provider, and rolling per-provider stats.

TTFT runs on a monotonic clock from the moment the request is handed to the connection pool (after
the body is built) to the first chunk with non-empty visible content, reasoning included (what the
user sees first, and what SambaNova's own figure counts); the first *answer* token is kept beside
it (``answer_ms``). A cold connection's connect time is inside it and also kept on its own, so
"slow provider" and "slow handshake" can be told apart.
"""

from __future__ import annotations

import math
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
    reasoned: bool = False  # reasoning ("thinking") tokens came
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
    #: The last request with a TTFT, as its summary (or its metrics record): where the time went.
    last_record: Mapping[str, Any] | None = None

    def add(self, timing: RequestTiming) -> None:
        self.requests += 1
        if timing.outcome == "error":
            self.errors += 1
        if timing.ttft_ms is not None:
            self.last_record = timing.summary()
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
                stats.last_record = record
                stats.ttfts.append(float(ttft))
                while len(stats.ttfts) > stats.window:
                    stats.ttfts.popleft()


def fmt_ms(value: float | None) -> str:
    """A duration as the CLI and the race write it: "1,234 ms", or "—" when not measured."""
    return "—" if value is None else f"{value:,.0f} ms"


def _finite(value: Any) -> float | None:
    """A number a record may hold (a history line is data: anything else is "not measured")."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class TTFTSplit:
    """Where one request's TTFT went: connecting (a new connection; none when reused), waiting
    for the response headers, then headers to first token; with the provider's own figure where
    it reports one. Built from a timing summary or a metrics record (``ttft_split``)."""

    ttft_ms: float
    reused: bool
    connect_ms: float | None  # a new connection's TCP (+ TLS) time; None: not measured
    waiting_ms: float | None  # the request handed over (and connected) -> response headers
    first_token_ms: float | None  # response headers -> first token
    server_ms: float | None = None  # the provider's own TTFT
    server_what: str = ""  # how the provider's figure is made up, in words

    def text(self, fmt: Callable[[float | None], str] | None = None) -> str:
        """``connect 12 ms + waiting 250 ms + first token 48 ms · the provider's own: 301 ms``."""
        fmt = fmt or fmt_duration
        parts = ["reused connection" if self.reused else f"connect {fmt(self.connect_ms)}"] \
            if self.reused or self.connect_ms is not None else []
        if self.waiting_ms is not None:
            parts.append(f"waiting for headers {fmt(self.waiting_ms)}")
        if self.first_token_ms is not None:
            parts.append(f"headers → first token {fmt(self.first_token_ms)}")
        text = " + ".join(parts)
        if self.server_ms is not None:
            text += f"{' · ' if text else ''}the provider's own: {self.server_what or fmt(self.server_ms)}"
        return text

    @property
    def measured(self) -> bool:
        """Something beyond the TTFT itself is known (older records hold the TTFT alone)."""
        return self.reused or self.connect_ms is not None or self.waiting_ms is not None \
            or self.server_ms is not None


def ttft_split(record: Mapping[str, Any] | None) -> TTFTSplit | None:
    """The split of a summary or metrics record that has a TTFT; None when it has none.
    SambaNova reports ``time_to_first_token`` (seconds) in its usage; Ollama its model load and
    prompt evaluation, which together come before its first token."""
    if not isinstance(record, Mapping):
        return None
    ttft = _finite(record.get("ttft_ms"))
    if ttft is None:
        return None
    reused = record.get("reused_connection") is True
    connect = 0.0 if reused else _finite(record.get("connect_ms"))
    headers = _finite(record.get("headers_ms"))
    waiting = max(0.0, headers - (connect or 0.0)) if headers is not None else None
    first = max(0.0, ttft - headers) if headers is not None else None
    server = record.get("server")
    server = server if isinstance(server, Mapping) else {}
    own, what = None, ""
    samba = _finite(server.get("time_to_first_token"))
    load, prompt = _finite(server.get("load_ms")), _finite(server.get("prompt_eval_ms"))
    if samba is not None:
        own = samba * 1000.0
        what = fmt_duration(own)
    elif load is not None or prompt is not None:
        own = (load or 0.0) + (prompt or 0.0)
        what = f"load {fmt_duration(load or 0.0)} + prompt eval {fmt_duration(prompt or 0.0)}"
    return TTFTSplit(ttft, reused, connect, waiting, first, own, what)


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


__all__ = ["RequestTiming", "ProviderStats", "StatsBook", "TTFTSplit", "percentile", "clock", "first_tokens_text",
           "fmt_duration", "fmt_ms", "ttft_split"]
