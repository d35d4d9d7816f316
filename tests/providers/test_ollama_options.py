"""What an Ollama request carries beyond the messages, and what its memory error says."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.config import ConfigError, load_config
from qwen_tui.providers.base import ChatRequest, Message, ModelTooLarge, TextDelta, Unavailable
from qwen_tui.sim import Fault, Simulator

QUESTION = ChatRequest([Message("user", "hi")])
OUT_OF_MEMORY = "model requires more system memory (9.5 GiB) than is available (6.2 GiB)"


async def ask(provider) -> str:
    return "".join([e.text async for e in provider.stream(QUESTION) if isinstance(e, TextDelta)])


def chat_bodies(sim: Simulator) -> list[dict]:
    return [r.body for r in sim.requests if r.path.endswith("/api/chat")]


async def test_keep_alive_is_not_sent_unless_configured(make_provider, sim: Simulator):
    assert await ask(make_provider("ollama"))
    body = chat_bodies(sim)[-1]
    assert "keep_alive" not in body  # the server's OLLAMA_KEEP_ALIVE applies
    assert body["stream"] is True and body["messages"] == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("value", ["30m", -1, "0"])
async def test_keep_alive_is_sent_as_configured(make_provider, sim: Simulator, value):
    assert await ask(make_provider("ollama", extra={"keep_alive": value}))
    assert chat_bodies(sim)[-1]["keep_alive"] == value


def config(tmp: Path, table: str) -> Path:
    path = tmp / "config.toml"
    path.write_text(table)
    return path


def test_keep_alive_in_the_config_reaches_the_settings(tmp_path: Path):
    path = config(tmp_path, '[providers.ollama]\nmodel = "qwen2.5-coder:7b"\nkeep_alive = "1h30m"\n')
    assert load_config(path, env={}).providers["ollama"].extra == {"keep_alive": "1h30m"}
    path = config(tmp_path, '[providers.ollama]\nmodel = "qwen2.5-coder:7b"\n')
    assert load_config(path, env={}).providers["ollama"].extra == {}


@pytest.mark.parametrize(("table", "problem"), [
    ('[providers.ollama]\nmodel = "m"\nkeep_alive = "ten minutes"\n', "providers.ollama.keep_alive: not a duration"),
    ('[providers.sambanova]\nkeep_alive = "10m"\n', "providers.sambanova.keep_alive: only for kind 'ollama'"),
])
def test_a_wrong_keep_alive_is_a_config_problem(tmp_path: Path, table, problem):
    with pytest.raises(ConfigError) as info:
        load_config(config(tmp_path, table), env={})
    assert problem in str(info.value)


async def test_the_memory_error_says_what_to_do(make_provider, sim: Simulator):
    sim.push_fault(Fault(kind="status", status=500, message=OUT_OF_MEMORY), provider="ollama")
    provider = make_provider("ollama")
    with pytest.raises(ModelTooLarge) as info:
        await ask(provider)
    error = info.value
    assert not isinstance(error, Unavailable)  # the server is up: not a "down" provider
    assert OUT_OF_MEMORY in error.message
    assert "smaller model" in error.fix and "context_window" in error.fix and "num_ctx" in error.fix
    assert "try again later" not in error.message


async def test_the_memory_error_names_the_configured_window(make_provider, sim: Simulator):
    sim.push_fault(Fault(kind="status", status=500, message=OUT_OF_MEMORY), provider="ollama")
    with pytest.raises(ModelTooLarge) as info:
        await ask(make_provider("ollama", context_window=32768))
    assert "lower context_window (now 32768" in info.value.fix


async def test_another_server_error_is_still_try_again_later(make_provider, sim: Simulator):
    sim.push_fault(Fault(kind="status", status=500, message="an internal error occurred"), provider="ollama")
    with pytest.raises(Unavailable) as info:
        await ask(make_provider("ollama"))
    assert "try again later" in info.value.message
