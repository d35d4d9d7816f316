"""``qwen-tui sim`` and ``python -m qwen_tui.sim``: serve in the foreground until Ctrl+C/SIGTERM."""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import socket
import sys
import threading
from typing import TextIO

from qwen_tui.sim.server import Simulator


def describe(sim: Simulator) -> str:
    """The base URLs, the keys to export and a config snippet, as printed at start-up."""
    lines = [f"qwen-tui provider simulator listening on {sim.url}", "", "Base URLs:"]
    width = max(len(name) for name in sim.base_urls())
    lines += [f"  {name:<{width}}  {url}" for name, url in sim.base_urls().items()]
    lines += ["", "Demo keys (not secrets; the simulator accepts only these):"]
    lines += [f"  export {name}={shlex.quote(value)}" for name, value in sim.env().items()]
    lines += ["", "Config (save as config.toml and run: qwen-tui --config config.toml):", ""]
    lines.append(sim.config_toml())
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


def run_foreground(
    port: int = 0,
    ttft_ms: float = 50.0,
    tps: float | None = 200.0,
    out: TextIO | None = None,
    host: str = "127.0.0.1",
    sock: socket.socket | None = None,
    knobs: dict[str, dict] | None = None,
    until_stdin_closes: bool = False,
) -> int:
    """Start, print how to use it, and serve until KeyboardInterrupt or SIGTERM (or, with
    ``until_stdin_closes``, the end of stdin: the parent that started it is gone). ``sock``: a
    listening socket to serve; ``knobs``: per-provider knobs set before serving. Returns 0."""
    out = sys.stdout if out is None else out
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    if until_stdin_closes:
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), stop.set()), daemon=True).start()
    sim = Simulator(host=host, port=port, ttft_ms=ttft_ms, tps=tps, sock=sock)
    for provider, fields in (knobs or {}).items():
        sim.set_knobs(provider=provider, **fields)
    sim.start()
    try:
        print(describe(sim), file=out, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qwen_tui.sim", description="Run the qwen-tui provider simulator."
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    parser.add_argument("--ttft-ms", type=float, default=50.0, help="time to first token, ms")
    parser.add_argument("--tps", type=float, default=200.0, help="tokens per second (0: max)")
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)  # an inherited listening socket
    parser.add_argument("--knobs", type=json.loads, help=argparse.SUPPRESS)  # {"provider": {knob: value}}
    parser.add_argument("--until-stdin-closes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.fd) if args.fd is not None else None
    try:
        return run_foreground(port=args.port, ttft_ms=args.ttft_ms, tps=args.tps, sock=sock, knobs=args.knobs,
                              until_stdin_closes=args.until_stdin_closes)
    except OSError as exc:
        print(f"error: cannot listen on port {args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
