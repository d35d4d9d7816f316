"""Theme files (TOML) -> ``textual.theme.Theme``, with every mistake named by file and field.

The shipped files are in the project's top-level ``themes/`` (``paths.shipped_themes_dir``
finds them from a clone or an installed wheel); a user's own go in the XDG config folder's
``themes/`` and load after them.

Textual has no theme file format, and a bad colour only surfaces later as a confusing CSS error,
so each file is checked here field by field and then through ``to_color_system().generate()``.
A bad file is reported and skipped; it never stops the app.

File format (all colour fields take ``#rrggbb``, ``rgb(...)``, a colour name or ``ansi_*``)::

    name = "my-theme"          # defaults to the file name without .toml
    dark = true
    primary = "#7C6CF2"        # the only required colour
    secondary = ... accent = ... warning = ... error = ... success = ...
    foreground = ... background = ... surface = ... panel = ... boost = ...
    luminosity_spread = 0.15
    text_alpha = 0.95
    ansi = false               # true: the theme uses only the terminal's 16 ANSI colours
    code_theme = "one-dark"    # code blocks: a Pygments style, or "ansi_dark" / "ansi_light"
    [variables]                # any Textual CSS variable, e.g. "border" = "#ffffff"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.app import App
from textual.theme import Theme

from qwen_tui import paths

COLOR_FIELDS = (
    "primary", "secondary", "warning", "error", "success", "accent",
    "foreground", "background", "surface", "panel", "boost",
)
FIELDS: dict[str, Any] = {
    "name": str,
    **{f: str for f in COLOR_FIELDS},
    "dark": bool,
    "luminosity_spread": (int, float),
    "text_alpha": (int, float),
    "ansi": bool,
    "variables": dict,
    "code_theme": str,  # ours, not Textual's: which syntax theme code blocks use
}
RICH_ANSI_CODE_THEMES = ("ansi_dark", "ansi_light")
#: Pygments styles the shipped themes name: known without importing Pygments at start-up
#: (tests/core/test_themes.py checks each against Pygments' own list).
SHIPPED_CODE_THEMES = frozenset({"one-dark", "github-dark", "xcode"})
_code_themes: dict[str, str] = {}  # theme name -> code theme, filled as theme files load
TEXT_STYLES = {"none", "bold", "italic", "underline", "reverse", "strike", "dim", "blink", "not", "b", "i", "u"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ALPHA_RE = re.compile(r"^\d{1,3}%$")


class ThemeFileError(Exception):
    """``file: field: problem — fix``."""

    def __init__(self, file: Path, field: str, problem: str, fix: str) -> None:
        where = f"{file}: {field}: " if field else f"{file}: "
        super().__init__(f"{where}{problem} — {fix}")
        self.file, self.field = file, field


def _check_color(file: Path, field: str, value: str, ansi_only: bool) -> None:
    parts = value.split()
    if len(parts) == 2 and _ALPHA_RE.match(parts[1]):  # "#7C6CF2 35%": Textual CSS colour + alpha
        parts = parts[:1]
    try:
        if len(parts) != 1:
            raise ColorParseError(value)
        Color.parse(parts[0])
    except ColorParseError:
        raise ThemeFileError(
            file, field, f"{value!r} is not a colour", 'use "#rrggbb", a colour name or "ansi_red"-style names'
        ) from None
    if ansi_only and not parts[0].startswith("ansi_"):
        raise ThemeFileError(
            file, field, f"{value!r} is not one of the terminal's 16 colours",
            'an ansi = true theme uses only names like "ansi_blue", "ansi_bright_black", "ansi_default"',
        )


def theme_from_mapping(file: Path, data: dict[str, Any]) -> Theme:
    """Validate a parsed theme table and build the Theme. Raises ThemeFileError."""
    for key, value in data.items():
        if key not in FIELDS:
            raise ThemeFileError(file, key, "unknown field", f"known fields: {', '.join(FIELDS)}")
        expected = FIELDS[key]
        if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            kind = {str: "a string", bool: "true or false", dict: "a [variables] table"}.get(expected, "a number")
            raise ThemeFileError(file, key, f"expected {kind}, got {type(value).__name__}", "fix the value")
    fields = dict(data)
    fields.setdefault("name", file.stem)
    if not _NAME_RE.match(fields["name"]):
        raise ThemeFileError(
            file, "name", f"{fields['name']!r} is not a usable name", 'letters, digits, "-", "_" or "."'
        )
    if "primary" not in fields:
        raise ThemeFileError(file, "primary", "missing", 'every theme needs primary = "#rrggbb"')
    ansi = bool(fields.get("ansi", False))
    for key in COLOR_FIELDS:
        if key in fields:
            _check_color(file, key, fields[key], ansi)
    for key in ("luminosity_spread", "text_alpha"):
        if key in fields and not 0 <= fields[key] <= 1:
            raise ThemeFileError(file, key, f"{fields[key]} is out of range", "use a value from 0 to 1")
    variables = fields.get("variables", {})
    for name, value in variables.items():
        where = f"variables.{name}"
        if not isinstance(value, str):
            raise ThemeFileError(file, where, f"expected a string, got {type(value).__name__}", "quote the value")
        if name.endswith("-style"):
            if not value.split() or not set(value.split()) <= TEXT_STYLES:
                raise ThemeFileError(
                    file, where, f"{value!r} is not a text style", 'e.g. "bold", "underline" or "none"'
                )
        else:
            _check_color(file, where, value, ansi)
    code_theme = fields.pop("code_theme", None)
    if code_theme is not None:
        _check_code_theme(file, code_theme)
    theme = Theme(**fields)
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # noqa: BLE001 - Textual's own check: anything it refuses would crash the app later
        raise ThemeFileError(file, "", f"Textual refuses it ({exc})", "check the colour fields") from None
    if code_theme is not None:
        _code_themes[theme.name] = code_theme
    return theme


def _check_code_theme(file: Path, name: str) -> None:
    if name in RICH_ANSI_CODE_THEMES or name in SHIPPED_CODE_THEMES:
        return
    from pygments.styles import STYLE_MAP, get_all_styles  # only when a file names one

    if name in STYLE_MAP:  # Pygments' own styles: no scan of every package's plugins
        return
    styles = sorted(get_all_styles())
    if name not in styles:
        raise ThemeFileError(
            file, "code_theme", f"{name!r} is not a Pygments style",
            f"use ansi_dark, ansi_light or one of: {', '.join(styles)}",
        )


def code_theme_for(theme: Theme) -> str:
    """The syntax theme code blocks should use under ``theme``: the file's ``code_theme``, else
    one that matches the theme's darkness (ANSI themes get Rich's ANSI syntax themes)."""
    if theme.name in _code_themes:
        return _code_themes[theme.name]
    if theme.ansi:
        return "ansi_dark" if theme.dark else "ansi_light"
    return "monokai" if theme.dark else "xcode"


def load_theme_file(path: str | Path) -> Theme:
    """One theme file -> Theme. Raises ThemeFileError naming the file and the field at fault."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(file, "", f"not valid TOML ({exc})", "fix the syntax at that line") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeFileError(file, "", f"cannot be read ({exc.__class__.__name__})", "check the file") from None
    return theme_from_mapping(file, data)


