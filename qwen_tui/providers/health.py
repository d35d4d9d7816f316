"""A provider's health, checked so that only the provider's own answer can mark it down.

``Provider.check()`` maps what the server said (refused, unreachable, key rejected...). An
exception of any other kind is a failure of ours (a bug, a plugin's mistake, a module not ready),
not news about the provider: it is logged with its traceback, reported in plain words as "the
check failed", and the check is tried again, a little later.
"""

from __future__ import annotations

import asyncio
import logging
import traceback

from qwen_tui.providers.base import Health, Provider, ProviderError
from qwen_tui.redact import redact

log = logging.getLogger(__name__)
logging.getLogger("qwen_tui").addHandler(logging.NullHandler())  # no stray text on the terminal

CHECK_FAILED = "the check failed (a fault in qwen-tui, not an answer from the provider); it is tried again"
GAVE_UP = "the check failed repeatedly (a fault in qwen-tui, not an answer from the provider); its state is unknown"


def check_failed(provider: Provider, exc: BaseException) -> Health:
    """The Health of a check that raised something of ours: state unknown, logged, in words."""
    log.warning("%s: health check raised an unexpected error\n%s", provider.name,
                redact("".join(traceback.format_exception(exc))))
    return Health(provider.name, reachable=False, key_set=bool(provider.settings.api_key), key_accepted=None,
                  error=f"{provider.name}: {CHECK_FAILED}", check_failed=True)


async def check_once(provider: Provider, timeout_s: float) -> Health:
    """``provider.check()`` within ``timeout_s``; never raises (except cancellation)."""
    key_set = bool(provider.settings.api_key)
    try:
        async with asyncio.timeout(timeout_s):
            return await provider.check()
    except TimeoutError:
        return Health(provider.name, reachable=False, key_set=key_set, key_accepted=None,
                      error=f"{provider.name}: no answer within {timeout_s:g} s")
    except ProviderError as exc:  # a plugin's check may raise the mapped error instead of returning it
        return Health(provider.name, reachable=exc.status is not None, key_set=key_set, key_accepted=None,
                      error=exc.message)
    except Exception as exc:  # noqa: BLE001 - ours, not the provider's: never a "down"
        return check_failed(provider, exc)


async def check_provider(provider: Provider, timeout_s: float = 10.0, *, attempts: int = 3,
                         pause_s: float = 1.0) -> Health:
    """The provider's health; a check that failed on our side is tried again up to ``attempts``
    times, ``pause_s`` apart (doubling). The last such failure says it gave up, still in words."""
    health = await check_once(provider, timeout_s)
    for attempt in range(1, attempts):
        if not health.check_failed:
            return health
        await asyncio.sleep(pause_s * 2 ** (attempt - 1))
        health = await check_once(provider, timeout_s)
    if health.check_failed:
        return Health(health.provider, reachable=False, key_set=health.key_set, key_accepted=None,
                      error=f"{provider.name}: {GAVE_UP}", check_failed=True)
    return health
