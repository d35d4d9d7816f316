"""The fault matrix through the TUI: for each provider one app (Pilot), every fault in turn.

For each cell: the error shown inline in plain words naming the provider and the fix; the partial
answer kept in the view and in the session file; a key press handled within 100 ms while the
request is in flight and after it; no traceback (the app keeps running, nothing unhandled).
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest

from qwen_tui.session import SessionStore
from tests.reliability.faults import CASES, CHUNK, PROVIDERS, expected_words, is_complete, partial_of
from tests.reliability.tui_driver import (
    KEY_BUDGET_S,
    SIZE,
    error_shown,
    key_latency,
    make_app,
    send,
    use_settings,
    wait_for_text,
)
from tests.support.app import settle

pytestmark = [pytest.mark.slow, pytest.mark.timing]


@pytest.mark.parametrize("name", list(PROVIDERS))
async def test_tui_fault_matrix(name: str, sim, workdir: Path, tmp_path: Path) -> None:
    sim_name = PROVIDERS[name]
    app = make_app(sim, workdir, tmp_path, provider=name)
    failures: list[str] = []
    latencies: list[tuple[float, str]] = []
    probes: dict[str, int] = {}
    # The test session's heap is not the app's: the app freezes what its start-up built, and a
    # full collection walking pytest's heap during a key press (390 ms once in CI) is not a stall
    # of the app.
    gc.collect()
    gc.freeze()
    try:
        await run_matrix(app, name, sim_name, sim, tmp_path, failures, latencies, probes)
    finally:
        gc.unfreeze()
    slow = [case for case in ("stall", "first_byte_timeout", "connect_timeout") if case in probes]
    assert all(probes[case] >= 3 for case in slow), f"too few key presses while in flight: {probes}"
    assert not failures, "\n".join(failures)
    slowest, where = max(latencies)
    assert slowest < KEY_BUDGET_S, f"slowest key press {slowest * 1000:.0f} ms, {where}"


async def run_matrix(app, name: str, sim_name: str, sim, tmp_path: Path, failures: list[str],
                     latencies: list[tuple[float, str]], probes: dict[str, int]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        for case in CASES:
            if not case.applies(name):
                continue
            sim.set_knobs(provider=sim_name, ttft_ms=5.0, tps=0, reply=case.reply(), chunk_chars=CHUNK)
            with case.arrange(sim, name, sim_name) as setup:
                await use_settings(app, sim, tmp_path, name, setup)
                answer = await send(pilot, f"question for {case.id}")
                if case.id == "stall":  # probe while the stream is paused
                    await wait_for_text(app, answer)
                in_flight = 0
                # The burst's in-flight key presses are timed in test_burst, against a simulator in
                # its own process: here the in-process simulator writing 20,000 frames holds the GIL
                # the app needs, and the probe would time the simulator (126-136 ms once in CI).
                while app.streaming and in_flight < 5 and case.id != "burst":
                    latencies.append((await key_latency(app), f"{case.id} (in flight)"))
                    in_flight += 1
                    await asyncio.sleep(0.03)
                probes[case.id] = in_flight
                await settle(app, saved=True)
            latencies.append((await key_latency(app), case.id))
            problems = check_cell(app, name, sim_name, case, answer)
            failures.extend(f"{name}/{case.id}: {p}" for p in problems)
        assert app.is_running and app._exception is None


def check_cell(app, name: str, sim_name: str, case, answer) -> list[str]:
    problems: list[str] = []
    reply = case.reply()
    saved = SessionStore().load(app.session.id).turns[-1]
    if is_complete(case, sim_name):
        if answer.outcome != "complete":
            problems.append(f"outcome {answer.outcome}: {answer.error_message}")
        if answer.text != reply:
            problems.append(f"view holds {len(answer.text)} of {len(reply)} characters")
        if saved.content != reply or saved.outcome != "complete":
            problems.append(f"session holds {len(saved.content)} characters, outcome {saved.outcome}")
        return problems
    shown = error_shown(answer)
    if answer.outcome != "error":
        problems.append(f"outcome {answer.outcome}")
    if not answer.error_message.startswith(f"{name}: "):
        problems.append(f"the error does not name the provider: {answer.error_message!r}")
    if "\n" not in shown.strip():
        problems.append(f"no fix shown: {shown!r}")
    for word in expected_words(case, sim_name):
        if word.lower() not in shown.lower():
            problems.append(f"{word!r} not in {shown!r}")
    if "Traceback" in shown:
        problems.append("a traceback is shown")
    if case.keeps_partial:
        partial = partial_of(case)
        if not answer.text.startswith(partial):
            problems.append(f"view lost the partial answer: {answer.text!r}")
        if not saved.content.startswith(partial) or saved.outcome != "error":
            problems.append(f"session lost the partial answer: {saved.content!r} ({saved.outcome})")
        if not (saved.error or "").startswith(f"{name}: "):
            problems.append(f"session error not saved: {saved.error!r}")
    return problems
