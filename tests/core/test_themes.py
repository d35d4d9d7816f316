"""Theme files: shipped themes load, bad files are named by field and skipped, 16-colour theme."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from rich.color import ColorType
from textual.app import App, ComposeResult
from textual.widgets import Button, Footer, Input, Markdown, Static

from qwen_tui.paths import shipped_theme_files, shipped_themes_dir
from qwen_tui.ui.themes import (
    RICH_ANSI_CODE_THEMES,
    SHIPPED_CODE_THEMES,
    ThemeFileError,
    code_theme_for,
    load_theme_file,
    load_themes,
    pick_theme,
    register_themes,
)

SHIPPED = {"qwen-dark", "qwen-light", "qwen-high-contrast", "qwen-ansi"}
SHIPPED_DIR = shipped_themes_dir()


def test_shipped_themes_load_cleanly(tmp_path: Path) -> None:
    themes, problems = load_themes(user_dir=tmp_path / "none")
    assert problems == []
    assert {t.name for t in themes} == SHIPPED
    by_name = {t.name: t for t in themes}
    assert by_name["qwen-light"].dark is False
    assert by_name["qwen-ansi"].ansi is True
    assert code_theme_for(by_name["qwen-ansi"]) == "ansi_dark"
    assert code_theme_for(by_name["qwen-light"]) == "xcode"


def test_the_shipped_code_themes_are_pygments_styles() -> None:
    """The shipped themes' code themes are taken without asking Pygments at start-up: each must be
    one of its styles, and every shipped theme's code theme must be on the list."""
    from pygments.styles import get_all_styles

    assert SHIPPED_CODE_THEMES <= set(get_all_styles())
    named = {tomllib.loads(f.read_text()).get("code_theme") for f in shipped_theme_files()}
    assert named - {None} <= SHIPPED_CODE_THEMES | set(RICH_ANSI_CODE_THEMES)


def test_ansi_theme_names_only_terminal_colours() -> None:
    data = tomllib.loads((SHIPPED_DIR / "qwen-ansi.toml").read_text())
    colours = [v for k, v in data.items() if isinstance(v, str) and k not in ("name", "code_theme")]
    colours += [v for k, v in data["variables"].items() if not k.endswith("-style")]
    assert colours and all(c.startswith("ansi_") for c in colours)


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ('primary = "#12345"\n', "primary", "is not a colour"),
        ('primary = "#123456"\nbackground = "dark blue"\n', "background", "is not a colour"),
        ('primary = "#123456"\ncolour = "#000000"\n', "colour", "unknown field"),
        ('primary = "#123456"\ndark = "yes"\n', "dark", "expected true or false"),
        ('background = "#000000"\n', "primary", "missing"),
        ('primary = "#123456"\ntext_alpha = 2\n', "text_alpha", "out of range"),
        ('primary = "#123456"\n[variables]\nborder = "nope"\n', "variables.border", "is not a colour"),
        ('primary = "#123456"\n[variables]\n"link-style" = "blinky"\n', "variables.link-style", "not a text style"),
        ('primary = "#123456"\ncode_theme = "no-such-style"\n', "code_theme", "not a Pygments style"),
        ('ansi = true\nprimary = "#123456"\n', "primary", "not one of the terminal's 16 colours"),
        ('name = "bad name!"\nprimary = "#123456"\n', "name", "not a usable name"),
    ],
)
def test_bad_theme_names_the_field(tmp_path: Path, text: str, field: str, problem: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(ThemeFileError) as info:
        load_theme_file(path)
    assert info.value.field == field
    message = str(info.value)
    assert message.startswith(f"{path}: {field}: ")
    assert problem in message and " — " in message


def test_user_themes_add_replace_and_bad_ones_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "ocean.toml").write_text('primary = "#0077be"\nbackground = "#001a2c"\n')
    (tmp_path / "qwen-light.toml").write_text('name = "qwen-light"\nprimary = "#ff0000"\ndark = false\n')
    (tmp_path / "broken.toml").write_text('primary = "#0077be\n')
    (tmp_path / "notes.txt").write_text("ignored")
    themes, problems = load_themes(user_dir=tmp_path)
    by_name = {t.name: t for t in themes}
    assert set(by_name) == SHIPPED | {"ocean"}
    assert by_name["qwen-light"].primary == "#ff0000"
    assert len(problems) == 1 and "broken.toml" in problems[0] and "not valid TOML" in problems[0]
    assert problems[0].endswith("(theme skipped)")


def test_a_clone_finds_the_top_level_themes_folder() -> None:
    """From the source tree (a clone, ``uv run``) the shipped themes are the project's themes/;
    the installed wheel's copy is checked in tests/test_wheel.py."""
    assert SHIPPED_DIR == Path(__file__).resolve().parents[2] / "themes"
    assert {p.stem for p in shipped_theme_files()} == SHIPPED


class Sample(App[None]):
    """A few common widgets, enough to see a theme at work."""

    BINDINGS = [("f1", "noop", "Help")]

    def compose(self) -> ComposeResult:
        yield Static("[b]qwen-tui[/b] theme sample", id="title")
        yield Markdown("# Heading\n\nSome *text* and `code`.\n\n```python\ndef f(x):\n    return x + 1  # add\n```\n")
        yield Input(value="a question")
        yield Button("Primary", variant="primary")
        yield Button("Error", variant="error")
        yield Footer()


@pytest.mark.parametrize("name", sorted(SHIPPED))
async def test_each_theme_applies_live(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = Sample()
    async with app.run_test(size=(60, 20)) as pilot:
        assert register_themes(app, user_dir=tmp_path) == []
        app.theme = name
        await pilot.pause()
        strips = app.screen._compositor.render_strips()
        colours = {
            c for strip in strips for seg in strip if seg.style for c in (seg.style.color, seg.style.bgcolor) if c
        }
        assert colours
        if name == "qwen-ansi":  # the terminal's palette rules: nothing but the 16 colours + default
            assert {c.type for c in colours} <= {ColorType.STANDARD, ColorType.DEFAULT}
        else:
            assert ColorType.TRUECOLOR in {c.type for c in colours}


async def test_pick_theme_falls_back_with_a_notice(tmp_path: Path) -> None:
    app = Sample()
    async with app.run_test(size=(40, 10)):
        register_themes(app, user_dir=tmp_path)
        assert pick_theme(app, None, "qwen-light") == ("qwen-light", None)
        name, problem = pick_theme(app, "qwen-drak", "qwen-ansi")
        assert name == "qwen-ansi" and "qwen-drak" in problem
        name, problem = pick_theme(app, "gone")
        assert name == "qwen-dark" and "not found" in problem
