"""The SGR-diffing writer: fewer bytes, the same screen (checked with a terminal emulator)."""

from __future__ import annotations

import pyte
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.color import Color
from rich.console import Console
from rich.segment import Segment
from rich.style import Style

from qwen_tui.ui.render.sgr_diff import SGRDiff, apply_sgr, DEFAULT, transition

COLS, ROWS = 40, 8

colours = st.one_of(
    st.none(),
    st.integers(0, 255).map(Color.from_ansi),
    st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)).map(lambda c: Color.from_rgb(*c)),
)
styles = st.builds(
    Style, color=colours, bgcolor=colours, bold=st.booleans(), italic=st.booleans(),
    underline=st.booleans(), reverse=st.booleans(), strike=st.booleans(), dim=st.booleans(),
)
texts = st.text(alphabet="ab -漢=#", min_size=1, max_size=12)
# A frame as Textual writes one: cursor moves, styled runs (each a full style, then a reset),
# line breaks, and now and then an erase (which paints with the current background).
pieces = st.one_of(
    st.tuples(st.just("move"), st.integers(1, ROWS), st.integers(1, COLS - 12)),
    st.tuples(st.just("text"), texts, styles),
    st.tuples(st.just("plain"), texts),
    st.tuples(st.just("erase"), styles),
    st.just(("crlf",)),
)


def render_frame(parts) -> str:
    console = Console(color_system="truecolor", force_terminal=True, width=COLS)
    out = []
    for part in parts:
        if part[0] == "move":
            out.append(f"\x1b[{part[1]};{part[2]}H")
        elif part[0] == "text":
            out.append(console._render_buffer([Segment(part[1], part[2])]))
        elif part[0] == "plain":
            out.append(part[1])
        elif part[0] == "erase":
            out.append(console._render_buffer([Segment("", part[1])]).replace("\x1b[0m", "") + "\x1b[K\x1b[0m")
        else:
            out.append("\r\n")
    return "".join(out)


def screen_of(*writes: str) -> list[list[tuple]]:
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.Stream(screen)
    for data in writes:
        stream.feed(data)
    return [
        [(c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.strikethrough, c.reverse)
         for c in (screen.buffer[y][x] for x in range(COLS))]
        for y in range(ROWS)
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(pieces, max_size=30), min_size=1, max_size=4))
def test_the_screen_is_the_same(frames) -> None:
    written = [render_frame(parts) for parts in frames]
    diff = SGRDiff()
    assert screen_of(*(diff(w) for w in written)) == screen_of(*written)


@given(st.lists(pieces, max_size=30))
def test_each_write_ends_in_the_original_state(parts) -> None:
    """Anything written outside the diffing writer (or after it) finds the style it expects."""
    frame = render_frame(parts)
    after = SGRDiff()(frame) + "\x1b[1;1Hx"
    assert screen_of(after)[0][0] == screen_of(frame + "\x1b[1;1Hx")[0][0]


def test_a_code_line_costs_less() -> None:
    """As Textual writes a highlighted line: each token a full style and a reset."""
    tokens = [("result_84", 168), (" ", 249), ("=", 73), (" ", 249), ("process", 168), ("(", 249),
              ("data", 168), ("[", 249), ("84", 173), ("]", 249)]
    frame = "\x1b[10;36H" + "".join(f"\x1b[38;5;{fg};48;5;236m{text}\x1b[0m" for text, fg in tokens)
    out = SGRDiff()(frame)
    assert screen_of(out) == screen_of(frame)
    assert len(out) < 0.6 * len(frame), (len(out), len(frame))
    assert "48;5;236" in out and out.count("48;5;236") == 1  # the background is said once


def test_other_sequences_pass_through_untouched() -> None:
    osc = "\x1b]52;c;aGVsbG8=\x07"
    frame = "\x1b[1;31mred\x1b[0m" + osc + "\x1b[?25l\x1b[4:3mcurly\x1b[0m"
    out = SGRDiff()(frame)
    assert osc in out and "\x1b[?25l" in out and "\x1b[4:3m" in out
    assert out.endswith("\x1b[0m")


def test_transitions() -> None:
    red_on_grey = apply_sgr(DEFAULT, "38;5;1;48;5;236")
    bold_blue_on_grey = apply_sgr(DEFAULT, "1;38;5;4;48;5;236")
    assert transition(red_on_grey, bold_blue_on_grey) == "\x1b[1;38;5;4m"
    assert transition(bold_blue_on_grey, red_on_grey) == "\x1b[0;38;5;1;48;5;236m"  # bold off: reset
    assert transition(red_on_grey, DEFAULT) == "\x1b[0m"
    assert apply_sgr(DEFAULT, "38;5") is None  # malformed: not modelled, passed through
