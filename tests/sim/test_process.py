"""The simulator in a process of its own, as benchmarks and the burst test use it."""

from __future__ import annotations

import httpx

from qwen_tui.sim.process import SimulatorProcess


def test_simulator_process_serves_and_is_driven_over_http() -> None:
    with SimulatorProcess(ttft_ms=1, tps=0) as sim:
        urls = sim.base_urls()
        assert set(urls) >= {"huggingface", "sambanova", "ollama", "blaxel", "blaxel_api", "openai"}
        assert all(url.startswith(sim.url) for url in urls.values())
        assert sim.env["SAMBANOVA_API_KEY"] and "[providers.sambanova]" in sim.config
        sim.set_knobs(provider="ollama", reply="from the other process")
        body = {"model": "qwen2.5-coder:7b", "messages": [{"role": "user", "content": "hi"}], "stream": False}
        answer = httpx.post(urls["ollama"] + "/api/chat", json=body, timeout=10).json()
        assert answer["message"]["content"] == "from the other process"
        assert [c["path"] for c in sim.chats()] == ["/ollama/api/chat"]
        proc = sim.proc
    assert proc.poll() is not None
