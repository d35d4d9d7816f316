"""The metrics history: one JSONL line per request (``$XDG_STATE_HOME/qwen-tui/metrics.jsonl``),
appended by the app, ``ask`` and ``bench``, read back by the dashboard and the picker. Measuring
lives in ``qwen_tui.timing``; this module only stores and loads what was measured."""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from qwen_tui.redact import redact
from qwen_tui.timing import RequestTiming

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




class MetricsLog:
    """Where each request's figures go: the history file, or (the demo, ``path`` None) memory,
    which the dashboard reads instead."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.records: list[dict[str, Any]] = []

    def add(self, timing: RequestTiming, error: str | None = None) -> None:
        """Blocking (a thread's job); a file that cannot be written loses the record, nothing else."""
        if self.path is None:
            self.records.append(timing_record(timing, error=error))
            return
        with contextlib.suppress(OSError):
            append_history(self.path, timing, error=error)
