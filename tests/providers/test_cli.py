"""The scriptable CLI end to end: real subprocesses against the simulator on loopback."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from qwen_tui.sim import Fault, Simulator
from tests.ptyio import drain

REPLY = "Hello 漢字 🚀\n```python\nprint('hi')\n```\n"


@pytest.fixture
def sim_knobs() -> dict:
    return {"ttft_ms": 5.0, "tps": 0, "reply": REPLY, "chunk_chars": 4}


@pytest.fixture
def cli(sim: Simulator, tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(sim.config_toml(default_provider="sambanova"))
    env = {
        **os.environ,
        "QWEN_TUI_CONFIG": str(config),
        **sim.env(),
    }

    def run(*args: str, env_changes: dict[str, str | None] | None = None, stdin: str | None = None,
            stdout: int | None = None):
        e = dict(env)
        for k, v in (env_changes or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return subprocess.run([sys.executable, "-m", "qwen_tui", *args], text=True, env=e, cwd=tmp_path,
                              input=stdin, timeout=60, stdout=stdout if stdout is not None else subprocess.PIPE,
                              stderr=subprocess.PIPE)

    return run


@pytest.mark.parametrize("provider", ["huggingface", "sambanova", "ollama", "blaxel", "sim-openai"])
def test_ask_streams_the_answer_and_reports_timing(cli, provider: str) -> None:
    result = cli("ask", "--provider", provider, "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == REPLY
    assert f"{provider} · " in result.stderr and "TTFT" in result.stderr and "tok/s" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_json_lines(cli) -> None:
    result = cli("ask", "--json", "hello")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "".join(x["text"] for x in lines if x["type"] == "delta") == REPLY
    summary = lines[-1]
    assert summary["type"] == "summary"
    assert set(summary) >= {"provider", "model", "ttft_ms", "connect_ms", "reused_connection", "tokens",
                            "tokens_per_s", "outcome"}
    assert summary["provider"] == "sambanova" and summary["outcome"] == "complete"
    assert isinstance(summary["ttft_ms"], float)


def test_ask_reads_the_prompt_from_stdin(cli, sim: Simulator) -> None:
    result = cli("ask", "-", stdin="from stdin")
    assert result.returncode == 0, result.stderr
    assert sim.last_chat("sambanova").body["messages"][-1] == {"role": "user", "content": "from stdin"}


def test_ask_drop_exits_1_keeping_partial_without_traceback(cli, sim: Simulator) -> None:
    sim.push_fault(Fault(kind="drop", after_tokens=3), provider="sambanova")
    result = cli("ask", "hello")
    assert result.returncode == 1
    assert result.stdout.startswith(REPLY[:12])
    assert "sambanova: the connection dropped mid-answer" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_json_error_line(cli, sim: Simulator) -> None:
    sim.push_fault(Fault(kind="status", status=429, retry_after=9), provider="sambanova")
    result = cli("ask", "--json", "hello")
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["type"] == "error" and lines[0]["error"] == "rate_limited" and lines[0]["retry_after"] == 9
    assert lines[-1]["outcome"] == "error"


def test_missing_key_exits_2_naming_the_env_var(cli) -> None:
    result = cli("ask", "hello", env_changes={"SAMBANOVA_API_KEY": None})
    assert result.returncode == 2
    assert "SAMBANOVA_API_KEY" in result.stderr and "Traceback" not in result.stderr


def test_bad_key_never_printed(cli) -> None:
    secret = "sk-thisisaverysecretkey123"
    for args in (("ask", "hello"), ("ask", "--debug", "hello"), ("providers",), ("models", "sambanova")):
        result = cli(*args, env_changes={"SAMBANOVA_API_KEY": secret})
        assert secret not in result.stdout + result.stderr
        assert result.returncode != 0 or args[0] == "providers"


def test_unknown_provider_is_usage_error(cli) -> None:
    result = cli("ask", "--provider", "nope", "hello")
    assert result.returncode == 2 and "unknown provider 'nope'" in result.stderr


def test_escape_sequences_are_visible_on_a_terminal(cli, sim: Simulator) -> None:
    sim.set_knobs(provider="sambanova", reply="safe\x1b]52;c;cHduZWQ=\x07 \x1b[2J done\u202e\n")
    master, slave = pty.openpty()
    try:
        result = cli("ask", "hello", stdout=slave)
        os.close(slave)
        out = drain(master)
    finally:
        os.close(master)
    assert result.returncode == 0, result.stderr
    text = out.decode()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "safe␛]52;c;cHduZWQ=␇ ␛[2J done<U+202E>" in text
    piped = cli("ask", "hello")
    assert piped.stdout == "safe\x1b]52;c;cHduZWQ=\x07 \x1b[2J done\u202e\n"  # a pipe gets the data as is


def test_providers_and_models_commands(cli) -> None:
    result = cli("providers", "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)["providers"]}
    assert set(rows) == {"huggingface", "sambanova", "ollama", "blaxel", "sim-openai"}
    assert all(r["reachable"] for r in rows.values()), rows
    assert rows["sambanova"]["key_set"] is True and rows["ollama"]["api_key_env"] is None
    assert all("key" not in k or k in ("key_set", "key_accepted", "api_key_env") for k in rows["sambanova"])
    models = cli("models", "blaxel", "--json")
    assert models.returncode == 0, models.stderr
    ids = {m["id"]: m for m in json.loads(models.stdout)["models"]}
    assert ids["sandbox-model"]["sandbox"] is True
    plain = cli("models", "ollama")
    assert "qwen2.5-coder:7b" in plain.stdout


def test_providers_reports_unreachable_in_plain_words(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[providers.ollama]\nbase_url = "http://127.0.0.1:9"\n')
    result = cli("--config", str(bad), "providers", "--json")
    rows = {r["name"]: r for r in json.loads(result.stdout)["providers"]}
    assert rows["ollama"]["reachable"] is False
    assert "Ollama is not running at http://127.0.0.1:9" in rows["ollama"]["error"]


def test_sim_subcommand_serves_until_interrupted(tmp_path: Path) -> None:
    import re
    import signal

    import httpx

    def as_from_a_shell() -> None:
        """Ctrl+C's signal as an interactive shell leaves it: a suite started as a background job
        (``pytest &`` in a script) runs with SIGINT ignored, and the child inherited that."""
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])

    argv = [sys.executable, "-X", "faulthandler", "-m", "qwen_tui", "sim", "--port", "0", "--ttft-ms", "1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            preexec_fn=as_from_a_shell)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert match, first
        printed = first
        for line in proc.stdout:
            printed += line
            if "Ctrl+C" in line:
                break
        assert "[providers.ollama]" in printed and "export HF_TOKEN=" in printed
        assert httpx.get(match.group() + "/ollama/", timeout=5).text == "Ollama is running"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(30)  # a loaded machine is slow, not this slow
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # faulthandler writes every thread's stack to stderr
            try:
                _, stderr = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, stderr = proc.communicate(timeout=10)
            pytest.fail(f"the simulator did not stop on SIGINT within 30 s; its stderr:\n{stderr}")
    assert code == 0
    assert "Traceback" not in proc.stderr.read()


THOUGHT = "First I think: ä 漢字, then I answer."


@pytest.mark.parametrize("shape", ["reasoning", "think_tags"])
def test_ask_writes_reasoning_to_stderr_never_stdout(cli, sim: Simulator, shape: str) -> None:
    sim.set_knobs(reasoning=THOUGHT, reasoning_shape=shape)
    result = cli("ask", "--provider", "huggingface", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == REPLY
    assert result.stderr.startswith(THOUGHT + "\n")
    assert "TTFT" in result.stderr and "Traceback" not in result.stderr


def test_ask_json_reasoning_objects_and_answer_ms(cli, sim: Simulator) -> None:
    sim.set_knobs(reasoning=THOUGHT, tps=2000.0)
    result = cli("ask", "--json", "--provider", "ollama", "hello")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds.index("delta") > max(i for i, kind in enumerate(kinds) if kind == "reasoning")
    assert "".join(line["text"] for line in lines if line["type"] == "reasoning") == THOUGHT
    assert "".join(line["text"] for line in lines if line["type"] == "delta") == REPLY
    summary = lines[-1]
    assert summary["type"] == "summary"
    assert summary["answer_ms"] > summary["ttft_ms"] > 0  # the answer began after the thinking
    assert summary["tokens"] == -(-len(THOUGHT) // 4) + -(-len(REPLY) // 4)  # every generated token
    assert THOUGHT not in result.stderr


def test_ask_reasoning_without_an_answer_says_so(cli, sim: Simulator) -> None:
    sim.set_knobs(reasoning=THOUGHT, reply="")
    result = cli("ask", "--provider", "sambanova", "hello")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "reasoned but wrote no answer" in result.stderr and "the answer was empty" not in result.stderr
    assert "Traceback" not in result.stderr


def test_models_blaxel_lists_agents_beside_models(cli) -> None:
    listed = cli("models", "blaxel", "--json")
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)
    assert [a["id"] for a in doc["agents"]] == ["code-reviewer", "doc-writer", "test-runner"]
    runtimes = {m["id"]: m["runtime_type"] for m in doc["models"]}
    assert runtimes["sim-model"] == "openai" and runtimes["sim-claude"] == "anthropic"
    plain = cli("models", "blaxel")
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert lines[0] == "models:" and "  sim-model  (configured)" in lines
    assert "  sim-claude  (anthropic runtime: not callable as an OpenAI model)" in lines
    at = lines.index('agents (use one with kind = "blaxel-agent", agent = "NAME"):')
    assert lines[at + 1:] == ["  code-reviewer", "  doc-writer", "  test-runner"]
    assert "agents" not in json.loads(cli("models", "sambanova", "--json").stdout)
