"""`qwen-tui undo [PATH] [--list] [--json]`: exit codes and output as the design fixes them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.cli import main
from qwen_tui.tools import ApprovalPolicy, Toolbox


def answer_writes(root: Path, files: dict[str, str]) -> None:
    box = Toolbox(root, policy=ApprovalPolicy(approve="auto"))
    answer = box.start_answer(context_files=[p for p in files if (root / p).exists()])
    for rel, content in files.items():
        result = answer.run("write_file", {"path": rel, "content": content})
        assert answer.approve(result).ok, result.content


def test_nothing_to_undo_exits_0_with_a_message(tree, capsys) -> None:
    root, _ = tree
    assert main(["undo", str(root)]) == 0
    assert capsys.readouterr().out == f"nothing to undo in {root.resolve()}\n"
    assert main(["undo", str(root), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["change_set"] is None and payload["message"] == "nothing to undo" and payload["ok"] is True


def test_list_then_undo(tree, capsys) -> None:
    root, _ = tree
    answer_writes(root, {"README.md": "first\n"})
    answer_writes(root, {"README.md": "second\n", "notes/new.txt": "made\n"})
    assert main(["undo", str(root), "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("000002  ")
    assert "applied  2 files: README.md (modified), notes/new.txt (created)" in lines[0]
    assert lines[1].startswith("000001  ") and "1 file: README.md (modified)" in lines[1]
    assert main(["undo", str(root), "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["project"] == str(root.resolve())
    assert [s["id"] for s in listed["change_sets"]] == ["000002", "000001"]
    assert listed["change_sets"][0]["files"] == [{"path": "README.md", "action": "modified"},
                                                 {"path": "notes/new.txt", "action": "created"}]

    assert main(["undo", str(root)]) == 0
    out = capsys.readouterr().out
    assert out == ("restored README.md\ndeleted notes/new.txt (created by that answer)\nundid change set 000002\n")
    assert (root / "README.md").read_text() == "first\n" and not (root / "notes").exists()
    assert main(["undo", str(root), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["change_set"] == "000001" and payload["restored"] == ["README.md"] and payload["ok"] is True
    assert (root / "README.md").read_text() == "# Project\n\nSome words.\n"


def test_a_file_changed_outside_exits_1_naming_it(tree, capsys) -> None:
    root, _ = tree
    answer_writes(root, {"README.md": "by the answer\n", "src/app.py": "by the answer\n"})
    (root / "src/app.py").write_text("edited by hand\n")
    assert main(["undo", str(root)]) == 1
    captured = capsys.readouterr()
    expected = "error: src/app.py changed outside qwen-tui since change set 000001 wrote it; nothing was undone"
    assert expected in captured.err
    assert (root / "README.md").read_text() == "by the answer\n"
    assert main(["undo", str(root), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["changed_outside"] == ["src/app.py"]


def test_path_defaults_to_the_current_folder_and_must_be_a_folder(tree, capsys, monkeypatch) -> None:
    root, _ = tree
    answer_writes(root, {"README.md": "x\n"})
    monkeypatch.chdir(root)
    assert main(["undo"]) == 0
    assert "undid change set 000001" in capsys.readouterr().out
    assert main(["undo", str(root / "README.md")]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_the_real_command_line(tree) -> None:
    root, _ = tree
    answer_writes(root, {"README.md": "x\n"})
    run = subprocess.run([sys.executable, "-m", "qwen_tui", "undo", str(root), "--json"], capture_output=True,
                         text=True, env=os.environ.copy(), timeout=30)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["restored"] == ["README.md"]
    assert (root / "README.md").read_text() == "# Project\n\nSome words.\n"
