"""The project index on real folders: ignore rules at every level, refresh, size."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qwen_tui.context import ProjectIndex, Selection, build_prompt
from qwen_tui.context.ignore import IgnoreLayer

from .helpers import write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(root, ".gitignore", "*.log\n!keep.log\nbuild/\n/secret.txt\nnode_modules\n")
    write(root, "app.py", "print('hi')\n")
    write(root, "debug.log")
    write(root, "keep.log")
    write(root, "secret.txt")
    write(root, "build/out.py")
    write(root, "node_modules/pkg/index.js")
    write(root, "src/secret.txt")  # "/secret.txt" is anchored to the root: this one stays
    write(root, "src/main.py")
    write(root, "src/.gitignore", "*.tmp\n!important.tmp\n!*.log\n")
    write(root, "src/a.tmp")
    write(root, "src/important.tmp")
    write(root, "src/trace.log")  # re-included by the nested negation
    write(root, "src/deep/.gitignore", "!a.tmp\nlocal/\n")
    write(root, "src/deep/a.tmp")  # ignored by src/.gitignore, re-included one level down
    write(root, "src/deep/b.tmp")
    write(root, "src/deep/local/x.py")
    write(root, ".git/HEAD", "ref: refs/heads/main\n")
    write(root, ".git/info/exclude", "*.bak\n")
    write(root, "notes.bak")
    write(root, ".qwenignore", "docs/private/\nsrc/trace.log\n")
    write(root, "docs/private/plan.md")
    write(root, "docs/readme.md")
    return root


def test_nested_gitignores_with_negations(project: Path) -> None:
    idx = ProjectIndex(project)
    idx.build()
    assert idx.files == [
        ".gitignore",
        ".qwenignore",
        "app.py",
        "docs/readme.md",
        "keep.log",
        "src/.gitignore",
        "src/deep/.gitignore",
        "src/deep/a.tmp",
        "src/important.tmp",
        "src/main.py",
        "src/secret.txt",
    ]


def test_is_ignored_explains_single_paths(project: Path) -> None:
    idx = ProjectIndex(project)
    idx.build()
    assert idx.is_ignored("debug.log")
    assert not idx.is_ignored("keep.log")
    assert idx.is_ignored("build/out.py")  # through its folder
    assert idx.is_ignored("build/")
    assert idx.is_ignored("src/a.tmp")
    assert not idx.is_ignored("src/deep/a.tmp")
    assert idx.is_ignored("src/deep/local/new.py")  # need not exist
    assert idx.is_ignored("notes.bak")  # .git/info/exclude
    assert idx.is_ignored("src/trace.log")  # .qwenignore wins over the nested negation
    assert idx.is_ignored("docs/private/plan.md")
    assert idx.is_ignored(".git/HEAD")
    assert not idx.is_ignored("src/main.py")


def test_ignored_folders_are_pruned_not_walked(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[str] = []
    real_scandir = os.scandir

    def spy(path):  # type: ignore[no-untyped-def]
        walked.append(Path(path).relative_to(project).as_posix())
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", spy)
    ProjectIndex(project).build()
    assert "build" not in walked and "node_modules" not in walked and ".git" not in walked
    assert "src/deep/local" not in walked and "docs/private" not in walked
    assert "src/deep" in walked


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(root, "a.py")
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "etc").symlink_to("/etc", target_is_directory=True)
    idx = ProjectIndex(root)
    idx.build()
    assert idx.files == ["a.py"]


def test_refresh_sees_added_removed_and_rule_changes(project: Path) -> None:
    idx = ProjectIndex(project)
    idx.build()
    assert not idx.refresh()
    write(project, "src/deep/new.py")
    write(project, "fresh/one.py")
    assert idx.refresh()
    assert "src/deep/new.py" in idx.files and "fresh/one.py" in idx.files
    (project / "app.py").unlink()
    assert idx.refresh()
    assert "app.py" not in idx.files
    # a changed nested .gitignore re-evaluates its folder
    write(project, "src/.gitignore", "main.py\n")
    assert idx.refresh()
    assert "src/main.py" not in idx.files and "src/a.tmp" in idx.files
    # a changed .qwenignore re-evaluates everything
    write(project, ".qwenignore", "fresh/\n")
    assert idx.refresh()
    assert "fresh/one.py" not in idx.files and "docs/private/plan.md" in idx.files
    assert not idx.refresh()


async def test_watch_reports_changes_from_a_thread(project: Path) -> None:
    idx = ProjectIndex(project)
    await idx.build_async()
    changes = idx.watch(interval=0.01)
    write(project, "late.py")
    files = await asyncio.wait_for(anext(changes), 10)
    assert "late.py" in files
    await changes.aclose()


@pytest.mark.slow
def test_folder_of_10000_files(tmp_path: Path) -> None:
    root = tmp_path / "big"
    folder = root / "many"
    folder.mkdir(parents=True)
    for i in range(10_000):
        (folder / f"f{i:05d}.txt").write_bytes(b"%d\n" % i)
    write(root, ".gitignore", "many/f09*\n")
    idx = ProjectIndex(root)
    # CPU seconds of this process (the walk's system calls included), not the wall clock, which
    # on a shared machine also counts other jobs' turns
    started = time.process_time()
    idx.build()
    took = time.process_time() - started
    assert len(idx.files) == 1 + 9_000  # .gitignore + all but f09000..f09999
    assert "many/f08999.txt" in idx.files and "many/f09000.txt" not in idx.files
    assert took < 5, f"indexing 10,000 files took {took:.2f} s of CPU"
    started = time.process_time()
    assert not idx.refresh()
    assert time.process_time() - started < 2
    # selecting the folder: refused by the per-folder limit with a note, or held by the budget
    sel = Selection()
    sel.add("many/", idx)
    files, notes = sel.expand(idx)
    assert files == [] and "9,000 files" in notes[0]
    files, notes = sel.expand(idx, max_folder_files=None)
    assert len(files) == 9_000 and notes == []
    built = build_prompt("what is in here?", [], files, context_window=32_768)
    assert built.over_budget and len(built.file_tokens) == 9_000
    assert built.held_message is not None and "many/f" in built.held_message


_SEGMENTS = st.sampled_from(["a", "b", "src", "build", "x.py", "y.log", "keep.log", "doc", "z.tmp", "deep"])
_PATTERNS = st.sampled_from(
    ["*.log", "!keep.log", "build/", "/a", "src/**/x.py", "**/deep", "!b", "z.*", "doc/*", "!src/", "a/b/", "\\!x",
     "[xy].py"]
)


@settings(max_examples=150, deadline=None)
@given(
    patterns=st.lists(_PATTERNS, min_size=1, max_size=6),
    segments=st.lists(_SEGMENTS, min_size=1, max_size=4),
    is_dir=st.booleans(),
)
def test_quick_reject_never_changes_pathspecs_answer(patterns: list[str], segments: list[str], is_dir: bool) -> None:
    layer = IgnoreLayer.from_lines("", "test", patterns)
    path = "/".join(segments) + ("/" if is_dir else "")
    assert layer.decide(path) == layer.spec.check_file(path).include
