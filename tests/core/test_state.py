"""state.toml: defaults, round trip, corrupt files, atomic 0600 writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import tomllib
from pathlib import Path

import pytest

from qwen_tui.atomic import write_atomic
from qwen_tui.state import State


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    st = State.load(tmp_path / "state.toml")
    assert (st.problem, st.last_provider, st.theme, st.models, st.panel_sizes) == (None, None, None, {}, {})
    assert st.context_for(tmp_path) == []


def test_default_path_is_xdg_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    st = State.load()
    st.theme = "qwen-light"
    st.save()
    assert (tmp_path / "qwen-tui" / "state.toml").is_file()
    assert State.load().theme == "qwen-light"


def test_round_trip_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.toml"
    st = State.load(path)
    st.last_provider = "sambanova"
    st.set_model("sambanova", "Meta-Llama-3.3-70B-Instruct")
    st.set_model("ollama", "qwen2.5-coder:7b")
    st.theme = "qwen-ansi"
    st.panel_sizes = {"file_tree": 32, "context": 12}
    project = tmp_path / "my project"
    st.set_context(project, ["src/a.py", "docs/"])
    st.save()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    again = State.load(path)
    assert again.problem is None
    assert again.last_provider == "sambanova"
    assert again.model_for("ollama") == "qwen2.5-coder:7b"
    assert again.theme == "qwen-ansi"
    assert again.panel_sizes == {"file_tree": 32, "context": 12}
    assert again.context_for(str(project) + "/") == ["src/a.py", "docs/"]
    assert again.context_for(tmp_path) == []
    raw = tomllib.loads(path.read_text())
    assert raw["version"] == 1
    again.set_context(project, [])
    again.save()
    assert State.load(path).contexts == {}


def test_corrupt_file_is_reported_moved_aside_and_defaults_used(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    path.write_text('theme = "qwen-dark\nlast_provider = [')
    st = State.load(path)
    assert st.theme is None
    assert st.problem is not None
    assert str(path) in st.problem and "not valid TOML" in st.problem and "started with defaults" in st.problem
    assert not path.exists()
    moved = list(tmp_path.glob("state.toml.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_text().startswith('theme = "qwen-dark')
    st.theme = "qwen-light"
    st.save()  # the app runs on and saves a fresh file
    assert State.load(path).theme == "qwen-light"


def test_binary_garbage_is_corrupt_too(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    st = State.load(path)
    assert st.problem and "cannot be read" in st.problem


def test_wrong_types_are_ignored_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    path.write_text(
        'theme = 3\nlast_provider = "ollama"\n[models]\nollama = 1\nhf = "x"\n'
        '[panel_sizes]\ntree = "wide"\nchat = 40\n[context]\n"/p" = "a.py"\n"/q" = ["b.py"]\n'
    )
    st = State.load(path)
    assert st.last_provider == "ollama" and st.theme is None
    assert st.models == {"hf": "x"} and st.panel_sizes == {"chat": 40}
    assert st.context_for("/q") == ["b.py"] and st.context_for("/p") == []
    for what in ("theme", "models.ollama", "panel_sizes.tree", "context.'/p'"):
        assert what in st.problem
    assert path.exists()


def test_saves_from_threads_never_tear_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    st = State.load(path)

    def worker(n: int) -> None:
        for i in range(20):
            st.panel_sizes[f"p{n}"] = i
            st.save()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert State.load(path).panel_sizes == {f"p{n}": 19 for n in range(4)}
    assert [p.name for p in tmp_path.iterdir()] == ["state.toml"]  # no temp files left


# ---- atomic writes -----------------------------------------------------------------------


def test_failed_replace_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.toml"
    write_atomic(path, "old = 1\n")

    def boom(*_a: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(path, "new = 2\n" * 1000)
    assert path.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["state.toml"]


CRASHING_SAVER = textwrap.dedent(
    """
    import os, sys, time
    from qwen_tui.state import State
    real_fsync = os.fsync
    def stall(fd):
        print("WRITING", flush=True)  # the temp file is written, not yet renamed
        time.sleep(60)
    os.fsync = stall
    st = State.load(sys.argv[1])
    st.theme = "new-theme"
    st.panel_sizes = {f"p{i}": i for i in range(5000)}
    st.save()
    """
)


def test_sigkill_during_save_leaves_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    st = State.load(path)
    st.theme = "old-theme"
    st.save()
    before = path.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", CRASHING_SAVER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "WRITING"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert path.read_bytes() == before
    assert State.load(path).theme == "old-theme"
    assert State.load(path).problem is None


def test_the_last_race_providers_round_trip(tmp_path):
    from qwen_tui.state import State

    state = State(path=tmp_path / "state.toml")
    state.race_providers = ["sambanova", "ollama"]
    state.save()
    assert State.load(tmp_path / "state.toml").race_providers == ["sambanova", "ollama"]
    (tmp_path / "state.toml").write_text('race_providers = "sambanova"\n')
    loaded = State.load(tmp_path / "state.toml")
    assert loaded.race_providers == [] and "race_providers" in loaded.problem


def test_trusted_mcp_files_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    st = State.load(path)
    st.trusted_mcp["/p/.mcp.json"] = "ab" * 32
    st.save()
    assert State.load(path).trusted_mcp == {"/p/.mcp.json": "ab" * 32}
    path.write_text('version = 1\n[trusted_mcp]\n"/p/.mcp.json" = 3\n')
    bad = State.load(path)
    assert bad.trusted_mcp == {} and "trusted_mcp" in (bad.problem or "")
