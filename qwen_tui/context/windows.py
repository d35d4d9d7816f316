"""The context window of the model in use: as its provider lists it (asked once per provider and
model), else as configured, else a default."""

from __future__ import annotations

import asyncio

from qwen_tui.context.builder import DEFAULT_CONTEXT_WINDOW, resolve_context_window
from qwen_tui.providers.base import Provider, model_window

LIST_TIMEOUT_S = 15.0


class ContextWindows:
    def __init__(self) -> None:
        self.listed: dict[tuple[str, str], int | None] = {}

    def of(self, provider: Provider | None, model: str) -> int:
        if provider is None:
            return DEFAULT_CONTEXT_WINDOW
        listed = self.listed.get((provider.name, model))
        return resolve_context_window(listed, provider.settings.context_window, DEFAULT_CONTEXT_WINDOW)

    def known(self, provider: Provider, model: str) -> bool:
        return (provider.name, model) in self.listed

    async def learn(self, provider: Provider, model: str) -> bool:
        """Ask the provider's model list; True when it was learned (a failure keeps the
        configured or default window, and is asked again next time)."""
        if self.known(provider, model):
            return False
        try:  # the provider's own way: Ollama's /api/show, HF past a ":provider" suffix
            window = await asyncio.wait_for(model_window(provider, model), timeout=LIST_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - the configured/default window stays in use
            return False
        self.listed[(provider.name, model)] = window
        return True
