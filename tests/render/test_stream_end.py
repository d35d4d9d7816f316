"""Every way a stream can end flushes the buffered tail; nothing appended is ever dropped."""

from __future__ import annotations

import pytest

from qwen_tui.ui.render.markdown_stream import StreamingMarkdown
from qwen_tui.ui.render.lines import render_answer

from .conftest import WIDTH, StreamApp


@pytest.mark.parametrize(
    "answer",
    [
        "Done.\n\n```python\nprint('cut off mid-line",  # stopped / length cut-off inside a fence
        "Some text with no newline at the end",  # complete answer, no trailing newline
        "- a\n- b\n| x | y |\n|---|---|\n| 1 | 2",  # error mid-table
    ],
)
async def test_finish_without_a_frame_shows_the_buffered_tail(answer: str) -> None:
    app = StreamApp()
    async with app.run_test(size=(WIDTH, 30)):
        widget = app.query_one(StreamingMarkdown)
        for piece in answer:
            widget.append(piece)
        widget.finish()  # no frame has run: all of it is still buffered
        await widget.wait_rendered()
        shown = [widget._layout_for(widget.size.width).line(y) for y in range(widget.size.height)]
        assert shown == render_answer(app.console, answer, widget.size.width)
        assert answer.split("\n")[-1].split("(")[-1].strip("'|") in "\n".join(s.text for s in shown)


async def test_text_before_mount_and_code_blocks() -> None:
    app = StreamApp("intro\n\n```sh\nls -la\n```\n\n```py\nx = [1]\n")
    async with app.run_test(size=(WIDTH, 30)):
        widget = app.query_one(StreamingMarkdown)
        widget.append("y = 2")
        await widget.wait_rendered()
        assert widget.code_blocks == ["ls -la\n", "x = [1]\ny = 2"]
        text = "\n".join(widget.render_line(y).text for y in range(widget.size.height))
        assert "ls -la" in text and "y = 2" in text
        widget.finish()
        assert widget.text.endswith("y = 2")


async def test_append_after_finish_continues_the_answer() -> None:
    app = StreamApp()
    async with app.run_test(size=(WIDTH, 30)):
        widget = app.query_one(StreamingMarkdown)
        widget.append("```py\nx = 1\n")
        widget.finish()
        widget.append("y = 2\n```\nafter")
        widget.finish()
        await widget.wait_rendered()
        shown = [widget._layout_for(widget.size.width).line(y) for y in range(widget.size.height)]
        assert shown == render_answer(app.console, widget.text, WIDTH)


async def test_lines_carry_the_widget_background() -> None:
    """Every line is drawn on the widget's own colours (no terminal-default bands under a light
    theme), text outside code blocks included."""
    app = StreamApp()
    async with app.run_test(size=(WIDTH, 30)):
        app.theme = "textual-light"
        widget = app.query_one(StreamingMarkdown)
        widget.append("Plain prose line.\n\n```python\nx = 1\n```\n\nMore prose.")
        widget.finish()
        await widget.wait_rendered()
        background = widget.rich_style.bgcolor
        assert background is not None
        for y in range(widget.size.height):
            for segment in widget.render_line(y):
                style = segment.style
                assert style is not None and style.bgcolor is not None, (y, segment)


async def test_the_end_is_painted_before_the_answer_comes_down_to_its_text() -> None:
    """The last text goes to the screen at once, in the room the answer streamed in; the answer
    shrinks to its text (a layout and repaint of the whole view) only after that."""
    app = StreamApp()
    async with app.run_test(size=(WIDTH, 30)):
        widget = app.query_one(StreamingMarkdown)
        widget.grow_step = 20  # streams in steps of 20 lines, as in a chat view
        widget.append("first line of the answer\n\n")
        await widget.wait_rendered()
        padded = widget.size.height
        assert padded == 20
        widget.append("and the last words")
        screen = app.screen
        paint = screen._on_timer_update
        painted: list[int] = []
        screen._on_timer_update = lambda: (painted.append(widget.size.height), paint())[1]
        widget.finish()
        # painted during finish(), in the room the answer streamed in (no layout first)
        assert painted == [padded]
        assert "and the last words" in "\n".join(strip.text for strip in screen._compositor.render_strips())
        await widget.wait_rendered()
        assert widget.size.height == widget._layout.height == 3
