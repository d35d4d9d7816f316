"""Config validation: every problem is told as `file: key: problem — fix`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from qwen_tui.config import AppConfig, ConfigError, check_config, default_config, load_config

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_default_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("QWEN_TUI_CONFIG", raising=False)
    config = load_config(env={})
    assert not config.exists
    assert config.default_provider == "ollama" and config.theme == "qwen-dark"
    assert config.keys == {} and config.context.max_file_kb == 256 and config.context.reserve_tokens == 4096
    assert config.context.system_prompt is None
    assert check_config(env={}) == []


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file — check the --config path"):
        load_config(tmp_path / "nope.toml", env={})


def test_keys_and_context_tables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[keys]\nhelp = "f1"\nprompt.newline = "ctrl+j, shift+enter"\n"chat.stop" = "escape"\n'
        '[context]\nmax_file_kb = 64\nreserve_tokens = 0\nsystem_prompt = "Be brief."\n',
    )
    config = load_config(path, env={})
    assert config.keys == {"help": "f1", "prompt.newline": "ctrl+j,shift+enter", "chat.stop": "escape"}
    context = config.context
    assert (context.max_file_kb, context.reserve_tokens, context.system_prompt) == (64, 0, "Be brief.")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("theme = 3\n", "config.toml: theme: expected a string, got a whole number — write theme = \"...\""),
        ("themes = 'x'\n", "config.toml: themes: unknown key — did you mean 'theme'?"),
        ("[providers.ollama]\nmodle = 'x'\n",
         "config.toml: providers.ollama.modle: unknown key — did you mean 'model'?"),
        ("[providers.ollama]\nbase_url = 'localhost:11434'\n", "providers.ollama.base_url: not an http(s) URL"),
        ("[providers.sambanova]\nread_timeout = 0\n", "providers.sambanova.read_timeout: must be more than 0 seconds"),
        ("[providers.x]\nbase_url = 'http://h'\nmodel = 'm'\n", "providers.x: no kind — add kind = \"openai\""),
        ("default_provider = 'nope'\n", "default_provider: unknown provider 'nope' — choose one of:"),
        ("[keys]\nhelp = 1\n", "keys.help: expected a string, got a whole number"),
        ("[keys]\nhelp = 'ctrl p'\n", "keys.help: 'ctrl p' is not a key — write a key like \"ctrl+p\""),
        ("[context]\nmax_file_kb = '256'\n", "context.max_file_kb: expected a whole number, got a string"),
        ("[context]\nmax_file_kb = -1\n", "context.max_file_kb: must be more than 0"),
        ("[context]\nreserve = 1\n", "context.reserve: unknown key — did you mean 'reserve_tokens'?"),
        ("providers = 1\n", "providers: expected a table, got a whole number"),
        ("theme = \n", "config.toml: not valid TOML"),
    ],
)
def test_each_problem_names_file_key_and_fix(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))
    assert check_config(path, env={})[0] == str(info.value)


def test_check_lists_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "theme = 1\nfoo = 2\n[context]\nmax_file_kb = 0\n[keys]\nhelp = ''\n")
    problems = check_config(path, env={})
    assert len(problems) == 4
    assert [p.split(": ")[1] for p in problems] == ["theme", "foo", "keys.help", "context.max_file_kb"]
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert [str(e) for e in info.value.all] == problems


def test_a_pasted_key_is_never_echoed(tmp_path: Path) -> None:
    secret = "hf_abcdefghijklmnopqrstuvwxyz0123"
    path = write(tmp_path, f'[providers.huggingface]\napi_key_env = "{secret} "\napi_key = "{secret}"\n')
    problems = check_config(path, env={})
    assert len(problems) == 2
    assert all(secret not in p for p in problems)
    assert "never the key itself" in problems[0]
    assert "keys are read only from the environment" in problems[1]


def test_defaults_for_a_tui_that_starts_anyway() -> None:
    config = default_config(env={})
    assert isinstance(config, AppConfig)
    assert set(config.providers) == {"huggingface", "sambanova", "ollama", "blaxel"}


def test_example_config_is_valid_and_complete(tmp_path: Path) -> None:
    example = ROOT / "config.example.toml"
    config = load_config(example, env={})
    raw = tomllib.loads(example.read_text())
    assert set(raw) >= {"default_provider", "theme", "providers", "keys", "context"}
    assert set(raw["providers"]) >= {"huggingface", "sambanova", "ollama", "blaxel", "llamacpp"}
    assert set(raw["context"]) == {"max_file_kb", "reserve_tokens", "system_prompt", "auto_compact"}
    assert config.providers["llamacpp"].kind == "openai"
    # every commented-out key (and table: Modal, a gateway) is real too: uncomment them all and load again
    text = example.read_text()
    uncommented = "\n".join(
        line[2:] if line.startswith("# [") or (line.startswith("# ") and "=" in line.split("#")[1]) else line
        for line in text.splitlines()
    )
    load_config(write(tmp_path, uncommented), env={})


def test_bl_env_dev_moves_both_blaxel_planes_to_dev_hosts(tmp_path: Path) -> None:
    prod = default_config(env={}).providers["blaxel"]
    assert (prod.base_url, prod.api_url) == ("https://run.blaxel.ai", "https://api.blaxel.ai/v0")
    dev = default_config(env={"BL_ENV": "dev"}).providers["blaxel"]
    assert (dev.base_url, dev.api_url) == ("https://run.blaxel.dev", "https://api.blaxel.dev/v0")
    assert default_config(env={"BL_ENV": "prod"}).providers["blaxel"].base_url == "https://run.blaxel.ai"
    # the file still wins over the environment
    path = write(tmp_path, '[providers.blaxel]\nbase_url = "http://127.0.0.1:9/run"\n')
    mine = load_config(path, env={"BL_ENV": "dev"}).providers["blaxel"]
    assert (mine.base_url, mine.api_url) == ("http://127.0.0.1:9/run", "https://api.blaxel.dev/v0")


def test_example_config_has_a_blaxel_agent() -> None:
    reviewer = load_config(ROOT / "config.example.toml", env={}).providers["reviewer"]
    assert reviewer.kind == "blaxel-agent" and reviewer.extra["agent"] == reviewer.model == "code-reviewer"
    assert reviewer.base_url == "https://run.blaxel.ai" and reviewer.api_key_env == "BL_API_KEY"
