"""The simulator in a process of its own, driven over its control API (``/_sim/...``).

For benchmarks and tests that time the client: an in-process simulator shares the client's GIL
and core, and a burst it writes would be measured as the client's stall.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx


class SimulatorProcess:
    """``python -m qwen_tui.sim`` on a free loopback port. ``url``, ``base_urls()``, ``env`` (the
    keys to export) and ``config`` (a config file's text) are read from what it prints."""

    def __init__(self, *, ttft_ms: float = 50.0, tps: float = 200.0, cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qwen_tui.sim", "--port", "0", "--ttft-ms", str(ttft_ms), "--tps", str(tps)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
        )
        assert self.proc.stdout is not None
        lines: list[str] = []
        for line in self.proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        text = "".join(lines)
        found = re.search(r"listening on (\S+)", text)
        if found is None:
            self.proc.kill()
            raise RuntimeError(f"the simulator did not start:\n{text}")
        self.url = found.group(1)
        self._urls = dict(re.findall(r"^  (\w+)\s+(http://\S+)$", text, re.M))
        self.env = dict(re.findall(r"export (\w+)=(\S+)", text))
        self.config = text.split("qwen-tui --config config.toml):\n", 1)[1].rsplit("Press Ctrl+C", 1)[0]
        self.client = httpx.Client(base_url=self.url + "/_sim", timeout=10)

    def base_urls(self) -> dict[str, str]:
        return dict(self._urls)

    def set_knobs(self, provider: str | None = None, **knobs: Any) -> None:
        body = {"provider": provider, **knobs} if provider else knobs
        self.client.post("/knobs", json=body).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        return self.client.get("/requests").json()

    def chats(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r["is_chat"]]

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
