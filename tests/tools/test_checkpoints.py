"""Checkpoints: one change set per answer; undo and redo byte for byte, modes and created files
included; a file changed outside is never overwritten."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from qwen_tui import paths
from qwen_tui.tools import ApprovalPolicy, CheckpointStore, Toolbox
from tests.tools.conftest import put


def state_of(root: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every file and folder under the root (not .git): content and mode."""
    out: dict[str, tuple[bytes | None, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if ".git" in Path(dirpath).relative_to(root).parts:
            continue
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            data = None if stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode) else p.read_bytes()
            out[str(p.relative_to(root))] = (data, stat.S_IMODE(st.st_mode))
    return out


def edit_answer(box: Toolbox, edits: dict[str, str], creates: dict[str, str] | None = None) -> None:
    answer = box.start_answer(context_files=list(edits))
    for rel, new in edits.items():
        result = answer.run("write_file", {"path": rel, "content": new})
        assert answer.approve(result).ok, result.content
    for rel, new in (creates or {}).items():
        result = answer.run("write_file", {"path": rel, "content": new})
        assert answer.approve(result).ok, result.content


def test_undo_and_redo_are_byte_for_byte(tree) -> None:
    root, _ = tree
    put(root, "tool.sh", b"#!/bin/sh\r\necho \xe9\r\n", mode=0o755)
    put(root, "ro.txt", "read only\n", mode=0o444)
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    original = state_of(root)
    edit_answer(box, {"tool.sh": "#!/bin/sh\necho changed\n", "ro.txt": "now different\n"},
                {"new/deep/file.txt": "created\n", "top.txt": "top\n"})
    changed = state_of(root)
    assert changed["tool.sh"] == (b"#!/bin/sh\necho changed\n", 0o755)  # mode kept by the write
    assert changed["ro.txt"][1] == 0o444
    infos = box.checkpoints.list()
    assert len(infos) == 1 and infos[0].state == "applied"
    assert [(f.path, f.created) for f in infos[0].files] == [
        ("tool.sh", False), ("ro.txt", False), ("new/deep/file.txt", True), ("top.txt", True)]

    report = box.checkpoints.undo()
    assert report.ok and report.restored == ["tool.sh", "ro.txt"]
    assert report.deleted == ["new/deep/file.txt", "top.txt"]
    assert state_of(root) == original  # bytes, modes, and the created folders gone
    assert box.checkpoints.list()[0].state == "undone"

    redo = box.checkpoints.redo()
    assert redo.ok and redo.restored == ["tool.sh", "ro.txt", "new/deep/file.txt", "top.txt"]
    assert state_of(root) == changed
    assert box.checkpoints.undo().ok and state_of(root) == original


def test_repeated_undo_walks_back_and_a_new_answer_drops_redo(tree) -> None:
    root, _ = tree
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    v0 = state_of(root)
    edit_answer(box, {"README.md": "one\n"})
    v1 = state_of(root)
    edit_answer(box, {"README.md": "two\n", "src/app.py": "app two\n"})
    assert [i.id for i in box.checkpoints.list()] == ["000002", "000001"]
    assert box.checkpoints.undo().change_set == "000002" and state_of(root) == v1
    assert box.checkpoints.undo().change_set == "000001" and state_of(root) == v0
    nothing = box.checkpoints.undo()
    assert nothing.change_set is None and nothing.ok
    assert box.checkpoints.redo().change_set == "000001" and state_of(root) == v1
    edit_answer(box, {"README.md": "three\n"})
    assert [i.state for i in box.checkpoints.list()] == ["applied", "dropped", "applied"]
    assert box.checkpoints.redo().change_set is None


def test_a_file_changed_outside_is_reported_and_nothing_is_restored(tree) -> None:
    root, _ = tree
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    edit_answer(box, {"README.md": "by the answer\n", "src/app.py": "app by the answer\n"})
    (root / "README.md").write_text("by the user, later\n")
    report = box.checkpoints.undo()
    assert not report.ok and report.changed_outside == ["README.md"] and report.restored == []
    assert (root / "README.md").read_text() == "by the user, later\n"
    assert (root / "src/app.py").read_text() == "app by the answer\n"
    assert box.checkpoints.list()[0].state == "applied"  # still there to undo once the user sorts it out


def test_a_file_edited_twice_in_one_answer_comes_back_to_its_first_content(tree) -> None:
    root, _ = tree
    before = (root / "src/util.py").read_bytes()
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    answer = box.start_answer()
    answer.run("read_file", {"path": "src/util.py"})
    for old, new in (("helper", "helper2"), ("other", "other2")):
        args = {"path": "src/util.py", "old_string": f"def {old}(", "new_string": f"def {new}("}
        result = answer.run("edit_file", args)
        assert answer.approve(result).ok
    infos = box.checkpoints.list()
    assert len(infos) == 1 and len(infos[0].files) == 1
    assert box.checkpoints.undo().restored == ["src/util.py"]
    assert (root / "src/util.py").read_bytes() == before


def test_checkpoints_live_under_xdg_data_per_project(tree, tmp_path: Path) -> None:
    root, _ = tree
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    edit_answer(box, {"README.md": "x\n"})
    folder = box.checkpoints.folder
    assert folder.parent == paths.data_dir() / "checkpoints" and folder.name.startswith("proj-")
    assert json.loads((folder / "project.json").read_text()) == {"root": str(root.resolve())}
    manifest = json.loads((folder / "sets/000001/manifest.json").read_text())
    entry = manifest["files"][0]
    blob = folder / "sets/000001/blobs" / entry["before"]
    assert blob.read_bytes() == b"# Project\n\nSome words.\n"
    assert stat.S_IMODE(os.stat(blob).st_mode) == 0o600
    other = tmp_path / "other"
    other.mkdir()
    assert CheckpointStore(other).folder != folder and CheckpointStore(other).list() == []


def test_the_checkpoint_is_on_disk_before_the_first_file_is_replaced(tree, monkeypatch) -> None:
    import qwen_tui.tools.toolbox as toolbox_module

    root, _ = tree
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    answer = box.start_answer(context_files=["README.md", "src/app.py"])
    proposals = [answer.run("write_file", {"path": p, "content": "new\n"}).proposal
                 for p in ("README.md", "src/app.py", "made.txt")]
    seen: list[list[str]] = []
    original = toolbox_module.write_file_bytes

    def checking_write(path: Path, data: bytes, mode: int) -> None:
        manifest = json.loads((box.checkpoints.folder / "sets/000001/manifest.json").read_text())
        seen.append([f["path"] for f in manifest["files"]])
        for f in manifest["files"]:
            for sha in filter(None, (f["before"], f["after"])):
                assert (box.checkpoints.folder / "sets/000001/blobs" / sha).is_file()
        original(path, data, mode)

    monkeypatch.setattr(toolbox_module, "write_file_bytes", checking_write)
    assert all(r.ok for r in answer.apply_many(proposals))
    assert seen[0] == ["README.md", "src/app.py", "made.txt"] and len(seen) == 3


def test_an_answer_that_writes_after_its_set_was_undone_starts_a_new_set(tree) -> None:
    root, _ = tree
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    answer = box.start_answer(context_files=["README.md", "src/app.py"])
    assert answer.approve(answer.run("write_file", {"path": "README.md", "content": "a\n"})).ok
    assert CheckpointStore(root).undo().ok  # from another window, while the answer goes on
    assert answer.approve(answer.run("write_file", {"path": "src/app.py", "content": "b\n"})).ok
    infos = box.checkpoints.list()
    assert [(i.id, i.state, [f.path for f in i.files]) for i in infos] == [
        ("000002", "applied", ["src/app.py"]), ("000001", "dropped", ["README.md"])]
