"""A server's stderr goes to its log file (redacted, rotated past a cap), never the terminal."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from qwen_tui.mcp.stderr_log import StderrLog


def test_lines_go_to_the_file_and_the_tail(tmp_path: Path) -> None:
    async def run() -> StderrLog:
        log = StderrLog(tmp_path / "mcp" / "srv.log", max_bytes=4000, tail_lines=5)
        writer = log.open("srv: python -c ...")
        code = ("import sys\nfor i in range(1000): print('line', i, file=sys.stderr)\n"
                "print('hf_' + 'a'*34, file=sys.stderr)")
        proc = subprocess.Popen([sys.executable, "-c", code], stderr=writer, stdout=subprocess.DEVNULL)
        log.spawned()
        await asyncio.wait_for(log.eof.wait(), 10)
        proc.wait()
        log.close()
        return log

    log = asyncio.run(run())
    assert log.last_lines(2)[0] == "line 999"
    assert "hf_" + "a" * 34 not in log.last_lines(1)[0]
    text = (tmp_path / "mcp" / "srv.log").read_text()
    assert text.endswith("\n") and "line 999" in text
    assert (tmp_path / "mcp" / "srv.log.1").is_file()  # rotated: the flood is capped
    assert (tmp_path / "mcp" / "srv.log").stat().st_size <= 4000
