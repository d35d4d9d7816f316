"""[mcp.servers.NAME] in config.toml: every key, its problems told as file: key: problem — fix,
and a bad entry never stops the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.config import check_config, load_config
from qwen_tui.mcp.config import DEFAULT_MAX_TOOLS, DEFAULT_TIMEOUT_S, MissingVariable, parse_mcp_table


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_stdio_and_an_http_server(tmp_path: Path) -> None:
    path = write(tmp_path, """
[mcp]
max_tools = 20
[mcp.servers.fs]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "."]
env = { GITHUB_TOKEN = "${MY_TOKEN}", MODE = "plain" }
cwd = "/tmp"
allow = ["read_*", "list_*"]
deny = ["read_secret*"]
[mcp.servers.web]
url = "http://127.0.0.1:9000/mcp"
headers = { Authorization = "Bearer ${WEB_TOKEN}" }
timeout = 2.5
enabled = false
""")
    config = load_config(path, env={})
    mcp = config.mcp
    assert mcp.problems == [] and mcp.max_tools == 20
    fs, web = mcp.servers["fs"], mcp.servers["web"]
    assert (fs.transport, fs.command, fs.args, fs.cwd, fs.enabled, fs.timeout) == (
        "stdio", "npx", ("-y", "@modelcontextprotocol/server-filesystem", "."), "/tmp", True, DEFAULT_TIMEOUT_S)
    assert fs.server_env({"MY_TOKEN": "t0k", "SAMBANOVA_API_KEY": "secret"}) == {"GITHUB_TOKEN": "t0k", "MODE": "plain"}
    assert fs.tool_allowed("read_file") and not fs.tool_allowed("read_secret_key") and not fs.tool_allowed("write_file")
    assert (web.transport, web.url, web.timeout, web.enabled) == ("http", "http://127.0.0.1:9000/mcp", 2.5, False)
    assert web.http_headers({"WEB_TOKEN": "abc"}) == {"Authorization": "Bearer abc"}
    assert web.secret_values({"WEB_TOKEN": "abc"}) == ["abc"]
    with pytest.raises(MissingVariable, match=r"header Authorization: \$\{WEB_TOKEN\} is not set"):
        web.http_headers({})
    assert config.mcp.configured


def test_defaults_and_no_servers(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'theme = "qwen-dark"\n'), env={})
    assert config.mcp.servers == {} and not config.mcp.configured
    assert config.mcp.max_tools == DEFAULT_MAX_TOOLS


def test_env_as_a_list_passes_only_those_names() -> None:
    settings = parse_mcp_table("c.toml", {"servers": {"gh": {"command": "gh-mcp", "env": ["GH_TOKEN"]}}})
    assert settings.problems == []
    assert settings.servers["gh"].server_env({"GH_TOKEN": "x", "HF_TOKEN": "nope"}) == {"GH_TOKEN": "x"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"comand": "x"}, "c.toml: mcp.servers.bad.comand: unknown key — did you mean 'command'?"),
        ({"command": "x", "url": "http://h/mcp"}, "c.toml: mcp.servers.bad.url: both command and url are set"),
        ({"args": ["a"]}, "c.toml: mcp.servers.bad.command: missing"),
        ({"url": "localhost:9000"}, "c.toml: mcp.servers.bad.url: not an http(s) URL"),
        ({"command": "x", "timeout": 0}, "c.toml: mcp.servers.bad.timeout: expected a number of seconds above 0"),
        ({"command": "x", "args": "a b"}, "c.toml: mcp.servers.bad.args: expected a list of strings, got a string"),
        ({"command": "x", "enabled": "no"}, "c.toml: mcp.servers.bad.enabled: expected true or false"),
        ({"command": "x", "env": {"A-B": "1"}}, "c.toml: mcp.servers.bad.env.A-B: not an environment variable name"),
        ({"command": "x", "headers": {"A": "1"}}, "c.toml: mcp.servers.bad.headers: only for a server reached by url"),
        ({"url": "http://h/mcp", "cwd": "/"}, "c.toml: mcp.servers.bad.cwd: only for a server started with command"),
        ({"command": "x", "allow": "read_*"}, "c.toml: mcp.servers.bad.allow: expected a list of strings"),
        ("npx", "c.toml: mcp.servers.bad: expected a table, got a string"),
    ],
)
def test_a_bad_entry_names_file_server_and_key_and_the_others_still_load(entry: object, message: str) -> None:
    settings = parse_mcp_table("c.toml", {"servers": {"bad": entry, "good": {"command": "ok-server"}}})
    assert any(str(p).startswith(message) for p in settings.problems), [str(p) for p in settings.problems]
    assert settings.servers["bad"].problem and settings.servers["bad"].problem.startswith(message)
    assert settings.servers["good"].problem is None


def test_top_level_mcp_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "[mcp]\nmax_tool = 3\ncall_timeout = -1\n[mcp.servers.a]\ncommand = 'a'\n")
    problems = check_config(path, env={})
    assert any("config.toml: mcp.max_tool: unknown key — did you mean 'max_tools'?" in p for p in problems)
    assert any("mcp.call_timeout: expected a number of seconds above 0" in p for p in problems)
    # the config as a whole still loads, server a with it
    assert load_config(path, env={}).mcp.servers["a"].command == "a"
