"""The streamed rendering must equal the one-shot rendering of the same answer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from qwen_tui.ui.render.markdown_stream import StreamingMarkdown
from qwen_tui.ui.render.blocks import BlockSplitter
from qwen_tui.ui.render.lines import join_blocks, render_answer, render_block

from .conftest import ANSWER, WIDTH, StreamApp, chunks


def widget_lines(widget: StreamingMarkdown) -> list:
    return [widget._layout_for(widget.size.width).line(y) for y in range(widget.size.height)]  # unstyled lines


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_streamed_equals_one_shot(seed: int) -> None:
    app = StreamApp()
    async with app.run_test(size=(WIDTH, 50)):
        widget = app.query_one(StreamingMarkdown)
        for index, piece in enumerate(chunks(ANSWER, seed)):
            widget.append(piece)
            if index % 5 == 0:  # let frames happen in the middle of the stream
                await widget.wait_rendered()
        await widget.wait_rendered()
        widget.finish()
        await widget.wait_rendered()
        shown = widget_lines(widget)
        expected = render_answer(app.console, ANSWER, widget.size.width)
        assert widget.text == ANSWER
        assert len(expected) > 40
        # plain text first (readable failure), then styles too
        assert [s.text for s in shown] == [s.text for s in expected]
        assert shown == expected
        # and the screen shows it: the open fence's last line is on screen, escapes are not
        screen = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "x.map((v) => v * 2)" in screen
        assert "[b]markup[/b]" in screen
        assert "\u241b[31m" in screen and "\x1b" not in screen and "\x07" not in screen


async def test_frozen_blocks_never_change_while_streaming() -> None:
    """Lines above the open block, once shown, stay as they are until the end."""
    app = StreamApp()
    async with app.run_test(size=(WIDTH, 50)):
        widget = app.query_one(StreamingMarkdown)
        final = render_answer(app.console, ANSWER, WIDTH)
        for index, piece in enumerate(chunks(ANSWER, 7)):
            widget.append(piece)
            if index % 11 == 0:
                await widget.wait_rendered()
                layout = widget._layout
                assert layout is not None
                assert layout.frozen == final[: len(layout.frozen)]


def _console() -> Console:
    return Console(
        width=WIDTH, force_terminal=True, color_system="truecolor", legacy_windows=False,
        markup=False, highlight=False, emoji=False,
    )


_MD_PIECES = [
    "para text", "# Head", "## Sub", "- item", "1. num", "   indented", "    code", "```py", "```",
    "~~~", "| a | b |", "|---|---|", "| 1 | 2 |", "> quote", "---", "***", "", "", "text *em*",
    "Title\n===", "x = 1", "  - nested", "\x1b[1m", "[b]bold[/b]",
]


# Images are left out: Rich renders an image inside a list item out of order (a Rich quirk);
# a top-level image paragraph is covered by the fixed case below.
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(_MD_PIECES), min_size=1, max_size=25),
    st.integers(min_value=0, max_value=10_000),
    st.booleans(),
)
def test_splitter_matches_one_shot_for_any_document(pieces: list[str], seed: int, newline: bool) -> None:
    """Block splitting never changes the rendering, wherever the chunks are cut."""
    text = "\n".join(pieces) + ("\n" if newline else "")
    console = _console()
    splitter = BlockSplitter()
    for piece in chunks(text, seed, most=6):
        splitter.feed(piece)
    blocks = [render_block(console, source, WIDTH, "monokai") for source in splitter.closed]
    blocks.append(render_block(console, splitter.open_source, WIDTH, "monokai"))
    streamed = join_blocks(blocks, WIDTH)
    assert [s.text for s in streamed] == [s.text for s in render_answer(console, text, WIDTH)]


def test_image_paragraph_after_code_block() -> None:
    text = "```py\nx = 1\n```\n![img](x.png) tail\n\npara"
    console = _console()
    splitter = BlockSplitter()
    for piece in chunks(text, 3, most=4):
        splitter.feed(piece)
    blocks = [render_block(console, s, WIDTH, "monokai") for s in splitter.closed]
    blocks.append(render_block(console, splitter.open_source, WIDTH, "monokai"))
    assert join_blocks(blocks, WIDTH) == render_answer(console, text, WIDTH)
