"""run_command: real shell commands in a real project folder, through the toolbox and directly.

Every "no process left behind" check looks for live (non-zombie) processes with a unique marker in
their command line: in this container PID 1 does not reap orphans, so zombies linger."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from qwen_tui.config import load_config
from qwen_tui.tools import ApprovalPolicy, Decision, Toolbox
from qwen_tui.tools.command_output import OutputCapture
from qwen_tui.tools.command_runner import CommandRun, command_environment, group_alive
from qwen_tui.tools.commands import CommandTool, outcome_text

ALLOW = ("echo*", "printf*", "exit*", "seq*", "sleep*", "env", "pwd", "cat", "head*", "tr*", "trap*")


def live_processes(marker: str) -> list[str]:
    """Lines of ``ps`` for live processes whose command line contains ``marker``."""
    out = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines()
            if marker in line and line.split()[1][:1] not in ("Z", "X") and "ps -eo" not in line]


def make_toolbox(root: Path, *, allow: tuple[str, ...] = ALLOW, deny: tuple[str, ...] = ("rm *",),
                 tools: str = "edit", **kwargs) -> tuple[Toolbox, CommandTool]:
    toolbox = Toolbox(root, policy=ApprovalPolicy(tools=tools, allow_commands=allow, deny_commands=deny))
    return toolbox, CommandTool.install(toolbox, **kwargs)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "README.md").write_text("# p\n")
    return project


def test_output_and_exit_code_reach_the_model(root: Path) -> None:
    toolbox, _ = make_toolbox(root)
    result = toolbox.start_answer().run("run_command", {"command": "echo out; echo err >&2; echo again; exit 3"},
                                        call_id="c1")
    assert result.decision is Decision.RUN and not result.pending
    assert not result.ok and result.call_id == "c1"
    assert result.content.startswith("Exit code: 3 (")
    assert result.content.endswith("Output (3 lines, stdout and stderr together):\nout\nerr\nagain")
    assert result.command is not None and result.command.exit_code == 3 and result.command.status == "exited"
    assert result.summary.startswith("$ echo out; echo err >&2; echo again; exit 3: exit 3 (3 lines")

    ok = toolbox.start_answer().run("run_command", {"command": "pwd"})
    assert ok.ok and ok.content.splitlines()[-1] == str(root.resolve())


def test_stdin_is_closed_and_no_output_is_said(root: Path) -> None:
    _, tool = make_toolbox(root)
    outcome = asyncio.run(tool.run("cat", timeout_s=5))  # would wait forever on an open stdin
    assert (outcome.status, outcome.exit_code, outcome.lines) == ("exited", 0, 0)
    assert outcome_text(outcome).endswith("\nNo output.")


def test_the_environment_has_no_provider_key_and_no_own_variable(root: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[providers.sambanova]\napi_key_env = "QT_TEST_FAKE_KEY"\n'
                           '[providers.mine]\nkind = "sambanova"\nbase_url = "http://127.0.0.1:9/v1"\n'
                           'model = "m"\napi_key_env = "QT_OTHER_FAKE_KEY"\n')
    monkeypatch.setenv("QT_TEST_FAKE_KEY", "fake-key-value-1234")
    monkeypatch.setenv("QT_OTHER_FAKE_KEY", "other-key-value-5678")
    monkeypatch.setenv("HF_TOKEN", "hf_faketoken123456")
    monkeypatch.setenv("QWEN_TUI_CONFIG", str(config_file))
    monkeypatch.setenv("QT_KEEP_ME", "kept")
    config = load_config(config_file)
    toolbox, _ = make_toolbox(root, config=config)
    result = toolbox.start_answer().run("run_command", {"command": "env"})
    assert result.ok, result.content
    names = {line.split("=", 1)[0] for line in result.content.splitlines() if "=" in line}
    assert "QT_KEEP_ME" in names and "PATH" in names
    assert not names & {"QT_TEST_FAKE_KEY", "QT_OTHER_FAKE_KEY", "HF_TOKEN", "QWEN_TUI_CONFIG"}
    assert "fake-key-value" not in result.content and "other-key-value" not in result.content


def test_command_environment_drops_keys_and_own_variables() -> None:
    env = command_environment({"A": "1", "MY_KEY": "s", "QWEN_TUI_X": "y", "PATH": "/bin"}, ["MY_KEY", None])
    assert env == {"A": "1", "PATH": "/bin"}


def test_a_hundred_thousand_lines_are_capped_and_streamed(root: Path) -> None:
    chunks: list[str] = []
    captures: list[OutputCapture] = []

    def on_start(run: CommandRun) -> None:
        run.on_output = chunks.append
        captures.append(run.capture)

    toolbox, _ = make_toolbox(root, on_start=on_start)
    started = time.monotonic()
    result = toolbox.start_answer().run("run_command", {"command": "seq 1 100000"})
    assert time.monotonic() - started < 15
    assert result.ok
    # streamed: every byte reached the callback (coalesced into a few pieces)
    assert chunks and "".join(chunks) == "".join(f"{i}\n" for i in range(1, 100_001))
    # capped: head and tail, the count of what was left out, and bounded memory
    assert result.content.startswith("Exit code: 0")
    assert "Output (100,000 lines, 99,800 left out in the middle" in result.content
    body = result.content.split("\n", 2)[2].splitlines()
    assert body[:3] == ["1", "2", "3"] and body[49] == "50"
    assert body[50] == "[… 99,800 lines left out …]"
    assert body[51] == "99851" and body[-1] == "100000" and len(body) == 201
    capture = captures[0]
    assert len(capture.head) == 50 and len(capture.tail) == 150 and capture.lines == 100_000


def test_output_streams_while_the_command_runs(root: Path) -> None:
    _, tool = make_toolbox(root)
    arrivals: list[tuple[float, str]] = []
    started = time.monotonic()
    outcome = asyncio.run(tool.run("echo one; sleep 0.4; echo two; sleep 0.4; echo three", timeout_s=10,
                                   on_output=lambda text: arrivals.append((time.monotonic() - started, text))))
    assert [text for _, text in arrivals] == ["one\n", "two\n", "three\n"]
    assert arrivals[0][0] < 0.35 and arrivals[1][0] < 0.75  # each piece came before the next sleep ended
    assert outcome.output == "one\ntwo\nthree"


def test_a_failing_display_does_not_stop_the_command(root: Path) -> None:
    _, tool = make_toolbox(root)

    def broken(text: str) -> None:
        raise RuntimeError("widget gone")

    outcome = asyncio.run(tool.run("seq 1 30000", timeout_s=10, on_output=broken))
    assert (outcome.status, outcome.exit_code, outcome.lines) == ("exited", 0, 30_000)


def test_run_in_a_worker_thread_and_stopped_from_the_event_loop(root: Path) -> None:
    """The agent loop's wiring: the toolbox call in asyncio.to_thread, Escape calls stop_all."""
    toolbox, tool = make_toolbox(root)
    answer = toolbox.start_answer()

    async def go() -> None:
        call = asyncio.create_task(asyncio.to_thread(answer.run, "run_command",
                                                     {"command": "echo up; sleep 96.25 & sleep 96.26"}))
        for _ in range(200):
            if tool.running and live_processes("sleep 96.26"):
                break
            await asyncio.sleep(0.02)
        assert tool.stop_all() == 1
        result = await asyncio.wait_for(call, 10)
        assert result.command is not None and result.command.status == "stopped"
        assert result.content.endswith("\nup")

    asyncio.run(go())
    assert live_processes("sleep 96.2") == []


