"""What goes to the terminal while a line grows: only the cells that changed (what SSH carries)."""

from __future__ import annotations

from textual.geometry import Region

from qwen_tui.ui.render.markdown_stream import StreamingMarkdown

from .conftest import StreamApp


async def capture_regions(pilot, widget: StreamingMarkdown, text: str) -> list[Region]:
    regions: list[Region] = []
    original = widget.refresh

    def refresh(*args, **kwargs):
        regions.extend(r for r in args if isinstance(r, Region))
        return original(*args, **kwargs)

    widget.refresh = refresh  # type: ignore[method-assign]
    widget.append(text)
    await widget.wait_rendered()
    await pilot.pause()
    widget.refresh = original  # type: ignore[method-assign]
    return regions


async def test_a_growing_line_repaints_only_its_new_cells() -> None:
    app = StreamApp()
    async with app.run_test(size=(80, 20)) as pilot:
        widget = app.query_one(StreamingMarkdown)
        widget.append("Growing words ")
        await widget.wait_rendered()
        await pilot.pause()
        regions = await capture_regions(pilot, widget, "and more ")
        assert regions, "nothing was repainted"
        assert all(r.height == 1 and r.y == 0 for r in regions), regions
        assert min(r.x for r in regions) >= len("Growing words"), regions
        # and only up to where the new text ends: the blank rest of the row is not sent again
        assert max(r.right for r in regions) <= len("Growing words and more") + 1, regions


async def test_a_growing_code_line_repaints_from_where_it_changed() -> None:
    app = StreamApp()
    async with app.run_test(size=(80, 20)) as pilot:
        widget = app.query_one(StreamingMarkdown)
        widget.append("```python\nfirst = 1\nresult = proc")
        await widget.wait_rendered()
        await pilot.pause()
        regions = await capture_regions(pilot, widget, "ess(data)\n")
        rows = {r.y: r for r in regions}
        line = max(rows)  # the line that was partial and is now complete
        assert rows[line].x >= len(" result = proc") - 1, regions
        assert all(r.y >= line for r in regions), regions  # the finished line above is left alone
