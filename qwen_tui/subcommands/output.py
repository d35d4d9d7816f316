"""Writing to the user's terminal or pipe: safe text, plain-word errors, exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from qwen_tui.providers.base import MissingKey, ProviderError
from qwen_tui.redact import redact
from qwen_tui.terminal_text import visible_controls
from qwen_tui.timing import fmt_ms  # noqa: F401 - the CLI's figures are written one way

EXIT_OK, EXIT_PROVIDER, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad input from the user (exit 2): a missing file, a binary file, a bad flag value."""


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def safe(text: str, stream: TextIO) -> str:
    """Model or server text as it may go to ``stream``: controls made visible on a terminal."""
    return visible_controls(text) if is_tty(stream) else text


def err(message: str) -> None:
    """A message on stderr, redacted, controls always made visible."""
    sys.stderr.write(visible_controls(redact(message)) + "\n")
    sys.stderr.flush()


def emit_json(obj: dict[str, Any], stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    stream.write(json.dumps(obj, ensure_ascii=False) + "\n")
    stream.flush()


def exit_code_for(exc: ProviderError) -> int:
    """A missing key or setting is a configuration error (2); the rest are provider errors (1)."""
    return EXIT_USAGE if isinstance(exc, MissingKey) else EXIT_PROVIDER

