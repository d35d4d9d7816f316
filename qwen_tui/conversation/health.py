"""What the app knows of each provider's health, and how it changes: after a check, a phase of
a request, and an answer. The status bar and the picker show these states; nothing here renders.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum

from qwen_tui.providers.base import MissingKey, Provider, ProviderError, Unavailable
from qwen_tui.timing import TTFTSplit

log = logging.getLogger(__name__)

#: A health check that takes longer than this is a provider that does not answer.
CHECK_TIMEOUT_S = 10.0


class ProviderState(str, Enum):
    """A provider's state as the status bar names it (the value is the word shown)."""

    CHECKING = "checking"
    COLD = "cold"  # reachable, no request yet (the first pays the connection)
    WARM = "warm"  # answered a request: the connection is open
    LOADING = "loading model"  # Ollama: no byte yet, the model is being loaded
    DOWN = "down"
    NO_KEY = "no key"
    DEMO = "demo"  # the built-in simulator answers
    CHECK_FAILED = "check failed"  # our own check broke: the provider's state is not known

    def __str__(self) -> str:
        return self.value


@dataclass(slots=True)
class ProviderStatus:
    """What the app knows about one configured provider."""

    name: str
    model: str
    state: ProviderState = ProviderState.CHECKING
    last_ttft_ms: float | None = None
    median_ttft_ms: float | None = None
    key_set: bool = False
    needs_key: bool = True
    error: str | None = None
    last_split: TTFTSplit | None = None  # where the last answer's TTFT went

    @classmethod
    def of(cls, provider: Provider, model: str) -> ProviderStatus:
        needs_key = bool(getattr(provider, "needs_key", True))  # a plugin may leave it out
        key_set = bool(provider.settings.api_key)
        state = ProviderState.NO_KEY if needs_key and not key_set else ProviderState.CHECKING
        return cls(provider.name, model, state, key_set=key_set, needs_key=needs_key)

    @property
    def usable(self) -> bool:
        return self.state not in (ProviderState.DOWN, ProviderState.NO_KEY, ProviderState.CHECKING)

    async def check(self, provider: Provider, *, demo: bool = False, timeout: float = CHECK_TIMEOUT_S) -> bool:
        """One health check; True when the provider is reachable. A provider is marked down
        only for what it (or the network) did, never for an exception of our own."""
        if self.state == ProviderState.NO_KEY:
            return False
        try:
            health = await asyncio.wait_for(provider.check(), timeout=timeout)
        except (TimeoutError, asyncio.TimeoutError):
            self.state, self.error = ProviderState.DOWN, f"no answer within {timeout:.0f} s"
            return False
        except ProviderError as exc:
            self.state, self.error = ProviderState.DOWN, exc.message
            return False
        except Exception as exc:  # noqa: BLE001 - our bug, not the provider's state
            log.warning("health check of %s failed: %r", self.name, exc)
            self.state = ProviderState.CHECK_FAILED
            self.error = "the check itself failed (see the log); a question still tries"
            return False
        if not health.reachable:
            self.state, self.error = ProviderState.DOWN, health.error
        elif health.key_accepted is False:
            self.state, self.error = ProviderState.NO_KEY, health.error
        else:
            self.error = None
            if self.state in (ProviderState.CHECKING, ProviderState.CHECK_FAILED, ProviderState.DOWN):
                self.state = ProviderState.DEMO if demo else ProviderState.COLD
        return health.reachable

    def after_phase(self, phase: str) -> None:
        if phase == "loading_model":
            self.state = ProviderState.LOADING

    def after_answer(self, outcome: str, error: ProviderError | None, got_text: bool, *, demo: bool = False) -> None:
        """A complete answer proves the provider warm; a refused key or a failed connection with
        nothing received marks it; a failure mid-answer says nothing new of its health."""
        if outcome == "complete":
            self.state, self.error = (ProviderState.DEMO if demo else ProviderState.WARM), None
        elif isinstance(error, MissingKey):
            self.state = ProviderState.NO_KEY
        elif isinstance(error, Unavailable) and not got_text:
            self.state = ProviderState.DOWN
