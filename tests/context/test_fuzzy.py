"""Fuzzy finding: fzf-like ranking, positions, smart case, and the fast path on many files."""

from __future__ import annotations

import time

from qwen_tui.context import fuzzy_find
from qwen_tui.context.fuzzy import FuzzyIndex, score_path

PATHS = [
    "qwen_tui/context/builder.py",
    "qwen_tui/context/files.py",
    "qwen_tui/ui/file_tree.py",
    "qwen_tui/ui/context_panel.py",
    "tests/context/test_builder.py",
    "docs/benchmarks.md",
    "bench/context.py",
    "README.md",
    "qwen_tui/providers/base.py",
    "src/FileTree.tsx",
    "a/b/c/d/e/builder.py",
]


def test_basename_and_segment_starts_rank_first() -> None:
    ranked = [m.path for m in fuzzy_find("builder", PATHS)]
    assert ranked[0] == "qwen_tui/context/builder.py"  # nearer than a/b/c/d/e/builder.py
    assert ranked.index("a/b/c/d/e/builder.py") < ranked.index("tests/context/test_builder.py")
    assert fuzzy_find("ft", PATHS)[0].path in ("qwen_tui/ui/file_tree.py", "src/FileTree.tsx")
    assert fuzzy_find("ctxbld", PATHS)[0].path == "qwen_tui/context/builder.py"


def test_subsequence_and_non_match() -> None:
    assert [m.path for m in fuzzy_find("rdm", PATHS)] == ["README.md"]
    assert fuzzy_find("zzz", PATHS) == []


def test_positions_point_at_matched_letters() -> None:
    m = score_path("qwen_tui/ui/file_tree.py", "ftree")
    assert m is not None
    assert "".join("qwen_tui/ui/file_tree.py"[p] for p in m.positions) == "ftree"
    assert m.positions[0] == len("qwen_tui/ui/")


def test_smart_case() -> None:
    assert [m.path for m in fuzzy_find("FT", PATHS)] == ["src/FileTree.tsx"]
    assert len(fuzzy_find("ft", PATHS)) >= 2


def test_consecutive_beats_scattered() -> None:
    a = score_path("x/contextual.py", "text")  # a run in the middle of a word
    b = score_path("x/t1e2x3t4.py", "text")  # the same letters scattered
    assert a is not None and b is not None and a.score > b.score


def test_empty_query_lists_shortest_first() -> None:
    assert [m.path for m in fuzzy_find("", PATHS, limit=2)] == ["README.md", "bench/context.py"]


def test_query_with_a_slash_matches_across_folders() -> None:
    assert fuzzy_find("ui/pan", PATHS)[0].path == "qwen_tui/ui/context_panel.py"


def test_many_paths_stay_fast_and_agree_with_full_scoring() -> None:
    paths = [f"pkg{d % 10}/mod{d}/file_{f}.py" for d in range(1000) for f in range(30)]
    paths.append("deep/inner/special_widget.py")
    index = FuzzyIndex(paths)
    # CPU seconds, not the wall clock: the search is pure computation, and on a shared machine
    # the wall clock also counts other jobs' turns
    started = time.process_time()
    for query in ("s", "sp", "spe", "spec", "specw", "specwid"):
        result = index.search(query, limit=10)
    per_query = (time.process_time() - started) / 6
    assert result[0].path == "deep/inner/special_widget.py"
    assert per_query < 0.1, f"{per_query * 1000:.0f} ms of CPU per query over 30,001 paths"
    # the fast gathering finds what scoring every path would put first
    brute = sorted(
        (m for p in paths if (m := score_path(p, "mod99f3")) is not None),
        key=lambda m: (-m.score, m.path.count("/"), len(m.path), m.path),
    )
    assert index.search("mod99f3", limit=1)[0].score == brute[0].score
