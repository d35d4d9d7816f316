"""Incremental decoders for Server-Sent Events and NDJSON.

Network reads split lines anywhere, including inside a multi-byte UTF-8 character. Both decoders
buffer bytes up to the newline and decode whole lines only, so a split never corrupts text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class DecodeError(ValueError):
    """A line that is not what the protocol allows (not UTF-8, not JSON)."""

    def __init__(self, what: str, line: bytes | str) -> None:
        sample = line if isinstance(line, str) else line.decode("utf-8", "replace")
        if len(sample) > 120:
            sample = sample[:120] + "…"
        self.sample = sample
        super().__init__(f"{what}: {sample!r}")


@dataclass(frozen=True, slots=True)
class SSEEvent:
    event: str  # "message" unless the server named it
    data: str
    id: str | None = None


class SSEDecoder:
    """Server-Sent Events per the WHATWG spec: ``data:`` lines joined by newlines, dispatched on a
    blank line; comment lines (``: ping``) ignored; CR, LF and CRLF line ends."""

    __slots__ = ("_buf", "_data", "_event", "_id", "_pending_cr")

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._pending_cr = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk:
            return []
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across reads
        self._pending_cr = chunk.endswith(b"\r")
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if b"\n" not in buf:
            self._buf = buf
            return []
        *lines, self._buf = buf.split(b"\n")
        events: list[SSEEvent] = []
        for raw in lines:
            event = self._line(raw)
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[SSEEvent]:
        """End of stream: a final event without its blank line still counts."""
        events: list[SSEEvent] = []
        if self._buf:
            raw, self._buf = self._buf, b""
            event = self._line(raw)
            if event is not None:
                events.append(event)
        event = self._line(b"")
        if event is not None:
            events.append(event)
        return events

    def _line(self, raw: bytes) -> SSEEvent | None:
        if not raw:
            if not self._data and not self._event:
                return None
            event = SSEEvent(self._event or "message", "\n".join(self._data), self._id)
            self._data, self._event = [], ""
            return event
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("not UTF-8", raw) from None
        if line.startswith(":"):
            return None
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event = value
        elif field == "id":
            self._id = value
        # "retry" and unknown fields are ignored, as the spec says
        return None


class NDJSONDecoder:
    """One JSON value per line; blank lines skipped."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[Any]:
        buf = self._buf + chunk if self._buf else chunk
        if b"\n" not in buf:
            self._buf = buf
            return []
        *lines, self._buf = buf.split(b"\n")
        return [_json_line(line) for line in lines if line.strip()]

    def flush(self) -> list[Any]:
        raw, self._buf = self._buf, b""
        return [_json_line(raw)] if raw.strip() else []


def _json_line(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise DecodeError("not a JSON line", raw) from None


def parse_json(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise DecodeError("not JSON", data) from None
