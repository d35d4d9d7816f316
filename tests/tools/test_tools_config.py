"""The [tools] and [tools.commands] tables: parsed into ToolsSettings, every mistake named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from qwen_tui.config import CommandSettings, ConfigError, ToolsSettings, check_config, load_config

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_the_table_is_missing(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""), env={})
    assert config.tools == ToolsSettings("ask", 25, CommandSettings((), (), 120.0))


def test_tools_tables_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, '[tools]\napprove = "auto"\nmax_steps = 7\n'
                           '[tools.commands]\nallow = ["pytest*", " git status "]\ndeny = ["rm *"]\ntimeout = 30\n')
    tools = load_config(path, env={}).tools
    assert (tools.approve, tools.max_steps) == ("auto", 7)
    assert tools.commands.allow == ("pytest*", "git status")
    assert tools.commands.deny == ("rm *",)
    assert tools.commands.timeout == 30.0


@pytest.mark.parametrize(("text", "message"), [
    ('[tools]\napprove = "yes"\n', "tools.approve: 'yes' is not ask or auto — write approve = \"ask\""),
    ('[tools]\napprove = 1\n', "tools.approve: expected a string, got a whole number"),
    ("[tools]\nmax_steps = 0\n", "tools.max_steps: must be from 1 to 1000 — e.g. max_steps = 25"),
    ("[tools]\nmax_step = 3\n", "tools.max_step: unknown key — did you mean 'max_steps'?"),
    ("[tools.commands]\nallow = 'pytest'\n", "tools.commands.allow: expected a list, got a string"),
    ("[tools.commands]\ndeny = ['rm *', 3]\n", "tools.commands.deny: expected a list of non-empty strings"),
    ("[tools.commands]\ntimeout = -1\n", "tools.commands.timeout: must be more than 0 seconds"),
    ("[tools.commands]\ntimeuot = 5\n", "tools.commands.timeuot: unknown key — did you mean 'timeout'?"),
    ("tools = 3\n", "tools: expected a table, got a whole number"),
])
def test_mistakes_name_file_key_and_fix(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))
    assert any(message in line for line in check_config(path, env={}))


def test_example_documents_the_tools_tables() -> None:
    example = ROOT / "config.example.toml"
    raw = tomllib.loads(example.read_text())
    assert set(raw["tools"]) == {"approve", "max_steps", "commands"}
    assert set(raw["tools"]["commands"]) == {"allow", "deny", "timeout"}
    assert load_config(example, env={}).tools.approve == "ask"
