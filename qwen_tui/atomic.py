"""Crash-safe file replacement and moving broken files aside.

A save that is interrupted (SIGKILL, power loss, full disk) must leave the previous file whole, so
every file the app rewrites goes through ``write_atomic``: write a temp file in the same folder,
fsync it, rename it over the target, then fsync the folder so the rename itself is durable.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: str | bytes, mode: int = 0o600) -> Path:
    """Replace ``path`` with ``data`` all at once; the file ends with permissions ``mode``.

    Either the old content or the new content is on disk afterwards, never a mix or a stub.
    """
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    fsync_dir(target.parent)
    return target


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every platform allows it)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def move_aside(path: Path, tag: str = "corrupt") -> Path | None:
    """Rename a broken file to ``<name>.<tag>-<timestamp>`` so it is kept but no longer read.

    Returns the new path, or None when the file could not be moved (it is then left in place).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.{tag}-{stamp}")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{tag}-{stamp}-{counter}")
        counter += 1
    try:
        os.replace(path, candidate)
    except OSError:
        return None
    return candidate