def test_one_endless_line_is_cut(root: Path) -> None:
    _, tool = make_toolbox(root)
    outcome = asyncio.run(tool.run("head -c 3000000 /dev/zero | tr '\\0' a", timeout_s=30))
    assert outcome.lines == 1 and outcome.exit_code == 0
    assert outcome.output == "a" * 1000 + " … [2,999,000 more characters]"


def test_escape_sequences_are_neutralised(root: Path) -> None:
    chunks: list[str] = []
    toolbox, _ = make_toolbox(root, on_start=lambda run: setattr(run, "on_output", chunks.append))
    command = r"printf '\033]52;c;ZXZpbA==\007\033[31mred\033[0m\033[2J\rover\bx\n'"
    result = toolbox.start_answer().run("run_command", {"command": command})
    assert result.ok
    assert "\x1b" not in result.content and "\x07" not in result.content and "\x08" not in result.content
    assert result.content.splitlines()[-1] == "over\u2408x"  # the carriage return redraws; BS visible
    shown = "".join(chunks)
    assert "\x1b" not in shown and "\x07" not in shown
    assert shown.startswith("\u241b]52;c;ZXZpbA==\u2407\u241b[31mred")


def test_invalid_utf8_is_replaced(root: Path) -> None:
    _, tool = make_toolbox(root)
    outcome = asyncio.run(tool.run(r"printf 'caf\303\251 \377 ok\n'", timeout_s=5))
    assert outcome.output == "café \ufffd ok"


