"""read_file's numbered rows, built with one join over cached prefixes, are exactly what the
per-line loop made: same rows, same cut of long lines, same stop at the output cap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qwen_tui.tools import reading
from qwen_tui.tools.reading import MAX_LINE_CHARS, MAX_READ_OUTPUT_CHARS, _numbered


def looped(lines: list[str], first: int, last: int) -> tuple[str, int]:
    """The loop read_file ran before (the reference)."""
    out: list[str] = []
    size = 0
    shown = first - 1
    for number in range(first, last + 1):
        line = lines[number - 1]
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + f"… [line cut: {len(line):,} characters]"
        row = f"{number:>6}\t{line}"
        if size + len(row) > MAX_READ_OUTPUT_CHARS and out:
            break
        out.append(row)
        size += len(row) + 1
        shown = number
    return "\n".join(out), shown


def test_rows_of_a_short_file() -> None:
    assert _numbered(["a", "", "c"], 1, 3) == ("     1\ta\n     2\t\n     3\tc", 3)
    assert _numbered(["a", "b", "c"], 2, 3) == ("     2\tb\n     3\tc", 3)


def test_a_long_line_is_cut_as_before() -> None:
    lines = ["x" * (MAX_LINE_CHARS + 5), "y"]
    text, last = _numbered(lines, 1, 2)
    assert last == 2 and f"… [line cut: {MAX_LINE_CHARS + 5:,} characters]" in text
    assert (text, last) == looped(lines, 1, 2)


def test_the_output_cap_stops_at_the_same_row() -> None:
    lines = ["z" * 1990] * 80  # 80 rows of ~2 KB: the cap (100,000) falls inside
    got = _numbered(lines, 1, 80)
    assert got == looped(lines, 1, 80)
    assert got[1] < 80 and len(got[0]) <= MAX_READ_OUTPUT_CHARS


def test_numbers_past_the_prefix_cache() -> None:
    count = reading._PREFIX_CACHE_LINES + 30
    lines = [str(n) for n in range(count)]
    first, last = count - 40, count
    assert _numbered(lines, first, last) == looped(lines, first, last)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.integers(1990, 2010).map(lambda n: "w" * n)), max_size=120),
       st.integers(1, 130), st.integers(0, 130))
def test_same_as_the_loop(lines: list[str], first: int, count: int) -> None:
    if first > len(lines):
        return
    last = min(len(lines), first - 1 + count)
    assert _numbered(lines, first, last) == looped(lines, first, last)
