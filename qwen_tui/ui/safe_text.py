"""Text from a model or a file name is data: make control characters visible before display.

ESC, other C0 controls, DEL, C1 controls and bidi overrides would otherwise reach the terminal
(or reorder what the user reads), so each becomes a visible placeholder. Newline and tab stay.
"""

from __future__ import annotations

import re

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")


def _placeholder(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟ control pictures
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible(text: str, *, single_line: bool = False) -> str:
    """``text`` with every unsafe control character replaced by a visible placeholder.

    ``single_line`` also turns newlines and tabs into placeholders (for labels and file names).
    """
    text = _UNSAFE.sub(_placeholder, text)
    if single_line:
        text = text.replace("\n", "\u2424").replace("\t", "\u2409").replace("\r", "\u240d")
    return text
