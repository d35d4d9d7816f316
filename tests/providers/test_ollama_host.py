"""OLLAMA_HOST is read as ollama-python reads it: every case its ``_parse_host`` documents."""

from __future__ import annotations

import doctest
import importlib

import pytest

from qwen_tui.config import load_config, ollama_host_url

_client = importlib.import_module("ollama._client")  # the package's ``_client`` attribute is a Client


def documented_cases() -> list[tuple[str | None, str]]:
    """(input, expected) from the examples in ollama-python's own docstring."""
    cases = []
    for example in doctest.DocTestParser().get_examples(_client._parse_host.__doc__):
        arg = eval(example.source.strip()[len("_parse_host("):-1])  # noqa: S307 - a literal from the docstring
        cases.append((arg, eval(example.want.strip())))  # noqa: S307
    return cases


CASES = documented_cases()


def test_the_documented_cases_are_read():
    assert len(CASES) >= 30
    assert ("https://example.com", "https://example.com:443") in CASES


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_ollama_host_as_ollama_python_reads_it(value, expected):
    assert ollama_host_url(value) == expected == _client._parse_host(value)


@pytest.mark.parametrize(("value", "expected"), [
    ("https://ollama.example.com", "https://ollama.example.com:443"),
    (":56789", "http://127.0.0.1:56789"),
    ("example.com/path", "http://example.com:11434/path"),
    ("  127.0.0.1:11435  ", "http://127.0.0.1:11435"),  # spaces around an env value
])
def test_the_cases_the_issue_names(value, expected):
    assert ollama_host_url(value) == expected


def test_ollama_host_sets_the_ollama_base_url(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[providers.ollama]\nkind = "ollama"\nmodel = "qwen2.5-coder:7b"\n')
    config = load_config(path, env={"OLLAMA_HOST": "https://ollama.example.com/proxy/"})
    assert config.providers["ollama"].base_url == "https://ollama.example.com:443/proxy"


def test_a_port_that_is_not_a_number_is_a_config_problem(tmp_path):
    from qwen_tui.config import ConfigError

    path = tmp_path / "config.toml"
    path.write_text('[providers.ollama]\nkind = "ollama"\nmodel = "qwen2.5-coder:7b"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={"OLLAMA_HOST": "example.com:port"})
    assert "OLLAMA_HOST" in str(info.value) and "Traceback" not in str(info.value)
