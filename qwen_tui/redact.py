"""Secrets stay secret: key values and key-shaped strings are removed from any text before it is
shown, logged or saved. A module of its own so that everything (providers, timing, sessions, the
CLI) can use it without importing the provider layer."""

from __future__ import annotations

import re

_SECRETS: set[str] = set()
_PATTERNS = [
    # Authorization-style header values
    re.compile(r"(?i)((?:x-blaxel-)?authorization[\"']?\s*[:=]\s*[\"']?)(?:bearer\s+)?[^\s\"',}]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"),
    # key shapes
    re.compile(r"()\b(?:hf|bl)_[A-Za-z0-9]{6,}"),
    re.compile(r"()\bsk-[A-Za-z0-9_-]{6,}"),
]
REDACTED = "[redacted]"


def register_secret(value: str | None) -> None:
    """Remember a key value so ``redact`` removes it wherever it shows up, whatever its shape."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    if not text:
        return text
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text
