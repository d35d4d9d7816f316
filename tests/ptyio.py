"""Reading what a program wrote to a pseudo-terminal, for tests that check terminal output."""

from __future__ import annotations

import os


def drain(master: int) -> bytes:
    """Everything readable from ``master`` once the child has closed its side (EIO or EOF)."""
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # Linux answers EIO once the slave side is closed
            break
        if not chunk:
            break
        out += chunk
    return out
