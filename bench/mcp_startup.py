"""The app's start-up with and without MCP servers, and what the servers cost the event loop.

    uv run python bench/mcp_startup.py [--runs 5]

Runs the real ``QwenApp`` headless (``run_test``, 120x40) on an empty project, alternately with no
MCP server and with three (the test servers of ``tests/mcp/servers``: a normal one, one with 200
tools, one hanging at initialize with a 3 s timeout). For each run: the time from ``run_test`` to
the first frame (``_after_first_frame``), the worst event-loop stall over the 6 s after it (a
10 ms sleep's overshoot: servers start in the manager's thread, the SDK imports there), and the
time to every server settled. Also the SDK's import time in a fresh process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVERS = ROOT / "tests" / "mcp" / "servers"


def _servers(pid_file: Path) -> dict:
    from qwen_tui.mcp.config import ServerConfig

    def one(name: str, script: str, timeout: float = 60.0) -> ServerConfig:
        return ServerConfig(name, "bench", command=sys.executable, args=(str(SERVERS / script),),
                            env={"MCP_TEST_PID_FILE": str(pid_file)}, timeout=timeout)

    return {"fs": one("fs", "normal.py"), "many": one("many", "many.py"), "slow": one("slow", "hang.py", 3.0)}


async def one_run(with_mcp: bool, tmp: Path) -> dict:
    from qwen_tui.config import AppConfig
    from qwen_tui.mcp.config import McpSettings
    from qwen_tui.state import State
    from qwen_tui.ui.app import QwenApp

    root = tmp / "proj"
    root.mkdir(exist_ok=True)
    config = AppConfig(path=tmp / "config.toml", exists=False, default_provider="alpha", providers={})
    if with_mcp:
        config.mcp = McpSettings(servers=_servers(tmp / "pids"))
    app = QwenApp(root, config, state=State.load(), check_health=False, load_metrics=False)
    marks: dict[str, float] = {}
    first = app._after_first_frame

    def after_first_frame() -> None:
        marks["first_frame"] = time.perf_counter()
        first()

    app._after_first_frame = after_first_frame  # type: ignore[method-assign]
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        while "first_frame" not in marks:
            await pilot.pause(0.005)
        worst = 0.0
        end = time.perf_counter() + 6.0
        while time.perf_counter() < end:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - before - 0.01)
        settled = None
        manager = app.mcp.manager
        if with_mcp and manager is not None:
            await asyncio.to_thread(manager.wait_settled, 60)
            settled = max((s.start_ms or 0) for s in manager.statuses())
        import_ms = manager.import_ms if manager is not None else None
    return {"first_frame_ms": (marks["first_frame"] - started) * 1000, "worst_stall_ms": worst * 1000,
            "slowest_ready_ms": settled, "import_ms": import_ms}


def sdk_import_ms() -> float:
    code = ("import time; t = time.perf_counter()\nfrom qwen_tui.mcp.sdk import load_sdk\nload_sdk()\n"
            "print((time.perf_counter() - t) * 1000)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: dict[bool, list[dict]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            os.environ[var] = str(Path(tmp) / var.lower())
        for i in range(args.runs):
            for with_mcp in (False, True):
                run_dir = Path(tmp) / f"{i}-{with_mcp}"
                run_dir.mkdir()
                results[with_mcp].append(asyncio.run(one_run(with_mcp, run_dir)))
    imports = [sdk_import_ms() for _ in range(3)]
    for with_mcp, runs in results.items():
        label = "3 MCP servers (one hanging)" if with_mcp else "no MCP server"
        ff = [r["first_frame_ms"] for r in runs]
        stall = [r["worst_stall_ms"] for r in runs]
        line = (f"{label}: first frame median {statistics.median(ff):.0f} ms (max {max(ff):.0f}); "
                f"worst loop stall median {statistics.median(stall):.0f} ms (max {max(stall):.0f})")
        if with_mcp:
            ready = [r["slowest_ready_ms"] for r in runs if r["slowest_ready_ms"]]
            sdk = [r["import_ms"] for r in runs if r["import_ms"]]
            line += (f"; slowest server ready median {statistics.median(ready):.0f} ms; SDK import in the "
                     f"manager's thread on the first run {sdk[0]:.0f} ms (later runs: already imported)")
        print(line)
    print(f"SDK import in a fresh process: median {statistics.median(imports):.0f} ms "
          f"(min {min(imports):.0f}, max {max(imports):.0f})")


if __name__ == "__main__":
    main()
