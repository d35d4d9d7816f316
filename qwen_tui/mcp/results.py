"""A tool result of an MCP server as text for the model: capped, with a clear truncation mark.

Text content goes as it is; images, audio, binary resources and links become a short note (the
models this app drives read text). ``isError`` makes the call a tool error the model sees. Works
on the SDK's objects by their attributes, so this module imports nothing of the SDK.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_RESULT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What a call of an MCP tool gave, ready for the model."""

    text: str
    is_error: bool = False
    truncated: bool = False
    notes: int = 0  # content items that were not text (told as a note)


def _size(data: str | None) -> str:
    if not data:
        return "empty"
    n = len(data) * 3 // 4  # base64
    return f"{n:,} bytes" if n < 10_000 else f"{n / 1024:,.0f} KiB"


def _item_text(item: Any) -> tuple[str, bool]:
    """One content item as text; True when it is only a note about non-text content."""
    kind = getattr(item, "type", None)
    if kind == "text":
        return str(getattr(item, "text", "")), False
    if kind in ("image", "audio"):
        mime = getattr(item, "mimeType", None) or kind
        return f"[{kind} ({mime}, {_size(getattr(item, 'data', None))}): not shown, the model gets text only]", True
    if kind == "resource_link":
        return f"[resource link: {getattr(item, 'uri', '')} {getattr(item, 'name', '') or ''}]".replace(" ]", "]"), True
    if kind == "resource":
        resource = getattr(item, "resource", None)
        text = getattr(resource, "text", None)
        if isinstance(text, str):
            return text, False
        mime = getattr(resource, "mimeType", None) or "binary"
        return f"[resource {getattr(resource, 'uri', '')} ({mime}, {_size(getattr(resource, 'blob', None))}): " \
               "not shown]", True
    return f"[{kind or 'unknown'} content: not shown]", True


def cap(text: str, limit: int = MAX_RESULT_CHARS) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters with a mark saying how much was left out."""
    if len(text) <= limit:
        return text, False
    left = len(text) - limit
    return f"{text[:limit]}\n[… truncated: {left:,} more characters of {len(text):,} were left out]", True


def outcome_of(result: Any, limit: int = MAX_RESULT_CHARS) -> CallOutcome:
    """The SDK's ``CallToolResult`` as a ``CallOutcome``."""
    parts: list[str] = []
    notes = 0
    for item in getattr(result, "content", None) or []:
        text, note = _item_text(item)
        parts.append(text)
        notes += note
    structured = getattr(result, "structuredContent", None)
    if not parts and structured is not None:
        parts.append(json.dumps(structured, ensure_ascii=False, default=str))
    text = "\n".join(parts) if parts else "(the tool returned nothing)"
    text, truncated = cap(text, limit)
    return CallOutcome(text, bool(getattr(result, "isError", False)), truncated, notes)
