"""Text from a model or a file name is data: make control characters visible before display.

The rules live in ``qwen_tui.terminal_text`` (the CLI uses them too); this adds the single-line
form the UI needs for labels and file names.
"""

from __future__ import annotations

from qwen_tui.terminal_text import visible_controls


def visible(text: str, *, single_line: bool = False) -> str:
    """``text`` with every unsafe control character replaced by a visible placeholder.

    ``single_line`` also turns newlines and tabs into placeholders (for labels and file names).
    """
    text = visible_controls(text)
    if single_line:
        text = text.replace("\n", "\u2424").replace("\t", "\u2409")
    return text
