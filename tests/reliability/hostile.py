"""Hostile text for the terminal-safety tests: escape sequences a model reply, a provider's error
body or a file name may hold, where they go in an answer, files named with them, and the check
that none reaches a terminal raw.

Each payload has a tag (``T1``...) written just before it, so the visible form can be looked for on
screen: ``T1␛]52;c;…``. What Textual writes on its own is allowed: OSC 8 links carrying an
``id=`` (a Markdown link), OSC 22 (pointer shape), CRLF line ends.
"""

from __future__ import annotations

import re
from pathlib import Path

#: name -> the raw sequence. Every one of them does something to a terminal if written raw.
PAYLOADS: dict[str, str] = {
    "osc52": "\x1b]52;c;cHduZWQ=\x07",  # sets the clipboard to "pwned"
    "clear": "\x1b[2J",
    "reset": "\x1bc",  # RIS: full reset
    "title0": "\x1b]0;pwned-title\x07",
    "title2": "\x1b]2;pwned-title\x1b\\",
    "link": "\x1b]8;;http:evil\x1b\\click\x1b]8;;\x1b\\",  # no "/": it goes into file names too
    "c1_csi": "\x9b2J",  # C1 CSI
    "c1_osc": "\x9d0;c1-title\x9c",  # C1 OSC ... ST
    "rlo": "\u202egnp.exe",
    "isolates": "\u2066L\u2067R\u2068F\u2069",
    "cr_bs": "over\rwrite\x08\x08",
}
TAGS: dict[str, str] = {name: f"T{i}" for i, name in enumerate(PAYLOADS, 1)}


def visible_form(raw: str) -> str:
    from qwen_tui.terminal_text import visible_controls

    return visible_controls(raw)


def tagged(name: str) -> str:
    return f"{TAGS[name]}{PAYLOADS[name]}"


def all_payloads() -> str:
    return " ".join(tagged(name) for name in PAYLOADS)


def hostile_reply() -> str:
    """A Markdown answer with every payload in prose, inline code, a heading, a list, a quote, a
    table cell, a link text and a code block."""
    every = all_payloads()
    rows = "\n".join(f"| {name} | {tagged(name)} |" for name in PAYLOADS)
    code = "\n".join(f'x = "{tagged(name)}"' for name in PAYLOADS)
    return (
        f"# Heading {tagged('title0')} {tagged('osc52')}\n\n"
        f"Prose: {every}\n\n"
        f"Inline: `{tagged('clear')} {tagged('link')} {tagged('c1_osc')}`\n\n"
        f"- item {tagged('reset')} {tagged('rlo')}\n"
        f"> quote {tagged('title2')} {tagged('c1_csi')}\n\n"
        f"[link text {tagged('isolates')}](http://example.com/)\n\n"
        f"| what | payload |\n|---|---|\n{rows}\n\n"
        f"```python\n{code}\n```\n\n"
        "END-OF-ANSWER\n"
    )


#: File names (no "/" and no NUL, which a name cannot hold); each starts with a plain word the
#: fuzzy finder can be given.
FILE_NAMES: dict[str, str] = {
    "osc52": f"clip{PAYLOADS['osc52']}.py",
    "clear": f"wipe{PAYLOADS['clear']}.py",
    "reset": f"reset{PAYLOADS['reset']}.py",
    "title0": f"titl{PAYLOADS['title0']}.py",
    "title2": f"ttwo{PAYLOADS['title2']}.py",
    "link": f"href{PAYLOADS['link']}.py",
    "c1_csi": f"cone{PAYLOADS['c1_csi']}.py",
    "c1_osc": f"ctwo{PAYLOADS['c1_osc']}.py",
    "rlo": f"bidi{PAYLOADS['rlo']}",
    "isolates": f"isol{PAYLOADS['isolates']}.py",
    "cr_bs": f"crbs{PAYLOADS['cr_bs']}.py",
}


def make_hostile_project(root: Path) -> Path:
    """A project whose files (and one folder) are named with the payloads."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.py").write_text("print('hi')\n")
    for name, file_name in FILE_NAMES.items():
        (root / file_name).write_text(f"# {name}\n")
    folder = root / f"dir{PAYLOADS['title0']}"
    folder.mkdir()
    (folder / f"inner{PAYLOADS['osc52']}.txt").write_text("inner\n")
    return root


# ---- the check on what a terminal received ---------------------------------------------------

#: Raw forms that must never be written: the payloads' own openers (Textual's OSC 8 carries an
#: ``id=``, so "ESC ]8;;http" is never Textual's).
FORBIDDEN: dict[str, bytes] = {
    "OSC 52 (clipboard)": b"\x1b]52;",
    "OSC 0 (title)": b"\x1b]0;",
    "OSC 2 (title)": b"\x1b]2;",
    "OSC 8 from the payload": b"\x1b]8;;http:evil",
    "clear screen": b"\x1b[2J",
    "RIS reset": b"\x1bc",
    "C1 CSI": "\x9b".encode(),
    "C1 OSC": "\x9d".encode(),
    "C1 ST": "\x9c".encode(),
    "backspace": b"\x08",
    "RLO": "\u202e".encode(),
    "LRI": "\u2066".encode(),
    "RLI": "\u2067".encode(),
    "FSI": "\u2068".encode(),
    "PDI": "\u2069".encode(),
}
#: What Textual writes itself that holds a BEL: the pointer-shape OSC.
_TEXTUAL_BEL = re.compile(rb"\x1b\]22;[a-z-]*\x07")


def raw_problems(output: bytes) -> list[str]:
    """Every way ``output`` (all a terminal received) let a payload through raw."""
    problems = [f"{what}: {output.count(raw)}x" for what, raw in FORBIDDEN.items() if raw in output]
    bells = output.count(b"\x07") - len(_TEXTUAL_BEL.findall(output))
    if bells:
        problems.append(f"BEL outside Textual's own OSC 22: {bells}x")
    lone_cr = len(re.findall(rb"\r(?!\n)", output))
    if lone_cr:
        problems.append(f"carriage return not ending a line: {lone_cr}x")
    for match in re.finditer(rb"\x1b\]8;([^;\x07\x1b]*);([^\x07\x1b]*)", output):
        if match.group(2) and not match.group(1).startswith(b"id="):
            problems.append(f"an OSC 8 link Textual did not make: {output[match.start():match.start() + 40]!r}")
    return problems
