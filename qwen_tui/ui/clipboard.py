"""The local clipboard, beside OSC 52 (which the terminal handles, over SSH too)."""

from __future__ import annotations

import shutil
import subprocess


def local_clipboard_commands() -> list[list[str]]:
    """Local clipboard tools present on this machine, best first."""
    candidates = [["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"], ["pbcopy"]]
    return [cmd for cmd in candidates if shutil.which(cmd[0])]


def copy_locally(text: str) -> bool:
    """Copy with the first local tool that works (run in a thread); False when none did."""
    for cmd in local_clipboard_commands():
        try:
            subprocess.run(cmd, input=text.encode("utf-8"), timeout=2, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return True
        except (OSError, subprocess.SubprocessError):
            continue
    return False
