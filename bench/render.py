"""Micro-benchmark of the streaming Markdown renderer alone, in a headless Textual app.

Runs StreamingMarkdown and, as the baseline, Textual's Markdown + MarkdownStream on the same
answers, and writes the figures to the "## Streaming renderer" section of docs/benchmarks.md.

    uv run python bench/render.py            # full run (about 2 minutes)
    uv run python bench/render.py --quick    # smaller sizes, no docs update

Terminal bytes are the escape sequences Textual would write to a real terminal (each screen
update rendered with the app's console, as in App._display), at the console's colour depth.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path
from time import perf_counter, process_time

from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import write_section  # noqa: E402
from qwen_tui.ui.render.markdown_stream import StreamingMarkdown  # noqa: E402

SIZE = (100, 40)


def tokens_of(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def coding_answer(total_tokens: int = 4000, code_lines: int = 100) -> list[str]:
    """Prose, a list, a table, then a code block of ``code_lines`` lines, then prose."""
    code = "".join(
        f"    result_{n} = process(data[{n}], mode='fast')  # line {n}\n" for n in range(code_lines)
    )
    head = (
        "Here is how to do it.\n\n1. Read the file.\n2. Process each row.\n\n"
        "| step | cost |\n|---|---|\n| read | 1 |\n| write | 2 |\n\n"
    )
    body = f"```python\ndef run(data):\n{code}```\n\n"
    prose = "This paragraph explains the code in some detail, with `inline code` and **bold**. "
    tokens = tokens_of(head + body)
    while len(tokens) < total_tokens:
        tokens += tokens_of(prose)
    return tokens[:total_tokens]


def fence_tokens(lines: int) -> list[str]:
    code = "".join(f"    value_{n} = compute(items[{n}], factor={n % 13})  # step {n}\n" for n in range(lines))
    return tokens_of("```python\n" + code)


class BenchApp(App[None]):
    def __init__(self, widget_factory) -> None:  # noqa: ANN001
        super().__init__()
        self.widget_factory = widget_factory
        self.bytes_written = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="log"):
            yield self.widget_factory()

    def on_mount(self) -> None:
        self.query_one("#log", VerticalScroll).anchor()

    def _display(self, screen, renderable) -> None:  # noqa: ANN001
        if isinstance(renderable, CompositorUpdate):
            self.bytes_written += len(renderable.render_segments(self.console).encode())
        super()._display(screen, renderable)


async def run_ours(tokens: list[str], rate: float | None) -> dict[str, float]:
    """Stream ``tokens`` at ``rate`` tok/s (None: as fast as possible) into StreamingMarkdown."""
    app = BenchApp(StreamingMarkdown)
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(StreamingMarkdown)
        await pilot.pause()
        app.bytes_written = 0
        cpu0, start = process_time(), perf_counter()
        widget.append(tokens[0])
        await widget.wait_rendered()
        first = perf_counter() - start
        sent = 1
        while sent < len(tokens):
            now = perf_counter() - start
            due = len(tokens) if rate is None else min(len(tokens), int(now * rate) + 1)
            for token in tokens[sent:due]:
                widget.append(token)
            sent = max(sent, due)
            await asyncio.sleep(0 if rate is None else 0.001)
        last_sent = perf_counter()
        widget.finish()
        await widget.wait_rendered()
        end = perf_counter()
        return {
            "first_ms": first * 1000,
            "lag_ms": (end - last_sent) * 1000,
            "total_s": end - start,
            "cpu_s": process_time() - cpu0,
            "tok_s": len(tokens) / (end - start),
            "bytes_per_token": app.bytes_written / len(tokens),
        }


async def run_baseline(tokens: list[str], rate: float | None, budget_s: float = 60.0) -> dict[str, float]:
    """The same stream through Textual's Markdown.get_stream (MarkdownStream)."""
    app = BenchApp(Markdown)
    async with app.run_test(size=SIZE) as pilot:
        markdown = app.query_one(Markdown)
        await pilot.pause()
        app.bytes_written = 0
        stream = Markdown.get_stream(markdown)
        cpu0, start = process_time(), perf_counter()
        sent = 0
        while sent < len(tokens):
            now = perf_counter() - start
            if now > budget_s:
                break
            due = len(tokens) if rate is None else min(len(tokens), int(now * rate) + 1)
            for token in tokens[sent:due]:
                await stream.write(token)
            sent = max(sent, due)
            await asyncio.sleep(0 if rate is None else 0.001)
        last_sent = perf_counter()
        await stream.stop()
        await pilot.pause()
        end = perf_counter()
        return {
            "lag_ms": (end - last_sent) * 1000,
            "total_s": end - start,
            "cpu_s": process_time() - cpu0,
            "tok_s": sent / (end - start),
            "bytes_per_token": app.bytes_written / max(sent, 1),
            "sent": sent,
        }


