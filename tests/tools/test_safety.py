"""Tools touch only the project root: no `..` out, no absolute path outside, no symlink out (at
any component, also for files to be created), nothing under .git/, no control characters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qwen_tui.tools import ApprovalPolicy, ProjectPaths, ToolError, Toolbox


@pytest.mark.parametrize(("path", "message"), [
    ("../outside/secret.txt", "outside the project folder (goes above the project folder)"),
    ("src/../../outside/secret.txt", "goes above the project folder"),
    ("link_out.txt", "outside the project folder (it leads to"),
    ("dir_out/secret.txt", "outside the project folder (it leads to"),
    (".git/config", "inside .git/, which tools never read or change"),
    ("src/../.GIT/config", "inside .GIT/"),
    ("a\x00b", "contains a control character (U+0000)"),
    ("a\x1b[31mb", "contains a control character (U+001B)"),
    ("a\u202eb", "contains a control character (U+202E)"),
    ("x" * 2000, "the path is too long"),
    ("d/" + "y" * 300, "longer than 255 bytes"),
])
def test_refusals_in_plain_words(tree, path: str, message: str) -> None:
    root, _ = tree
    box = Toolbox(root)
    result = box.start_answer().run("read_file", {"path": path})
    assert not result.ok and message in result.content
    write = box.start_answer().run("write_file", {"path": path, "content": "x"})
    assert not write.ok and not write.pending and message in write.content


def test_absolute_paths_inside_work_outside_do_not(tree) -> None:
    root, outside = tree
    answer = Toolbox(root).start_answer()
    inside = answer.run("read_file", {"path": str(root / "src/app.py")})
    assert inside.ok and inside.summary == "read src/app.py: 6 lines"
    out = answer.run("read_file", {"path": str(outside / "secret.txt")})
    assert not out.ok and "outside the project folder" in out.content


def test_new_file_through_a_symlinked_folder_out_is_refused(tree) -> None:
    root, outside = tree
    paths = ProjectPaths(Toolbox(root).index)
    with pytest.raises(ToolError, match="outside the project folder"):
        paths.for_write("dir_out/new/deeper.txt")
    with pytest.raises(ToolError, match="README.md is a file, not a folder"):
        paths.for_write("README.md/x.txt")
    os.symlink(root / "src", root / "src_link")
    target = paths.for_write("src_link/new.py")  # a symlink inside the root is followed, and stays inside
    assert target.rel == "src/new.py" and not target.exists
    assert paths.for_write("link_in.py").rel == "src/app.py"


# ---- property: whatever the model sends, nothing outside the root is read or written ----------

_PARTS = st.sampled_from(["..", ".", "", "src", "app.py", "new", "dir_out", "link_out.txt", "link_in.py", ".git",
                          ".GIT", "config", "secret.txt", "outside", "x" * 260, "a\x00", "b\x1b", "c\u202e", "~",
                          "build", "..."])


@st.composite
def model_paths(draw, root: Path, outside: Path) -> str:
    parts = draw(st.lists(_PARTS, min_size=0, max_size=3))
    prefix = draw(st.sampled_from(["", "/", "./", "@", str(root) + "/", str(outside) + "/", str(root.parent) + "/"]))
    tail = draw(st.sampled_from(["", "/", "/x.txt"]))
    return prefix + "/".join(parts) + tail


def _snapshot(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames + dirnames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(folder))
            out[rel] = "link" if p.is_symlink() else ("dir" if p.is_dir() else p.read_bytes())
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_tool_call_reaches_outside_the_root(tree, data) -> None:
    root, outside = tree
    sibling = root.parent
    outside_before = _snapshot(outside)
    git_before = _snapshot(root / ".git")
    around_before = sorted(os.listdir(sibling))
    box = Toolbox(root, policy=ApprovalPolicy(tools="edit", approve="auto"))
    answer = box.start_answer(context_files=["README.md"])
    path = data.draw(model_paths(root, outside))
    calls = [
        ("read_file", {"path": path}),
        ("list_files", {"path": path}),
        ("list_files", {"pattern": "*.txt", "path": path}),
        ("search", {"pattern": "secret|core", "path": path}),
        ("write_file", {"path": path, "content": "written by the model\n"}),
        ("edit_file", {"path": path, "old_string": "outside secret", "new_string": "pwned"}),
        ("edit_file", {"path": path, "old_string": "[core]", "new_string": "pwned"}),
    ]
    for name, args in calls:
        result = answer.run(name, args)
        assert "outside secret" not in result.content
        assert "[core]" not in result.content
        if result.pending:
            final = answer.approve(result)
            if final.ok:
                real = Path(os.path.realpath(result.proposal.real_path))
                assert real.is_relative_to(root) and ".git" not in real.relative_to(root).parts
    assert _snapshot(outside) == outside_before
    assert _snapshot(root / ".git") == git_before
    assert sorted(os.listdir(sibling)) == around_before
