"""Time to first token, measured one way for every provider, and rolling per-provider stats.

TTFT runs on a monotonic clock from the moment the request is handed to the connection pool (after
the body is built) to the first chunk with non-empty visible content. A cold connection's connect
time is inside it and also kept on its own, so "slow provider" and "slow handshake" can be told
apart.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
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
    first_token_at: float | None = None
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

    # -- figures ----------------------------------------------------------------------------
    @property
    def ttft_ms(self) -> float | None:
        return _ms(self.started, self.first_token_at)

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
        """Tokens after the first over the time from first to last token."""
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


#: The history is rotated to ``metrics.jsonl.1`` (replacing an older one) once it reaches this size.
HISTORY_ROTATE_BYTES = 5 * 1024 * 1024
#: Error text kept in a history line: enough to say what happened, not a whole error page.
HISTORY_ERROR_CHARS = 300
_NUMERIC_FIELDS = ("time", "ttft_ms", "connect_ms", "headers_ms", "tokens", "tokens_per_s")


def timing_record(
    timing: RequestTiming, *, error: str | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One metrics-history record: wall time, the request's summary, the error in plain words
    (redacted and cut short) and any ``extra`` fields such as ``{"source": "bench"}``."""
    record = {"time": time.time(), **timing.summary()}
    if error:
        from qwen_tui.providers.base import redact  # providers.base imports this module

        record["error"] = redact(error)[:HISTORY_ERROR_CHARS]
    if extra:
        record.update({k: v for k, v in extra.items() if k not in record})
    return record


def rotated_path(path: Path) -> Path:
    """Where the history goes when it is rotated: ``metrics.jsonl`` -> ``metrics.jsonl.1``."""
    return path.with_name(path.name + ".1")


def rotate_history(path: Path, max_bytes: int = HISTORY_ROTATE_BYTES) -> bool:
    """Move a history of ``max_bytes`` or more aside (one generation kept); True if it moved."""
    try:
        if path.stat().st_size < max_bytes:
            return False
        os.replace(path, rotated_path(path))
    except OSError:
        return False
    return True


def append_history(
    path: Path,
    timing: RequestTiming,
    *,
    error: str | None = None,
    extra: dict[str, Any] | None = None,
    max_bytes: int = HISTORY_ROTATE_BYTES,
) -> None:
    """Append one line to the metrics history (JSONL), rotating it first when it is large.

    ``error`` is the plain-words message of a failed request (redacted and cut short here);
    ``extra`` adds fields such as ``{"source": "bench", "warmup": True}``. Call off the event loop.
    """
    record = timing_record(timing, error=error, extra=extra)
    try:
        line = json.dumps(record, ensure_ascii=False, allow_nan=False, default=str) + "\n"
    except ValueError:  # a NaN or infinity among the provider's own figures: keep ours, drop theirs
        record["server"] = {}
        line = json.dumps(record, ensure_ascii=False, allow_nan=False, default=str) + "\n"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    rotate_history(path, max_bytes)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line)  # one write of one line: concurrent writers (app, bench) interleave whole lines


def _valid_record(item: Any) -> bool:
    """A history line we can use: a provider name and, where present, finite numbers."""
    if not isinstance(item, dict):
        return False
    provider = item.get("provider")
    if not isinstance(provider, str) or not provider:
        return False
    for key in _NUMERIC_FIELDS:
        value = item.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
    model = item.get("model")
    return model is None or isinstance(model, str)


def _read_history_file(path: Path, records: list[dict[str, Any]]) -> None:
    try:
        fh = path.open("r", encoding="utf-8", errors="replace")
    except OSError:
        return
    with fh:
        try:
            for line in fh:
                try:
                    item = json.loads(line)
                except (ValueError, RecursionError):  # junk, or absurdly deep nesting
                    continue
                if _valid_record(item):
                    records.append(item)
        except OSError:
            return


def load_history(path: Path, *, include_rotated: bool = True) -> list[dict[str, Any]]:
    """Read the metrics history, oldest first (the rotated file, then the current one).

    Bad lines (not JSON, not an object, no provider, a number field that is not a finite number)
    are skipped, never fatal; a missing file is an empty history.
    """
    records: list[dict[str, Any]] = []
    if include_rotated:
        _read_history_file(rotated_path(path), records)
    _read_history_file(path, records)
    return records


__all__ = [
    "RequestTiming",
    "ProviderStats",
    "StatsBook",
    "append_history",
    "load_history",
    "percentile",
    "timing_record",
    "rotate_history",
    "rotated_path",
    "HISTORY_ROTATE_BYTES",
    "clock",
    "asdict",
]
