"""A race: one question, with the same history and context, to several providers at once.

Fair by construction: every provider's connection is opened first (``warm``), then all requests
are started in one loop turn, so they leave within a few milliseconds of each other whatever the
order of the providers; how far apart they actually left (from each request's ``on_sent``) is
part of the report. The lanes stream through ``RaceSink`` so the TUI and ``qwen-tui race`` show
them live; at the end the lanes are ranked: finished answers first, by TTFT, then total time.
Tools are off in a race: each provider answers in plain text. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from qwen_tui.conversation.loop import Answer, AnswerSink, stream_answer
from qwen_tui.providers.base import ChatRequest, Message, Provider, ProviderError
from qwen_tui.timing import RequestTiming, fmt_ms

MIN_LANES, MAX_LANES = 2, 4
#: The connections are opened before the start; a provider that cannot be reached in this time
#: starts cold (its connect time then shows in its TTFT, as it would for a question).
WARM_TIMEOUT_S = 3.0


class RaceSink(Protocol):
    """What a race's viewer is told, lane by lane (``index`` is the lane's position)."""

    def on_text(self, index: int, text: str) -> None: ...

    def on_phase(self, index: int, phase: str) -> None: ...

    def on_done(self, index: int, lane: Lane) -> None: ...


@dataclass(slots=True)
class Lane:
    """One provider's run in a race."""

    name: str
    model: str
    parts: list[str] = field(default_factory=list)
    timing: RequestTiming | None = None
    outcome: str = "pending"  # pending | complete | error | cancelled
    error: str | None = None
    fix: str | None = None
    sent_at: float | None = None  # the race's clock, once the request was written
    ended_at: float | None = None
    started_at: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def ttft_ms(self) -> float | None:
        return self.timing.ttft_ms if self.timing is not None else None

    @property
    def tokens_per_s(self) -> float | None:
        return self.timing.tokens_per_s if self.timing is not None else None

    @property
    def tokens(self) -> int:
        return self.timing.tokens if self.timing is not None else 0

    @property
    def total_ms(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at) * 1000.0

    def facts(self) -> str:
        """The lane's line of a ranking: its figures, or what stopped it, in plain words."""
        if self.outcome != "complete":
            return self.error or ("stopped" if self.outcome == "cancelled" else self.outcome)
        rate = self.tokens_per_s
        return (f"TTFT {fmt_ms(self.ttft_ms)} · {'—' if not rate else f'{rate:,.0f}'} tok/s · "
                f"total {fmt_ms(self.total_ms)} · {self.tokens} tokens")

    def result(self) -> dict[str, Any]:
        """The lane's line of ``race --json``'s results (times in milliseconds)."""
        return {
            "provider": self.name,
            "model": self.model,
            "ttft_ms": _round(self.ttft_ms),
            "tokens_per_s": _round(self.tokens_per_s),
            "total_ms": _round(self.total_ms),
            "tokens": self.tokens,
            "outcome": self.outcome,
            "error": self.error,
        }


@dataclass(slots=True)
class RaceReport:
    lanes: list[Lane]
    spread_ms: float | None  # how far apart the requests left (first to last)

    def ranking(self) -> list[Lane]:
        return rank(self.lanes)

    def to_json(self) -> dict[str, Any]:
        return {"type": "race", "results": [lane.result() for lane in self.ranking()],
                "spread_ms": _round(self.spread_ms)}


def rank(lanes: Sequence[Lane]) -> list[Lane]:
    """Finished answers first, fastest first token first (then the shorter total time); then
    stopped and failed lanes, in their order."""
    done = [lane for lane in lanes if lane.outcome == "complete" and lane.ttft_ms is not None]
    rest = [lane for lane in lanes if lane not in done]
    done.sort(key=lambda lane: (lane.ttft_ms, lane.total_ms or 0.0))
    return done + rest