def user_theme_files(directory: Path | None = None) -> list[Path]:
    folder = directory if directory is not None else paths.user_themes_dir()
    try:
        return sorted(folder.glob("*.toml")) if folder.is_dir() else []
    except OSError:
        return []


def load_themes(
    user_dir: Path | None = None, shipped: Iterable[Path] | None = None
) -> tuple[list[Theme], list[str]]:
    """The shipped themes, then the user's (a user theme with a shipped name replaces it).

    Returns (themes, problems); a file with a problem is skipped.
    """
    by_name: dict[str, Theme] = {}
    problems: list[str] = []
    files = list(shipped if shipped is not None else paths.shipped_theme_files()) + user_theme_files(user_dir)
    for file in files:
        try:
            theme = load_theme_file(file)
        except ThemeFileError as exc:
            problems.append(f"{exc} (theme skipped)")
            continue
        by_name[theme.name] = theme
    return list(by_name.values()), problems


def register_themes(app: Any, user_dir: Path | None = None) -> list[str]:
    """Register every good theme with a Textual app; return the problems to show as a notice."""
    themes, problems = load_themes(user_dir)
    for theme in themes:
        app.register_theme(theme)
    return problems


def pick_theme(app: Any, *candidates: str | None, fallback: str = "qwen-dark") -> tuple[str, str | None]:
    """The first candidate (e.g. state.toml's theme, then the config's) that the app knows.

    Returns (name, problem): problem names a candidate that does not exist, for a notice.
    """
    available = app.available_themes
    problem = None
    for name in candidates:
        if not name:
            continue
        if name in available:
            return name, problem
        if problem is None:
            close = ", ".join(sorted(available)[:12])
            problem = f"theme {name!r} not found — using another; available: {close}"
    return (fallback if fallback in available else "textual-dark"), problem


def starting_theme(app: App, override: str | None, saved: str | None,
                   configured: str | None) -> tuple[str, list[str]]:
    """Register the shipped and user themes; the first of ``override``, ``saved``,
    ``configured`` that exists. Returns (name, what was wrong with theme files or names)."""
    problems = register_themes(app)
    name, problem = pick_theme(app, override, saved, configured)
    if problem:
        problems.append(problem)
    return name, problems


def terminal_theme(app: App, name: str) -> str:
    """``name``, or the ANSI theme on a 16-colour terminal (its own palette): known once the
    terminal is, after the app has started."""
    sixteen_colours = not app.is_headless and app.console.color_system in ("standard", "windows")
    return "qwen-ansi" if sixteen_colours and "qwen-ansi" in app.available_themes else name


def apply_themes(app: App, override: str | None, saved: str | None, configured: str | None) -> list[str]:
    """Register the themes and set the app's (``starting_theme``, then ``terminal_theme``).
    Returns what was wrong with theme files or names, in plain words."""
    name, problems = starting_theme(app, override, saved, configured)
    app.theme = terminal_theme(app, name)
    return problems