async def per_token_cost(lines: int, window: int, baseline: bool, budget_s: float) -> list[tuple[int, float]]:
    """Microseconds per token of a growing code fence, per window of ``window`` code lines."""
    tokens = fence_tokens(lines)
    results: list[tuple[int, float]] = []
    factory = Markdown if baseline else StreamingMarkdown
    app = BenchApp(factory)
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(factory)
        stream = Markdown.get_stream(widget) if baseline else None
        await pilot.pause()
        started = perf_counter()
        mark, count, line_no = perf_counter(), 0, 0
        for index, token in enumerate(tokens):
            if stream is not None:
                await stream.write(token)
            else:
                widget.append(token)
            count += 1
            line_no += token.count("\n")
            if index % 17 == 16:  # a frame per 17 tokens: 1,000 tok/s at 60 fps
                if stream is None:
                    await widget.wait_rendered()
                else:
                    await pilot.pause()
            if line_no >= (len(results) + 1) * window:
                if stream is None:
                    await widget.wait_rendered()
                else:
                    await pilot.pause()
                results.append((line_no, (perf_counter() - mark) / count * 1e6))
                mark, count = perf_counter(), 0
                if perf_counter() - started > budget_s:
                    break
        if stream is not None:
            await stream.stop()
    return results


def table(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(out)


async def main(quick: bool) -> str:
    answer = coding_answer(1000 if quick else 4000, 100)
    ours_paced = await run_ours(answer, 1000.0)
    base_paced = await run_baseline(answer, 1000.0)
    ours_max = await run_ours(answer, None)
    base_max = await run_baseline(answer, None)
    ours_2k = await run_ours(answer, 2000.0)
    lines = 500 if quick else 5000
    ours_cost = await per_token_cost(lines, lines // 5, baseline=False, budget_s=120)
    base_cost = await per_token_cost(min(lines, 1000), 100, baseline=True, budget_s=30 if quick else 60)

    def f(value: float, digits: int = 0) -> str:
        return f"{value:,.{digits}f}"

    rows = [
        ["case", "StreamingMarkdown", "Textual MarkdownStream"],
        ["first token on screen (ms)", f(ours_paced["first_ms"], 1), "—"],
        [f"last token sent → on screen, {len(answer):,} tok at 1,000 tok/s (ms)",
         f(ours_paced["lag_ms"], 1), f(base_paced["lag_ms"], 1)],
        ["client CPU during that stream (s)", f(ours_paced["cpu_s"], 2), f(base_paced["cpu_s"], 2)],
        ["terminal bytes per token, that stream",
         f(ours_paced["bytes_per_token"], 1), f(base_paced["bytes_per_token"], 1)],
        ["same answer at 2,000 tok/s: end lag (ms) / CPU (s)",
         f"{f(ours_2k['lag_ms'], 1)} / {f(ours_2k['cpu_s'], 2)}", "—"],
        ["sustained, producer unpaced (tok/s)", f(ours_max["tok_s"]), f(base_max["tok_s"])],
    ]
    cost_rows = [["code lines so far", "StreamingMarkdown µs/token", "MarkdownStream µs/token"]]
    base_by_line = dict(base_cost)
    for line_no, cost in ours_cost:
        cost_rows.append([f"{line_no:,}", f(cost), f(base_by_line[line_no]) if line_no in base_by_line else "—"])
    for line_no, cost in base_cost:
        if line_no not in dict(ours_cost):
            cost_rows.append([f"{line_no:,}", "—", f(cost)])
    cost_rows[1:] = sorted(cost_rows[1:], key=lambda r: int(r[0].replace(",", "")))
    growth = ours_cost[-1][1] / statistics.median(c for _, c in ours_cost[:2]) if len(ours_cost) > 2 else 1.0
    text = f"""## Streaming renderer

`uv run python bench/render.py` — the chat answer widget alone in a headless Textual app
({SIZE[0]}x{SIZE[1]}, in an anchored VerticalScroll), 4-character tokens, against Textual's
`Markdown.get_stream` on the same input in the same run. Answer: prose, a list, a table, a
100-line Python code block, then prose. Machine: 2 shared cores; read figures as sizes.
Bytes per token are the escape sequences the updates would write to a real terminal.

{table(rows)}

Per-token cost while one code fence grows (a frame every 17 tokens; MarkdownStream stopped after
its time budget). StreamingMarkdown last window / first windows: {growth:.2f}x.

{table(cost_rows)}
"""
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; do not update docs")
    args = parser.parse_args()
    result = asyncio.run(main(args.quick))
    print(result)
    if not args.quick:
        write_section(result)
