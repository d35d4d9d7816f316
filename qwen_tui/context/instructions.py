"""Project instructions: the AGENTS.md / QWEN.md files that tell an assistant how a project works.

Read in a fixed order, each one that exists: the project's AGENTS.md, then its QWEN.md (the files
Crush, opencode, Codex and Qwen Code read), then the user's own under the XDG config folder (the
same two names). They go into the system prompt, so they count against the context window like
any file; one that is too large or not text is refused with a message rather than sent cut or
garbled. Call off the event loop: it reads the disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qwen_tui import paths

NAMES = ("AGENTS.md", "QWEN.md")
#: Larger instruction files are refused: they would crowd out the code the question is about.
MAX_INSTRUCTIONS_BYTES = 64 * 1024
HEADING = "# Project instructions"
INTRO = "Follow these instructions from the project and the user."


@dataclass(frozen=True, slots=True)
class Instructions:
    """One instructions file: ``label`` as shown ("AGENTS.md", "~/.config/qwen-tui/QWEN.md"),
    its text when usable, else ``error`` saying in plain words why it is not sent."""

    label: str
    path: Path
    scope: str  # "project" or "user"
    text: str = ""
    error: str | None = None

    @property
    def usable(self) -> bool:
        return self.error is None and bool(self.text.strip())


def candidates(root: Path, user_dir: Path | None = None) -> list[tuple[str, Path, str]]:
    user_dir = paths.config_dir() if user_dir is None else user_dir
    found = [(name, root / name, "project") for name in NAMES]
    found += [(f"{_short(user_dir / name)}", user_dir / name, "user") for name in NAMES]
    return found


def load_instructions(root: Path, user_dir: Path | None = None,
                      max_bytes: int = MAX_INSTRUCTIONS_BYTES) -> list[Instructions]:
    """Every instructions file that exists, in the order they are sent."""
    out: list[Instructions] = []
    for label, path, scope in candidates(root, user_dir):
        if not path.is_file():
            continue
        out.append(read_one(label, path, scope, max_bytes))
    return out


def read_one(label: str, path: Path, scope: str, max_bytes: int = MAX_INSTRUCTIONS_BYTES) -> Instructions:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Instructions(label, path, scope, error=(
                f"{label} is {_size(size)}, over the {_size(max_bytes)} allowed for instructions: "
                "not sent. Shorten it, or switch it off."))
        data = path.read_bytes()
    except OSError as exc:
        return Instructions(label, path, scope, error=f"{label} could not be read ({exc.strerror or exc}).")
    if b"\0" in data:
        return Instructions(label, path, scope, error=f"{label} is not a text file: not sent.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Instructions(label, path, scope, error=f"{label} is not UTF-8 text: not sent.")
    return Instructions(label, path, scope, text=text)


def instructions_section(items: Iterable[Instructions]) -> str:
    """The system prompt's instructions part ("" when there is none to send)."""
    usable = [item for item in items if item.usable]
    if not usable:
        return ""
    blocks = [f"## {item.label}\n\n{item.text.strip()}\n" for item in usable]
    return f"{HEADING}\n\n{INTRO}\n\n" + "\n".join(blocks)


def enabled(items: Sequence[Instructions], switched_off: Iterable[str]) -> list[Instructions]:
    off = set(switched_off)
    return [item for item in items if item.label not in off]


def _short(path: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"
