"""Gateways and Modal: an entry's ``headers`` (header name = the environment variable holding its
value) reach the server on every request, and their values never show in any output, error,
metrics history or session file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.config import ConfigError, load_config
from qwen_tui.conversation import AnswerSink, Conversation, Turn
from qwen_tui.providers.base import Message
from qwen_tui.providers.registry import build_provider
from qwen_tui.sim import Fault, Simulator

MODAL_KEY = "wk-modal-key-7f3a9c1e"
MODAL_SECRET = "ws-modal-secret-0b5d2e88"
HEADERS = '{ "Modal-Key" = "MODAL_KEY", "Modal-Secret" = "MODAL_SECRET" }'


def modal_config(sim: Simulator, path: Path) -> Path:
    url = sim.base_urls()["openai"]
    path.write_text(sim.config_toml(default_provider="modal")
                    + f'[providers.modal]\nkind = "openai"\nbase_url = "{url}"\nmodel = "sim-openai-model"\n'
                      f'api_key_env = "SIM_GATEWAY_KEY"\nheaders = {HEADERS}\n')
    return path


def secret_env(sim: Simulator) -> dict[str, str]:
    from qwen_tui.sim import DEFAULT_KEYS

    return {**sim.env(), "SIM_GATEWAY_KEY": DEFAULT_KEYS["openai"], "MODAL_KEY": MODAL_KEY,
            "MODAL_SECRET": MODAL_SECRET}


def assert_hidden(text: str) -> None:
    assert MODAL_KEY not in text and MODAL_SECRET not in text


async def test_headers_reach_the_server_on_every_request(sim, tmp_path) -> None:
    config = load_config(modal_config(sim, tmp_path / "config.toml"), env=secret_env(sim))
    settings = config.providers["modal"]
    assert settings.header_envs == {"Modal-Key": "MODAL_KEY", "Modal-Secret": "MODAL_SECRET"}
    assert_hidden(repr(settings))
    provider = build_provider(settings)
    try:
        store_dir = tmp_path / "sessions"
        from qwen_tui.session import SessionStore

        conversation = Conversation(tmp_path, SessionStore(store_dir))
        turn = Turn("hello", provider="modal", model=settings.model)
        await conversation.answer(turn, provider, [Message("user", "hello")], AnswerSink())
        await provider.list_models()
        await conversation.saved()
    finally:
        await provider.aclose()
    assert turn.outcome == "complete"
    chats = [r for r in sim.requests if r.provider == "openai"]
    assert {r.path.rsplit("/", 1)[-1] for r in chats} >= {"completions", "models"}
    for request in chats:
        assert request.headers["modal-key"] == MODAL_KEY and request.headers["modal-secret"] == MODAL_SECRET
    for file in store_dir.iterdir():
        assert_hidden(file.read_text())


def test_ask_sends_them_and_never_shows_them(sim, tmp_path) -> None:
    config = modal_config(sim, tmp_path / "config.toml")
    env = {**os.environ, "QWEN_TUI_CONFIG": str(config), **secret_env(sim)}

    def ask(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "qwen_tui", "ask", *args, "hello"], text=True, env=env,
                              cwd=tmp_path, timeout=60, capture_output=True)

    done = ask("--json")
    assert done.returncode == 0, done.stderr
    assert sim.last_chat("openai").headers["modal-secret"] == MODAL_SECRET
    # an error that echoes them (a proxy's 401 quoting what it got) shows them redacted
    sim.push_fault(Fault("status", status=401, message=f"bad proxy token {MODAL_KEY}:{MODAL_SECRET}"), "openai")
    failed = ask("--debug")
    assert failed.returncode != 0 and "bad proxy token" in failed.stderr
    for result in (done, failed):
        assert_hidden(result.stdout + result.stderr)
    metrics = Path(env["XDG_STATE_HOME"]) / "qwen-tui" / "metrics.jsonl"
    assert metrics.exists()
    assert_hidden(metrics.read_text())
    env.pop("MODAL_SECRET")
    unset = ask()
    assert unset.returncode == 2 and "MODAL_SECRET" in unset.stderr and "Traceback" not in unset.stderr
    assert_hidden(unset.stdout + unset.stderr)


@pytest.mark.parametrize(("table", "says"), [
    ('headers = { "Modal-Key" = "wk-pasted-value-123" }', "not an environment variable name"),
    ('headers = { "Bad Header" = "MODAL_KEY" }', "not an HTTP header name"),
])
def test_bad_headers_tables_are_refused_without_repeating_values(tmp_path, table, says) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[providers.gw]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n{table}\n')
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert says in str(error.value) and "wk-pasted-value-123" not in str(error.value)


def test_the_example_config_shows_modal_and_a_gateway(tmp_path) -> None:
    example = (Path(__file__).resolve().parents[2] / "config.example.toml").read_text()
    lines, block = [], False
    for line in example.splitlines():  # the two commented tables, uncommented
        block = line in ("# [providers.modal]", "# [providers.gateway]") or (block and line.startswith("# "))
        lines.append(line[2:] if block else line)
    uncommented = "\n".join(lines)
    path = tmp_path / "config.toml"
    path.write_text(uncommented)
    config = load_config(path, env={"MODAL_KEY": MODAL_KEY, "MODAL_SECRET": MODAL_SECRET})
    assert config.providers["modal"].header_envs == {"Modal-Key": "MODAL_KEY", "Modal-Secret": "MODAL_SECRET"}
    assert config.providers["modal"].headers["Modal-Secret"] == MODAL_SECRET
    assert config.providers["gateway"].header_envs == {"X-Gateway-Token": "GATEWAY_TOKEN"}
    assert config.providers["gateway"].headers == {}  # its variable is not set
