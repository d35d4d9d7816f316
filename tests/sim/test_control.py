"""The Python and HTTP control surfaces, request recording, listings, and the foreground runner."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from qwen_tui.sim import DEFAULT_REPLY, Fault, Knobs, SimError, Simulator, run_foreground

from .conftest import MESSAGES, bearer
from .helpers import stream_raw

ROOT = Path(__file__).resolve().parents[2]


def test_knobs_are_per_provider_and_mutable(sim: Simulator) -> None:
    sim.knobs("openai").reply = "hello world"
    sim.knobs("openai").chunk_chars = 5
    raw = stream_raw(sim, "openai")
    assert [c["choices"][0]["delta"].get("content") for c in raw.sse_json()[1:3]] == [
        "hello",
        " worl",
    ]
    assert stream_raw(sim, "huggingface").content() == DEFAULT_REPLY
    sim.set_knobs(reply="all")  # every provider
    assert stream_raw(sim, "ollama").content() == "all"
    sim.reset()
    assert sim.knobs("openai") == Knobs(ttft_ms=5.0, tps=0.0)


def test_bad_knobs_faults_and_providers_are_refused(sim: Simulator) -> None:
    with pytest.raises(SimError):
        sim.set_knobs(speed=3)
    with pytest.raises(SimError):
        sim.set_knobs("nobody", tps=3)
    with pytest.raises(SimError):
        Fault("explode")
    with pytest.raises(SimError):
        sim.knobs("nobody")


def test_requests_are_recorded_with_body_headers_and_query(sim: Simulator) -> None:
    before = time.perf_counter()
    httpx.get(f"{sim.base_urls()['sambanova']}/models?x=1", headers=bearer("sambanova"))
    stream_raw(sim, "sambanova")
    first, chat = sim.requests
    assert first.provider == "sambanova" and first.method == "GET"
    assert first.path == "/sambanova/v1/models" and first.query == {"x": "1"}
    assert first.body is None and not first.is_chat
    assert chat.body["messages"] == MESSAGES and chat.is_chat
    assert chat.headers["authorization"] == "Bearer sim-sambanova-key-0001"
    assert before < first.received_at < chat.received_at < time.perf_counter()
    assert sim.last_chat() == chat and sim.last_chat("ollama") is None
    sim.clear_requests()
    assert sim.requests == []


@pytest.mark.parametrize("provider", ["sambanova", "ollama"])
def test_chat_requests_record_when_the_first_and_last_token_went_out(sim: Simulator, provider: str) -> None:
    knobs = sim.knobs(provider)
    knobs.reply, knobs.chunk_chars, knobs.tps, knobs.ttft_ms = "abcdefghij" * 5, 5, 100.0, 30.0
    httpx.get(f"{sim.url}/_sim/knobs")  # not a chat request: no token times
    stream_raw(sim, provider)
    done = time.monotonic()
    chat = sim.last_chat(provider)
    assert chat is not None and chat.first_token_at is not None and chat.last_token_at is not None
    assert chat.received_at + 0.025 < chat.first_token_at  # TTFT 30 ms
    assert chat.first_token_at + 0.08 < chat.last_token_at < done  # 10 tokens at 100 tok/s
    recorded = httpx.get(f"{sim.url}/_sim/requests").json()[-1]
    assert recorded["first_token_at"] == chat.first_token_at
    assert recorded["last_token_at"] == chat.last_token_at
    # the answer's last byte: after the last token, its finish frames and (SSE) [DONE]
    assert chat.ended_at is not None and chat.last_token_at <= chat.ended_at < chat.last_token_at + 1.0
    assert recorded["ended_at"] == chat.ended_at


def test_http_control_api(sim: Simulator) -> None:
    control = f"{sim.url}/_sim"
    response = httpx.post(f"{control}/knobs", json={"provider": "openai", "reply": "via http"})
    assert response.status_code == 200 and response.json()["openai"]["reply"] == "via http"
    assert httpx.post(f"{control}/knobs", json={"bogus": 1}).status_code == 400
    assert httpx.post(
        f"{control}/fault", json={"provider": "openai", "kind": "status", "status": 429}
    ).json() == {"queued": 1}
    assert httpx.post(f"{control}/fault", json={"kind": "nope"}).status_code == 400
    assert stream_raw(sim, "openai").status == 429
    assert stream_raw(sim, "openai").content() == "via http"
    recorded = httpx.get(f"{control}/requests").json()
    assert [r["path"] for r in recorded] == ["/openai/v1/chat/completions"] * 2
    assert recorded[0]["body"]["messages"] == MESSAGES  # control calls are not recorded
    assert httpx.post(f"{control}/reset").status_code == 200
    assert httpx.get(f"{control}/requests").json() == []
    assert httpx.get(f"{control}/knobs").json()["openai"]["reply"] == DEFAULT_REPLY


def test_listings(sim: Simulator) -> None:
    urls = sim.base_urls()
    hf = httpx.get(f"{urls['huggingface']}/models").json()["data"]
    qwen = next(m for m in hf if m["id"] == "Qwen/Qwen2.5-Coder-32B-Instruct")
    provider = qwen["providers"][0]
    assert provider["status"] == "live" and provider["context_length"] == 32768
    assert {"first_token_latency_ms", "throughput", "provider"} <= set(provider)
    assert httpx.get(f"{urls['huggingface']}/models", headers=bearer("openai")).status_code == 401
    sn = httpx.get(f"{urls['sambanova']}/models", headers=bearer("sambanova")).json()["data"]
    assert {"Meta-Llama-3.3-70B-Instruct", "DeepSeek-V3.1", "gpt-oss-120b"} <= {m["id"] for m in sn}
    one = httpx.get(f"{urls['sambanova']}/models/gpt-oss-120b", headers=bearer("sambanova")).json()
    assert one["context_length"] == 131072 and one["max_completion_tokens"] > 0
    missing = httpx.get(f"{urls['sambanova']}/models/none", headers=bearer("sambanova"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"
    assert httpx.get(f"{urls['ollama']}/").text == "Ollama is running"
    assert httpx.get(f"{urls['ollama']}/api/version").json() == {"version": "0.5.1"}
    tags = httpx.get(f"{urls['ollama']}/api/tags").json()["models"]
    assert [t["name"] for t in tags] == ["qwen2.5-coder:7b", "llama3.2:3b", "llama3:8b"]
    assert httpx.get(f"{urls['ollama']}/api/ps").json() == {"models": []}
    show = httpx.post(f"{urls['ollama']}/api/show", json={"model": "missing"})
    assert show.status_code == 404 and show.json() == {"error": "model 'missing' not found"}


def test_bad_json_body_gets_the_providers_400(sim: Simulator) -> None:
    urls = sim.base_urls()
    response = httpx.post(
        f"{urls['sambanova']}/chat/completions", headers=bearer("sambanova"), content=b"{nope"
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert sim.requests[-1].body is None


def test_simulator_does_not_import_the_providers_package() -> None:
    for path in (ROOT / "qwen_tui" / "sim").glob("*.py"):
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", path.read_text(), re.MULTILINE)
        assert not [name for name in imports if "providers" in name], path
    code = (
        "import sys, qwen_tui.sim; "
        "print(any(m.startswith('qwen_tui.providers') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_start_stop_and_context_manager() -> None:
    sim = Simulator(ttft_ms=0, tps=0)
    with pytest.raises(RuntimeError):
        _ = sim.port
    with sim:
        port = sim.port
        assert httpx.get(f"{sim.url}/ollama/").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/ollama/")
    with Simulator(port=0) as other, pytest.raises(OSError):
        Simulator(port=other.port).start()


def test_run_foreground_prints_urls_and_config_then_serves_until_interrupted() -> None:
    out = io.StringIO()
    done = threading.Event()

    def interrupt_when_ready() -> None:
        for _ in range(200):
            if "Press Ctrl+C" in out.getvalue():
                break
            time.sleep(0.01)
        port = re.search(r"listening on http://127\.0\.0\.1:(\d+)", out.getvalue()).group(1)
        assert httpx.get(f"http://127.0.0.1:{port}/ollama/").text == "Ollama is running"
        done.set()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=interrupt_when_ready, daemon=True).start()
    assert run_foreground(port=0, ttft_ms=1, tps=0, out=out) == 0
    assert done.is_set()
    text = out.getvalue()
    assert "export HF_TOKEN=hf_simulatortoken0001" in text
    assert "export BL_API_KEY=bl_simulatorkey0001" in text
    config_text = text.split("qwen-tui --config config.toml):\n\n", 1)[1].split("Press Ctrl+C")[0]
    config = tomllib.loads(config_text)
    providers = config["providers"]
    assert providers["huggingface"]["base_url"].endswith("/hf/v1")
    assert providers["huggingface"]["api_key_env"] == "HF_TOKEN"
    assert providers["blaxel"]["api_url"].endswith("/blaxel/api/v0")
    assert providers["blaxel"]["workspace"] == "sim-workspace"
    assert providers["sim-openai"]["kind"] == "openai"


def test_python_dash_m_runs_in_the_foreground_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "qwen_tui.sim", "--port", "0", "--ttft-ms", "1", "--tps", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)", first).group(1)
        assert httpx.get(f"{url}/ollama/api/version").status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
