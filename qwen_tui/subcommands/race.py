"""``qwen-tui race``: one question to 2-4 providers at once, then a ranking.

The plain report streams the answers under their own headings: the first provider's answer is
written live; the others are held until their turn comes (what arrived is written at once, the
rest live), so the answers never interleave. ``--quiet`` prints only the ranking. ``--json``
prints one object per event, each tagged with its ``provider``, then the race object.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from qwen_tui import paths
from qwen_tui.context import build_prompt
from qwen_tui.metrics import append_history
from qwen_tui.providers.base import Provider
from qwen_tui.race import Lane, Race, RaceReport
from qwen_tui.subcommands.output import EXIT_OK, EXIT_PROVIDER, UsageError, emit_json, err, safe


class _PlainReport:
    """Writes the lanes one after another, the current one live."""

    def __init__(self, lanes: list[Lane], out: TextIO, quiet: bool) -> None:
        self.lanes, self.out, self.quiet = lanes, out, quiet
        self.current = 0
        self.done: set[int] = set()
        self._heading(0)

    def _heading(self, index: int) -> None:
        if self.quiet or index >= len(self.lanes):
            return
        lane = self.lanes[index]
        self.out.write(f"{'' if index == 0 else chr(10)}## {lane.name} · {lane.model}\n\n")
        self.out.write(safe(lane.text, self.out))
        self.out.flush()

    def on_text(self, index: int, text: str) -> None:
        if index == self.current and not self.quiet:
            self.out.write(safe(text, self.out))
            self.out.flush()

    def on_phase(self, index: int, phase: str) -> None:
        pass

    def on_done(self, index: int, lane: Lane) -> None:
        self.done.add(index)
        while self.current in self.done:
            self._end(self.lanes[self.current])
            self.current += 1
            self._heading(self.current)

    def _end(self, lane: Lane) -> None:
        if self.quiet:
            return
        if lane.text and not lane.text.endswith("\n"):
            self.out.write("\n")
        if lane.outcome == "error":
            self.out.write(f"\n[{lane.error}]\n")
        elif lane.outcome == "cancelled":
            self.out.write("\n[stopped]\n")
        self.out.flush()


class _JsonReport:
    def __init__(self, lanes: list[Lane], out: TextIO) -> None:
        self.lanes, self.out = lanes, out

    def on_text(self, index: int, text: str) -> None:
        emit_json({"type": "delta", "provider": self.lanes[index].name, "text": text}, self.out)

    def on_phase(self, index: int, phase: str) -> None:
        pass

    def on_done(self, index: int, lane: Lane) -> None:
        if lane.outcome == "error":
            emit_json({"type": "error", "provider": lane.name, "message": lane.error, "fix": lane.fix}, self.out)
        emit_json({"type": "summary", **lane.result()}, self.out)


def ranking_lines(report: RaceReport) -> list[str]:
    """The ranking as a small table: place, provider, TTFT, tok/s, total, tokens (or the error)."""
    lines = ["", "Ranking (same question, same context, requests sent "
             + (f"{report.spread_ms:.1f} ms apart)" if report.spread_ms is not None else "together)")]
    for place, lane in enumerate(report.ranking(), 1):
        mark = f"{place}." if lane.outcome == "complete" else "-."
        lines.append(f"{mark} {lane.name} · {lane.model} · {lane.facts()}")
    return lines


async def run_race(config: Any, providers: list[Provider], prompt: str, *, as_json: bool, quiet: bool) -> int:
    out = sys.stdout
    ctx = config.context
    windows = [p.settings.context_window for p in providers if p.settings.context_window]
    built = build_prompt(prompt, [], [], system_prompt=ctx.system_prompt,
                         context_window=min(windows) if windows else None, reserve_tokens=ctx.reserve_tokens)
    if built.over_budget:
        raise UsageError(built.held_message or "the question does not fit the smallest context window")
    race = Race(providers, [p.settings.model for p in providers], list(built.messages))
    sink = _JsonReport(race.lanes, out) if as_json else _PlainReport(race.lanes, out, quiet)
    report = await race.run(sink)
    for lane in report.lanes:
        if lane.timing is not None and lane.timing.started:
            try:
                append_history(paths.metrics_file(), lane.timing, error=lane.error, extra={"source": "race"})
            except OSError:
                pass
    if as_json:
        emit_json(report.to_json(), out)
    else:
        out.write("\n".join(ranking_lines(report)) + "\n")
        out.flush()
    if report.spread_ms is not None and not as_json:
        err(f"race: requests left {report.spread_ms:.1f} ms apart")
    return EXIT_OK if any(lane.outcome == "complete" for lane in report.lanes) else EXIT_PROVIDER
