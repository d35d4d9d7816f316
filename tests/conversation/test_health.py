"""Provider states: a check, a phase, an answer. A provider is marked down only for what it
did, never for an exception of our own."""

from __future__ import annotations

from qwen_tui.conversation import ProviderState, ProviderStatus
from qwen_tui.providers.base import MissingKey, Unavailable


async def test_a_reachable_provider_is_cold_then_warm_after_an_answer(make_provider) -> None:
    provider = make_provider("sambanova")
    status = ProviderStatus.of(provider, "m")
    assert status.state == ProviderState.CHECKING
    assert await status.check(provider) is True
    assert status.state == ProviderState.COLD and status.usable
    status.after_answer("complete", None, True)
    assert status.state == "warm"


async def test_an_unreachable_provider_is_down_with_its_reason(make_provider) -> None:
    provider = make_provider("sambanova", base_url="http://127.0.0.1:9/v1")
    status = ProviderStatus.of(provider, "m")
    assert await status.check(provider) is False
    assert status.state == ProviderState.DOWN and status.error


class Buggy:
    name = "plugin"
    needs_key = False

    class settings:
        api_key = None

    async def check(self):
        raise AttributeError("module 'httpx' has no attribute 'HTTPError'")


async def test_our_own_exception_in_a_check_is_not_a_down_provider() -> None:
    status = ProviderStatus.of(Buggy(), "m")
    assert await status.check(Buggy()) is False
    assert status.state == ProviderState.CHECK_FAILED and status.state != ProviderState.DOWN
    assert "httpx" not in status.error and "AttributeError" not in status.error


def test_answers_move_the_state_as_the_user_would_expect() -> None:
    status = ProviderStatus("p", "m", ProviderState.COLD)
    status.after_phase("loading_model")
    assert status.state == ProviderState.LOADING
    status.after_answer("error", Unavailable("p", "dropped"), True)  # mid-answer: says nothing new
    assert status.state == ProviderState.LOADING
    status.after_answer("error", Unavailable("p", "refused"), False)
    assert status.state == ProviderState.DOWN
    status.after_answer("error", MissingKey("p", "no key"), False)
    assert status.state == ProviderState.NO_KEY
    status.after_answer("complete", None, True, demo=True)
    assert status.state == ProviderState.DEMO and str(status.state) == "demo"
