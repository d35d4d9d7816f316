"""The configured providers as the app sees them: which one is active, the model each uses, their
health, their TTFT figures and their context windows. Switching and checking live here; the UI
shows the result."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from qwen_tui.context.windows import ContextWindows
from qwen_tui.conversation.health import ProviderState, ProviderStatus
from qwen_tui.providers.base import Provider
from qwen_tui.providers.http import shared_tls_context
from qwen_tui.state import State
from qwen_tui.timing import StatsBook, ttft_split

WARM_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 2.0


class ProviderRoster:
    def __init__(self, providers: dict[str, Provider], state: State, *, default: str | None = None,
                 requested: str | None = None, model: str | None = None, demo: bool = False) -> None:
        self.providers, self.state, self.demo = providers, state, demo
        self.models: dict[str, str] = {
            name: state.model_for(name) or prov.settings.model for name, prov in providers.items()}
        self.active = next((c for c in (requested, state.last_provider, default) if c and c in providers),
                           next(iter(providers), ""))
        if model and self.active:
            self.models[self.active] = model
        self.statuses: dict[str, ProviderStatus] = {
            name: ProviderStatus.of(prov, self.models[name]) for name, prov in providers.items()}
        self.stats = StatsBook()
        self.windows = ContextWindows()
        #: providers that refused ``tools`` this session: asked for SEARCH/REPLACE blocks instead
        self.without_tools: set[str] = set()

    def status_list(self) -> list[ProviderStatus]:
        """Every provider's status with its latest figures, in configuration order."""
        for name, status in self.statuses.items():
            stats = self.stats[name]
            status.last_ttft_ms, status.median_ttft_ms = stats.last, stats.median
            status.last_split = ttft_split(stats.last_record)
            status.model = self.models.get(name, status.model)
        return list(self.statuses.values())

    def select(self, name: str, model: str | None = None) -> bool:
        """Make ``name`` (and ``model``) the active choice, remembered in state; True if it changed."""
        changed = name != self.active or bool(model and model != self.models.get(name))
        self.active = name
        self.state.last_provider = name
        if model:
            self.models[name] = model
            self.state.set_model(name, model)
        return changed

    def next_name(self) -> str | None:
        names = list(self.providers)
        if not names:
            return None
        index = names.index(self.active) if self.active in names else -1
        return names[(index + 1) % len(names)]

    def context_window(self, name: str | None = None) -> int:
        name = name or self.active
        return self.windows.of(self.providers.get(name), self.models.get(name, ""))

    async def learn_window(self, name: str) -> bool:
        return name in self.providers and await self.windows.learn(self.providers[name], self.models.get(name, ""))

    async def client_ready(self) -> None:
        """The HTTP client imported and the shared TLS context built, in a thread: done by the
        first client on the event loop, they held it for tens of ms (a key typed then waited)."""
        with contextlib.suppress(Exception):  # a client that cannot be made says so when used
            await asyncio.to_thread(shared_tls_context)  # at once, once done

    async def warm(self, name: str) -> None:
        """Open the provider's connection ahead of the question (TCP/TLS off the question's path);
        best effort: a failure is met again, and told, by the question itself."""
        provider = self.providers.get(name)
        if provider is None or self.statuses[name].state == ProviderState.NO_KEY:
            return
        await self.client_ready()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(provider.warm(), timeout=WARM_TIMEOUT_S)

    async def check(self, names: list[str] | None = None,
                    on_checked: Callable[[str, bool], None] = lambda name, reachable: None) -> list[str]:
        """Check providers at once (all by default); returns those whose check broke on our side."""
        async def one(name: str) -> None:
            on_checked(name, await self.statuses[name].check(self.providers[name], demo=self.demo))

        await self.client_ready()
        await asyncio.gather(*(one(name) for name in names or self.providers))
        return [name for name, status in self.statuses.items() if status.state == ProviderState.CHECK_FAILED]

    async def aclose(self) -> None:
        """Close every provider's connections (each given a moment, none holding up the rest)."""
        async def close(provider: Provider) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(provider.aclose(), timeout=CLOSE_TIMEOUT_S)

        await asyncio.gather(*(close(p) for p in self.providers.values()))
