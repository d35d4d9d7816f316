"""What the provider layer adds on top of the wire.

1. TTFT overhead: the same simulator response read by a raw httpx stream (the floor: send, then the
   first body chunk holding non-empty content) and by our provider (its TTFT as the app reports it),
   alternating, warm connections, in the same run. Target: at most 2 ms median added.
2. Decoding speed: a long answer streamed as fast as the simulator can write, end to end through
   ``provider.stream`` (SSE and NDJSON), and the SSE decoder alone on bytes in memory. Target: at
   least 50,000 tokens/s on one core.

3. Cold ask TTFT: a fresh ``qwen-tui ask --json`` process per run, against the simulator: the TTFT
   ask reports (its summary's ``ttft_ms``) minus the simulator's own (first token sent minus the
   request read, from its log). Target: median gap in [0, 5] ms.

The simulator runs in its own process, so it does not share the client's core or GIL.

    uv run python bench/provider_overhead.py            # full run, writes both sections of docs/benchmarks.md
    uv run python bench/provider_overhead.py --cold     # only the cold ask case (10 runs per provider), writes it
    uv run python bench/provider_overhead.py --quick    # smaller, prints only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import aclosing
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import write_section  # noqa: E402

from qwen_tui.config import default_config  # noqa: E402
from qwen_tui.demo import demo_settings  # noqa: E402
from qwen_tui.providers.base import ChatRequest, Message, TextDelta  # noqa: E402
from qwen_tui.providers.registry import build_provider  # noqa: E402
from qwen_tui.providers.streams import SSEDecoder  # noqa: E402
from qwen_tui.sim.process import SimulatorProcess  # noqa: E402

CONTENT = re.compile(rb'"content":\s*"[^"]')


def provider_for(sim: SimulatorProcess, kind: str):
    settings = default_config(env={}).providers[kind]
    return build_provider(demo_settings(settings, sim))  # type: ignore[arg-type]


REQUEST = ChatRequest([Message("user", "hello")])


async def raw_ttft(client: httpx.AsyncClient, url: str, body: dict, headers: dict) -> float:
    content = json.dumps(body).encode()
    req = client.build_request("POST", url, content=content, headers=headers)
    start = time.perf_counter()
    resp = await client.send(req, stream=True)
    try:
        async for chunk in resp.aiter_raw():
            if CONTENT.search(chunk):
                return (time.perf_counter() - start) * 1000
    finally:
        await resp.aclose()
    raise RuntimeError("no content")


async def ours_ttft(provider) -> float:
    async with aclosing(provider.stream(REQUEST)) as stream:
        async for event in stream:
            if isinstance(event, TextDelta):
                ttft = event and None
            last = event
    ttft = last.timing.ttft_ms
    return ttft


async def ttft_overhead(sim: SimulatorProcess, runs: int) -> dict:
    sim.set_knobs(ttft_ms=20.0, tps=2000.0, reply="x" * 400, chunk_chars=4)
    provider = provider_for(sim, "sambanova")
    body = provider.chat_body(REQUEST, provider.settings.model)
    headers = {**provider.auth_headers(), "Content-Type": "application/json", "Accept": "text/event-stream"}
    raw, ours = [], []
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(3):  # warm both connections
            await raw_ttft(client, provider.chat_url(), body, headers)
            await ours_ttft(provider)
        for _ in range(runs):
            raw.append(await raw_ttft(client, provider.chat_url(), body, headers))
            ours.append(await ours_ttft(provider))
    await provider.aclose()
    diffs = [o - r for o, r in zip(ours, raw, strict=True)]
    return {"raw": statistics.median(raw), "ours": statistics.median(ours), "added": statistics.median(diffs),
            "runs": runs}


async def decode_rate(sim: SimulatorProcess, kind: str, tokens: int) -> tuple[float, float]:
    """Best of 3: tokens per wall-clock second, and per CPU second of this (the client) process,
    which is what "on one core" means and what other jobs on the machine disturb least."""
    sim.set_knobs(provider=kind, ttft_ms=0.0, tps=0, reply="abcd" * tokens, chunk_chars=4)
    provider = provider_for(sim, kind)
    best_wall = best_cpu = 0.0
    for _ in range(3):
        n = 0
        start, cpu = time.perf_counter(), time.process_time()
        async with aclosing(provider.stream(REQUEST)) as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    n += 1
        best_wall = max(best_wall, n / (time.perf_counter() - start))
        best_cpu = max(best_cpu, n / max(time.process_time() - cpu, 1e-9))
    await provider.aclose()
    return best_wall, best_cpu


async def raw_rate(sim: SimulatorProcess, kind: str, tokens: int) -> float:
    """The floor: the same stream read by bare httpx, counting frames, no decoding."""
    sim.set_knobs(provider=kind, ttft_ms=0.0, tps=0, reply="abcd" * tokens, chunk_chars=4)
    provider = provider_for(sim, kind)
    url = provider.chat_url() if kind != "ollama" else f"{provider.settings.base_url}/api/chat"
    body = json.dumps(provider.chat_body(REQUEST, provider.settings.model)).encode()
    headers = {**provider.auth_headers(), "Content-Type": "application/json"}
    best = 0.0
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(3):
            start = time.perf_counter()
            async with client.stream("POST", url, content=body, headers=headers) as resp:
                n = 0
                async for chunk in resp.aiter_raw():
                    n += chunk.count(b"\n")
            best = max(best, (tokens) / (time.perf_counter() - start))
    await provider.aclose()
    return best


def decoder_alone(tokens: int) -> float:
    line = b'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"abcd"},"finish_reason":null}]}\n\n'
    data = line * tokens
    pieces = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    start = time.perf_counter()
    dec = SSEDecoder()
    n = 0
    for piece in pieces:
        for ev in dec.feed(piece):
            json.loads(ev.data)
            n += 1
    return n / (time.perf_counter() - start)


COLD_PROVIDERS = ("huggingface", "sambanova", "ollama", "blaxel")
COLD_TTFT_MS = 300.0  # the cloud provider (301 ms server-side)


def ask_summary(stdout: str) -> dict:
    """The ``summary`` object of ``ask --json`` output (its last line of type summary)."""
    for line in reversed(stdout.strip().splitlines()):
        obj = json.loads(line)
        if obj.get("type") == "summary":
            return obj
    raise ValueError("no summary line in ask's output")


def cold_gap_ms(summary: dict, chat: dict) -> float:
    """Ask's TTFT minus the simulator's (first token sent - request read), in ms."""
    return summary["ttft_ms"] - (chat["first_token_at"] - chat["received_at"]) * 1000


def cold_ask(sim: SimulatorProcess, runs: int, providers=COLD_PROVIDERS) -> dict[str, list[tuple[float, dict]]]:
    """Per provider, ``runs`` (gap, ask's summary), each from a fresh ``python -m qwen_tui ask --json``."""
    gaps: dict[str, list[tuple[float, dict]]] = {}
    with tempfile.TemporaryDirectory(prefix="qwen-tui-cold-") as tmp:
        home = Path(tmp)
        config = home / "config.toml"
        config.write_text(sim.config)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QWEN_TUI", "PYTHONDONTWRITEBYTECODE"))}
        env.update(sim.env, XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
                   XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"))
        argv = [sys.executable, "-m", "qwen_tui", "--config", str(config), "ask", "--json"]
        for name in providers:
            sim.set_knobs(provider=name, ttft_ms=COLD_TTFT_MS, tps=1000.0, reply="abcd" * 40, chunk_chars=4)
            subprocess.run([*argv, "--provider", name, "warm-up"], env=env, cwd=home, capture_output=True)  # bytecode
            for _ in range(runs):
                done = subprocess.run([*argv, "--provider", name, "hello"], env=env, cwd=home, capture_output=True,
                                      text=True, timeout=30)
                if done.returncode != 0:
                    raise RuntimeError(f"ask --provider {name} failed: {done.stderr.strip()[-300:]}")
                summary = ask_summary(done.stdout)
                gaps.setdefault(name, []).append((cold_gap_ms(summary, sim.chats()[-1]), summary))
    return gaps


def cold_section(gaps: dict[str, list[tuple[float, dict]]], load: tuple[str, str]) -> str:
    rows = []
    for name, runs_ in gaps.items():
        values = [gap for gap, _ in runs_]
        median = statistics.median(values)
        verdict = "met" if 0 <= median <= 5 else "**not met**"
        connects = [s["connect_ms"] for _, s in runs_ if not s.get("reused_connection") and s.get("connect_ms")]
        conn = f"opened, {statistics.median(connects):.2f} ms" if connects else "reused (opened before the request)"
        rows.append(f"| {name} | {median:.2f} ms | {min(values):.2f}–{max(values):.2f} ms | {conn} | in [0, 5] ms "
                    f"| {verdict} |")
    runs = len(next(iter(gaps.values())))
    return "\n".join([
        "## Cold ask TTFT",
        "",
        "`uv run python bench/provider_overhead.py --cold` — a fresh `python -m qwen_tui ask --json` process per "
        f"run, {runs} runs per provider (after one uncounted run that writes the bytecode cache), against the "
        f"simulator in its own process (TTFT {COLD_TTFT_MS:g} ms, 40 tokens). Gap = the `ttft_ms` of ask's summary "
        "minus the simulator's own TTFT from its log (first token sent − request read): what the client adds "
        "on its side of the wire in a cold process (connect, the request's bytes, reading the first token and "
        f"any first-use cost inside the window). Machine: {platform.machine()}, {os.cpu_count()} shared cores, "
        f"Python {platform.python_version()}; load average (1, 5, 15 min) {load[0]} before, {load[1]} after.",
        "",
        "Where a cold gap came from: before `http_client_ready` imported the first connection's modules "
        "(`qwen_tui/providers/http.py`, `prepare_first_connection`), huggingface and sambanova, whose first "
        "connection opens inside the window, measured 19.0 and 30.4 ms (3 runs each): httpcore picks its network "
        "backend at the first connect (`httpcore/_backends/auto.py`, `AutoBackend._init_backend`) and anyio then "
        "imports `anyio._backends._asyncio` and its lock, socket and stream modules (17 modules, ~25 ms with an "
        "import hook); ollama and blaxel (1 ms) had paid it in their model lookup before the clock started. "
        "tests/providers/test_first_use.py checks that a first request imports nothing inside its window.",
        "",
        "| provider | median gap | min–max | connection (ask's summary, median) | target | |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ])


def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def run_cold(runs: int) -> str:
    before = load_average()
    with SimulatorProcess(ttft_ms=COLD_TTFT_MS, tps=1000.0) as sim:
        gaps = cold_ask(sim, runs)
    return cold_section(gaps, (before, load_average()))


async def main(quick: bool) -> str:
    runs = 20 if quick else 100
    tokens = 5_000 if quick else 50_000
    sim = SimulatorProcess(ttft_ms=20.0, tps=2000.0)
    try:
        over = await ttft_overhead(sim, runs)
        sse = await decode_rate(sim, "sambanova", tokens)
        ndjson = await decode_rate(sim, "ollama", tokens)
        raw_sse = await raw_rate(sim, "sambanova", tokens)
        raw_ndjson = await raw_rate(sim, "ollama", tokens)
    finally:
        sim.close()
    alone = decoder_alone(tokens)
    verdict_ttft = "met" if over["added"] <= 2.0 else "missed"
    (sse, sse_cpu), (ndjson, ndjson_cpu) = sse, ndjson
    verdict_rate = "met" if min(sse_cpu, ndjson_cpu) >= 50_000 else "missed"
    return f"""## Provider overhead

`uv run python bench/provider_overhead.py` — the simulator in its own process on loopback
(`python -m qwen_tui.sim`); the client on this machine ({platform.machine()}, {os.cpu_count()} shared
cores, Python {platform.python_version()}). Medians of {over['runs']} alternating runs on warm connections.

| figure | measured | target | |
| --- | --- | --- | --- |
| TTFT, raw httpx floor (send → first body chunk with content) | {over['raw']:.2f} ms | | |
| TTFT, our provider (as the app reports it) | {over['ours']:.2f} ms | | |
| added by the provider layer (median of paired differences) | {over['added']:.2f} ms | at most 2 ms | {verdict_ttft} |
| raw httpx floor: the same SSE stream read without decoding | {raw_sse:,.0f} tokens/s | | |
| decoding end to end, OpenAI-style SSE ({tokens:,} chunks through `provider.stream`), wall clock | {sse:,.0f} tokens/s | | |
| the same, per CPU second of the client (one core) | {sse_cpu:,.0f} tokens/s | at least 50,000 | {verdict_rate} |
| raw httpx floor: the same NDJSON stream | {raw_ndjson:,.0f} tokens/s | | |
| decoding end to end, Ollama NDJSON, wall clock | {ndjson:,.0f} tokens/s | | |
| the same, per CPU second of the client | {ndjson_cpu:,.0f} tokens/s | at least 50,000 | |
| SSE decoder + JSON alone, bytes in memory | {alone:,.0f} tokens/s | | |

The simulator's configured TTFT is 20 ms; both clients see it plus loopback and scheduling time.
The end-to-end rates include the simulator writing each chunk on its own (best of 3); the wall-clock
figures are bounded by the simulator (see the raw floor), the per-CPU-second ones are the client's own cost.
"""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs; do not update docs")
    parser.add_argument("--cold", action="store_true", help="only the cold ask case")
    args = parser.parse_args()
    sections = [] if args.cold else [asyncio.run(main(args.quick))]
    sections.append(run_cold(3 if args.quick else 10))
    for section in sections:
        print(section)
        if not args.quick:
            write_section(section)