def check_lanes(names: Sequence[str], known: Sequence[str]) -> list[str]:
    """The providers of a race, in order, without repeats; a ValueError says what is wrong."""
    picked: list[str] = []
    for name in names:
        name = name.strip()
        if name and name not in picked:
            picked.append(name)
    unknown = [name for name in picked if name not in known]
    if unknown:
        raise ValueError(f"unknown provider(s): {', '.join(unknown)}; configured: {', '.join(known)}")
    if not MIN_LANES <= len(picked) <= MAX_LANES:
        raise ValueError(f"a race takes {MIN_LANES} to {MAX_LANES} providers, got {len(picked)}")
    return picked


class Race:
    """Runs the lanes; ``stop(i)`` ends one, ``stop()`` all, each keeping what arrived."""

    def __init__(self, providers: Sequence[Provider], models: Sequence[str], messages: list[Message],
                 *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.providers = list(providers)
        self.lanes = [Lane(p.name, m) for p, m in zip(self.providers, models, strict=True)]
        self.messages = messages
        self.sink: RaceSink | None = None
        self.clock = clock
        self._tasks: list[asyncio.Task[None]] = []

    async def run(self, sink: RaceSink) -> RaceReport:
        self.sink = sink
        await self._warm()
        start = self.clock()
        for i in range(len(self.lanes)):  # all started in one loop turn: nothing between them
            self.lanes[i].started_at = start
            self._tasks.append(asyncio.ensure_future(self._run_lane(i)))
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # when each request was handed to its connection (``on_sent`` runs a loop turn after the
        # write, so all of them together; the timing's own mark is taken where it happens)
        left = [lane.timing.started for lane in self.lanes if lane.timing is not None and lane.sent_at is not None]
        spread = (max(left) - min(left)) * 1000.0 if len(left) > 1 else None
        return RaceReport(self.lanes, spread)

    def stop(self, index: int | None = None) -> None:
        tasks = self._tasks if index is None else self._tasks[index:index + 1]
        for task in tasks:
            task.cancel()

    async def _warm(self) -> None:
        async def warm(provider: Provider) -> None:  # one slow provider does not hold up the others'
            with contextlib.suppress(Exception):
                async with asyncio.timeout(WARM_TIMEOUT_S):
                    await provider.warm()

        await asyncio.gather(*(warm(p) for p in self.providers))

    async def _run_lane(self, index: int) -> None:
        lane, provider, sink = self.lanes[index], self.providers[index], self.sink
        assert sink is not None

        def sent() -> None:
            lane.sent_at = self.clock()

        request = ChatRequest(messages=list(self.messages), model=lane.model, on_sent=sent)
        try:
            await stream_answer(provider, request, _LaneSink(sink, index, lane))
        except asyncio.CancelledError:
            if lane.outcome == "pending":
                lane.outcome = "cancelled"
        finally:
            lane.ended_at = self.clock()
            if lane.outcome == "pending":
                lane.outcome = "cancelled"
            if lane.timing is not None:
                lane.timing.outcome = lane.outcome
            sink.on_done(index, lane)


class _LaneSink(AnswerSink):
    """Tells the race's viewer what the conversation loop tells one lane."""

    def __init__(self, sink: RaceSink, index: int, lane: Lane) -> None:
        self.sink, self.index, self.lane = sink, index, lane

    def on_text(self, text: str) -> None:
        self.lane.parts.append(text)
        self.sink.on_text(self.index, text)

    def on_phase(self, name: str, timing: RequestTiming | None) -> None:
        if timing is not None:
            self.lane.timing = timing
        self.sink.on_phase(self.index, name)

    def on_finish(self, answer: Answer) -> None:
        self.lane.timing = answer.timing or self.lane.timing
        self.lane.outcome = "complete"

    def on_error(self, error: ProviderError, answer: Answer) -> None:
        self.lane.timing = answer.timing or self.lane.timing
        self.lane.outcome, self.lane.error, self.lane.fix = "error", f"{error.provider}: {error.what}", error.fix


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
