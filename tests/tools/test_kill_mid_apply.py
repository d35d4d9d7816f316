"""A change set of 50 files, its writer SIGKILLed mid-apply: every file is whole (old or new),
and undo brings every one back to its old bytes.

The child is a real process applying through ``Answer.apply_many``; it reports each file as it
is written (a wrapper around the write, nothing else changed), so the kill lands in the middle.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qwen_tui.tools import CheckpointStore

FILES = 50
SIZE = 256 * 1024
KILL_AFTER = 25

CHILD = textwrap.dedent("""
    import sys
    from qwen_tui.tools import ApprovalPolicy, Toolbox
    import qwen_tui.tools.toolbox as toolbox_module

    original = toolbox_module.write_file_bytes

    def reporting_write(path, data, mode):
        original(path, data, mode)
        sys.stdout.write("written " + path.name + "\\n")
        sys.stdout.flush()

    toolbox_module.write_file_bytes = reporting_write
    root, count = sys.argv[1], int(sys.argv[2])
    names = [f"f{i:02d}.txt" for i in range(count)]
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    answer = box.start_answer(context_files=names)
    results = [answer.run("write_file", {"path": n, "content": ("new " + n + "\\n") * 20000}) for n in names]
    assert all(r.pending for r in results), [r.content for r in results if not r.pending]
    results += [answer.run("write_file", {"path": "created.txt", "content": "created\\n"})]
    sys.stdout.write("applying\\n")
    sys.stdout.flush()
    answer.apply_many([r.proposal for r in results])
    sys.stdout.write("done\\n")
    sys.stdout.flush()
""")


def old_content(name: str) -> bytes:
    return (f"old {name}\n" * (SIZE // 12)).encode()


@pytest.mark.timeout(60)
def test_sigkill_mid_apply_leaves_whole_files_and_undo_restores_them(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    names = [f"f{i:02d}.txt" for i in range(FILES)]
    for i, name in enumerate(names):
        (root / name).write_bytes(old_content(name))
        os.chmod(root / name, 0o640 if i % 2 else 0o600)
    modes = {n: os.stat(root / n).st_mode & 0o777 for n in names}
    new = {n: (f"new {n}\n" * 20000).encode() for n in names}

    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(FILES)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2], env=os.environ.copy())
    written = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b"written "):
            written += 1
            if written == KILL_AFTER:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(timeout=20)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""

    states = {}
    for name in names:
        data = (root / name).read_bytes()
        assert data in (old_content(name), new[name]), f"{name} is neither old nor new ({len(data)} bytes)"
        states[name] = "new" if data == new[name] else "old"
    assert list(states.values()).count("new") >= KILL_AFTER
    assert "old" in states.values(), "the kill came after the last write: nothing was mid-apply"

    report = CheckpointStore(root).undo()
    assert report.ok, report.changed_outside
    assert sorted(report.restored) == sorted(n for n, s in states.items() if s == "new")
    assert set(report.unchanged) >= {n for n, s in states.items() if s == "old"}
    for name in names:
        assert (root / name).read_bytes() == old_content(name)
        assert os.stat(root / name).st_mode & 0o777 == modes[name]
    assert not (root / "created.txt").exists()
    assert sorted(os.listdir(root)) == names  # no temp file of the killed write is left behind
