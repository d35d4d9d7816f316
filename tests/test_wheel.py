"""The built wheel carries what the app needs at run time beyond its modules: the theme files.

Why: the shipped themes live in the project's top-level ``themes/``, outside the package, and
reach the wheel only through pyproject's ``force-include``; a slip there passes every test run
from the source tree and leaves an installed app with no themes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    out = tmp_path_factory.mktemp("dist")
    # --offline: hatchling is in uv's cache already (it built the editable install)
    done = subprocess.run(
        [uv, "build", "--wheel", "--offline", "--quiet", "-o", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("qwen_tui-*.whl")
    return wheel


def test_the_wheel_carries_the_shipped_themes(wheel: Path) -> None:
    shipped = sorted(p.name for p in (ROOT / "themes").glob("*.toml"))
    assert len(shipped) >= 4
    names = zipfile.ZipFile(wheel).namelist()
    packaged = sorted(n.removeprefix("qwen_tui/_themes/") for n in names if n.startswith("qwen_tui/_themes/"))
    assert packaged == shipped
    for name in shipped:  # the same bytes, not an old copy
        assert zipfile.ZipFile(wheel).read(f"qwen_tui/_themes/{name}") == (ROOT / "themes" / name).read_bytes()


def test_an_installed_wheel_finds_its_themes(wheel: Path, tmp_path: Path) -> None:
    """Unpacked (as an install lays it out) and imported first on the path, the package finds
    the themes inside itself, not in a source tree."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = "from qwen_tui import paths; print('\\n'.join(str(p) for p in paths.shipped_theme_files()))"
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    found = [Path(line) for line in done.stdout.splitlines()]
    assert {p.name for p in found} == {p.name for p in (ROOT / "themes").glob("*.toml")}
    assert all(p.parent == site / "qwen_tui" / "_themes" for p in found), found
