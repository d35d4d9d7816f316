"""A provider's state comes only from its own answer: an exception of ours in a check is
logged, told as "the check failed" in plain words, and the check tried again."""

from __future__ import annotations

import logging

import pytest

from qwen_tui.providers.base import Health, ProviderSettings, Unavailable
from qwen_tui.providers.health import check_provider
from qwen_tui.providers.registry import build_provider
from qwen_tui.sim import Simulator


class Flaky:
    """A provider whose check raises our own kind of error ``fails`` times, then answers."""

    kind = "flaky"
    needs_key = False

    def __init__(self, fails: int, error: Exception | None = None) -> None:
        self.settings = ProviderSettings("flaky", "flaky", "http://127.0.0.1:9", "m")
        self.fails = fails
        self.calls = 0
        self.error = error or AttributeError("module 'httpx' has no attribute 'HTTPError'")

    @property
    def name(self) -> str:
        return "flaky"

    async def check(self) -> Health:
        self.calls += 1
        if self.calls <= self.fails:
            raise self.error
        return Health("flaky", reachable=True, key_set=False, key_accepted=None, latency_ms=1.0)


def assert_plain_words(text: str | None) -> None:
    assert text and "check failed" in text
    for python in ("Error", "Traceback", "module '", "attribute", "'"):
        assert python not in text, text


async def test_an_exception_of_ours_is_retried_and_the_provider_is_then_up(caplog):
    provider = Flaky(fails=1)
    with caplog.at_level(logging.WARNING, logger="qwen_tui.providers.health"):
        health = await check_provider(provider, 5.0, attempts=3, pause_s=0.01)  # type: ignore[arg-type]
    assert provider.calls == 2
    assert health.reachable and not health.check_failed and health.error is None
    assert "has no attribute 'HTTPError'" in caplog.text  # the log keeps the Python detail


async def test_a_check_that_keeps_failing_is_never_down_and_says_so_in_words():
    provider = Flaky(fails=99)
    health = await check_provider(provider, 5.0, attempts=3, pause_s=0.01)  # type: ignore[arg-type]
    assert provider.calls == 3
    assert health.check_failed and not health.reachable
    assert_plain_words(health.error)


async def test_the_log_of_a_failed_check_is_redacted(caplog):
    provider = Flaky(fails=99, error=RuntimeError("header was Bearer hf_abcdefghijklmnop"))
    with caplog.at_level(logging.WARNING, logger="qwen_tui.providers.health"):
        await check_provider(provider, 5.0, attempts=1)  # type: ignore[arg-type]
    assert "RuntimeError" in caplog.text and "hf_abcdefghijklmnop" not in caplog.text


async def test_the_provider_s_own_failure_still_marks_it_down():
    provider = build_provider(ProviderSettings("ollama", "ollama", "http://127.0.0.1:9", "m"))
    try:
        health = await check_provider(provider, 5.0, attempts=3, pause_s=0.01)
    finally:
        await provider.aclose()
    assert not health.reachable and not health.check_failed
    assert "not running" in (health.error or "")


@pytest.mark.parametrize("kind", ["ollama", "sambanova"])
async def test_an_http_provider_s_check_leaves_an_exception_of_ours_to_the_caller(sim: Simulator, kind, monkeypatch):
    url = sim.base_urls()[kind]
    provider = build_provider(ProviderSettings(kind, kind, url, "m", api_key="sim-key"))

    async def broken() -> list:
        raise KeyError("models")

    monkeypatch.setattr(provider, "list_models", broken)
    try:
        with pytest.raises(KeyError):  # never turned into an unreachable Health
            await provider.check()
        health = await check_provider(provider, 5.0, attempts=2, pause_s=0.01)
    finally:
        await provider.aclose()
    assert health.check_failed and not health.reachable
    assert_plain_words(health.error)


async def test_a_plugin_check_raising_a_mapped_error_is_its_answer():
    provider = Flaky(fails=99, error=Unavailable("flaky", "server error 503", "try again later", status=503))
    health = await check_provider(provider, 5.0, attempts=3, pause_s=0.01)  # type: ignore[arg-type]
    assert provider.calls == 1 and health.reachable and not health.check_failed
    assert "server error 503" in (health.error or "")
