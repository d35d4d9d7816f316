"""A scripted provider for snapshot tests, where figures must not move. Behaviour tests use the
simulator (real HTTP on 127.0.0.1) instead."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from qwen_tui.providers.base import (
    ChatRequest, Finished, Health, ModelInfo, Phase, ProviderSettings, TextDelta, Unavailable,
)
from qwen_tui.timing import RequestTiming


@dataclass
class Script:
    chunks: list[str] = field(default_factory=lambda: ["Hello ", "there."])
    fail_after: int | None = None  # raise Unavailable after this many chunks
    hang_after: int | None = None  # wait forever after this many chunks
    ttft_ms: float = 120.0
    tps: float = 250.0


class ScriptedProvider:
    kind = "openai"

    def __init__(self, name: str, model: str = "qwen2.5-coder", *, key: str | None = "k-demo",
                 needs_key: bool = True, script: Script | None = None, reachable: bool = True) -> None:
        self.settings = ProviderSettings(name=name, kind="openai", base_url="http://127.0.0.1:9", model=model,
                                         api_key=key, api_key_env="X_KEY" if needs_key else None)
        self.needs_key = needs_key
        self.script = script or Script()
        self.reachable = reachable
        self.requests: list[ChatRequest] = []

    @property
    def name(self) -> str:
        return self.settings.name

    def _timing(self, tokens: int) -> RequestTiming:
        t = RequestTiming(provider=self.name, model=self.settings.model, started=100.0)
        t.first_token_at = 100.0 + self.script.ttft_ms / 1000
        t.tokens = tokens
        t.last_token_at = t.first_token_at + max(tokens - 1, 0) / self.script.tps
        return t

    async def stream(self, request: ChatRequest):
        self.requests.append(request)
        yield Phase("connecting", self._timing(0))
        for index, chunk in enumerate(self.script.chunks):
            if self.script.fail_after is not None and index == self.script.fail_after:
                raise Unavailable(self.name, "the server answered 500 (internal error)",
                                  "try again in a moment or switch provider", status=500,
                                  timing=self._timing(index))
            if self.script.hang_after is not None and index == self.script.hang_after:
                yield Phase("streaming", self._timing(index))
                await asyncio.Event().wait()
            yield TextDelta(chunk)
        yield Finished("stop", self._timing(len(self.script.chunks)))

    async def list_models(self) -> list[ModelInfo]:
        return [ModelInfo(self.settings.model), ModelInfo("qwen2.5-coder-big")]

    async def check(self) -> Health:
        return Health(self.name, self.reachable, bool(self.settings.api_key), True, 5.0)

    async def warm(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
