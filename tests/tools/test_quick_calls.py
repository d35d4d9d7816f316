"""Which calls the agent loop runs on its own thread: a read_file of a small file only."""

from __future__ import annotations

from pathlib import Path

from qwen_tui.tools.toolbox import INLINE_READ_BYTES, Toolbox


def test_only_small_reads_are_quick(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text("x = 1\n")
    (tmp_path / "big.txt").write_text("y" * (INLINE_READ_BYTES + 1))
    (tmp_path / "folder").mkdir()
    answer = Toolbox(tmp_path).start_answer()
    assert answer.quick("read_file", {"path": "small.py"})
    assert not answer.quick("read_file", {"path": "big.txt"})
    assert not answer.quick("read_file", {"path": "missing.py"})
    assert not answer.quick("read_file", {"path": "folder"})
    assert not answer.quick("read_file", {"path": "../small.py"})
    assert not answer.quick("read_file", '{"path": "small.py"')  # arguments that are not JSON
    assert not answer.quick("search", {"pattern": "x"})
    assert not answer.quick("edit_file", {"path": "small.py", "old_string": "x", "new_string": "y"})
    assert answer.run("read_file", {"path": "small.py"}).content == "     1\tx = 1"
