"""The provider roster: the active choice and its memory in state, cycling, checking at once."""

from __future__ import annotations

from qwen_tui.conversation import ProviderState
from qwen_tui.conversation.roster import ProviderRoster
from qwen_tui.state import State


async def test_the_active_provider_follows_the_request_then_state_then_config(make_provider, tmp_path) -> None:
    providers = {name: make_provider(name) for name in ("sambanova", "ollama", "blaxel")}
    state = State(path=tmp_path / "state.toml")
    assert ProviderRoster(providers, state).active == "sambanova"
    assert ProviderRoster(providers, state, default="blaxel").active == "blaxel"
    state.last_provider = "ollama"
    assert ProviderRoster(providers, state, default="blaxel").active == "ollama"
    roster = ProviderRoster(providers, state, requested="blaxel", model="big")
    assert roster.active == "blaxel" and roster.models["blaxel"] == "big"


async def test_selecting_remembers_and_cycling_wraps(make_provider, tmp_path) -> None:
    providers = {name: make_provider(name) for name in ("sambanova", "ollama")}
    state = State(path=tmp_path / "state.toml")
    roster = ProviderRoster(providers, state)
    assert roster.select("ollama", "qwen3:8b") is True
    assert state.last_provider == "ollama" and state.model_for("ollama") == "qwen3:8b"
    assert roster.select("ollama") is False
    assert roster.next_name() == "sambanova"
    roster.select("sambanova")
    assert roster.next_name() == "ollama"


async def test_one_check_for_all_reports_each_and_returns_none_failed(make_provider, tmp_path) -> None:
    providers = {"sambanova": make_provider("sambanova"),
                 "ollama": make_provider("ollama", base_url="http://127.0.0.1:9")}
    roster = ProviderRoster(providers, State(path=tmp_path / "state.toml"))
    seen: dict[str, bool] = {}
    failed = await roster.check(on_checked=seen.__setitem__)
    assert seen == {"sambanova": True, "ollama": False} and failed == []
    assert roster.statuses["sambanova"].state == ProviderState.COLD
    assert roster.statuses["ollama"].state == ProviderState.DOWN


async def test_the_http_client_is_readied_in_a_thread_before_a_connection_or_check(make_provider, tmp_path,
                                                                                   monkeypatch) -> None:
    """Importing httpx and building the TLS context took tens of ms; on the event loop, a key typed
    right after the first frame waited for them."""
    import threading

    import qwen_tui.conversation.roster as roster_module
    from qwen_tui.providers.http import shared_tls_context

    readied: list[bool] = []  # one per call: was it off the event loop's thread?

    def recorded():
        readied.append(threading.current_thread() is not threading.main_thread())
        return shared_tls_context()

    monkeypatch.setattr(roster_module, "shared_tls_context", recorded)
    providers = {"sambanova": make_provider("sambanova")}
    roster = ProviderRoster(providers, State(path=tmp_path / "state.toml"))
    warmed: list[int] = []

    async def warm() -> None:
        warmed.append(len(readied))

    monkeypatch.setattr(providers["sambanova"], "warm", warm)
    await roster.warm("sambanova")
    assert warmed == [1] and readied == [True]  # readied, in a thread, before the connection
    await roster.check()
    assert readied == [True, True]
