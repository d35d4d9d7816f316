"""A 5,000-line code block streamed through the real widget: cost per token stays flat."""

from __future__ import annotations

from time import process_time

import pytest

from qwen_tui.ui.render.markdown_stream import StreamingMarkdown

from .conftest import StreamApp

pytestmark = pytest.mark.slow

LINES = 5_000
TOKENS_PER_FRAME = 100  # one frame per 100 tokens (2,000 tok/s at 20 fps) keeps the test short


def code_tokens() -> list[list[str]]:
    """Token-sized pieces of each code line, for a fence of LINES lines."""
    out = []
    for n in range(LINES):
        line = f"    total_{n % 97} = compute(items[{n}], factor={n % 13}) + 1  # step {n}\n"
        out.append([line[i : i + 6] for i in range(0, len(line), 6)])
    return out


async def test_time_per_token_does_not_grow_with_the_block() -> None:
    app = StreamApp()
    async with app.run_test(size=(100, 40)):
        widget = app.query_one(StreamingMarkdown)
        widget.append("Here it is:\n\n```python\ndef big():\n")
        await widget.wait_rendered()
        # CPU seconds per token, per 250-line window: the work (the wall clock is mostly the
        # frames' pacing, and on this shared machine other jobs' time too)
        per_line_cost: list[float] = []
        pending = 0
        window_start, window_tokens = process_time(), 0
        for n, tokens in enumerate(code_tokens(), start=1):
            for token in tokens:
                widget.append(token)
                pending += 1
                window_tokens += 1
                if pending >= TOKENS_PER_FRAME:
                    await widget.wait_rendered()  # a frame, painted through the real screen
                    pending = 0
            if n % 250 == 0:
                await widget.wait_rendered()
                per_line_cost.append((process_time() - window_start) / window_tokens)
                window_start, window_tokens = process_time(), 0
        widget.append("```\n")
        widget.finish()
        await widget.wait_rendered()
        assert widget.code_blocks[0].count("\n") == LINES + 1
        early = sorted(per_line_cost[:4])[1]  # lines 0-1,000 (second best of four windows)
        late = sorted(per_line_cost[-4:])[1]  # lines 4,000-5,000
        assert late < early * 2.5, (early, late, per_line_cost)
