"""Benchmark of the context core on a generated repository.

    uv run python bench/context.py [--files 100000] [--folders 1000] [--write-docs]

Generates (once; reused from --dir if present) a repository of ``--files`` files in ``--folders``
folders with ignore rules at several levels, then measures, against the targets of issue 3:

- building the project index (target: at most 1.5 s), and a refresh with nothing changed;
- fuzzy queries typed one key at a time (target: at most 30 ms median per keystroke);
- a prompt from 50 files: selection expanded (files read) and prompt built (target: at most 50 ms).

``--write-docs`` replaces the "## Context" section of docs/benchmarks.md with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import write_section  # noqa: E402
from qwen_tui.context import ProjectIndex, Selection, build_prompt  # noqa: E402
from qwen_tui.context.fuzzy import FuzzyIndex  # noqa: E402

TARGET_INDEX_S = 1.5
TARGET_FUZZY_MS = 30.0
TARGET_PROMPT_MS = 50.0
QUERIES = ["mod512wid", "pkg7/util", "readme", "test_handler42", "core/mod07"]
WORDS = ["handler", "widget", "util", "config", "loader", "parser", "model", "view", "test", "api"]
EXTS = [".py", ".py", ".py", ".ts", ".md", ".json", ".log", ".toml"]
ROOT_GITIGNORE = "*.log\n!keep.log\nbuild/\n__pycache__/\n*.pyc\nnode_modules/\n.venv/\ndist/\n*.egg-info/\n/coverage\n"


def generate(root: Path, n_files: int, n_folders: int) -> None:
    """``n_folders`` folders (10 top-level packages), ``n_files`` files spread evenly."""
    marker = root / ".generated"
    stamp = f"{n_files} {n_folders}"
    if marker.exists() and marker.read_text() == stamp:
        return
    rng = random.Random(3)
    root.mkdir(parents=True, exist_ok=True)
    (root / ".gitignore").write_text(ROOT_GITIGNORE)
    (root / ".qwenignore").write_text("pkg9/mod9*/generated_*\n")
    per_folder = n_files // n_folders
    body = ("def f(x):\n    return x * 2  # some code\n" * 5).encode()
    made = 2
    for d in range(n_folders):
        folder = root / f"pkg{d % 10}" / f"mod{d}"
        folder.mkdir(parents=True, exist_ok=True)
        count = per_folder
        if d % 10 == 0:
            (folder / ".gitignore").write_text("*.json\n!keep.json\ntmp/\n")
            count -= 1
            made += 1
        for i in range(count):
            word = rng.choice(WORDS)
            name = f"{word}{i}{rng.choice(EXTS)}" if i % 7 else f"test_{word}{i}.py"
            path = folder / name
            if path.exists():
                name = f"generated_{i}.py"
                path = folder / name
            path.write_bytes(body)
            made += 1
    for pkg in range(10):
        (root / f"pkg{pkg}" / "README.md").write_text(f"# Package {pkg}\n")
    core = root / "core"
    core.mkdir(exist_ok=True)
    for i in range(50):  # the files of the 50-file prompt: 2-12 KB each, like real modules
        lines = [f"def function_{i}_{j}(value):\n    return value + {j}\n\n" for j in range(20 + i * 4)]
        (core / f"module_{i:02d}.py").write_text("".join(lines))
    marker.write_text(stamp)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run(root: Path, repeats: int) -> dict:
    results: dict = {}
    walked = sum(len(files) for _, _, files in os.walk(root))
    builds = []
    for _ in range(repeats):
        idx = ProjectIndex(root)
        started = time.perf_counter()
        idx.build()
        builds.append(time.perf_counter() - started)
    refreshes = []
    for _ in range(repeats):
        started = time.perf_counter()
        idx.refresh()
        refreshes.append(time.perf_counter() - started)
    results["index"] = {
        "files_on_disk": walked,
        "files_indexed": len(idx.files),
        "folders_indexed": len(idx.folders),
        "build_s_median": statistics.median(builds),
        "build_s_max": max(builds),
        "refresh_unchanged_ms_median": median_ms(refreshes),
    }

    started = time.perf_counter()
    finder = FuzzyIndex(idx.files)
    prepare_ms = (time.perf_counter() - started) * 1000
    keystrokes: list[float] = []
    tops = {}
    for query in QUERIES:
        for n in range(1, len(query) + 1):
            started = time.perf_counter()
            found = finder.search(query[:n], limit=50)
            keystrokes.append(time.perf_counter() - started)
        tops[query] = found[0].path if found else None
    keystrokes.sort()
    results["fuzzy"] = {
        "prepare_ms": prepare_ms,
        "keystrokes": len(keystrokes),
        "median_ms": median_ms(keystrokes),
        "p95_ms": keystrokes[int(len(keystrokes) * 0.95) - 1] * 1000,
        "max_ms": keystrokes[-1] * 1000,
        "top_results": tops,
    }

    prompt_times = []
    for _ in range(repeats):
        started = time.perf_counter()
        sel = Selection()
        sel.add("core/")
        files, notes = sel.expand(idx)
        built = build_prompt("Explain these modules.", [], files, context_window=262_144)
        prompt_times.append(time.perf_counter() - started)
    results["prompt"] = {
        "files": len(files),
        "bytes": sum(len(f.text.encode()) for f in files),
        "tokens_estimated": built.total_tokens,
        "ms_median": median_ms(prompt_times),
        "ms_max": max(prompt_times) * 1000,
    }
    results["targets_met"] = {
        "index": results["index"]["build_s_median"] <= TARGET_INDEX_S,
        "fuzzy": results["fuzzy"]["median_ms"] <= TARGET_FUZZY_MS,
        "prompt": results["prompt"]["ms_median"] <= TARGET_PROMPT_MS,
    }
    return results


def markdown(r: dict, n_files: int, n_folders: int) -> str:
    i, f, p = r["index"], r["fuzzy"], r["prompt"]
    ok = lambda met: "met" if met else "**missed**"  # noqa: E731
    t = r["targets_met"]
    return f"""## Context

