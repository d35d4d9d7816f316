"""Raw-protocol helpers: read a stream's bytes (and when each read arrived) with plain httpx."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from qwen_tui.sim import DEFAULT_KEYS, Simulator

from .conftest import MESSAGES, blaxel_headers


@dataclass
class RawStream:
    status: int
    headers: httpx.Headers
    reads: list[tuple[float, bytes]] = field(default_factory=list)  # (seconds since send, bytes)
    error: Exception | None = None
    headers_at: float = 0.0

    @property
    def data(self) -> bytes:
        return b"".join(chunk for _, chunk in self.reads)

    def sse_data(self) -> list[str]:
        """The ``data:`` payloads in order (named events included)."""
        return [
            line[len("data: ") :]
            for line in self.data.decode().split("\n")
            if line.startswith("data: ")
        ]

    def sse_json(self) -> list[dict[str, Any]]:
        return [json.loads(d) for d in self.sse_data() if d != "[DONE]"]

    def content(self) -> str:
        if self.headers.get("content-type", "").startswith("application/x-ndjson"):
            lines = [json.loads(line) for line in self.data.decode().splitlines() if line]
            return "".join(line.get("message", {}).get("content", "") for line in lines)
        return "".join(
            (c["choices"][0]["delta"].get("content") or "")
            for c in self.sse_json()
            if c.get("choices")
        )

    def ndjson(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.data.decode().splitlines() if line]


def chat_request(
    sim: Simulator, provider: str, **extra: Any
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """URL, headers and body of a streaming chat request for ``provider``."""
    urls = sim.base_urls()
    body: dict[str, Any] = {"messages": MESSAGES, "stream": True, **extra}
    if provider == "ollama":
        body.setdefault("model", "qwen2.5-coder:7b")
        return f"{urls['ollama']}/api/chat", {}, body
    body.setdefault("stream_options", {"include_usage": True})
    if provider == "ollama_openai":
        body.setdefault("model", "qwen2.5-coder:7b")
        return f"{urls['ollama']}/v1/chat/completions", {}, body
    if provider == "blaxel":
        body.setdefault("model", "qwen2.5-coder-32b-instruct")
        return f"{sim.blaxel_model_url()}/v1/chat/completions", blaxel_headers(sim.workspace), body
    model = {
        "huggingface": "Qwen/Qwen2.5-Coder-32B-Instruct",
        "sambanova": "Meta-Llama-3.3-70B-Instruct",
        "openai": "sim-openai-model",
    }[provider]
    body.setdefault("model", model)
    auth = {"Authorization": f"Bearer {DEFAULT_KEYS[provider]}"}
    return f"{urls[provider]}/chat/completions", auth, body


def stream_raw(
    sim: Simulator,
    provider: str,
    *,
    client: httpx.Client | None = None,
    timeout: float = 10.0,
    **extra: Any,
) -> RawStream:
    url, headers, body = chat_request(sim, provider, **extra)
    own = client is None
    client = client or httpx.Client(timeout=timeout)
    try:
        start = time.perf_counter()
        with client.stream("POST", url, headers=headers, json=body, timeout=timeout) as response:
            raw = RawStream(response.status_code, response.headers)
            raw.headers_at = time.perf_counter() - start
            try:
                for chunk in response.iter_raw():
                    raw.reads.append((time.perf_counter() - start, chunk))
            except httpx.HTTPError as exc:
                raw.error = exc
        return raw
    finally:
        if own:
            client.close()
