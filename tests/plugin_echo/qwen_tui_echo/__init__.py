"""A provider plugin as a third party would write one: no HTTP, it echoes the last question."""

from __future__ import annotations

from qwen_tui.providers.base import Finished, Health, ModelInfo, Phase, TextDelta
from qwen_tui.timing import RequestTiming


class EchoProvider:
    kind = "echo"
    needs_key = False

    def __init__(self, settings):
        self.settings = settings

    @property
    def name(self):
        return self.settings.name

    async def stream(self, request):
        timing = RequestTiming(self.name, request.model or self.settings.model)
        yield Phase("streaming", timing)
        question = request.messages[-1].content
        for word in ("echo: " + question).split(" "):
            timing.mark_content()
            yield TextDelta(word + " ")
        timing.outcome = "complete"
        yield Finished("stop", timing)

    async def list_models(self):
        return [ModelInfo("echo-1")]

    async def check(self):
        return Health(self.name, reachable=True, key_set=False, key_accepted=None, latency_ms=0.0)

    async def warm(self):
        return None

    async def aclose(self):
        return None