`uv run python bench/context.py --write-docs` on a generated repository of {n_files:,} files in
{n_folders:,} folders (10 packages; a root `.gitignore` of 10 patterns, a nested `.gitignore` with a
negation in every tenth folder, a `.qwenignore`). Machine: {platform.machine()}, {os.cpu_count()} cores,
shared with other jobs; Python {platform.python_version()}; files in the page cache (a second
build). Median of {r['repeats']} runs.

| what | figure | target | |
| --- | --- | --- | --- |
| index build ({i['files_on_disk']:,} files on disk, {i['files_indexed']:,} indexed, {i['folders_indexed']:,} folders) | {i['build_s_median']:.2f} s (max {i['build_s_max']:.2f} s) | at most 1.5 s | {ok(t['index'])} |
| refresh, nothing changed | {i['refresh_unchanged_ms_median']:.0f} ms | | |
| fuzzy query per keystroke ({f['keystrokes']} keystrokes over {len(f['top_results'])} queries) | median {f['median_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms, max {f['max_ms']:.1f} ms | at most 30 ms median | {ok(t['fuzzy'])} |
| fuzzy finder preparation, once per file list | {f['prepare_ms']:.0f} ms | | |
| prompt from {p['files']} files ({p['bytes'] / 1024:,.0f} KiB, ~{p['tokens_estimated']:,} tokens): read + build | {p['ms_median']:.1f} ms (max {p['ms_max']:.1f} ms) | at most 50 ms | {ok(t['prompt'])} |

The first keystroke of a query (one letter matches nearly every path) is the slowest; the finder
gathers candidates with regular expressions over one joined text, strongest kind of match first,
and scores only those in Python.
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--folders", type=int, default=1_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "qwen-tui-bench-context")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    generate(args.dir, args.files, args.folders)
    print(f"repository ready in {time.perf_counter() - started:.1f} s: {args.dir}", file=sys.stderr)
    results = run(args.dir, args.repeats)
    results["repeats"] = args.repeats
    print(json.dumps(results, indent=2))
    if args.write_docs:
        write_section(markdown(results, args.files, args.folders))
    return 0 if all(results["targets_met"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