def test_a_timeout_leaves_no_process_behind(root: Path) -> None:
    toolbox, tool = make_toolbox(root)
    runs: list[CommandRun] = []
    tool.on_start = runs.append
    started = time.monotonic()
    result = toolbox.start_answer().run("run_command", {"command": "echo begun; sleep 91.25 & sleep 91.26",
                                                        "timeout_s": 0.5})
    assert time.monotonic() - started < 5
    assert result.command is not None and result.command.status == "timed_out"
    assert not result.ok
    assert result.content.startswith("The command timed out after 0.5 s and was stopped")
    assert result.content.endswith("\nbegun")
    assert runs[0].pid is not None and not group_alive(runs[0].pid)
    assert live_processes("sleep 91.2") == []


def test_the_configured_timeout_is_used(root: Path, tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[tools.commands]\nallow = ["sleep*"]\ntimeout = 0.3\n')
    config = load_config(config_file, env={})
    toolbox = Toolbox(root, policy=ApprovalPolicy.from_settings(config.tools, "edit"))
    CommandTool.install(toolbox, config)
    result = toolbox.start_answer().run("run_command", {"command": "sleep 91.31"})
    assert result.command is not None and result.command.status == "timed_out"
    assert result.command.timeout_s == 0.3
    assert live_processes("sleep 91.31") == []


def test_stop_from_another_thread_leaves_no_process_behind(root: Path) -> None:
    toolbox, tool = make_toolbox(root)
    seen = threading.Event()
    tool.on_start = lambda run: setattr(run, "on_output", lambda text: seen.set())

    def press_escape() -> None:
        assert seen.wait(10)
        assert tool.stop_all() == 1

    escape = threading.Thread(target=press_escape)
    escape.start()
    started = time.monotonic()
    result = toolbox.start_answer().run("run_command", {"command": "echo running; sleep 92.25 & sleep 92.26"})
    escape.join()
    assert time.monotonic() - started < 5
    assert result.command is not None and result.command.status == "stopped"
    assert result.content.startswith("The user stopped the command after")
    assert live_processes("sleep 92.2") == []
    assert tool.running == []


def test_a_process_ignoring_sigterm_is_killed(root: Path) -> None:
    _, tool = make_toolbox(root)

    async def go() -> None:
        task = asyncio.create_task(tool.run("trap '' TERM; sleep 93.25 & sleep 93.26", timeout_s=60))
        await asyncio.sleep(0.3)
        assert tool.stop_all() == 1
        outcome = await task
        assert outcome.status == "stopped"

    asyncio.run(go())
    assert live_processes("sleep 93.2") == []


def test_a_cancelled_task_leaves_no_process_behind(root: Path) -> None:
    _, tool = make_toolbox(root)
    run = tool.new_run("sleep 94.25 & sleep 94.26", timeout_s=60)

    async def go() -> None:
        task = asyncio.create_task(run.execute())
        await asyncio.sleep(0.3)
        assert live_processes("sleep 94.2")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert run.outcome is not None and run.outcome.status == "stopped"
    assert live_processes("sleep 94.2") == []


def test_background_children_end_with_the_command(root: Path) -> None:
    _, tool = make_toolbox(root)
    started = time.monotonic()
    outcome = asyncio.run(tool.run("sleep 95.25 & echo started", timeout_s=30))
    assert time.monotonic() - started < 5
    assert (outcome.status, outcome.exit_code, outcome.output) == ("exited", 0, "started")
    assert live_processes("sleep 95.25") == []


def test_a_denied_command_is_refused_without_asking(root: Path) -> None:
    (root / "keep.txt").write_text("k")
    toolbox, tool = make_toolbox(root)
    started: list[CommandRun] = []
    tool.on_start = started.append
    for command in ("rm -rf keep.txt", "echo hi && rm keep.txt", "sudo rm keep.txt"):
        result = toolbox.start_answer().run("run_command", {"command": command})
        assert result.decision is Decision.DENY and not result.ok and not result.pending
        assert result.content == ("Error: the command matches the deny pattern 'rm *' in the user's settings; "
                                  "nothing was done")
    assert started == [] and (root / "keep.txt").exists()


def test_an_unlisted_command_is_asked_and_runs_only_with_a_yes(root: Path) -> None:
    toolbox, _ = make_toolbox(root)
    answer = toolbox.start_answer()
    pending = answer.run("run_command", {"command": "touch made.txt"}, call_id="c9")
    assert pending.pending and pending.decision is Decision.ASK
    assert not (root / "made.txt").exists()
    declined = answer.decline(pending, "not now")
    assert declined.content == "The user declined this run_command call; nothing was done. Reason: not now"
    assert not (root / "made.txt").exists()

    again = answer.run("run_command", {"command": "touch made.txt && echo done"})
    assert again.pending  # "echo" is allowed, "touch" is not: the whole is asked
    final = answer.approve(again)
    assert final.ok and final.content.endswith("\ndone") and (root / "made.txt").exists()

    toolbox.policy.commands.allow_for_session("touch*")
    assert answer.run("run_command", {"command": "touch other.txt"}).decision is Decision.RUN
    assert (root / "other.txt").exists()


def test_never_offered_or_run_under_tools_read(root: Path) -> None:
    toolbox, tool = make_toolbox(root, tools="read")
    assert "run_command" not in [s.name for s in toolbox.offered()]
    result = toolbox.start_answer().run("run_command", {"command": "echo hi"})
    assert result.decision is Decision.DENY and "not offered (tools: read)" in result.content
    assert tool.running == []


def test_run_command_is_offered_once_installed(root: Path) -> None:
    toolbox = Toolbox(root, policy=ApprovalPolicy(tools="edit"))
    assert "run_command" not in [s.name for s in toolbox.offered()]
    CommandTool.install(toolbox)
    entry = [t for t in toolbox.openai_tools() if t["function"]["name"] == "run_command"]
    assert entry and entry[0]["function"]["parameters"]["required"] == ["command"]


def test_a_missing_shell_falls_back_to_sh(root: Path) -> None:
    _, tool = make_toolbox(root, base_env={**os.environ, "SHELL": "/nonexistent/shell"})
    outcome = asyncio.run(tool.run("echo $0", timeout_s=5))
    assert outcome.output == "/bin/sh"


def test_a_command_killed_by_a_signal_says_so(root: Path) -> None:
    _, tool = make_toolbox(root)
    outcome = asyncio.run(tool.run("echo bye; kill -TERM $$", timeout_s=5))
    assert (outcome.status, outcome.exit_code) == ("exited", -15)
    assert outcome_text(outcome).startswith("The command was killed by signal SIGTERM after ")


def test_a_known_key_printed_by_a_command_is_redacted(root: Path) -> None:
    from qwen_tui.redact import register_secret

    register_secret("qt-registered-secret-0042")
    (root / "leak.txt").write_text("token=qt-registered-secret-0042\n")
    chunks: list[str] = []
    _, tool = make_toolbox(root)
    outcome = asyncio.run(tool.run("cat leak.txt", timeout_s=5, on_output=chunks.append))
    assert outcome.output == "token=[redacted]" and "".join(chunks) == "token=[redacted]\n"
