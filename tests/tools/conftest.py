"""A real project folder for the tools, with a sibling folder outside it and symlinks out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qwen_tui.tools import ApprovalPolicy, Toolbox


def put(root: Path, rel: str, content: str | bytes = "x\n", mode: int | None = None) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    if mode is not None:
        os.chmod(path, mode)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """(project root, outside folder): the root holds files, ignored files, .git and symlinks out."""
    root = tmp_path / "proj"
    outside = tmp_path / "outside"
    put(outside, "secret.txt", "outside secret\n")
    put(root, "src/app.py", "import os\n\n\ndef main():\n    print('hi')\n    return 0\n")
    put(root, "src/util.py", "def helper(x):\n    return x + 1\n\n\ndef other(x):\n    return x + 1\n")
    put(root, "README.md", "# Project\n\nSome words.\n")
    put(root, ".gitignore", "build/\n*.log\n")
    put(root, "build/out.txt", "built\n")
    put(root, "debug.log", "log line\n")
    put(root, ".git/config", "[core]\n")
    put(root, "data.bin", b"\x00\x01\x02binary")
    os.symlink(outside / "secret.txt", root / "link_out.txt")
    os.symlink(outside, root / "dir_out")
    os.symlink(root / "src" / "app.py", root / "link_in.py")
    return root, outside


@pytest.fixture
def toolbox(tree: tuple[Path, Path]) -> Toolbox:
    return Toolbox(tree[0], policy=ApprovalPolicy(tools="edit", approve="ask"))
