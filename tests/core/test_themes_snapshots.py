"""How each shipped theme looks, the 16-colour one included (a sample of common widgets).

The app's own screens under each theme are snapshotted with the UI tests; these pin the theme
files themselves. Update with ``pytest tests/core/test_themes_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.syntax import Syntax
from textual.app import App, ComposeResult
from textual.widgets import Button, Footer, Input, Markdown, Static

from qwen_tui.ui.themes import code_theme_for, register_themes

CODE = 'def greet(name: str) -> str:\n    """Say hello."""\n    return f"hello {name}"  # 42\n'


class ThemeSample(App[None]):
    BINDINGS = [("f1", "noop", "Help"), ("f2", "noop", "Providers")]
    CSS = "Button { margin: 0 1; } #code { height: auto; margin: 1 0; }"

    def __init__(self, theme_name: str, user_dir: Path) -> None:
        super().__init__()
        self.theme_name, self.user_dir = theme_name, user_dir

    def on_mount(self) -> None:
        assert register_themes(self, user_dir=self.user_dir) == []
        self.theme = self.theme_name
        self.query_one("#code", Static).update(
            Syntax(CODE, "python", theme=code_theme_for(self.current_theme), background_color="default")
        )

    def compose(self) -> ComposeResult:
        yield Markdown("## Theme sample\n\nSome *text*, **bold** and `code`.\n\n- one\n- two\n")
        yield Static(id="code")  # the chat view's code highlighting, per theme
        yield Input(value="How do I read a file?")
        yield Button("Send", variant="primary")
        yield Button("Stop", variant="error")
        yield Footer()


@pytest.mark.parametrize("name", ["qwen-dark", "qwen-light", "qwen-high-contrast", "qwen-ansi"])
def test_theme_snapshot(name: str, snap_compare, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    assert snap_compare(ThemeSample(name, tmp_path / "no-user-themes"), terminal_size=(64, 24))
