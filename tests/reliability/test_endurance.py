"""Endurance: 50 questions in a row through the TUI against the simulator, with a provider switch
(F4) every 4th question and Escape mid-stream every 6th. After warm-up (the 5th question) the
app must not accumulate: asyncio tasks, open connections and memory stay within stated bounds.

Bounds (docs/reliability.md, "Endurance"):
- asyncio tasks after any question <= tasks after the 5th + TASK_SLACK;
- open connections in the providers' pools <= 1 per provider at rest (a cancelled stream's
  connection is closed, never parked), and the process's sockets <= those after the 5th + 2 per
  provider (client and simulator side of one connection each);
- resident memory growth from the 5th to the 50th question <= RSS_GROWTH_MB (the answers stay on
  screen, so this bounds what each costs, ~0.4 MB measured);
- after Ctrl+N clears the conversation, tasks <= those after the 5th + TASK_SLACK.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from pathlib import Path

import pytest
from textual import events

from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.prompt import PromptInput
from tests.reliability.tui_driver import SIZE, make_app, send, wait_for_text
from tests.support.app import settle

pytestmark = pytest.mark.slow

QUESTIONS = 50
WARM_UP = 5
SWITCH_EVERY = 4
CANCEL_EVERY = 6
TASK_SLACK = 5
PUMP_SLACK = 3  # the default screen's and the app's own helpers
SOCKET_SLACK = 2  # a simulator-side socket closing just after the client's
RSS_GROWTH_MB = 40.0  # the 45 answers after warm-up stay on screen (~0.4 MB each measured)
REPLY = "Endurance answer: " + " ".join(f"word{n}" for n in range(60)) + "\n\n```python\nprint('ok')\n```\n"


def socket_count() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def pool_connections(app) -> dict[str, dict[str, int]]:
    """Per provider: connections open in its httpx pool, and how many of them are in use."""
    counts: dict[str, dict[str, int]] = {}
    for name, provider in app.providers.items():
        client = getattr(provider, "_client", None)
        pool = getattr(getattr(client, "_transport", None), "_pool", None)
        live = [] if client is None or client.is_closed or pool is None else \
            [c for c in pool.connections if not c.is_closed()]
        counts[name] = {"open": len(live), "active": sum(1 for c in live if not c.is_idle())}
    return counts


def dom_nodes(app) -> int:
    """The app, its screens and every widget on them: each runs one message pump."""
    return 1 + sum(1 + len(list(screen.query("*"))) for screen in app.screen_stack)


async def send_and_stop(app, text: str):
    """Enter, then Escape once the first text is on screen. Keys are posted as the terminal
    driver posts them: ``pilot.press`` waits for the screen to be idle, which a streaming answer
    never is until it ends."""
    prompt = app.query_one(PromptInput)
    prompt.focus()
    prompt.clear()
    prompt.insert(text)
    chat = app.query_one(ChatView)
    before = chat.last_answer
    app.post_message(events.Key("enter", "\r"))
    deadline = time.perf_counter() + 10
    while (chat.last_answer is before or not app.streaming) and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
    answer = chat.last_answer
    await wait_for_text(app, answer)
    assert app.streaming and answer.text and answer.text != REPLY, "the answer was over before Escape"
    app.post_message(events.Key("escape", "\x1b"))
    return answer


@pytest.mark.timeout(120)
async def test_fifty_questions_with_switches_and_cancels_do_not_accumulate(sim, workdir: Path, tmp_path: Path) -> None:
    sim.set_knobs(ttft_ms=5.0, tps=0, reply=REPLY, chunk_chars=4)
    app = make_app(sim, workdir, tmp_path, provider="sambanova")
    samples: list[dict] = []
    cancelled = 0
    started = time.perf_counter()
    base_sockets = socket_count()  # the simulator's listeners and the test's own
    async with app.run_test(size=SIZE) as pilot:
        for n in range(1, QUESTIONS + 1):
            if n % SWITCH_EVERY == 0:
                await pilot.press("f4")
            cancel = n % CANCEL_EVERY == 0
            sim.set_knobs(tps=150.0 if cancel else 0)  # slow enough to be stopped mid-stream
            if cancel:
                answer = await send_and_stop(app, f"question {n}")
            else:
                answer = await send(pilot, f"question {n}")
            await settle(app, saved=True)
            if cancel:
                assert answer.outcome == "cancelled", f"question {n}: {answer.outcome}"
                cancelled += 1
            else:
                assert answer.outcome == "complete" and answer.text == REPLY, \
                    f"question {n} on {answer.provider}: {answer.outcome} {answer.error_message}"
            await asyncio.sleep(0)
            gc.collect()
            tasks = asyncio.all_tasks()
            pumps = sum(1 for t in tasks if t.get_coro().__qualname__ == "MessagePump._process_messages")
            samples.append({"n": n, "tasks": len(tasks), "pumps": pumps, "other_tasks": len(tasks) - pumps,
                            "nodes": dom_nodes(app), "sockets": socket_count(), "pool": pool_connections(app),
                            "rss": rss_mb(), "provider": answer.provider})
        assert app.is_running and app._exception is None
        await app.action_new_conversation()  # the conversation's widgets go: what stays is a leak
        await pilot.pause(0.3)
        gc.collect()
        cleared = {"tasks": len(asyncio.all_tasks())}
    elapsed = time.perf_counter() - started
    warm = samples[WARM_UP - 1]
    providers = len(app.providers)
    used = {s["provider"] for s in samples}
    report = "\n".join(f"{s['n']:>2} {s['provider']:<11} tasks={s['tasks']} sockets={s['sockets']} "
                       f"pool={sum(c['open'] for c in s['pool'].values())} pumps={s['pumps']}/{s['nodes']} "
                       f"rss={s['rss']:.1f}" for s in samples[::5])
    assert len(used) == providers, f"not every provider was used: {used}"
    assert cancelled == QUESTIONS // CANCEL_EVERY
    # Every widget has a message-pump task: the conversation on screen grows by ~7 a question.
    # Other tasks (workers, timers) must stay flat; once the conversation is cleared all must go.
    worst_other = max(s["other_tasks"] for s in samples[WARM_UP:])
    assert worst_other <= warm["other_tasks"] + TASK_SLACK, \
        f"non-widget tasks grew from {warm['other_tasks']} to {worst_other}\n{report}"
    assert all(s["pumps"] <= s["nodes"] + PUMP_SLACK for s in samples), f"orphan message pumps\n{report}"
    assert cleared["tasks"] <= warm["tasks"] + TASK_SLACK, \
        f"tasks after clearing {cleared['tasks']}, after warm-up {warm['tasks']}\n{report}"
    for s in samples:  # nothing left checked out; at most a chat and a model listing per provider
        assert all(c["active"] == 0 and c["open"] <= 2 for c in s["pool"].values()), \
            f"question {s['n']}: pool {s['pool']}\n{report}"
        pooled = sum(c["open"] for c in s["pool"].values())
        assert s["sockets"] <= base_sockets + 2 * pooled + SOCKET_SLACK, \
            f"question {s['n']}: {s['sockets']} sockets for {pooled} pooled connections\n{report}"
    growth = samples[-1]["rss"] - warm["rss"]
    assert growth <= RSS_GROWTH_MB, f"RSS grew {growth:.1f} MB after warm-up\n{report}"
    print(f"\n{QUESTIONS} questions in {elapsed:.1f} s; tasks {warm['tasks']}->{samples[-1]['tasks']} "
          f"(non-widget max {worst_other}, after clearing {cleared['tasks']}); "
          f"sockets {warm['sockets']}->{samples[-1]['sockets']}; "
          f"RSS {warm['rss']:.1f}->{samples[-1]['rss']:.1f} MB\n{report}")
