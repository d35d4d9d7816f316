"""Text from a model, a provider's error body or a file name is data. Before it reaches a
terminal, control characters (other than newline and tab), C1 controls and bidi overrides are
replaced by visible placeholders, so nothing in it can move the cursor, set the clipboard (OSC 52),
retitle the window or reorder what is shown."""

from __future__ import annotations

import re

_CONTROL_PICTURES = {i: chr(0x2400 + i) for i in range(0x20) if i not in (0x09, 0x0A)}
_CONTROL_PICTURES[0x7F] = "\u2421"  # ␡
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")


def _placeholder(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if code in _CONTROL_PICTURES:
        return _CONTROL_PICTURES[code]
    return f"<U+{code:04X}>"


def visible_controls(text: str) -> str:
    """``text`` with every unsafe character shown as a placeholder (ESC as ␛)."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_placeholder, text)


def visible(text: str, *, single_line: bool = False) -> str:
    """``text`` with every unsafe control character replaced by a visible placeholder.

    ``single_line`` also turns newlines and tabs into placeholders (for labels and file names).
    """
    text = visible_controls(text)
    if single_line:
        text = text.replace("\n", "\u2424").replace("\t", "\u2409")
    return text
