"""Terminal safety of the real app: ``python -m qwen_tui`` in a pseudo-terminal, a project whose
file names (and folder) hold escape sequences, a reply and a provider error body full of them, a
paste holding them, a saved session titled with them. Every byte the app writes is kept and
checked: no payload reaches the terminal raw (only what Textual writes itself: its OSC 8 links
with an id, OSC 22, CRLF), and each payload's visible form (␛ …, <U+202E>) is on screen.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from qwen_tui.sim import Fault, Simulator
from tests.reliability.faults import KEY_ENV, KEYS, write_config
from tests.reliability.hostile import (
    FILE_NAMES,
    PAYLOADS,
    TAGS,
    all_payloads,
    hostile_reply,
    make_hostile_project,
    raw_problems,
    tagged,
    visible_form,
)
from tests.reliability.pty_app import PtyApp

pytestmark = pytest.mark.slow

F3 = "\x1bOR"
CTRL_G = "\x07"
DOWN = "\x1b[B"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
#: Textual's input parser turns an ESC sequence inside a bracketed paste back into key presses
#: (a BEL became Ctrl+G), so a terminal paste carries the payloads without ESC; pastes with ESC
#: are checked with Pilot (test_terminal_tui.py). Terminals usually filter controls from pastes.
PASTED = "pasted " + " ".join(tagged(n) for n in ("c1_csi", "c1_osc", "rlo", "isolates", "cr_bs"))


def child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "NO_COLOR", "COLORTERM", "QWEN_TUI"))}
    env.update({KEY_ENV[p]: k for p, k in KEYS.items()})
    env.update(TERM="xterm-256color", XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"))
    return env


def seed_session(data_home: Path, project: Path) -> None:
    """A session file as an older version or a hand edit may leave it: title raw."""
    folder = data_home / "qwen-tui" / "sessions"
    folder.mkdir(parents=True)
    sid = "20260101-000000-abcdef"
    records = [
        {"type": "meta", "v": 1, "id": sid, "title": f"seeded {tagged('osc52')} {tagged('rlo')}",
         "project": str(project), "created": time.time() - 60},
        {"type": "message", "role": "user", "content": "old question", "ts": time.time() - 60},
    ]
    (folder / f"{sid}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def slow_type(app: PtyApp, text: str) -> None:
    for ch in text:
        app.type(ch, 0.02)


@pytest.mark.timeout(90)
def test_real_app_in_a_terminal_never_writes_a_payload_raw(sim: Simulator, tmp_path: Path) -> None:
    home = tmp_path / "home"
    project = make_hostile_project(tmp_path / f"proj{PAYLOADS['title2']}")
    seed_session(home / "data", project)
    config = write_config(sim, tmp_path / "config.toml")
    sim.set_knobs(provider="sambanova", ttft_ms=5.0, tps=0, reply=hostile_reply())
    seen: dict[str, str] = {}
    with PtyApp(["--config", str(config), str(project)], child_env(home), project) as app:
        app.wait_for_text("Context")
        app.settle()
        seen["tree"] = app.text_since(0)

        at = app.offset()  # @ completion, accepted with Enter: the name goes into the editor
        slow_type(app, "look at @titl")
        app.settle()
        app.type("\r")
        app.wait_for_text(visible_form(f"@{FILE_NAMES['title0']}"), at)  # the editor shows it visibly
        app.settle()

        at = app.offset()  # a paste holding the payloads without ESC (see PASTED), then send
        app.type(f"{PASTE_START}{PASTED}{PASTE_END}")
        app.wait_for_text(visible_form(tagged("c1_csi")), at)  # the editor shows the paste visibly
        app.settle()
        app.type("\r")
        app.wait_for_text("END-OF-ANSWER", at)
        app.settle()
        seen["answer"] = app.text_since(at)

        at = app.offset()  # a provider's error body holding every payload
        sim.push_fault(Fault(kind="status", status=500, message=f"bad {all_payloads()}"), provider="sambanova")
        slow_type(app, "again")
        app.type("\r")
        app.wait_for_text("retries", at)
        app.settle()
        seen["error"] = app.text_since(at)

        at = app.offset()  # go to file
        app.type(CTRL_G)
        app.settle()
        slow_type(app, "wipe")
        app.settle()
        seen["goto"] = app.text_since(at)
        app.type("\x1b", 0.3)  # alone: ESC and the next key within 100 ms read as Alt+key
        app.settle()

        at = app.offset()  # sessions: titles, project paths, the export dialog's prefilled path
        app.type(F3)
        app.wait_for_text("seeded", at)
        app.settle()
        app.type("e")
        app.wait_for_text("Export to Markdown file", at)
        app.settle()
        seen["sessions"] = app.text_since(at)
        app.type("\r")  # export to the suggested path (raw, in the hostile folder)
        app.settle(0.6)
        app.type("\x1b", 0.3)  # alone: ESC and the next key within 100 ms read as Alt+key
        app.settle()

        at = app.offset()  # Space in the tree: the notification names the file
        app.type("\t")
        app.settle()
        app.type(DOWN, 0.1)
        app.type(DOWN, 0.1)
        app.type(" ")
        app.settle(0.6)
        seen["notify"] = app.text_since(at)
        output = bytes(app.output)
        assert app.proc.poll() is None, "the app ended"

    problems = raw_problems(output)
    assert not problems, problems
    v = visible_form
    # the tree: every file name in its visible form
    for name in ("osc52", "clear", "reset", "title0", "c1_csi", "rlo"):
        assert v(FILE_NAMES[name]) in seen["tree"], name
    assert v(f"dir{PAYLOADS['title0']}") in seen["tree"]
    # the question (pasted) and the answer: every payload's visible form
    for name in PAYLOADS:
        assert v(tagged(name)) in seen["answer"], f"{name} not shown visibly in the answer"
    assert "END-OF-ANSWER" in seen["answer"]
    for name in ("osc52", "title0", "link", "c1_osc", "isolates"):
        assert v(tagged(name)) in seen["error"], f"{name} not shown visibly in the error"
    assert v(FILE_NAMES["clear"]) in seen["goto"]
    assert f"seeded {v(tagged('osc52'))} {v(tagged('rlo'))}" in seen["sessions"]
    assert f"/{v(project.name)[:8]}" in seen["sessions"]  # the export dialog's prefilled path, shown visibly
    exported = list(project.glob("*.md"))
    assert exported, "the export to the prefilled (raw) path did not happen"
    assert "Added" in seen["notify"] and v(f"dir{PAYLOADS['title0']}") in seen["notify"]
    assert TAGS["cr_bs"] + "over␍write␈␈" in seen["answer"]
