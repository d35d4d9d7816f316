"""run_command in the TUI, against the simulator's scripted model: the approval keys, the output
streaming into its block, what the model is told, Escape ending the command's whole process group,
and escape sequences in the output shown neutralised."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from qwen_tui.tools.command_runner import group_alive
from qwen_tui.ui.screens.command_approval import CommandApproval
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.command_block import CommandBlock
from qwen_tui.ui.widgets.prompt import PromptInput
from tests.support.app import settle, until

SIZE = (120, 40)


def script(command: str) -> list[dict]:
    return [
        {"text": "Running it.", "tool_calls": [{"name": "run_command", "arguments": {"command": command}}]},
        {"text": "Done."},
    ]


def allowing(config, *patterns: str):
    tools = dataclasses.replace(config.tools, commands=dataclasses.replace(config.tools.commands, allow=patterns))
    return dataclasses.replace(config, tools=tools)


@pytest.fixture
def app_with(project, sim_config):
    from tests.support.app import make_app

    def factory(*allow: str):
        return make_app(project, allowing(sim_config, *allow), demo=True)

    return factory


def tool_messages(sim) -> list[str]:
    return [m["content"] for m in sim.last_chat("sambanova").body["messages"] if m["role"] == "tool"]


async def ask(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")


async def test_an_allowed_command_runs_unasked_its_output_streams_and_reaches_the_model(app_with, sim) -> None:
    sim.set_knobs(provider="sambanova", script=script("printf 'one\\ntwo\\n'; exit 3"))
    app = app_with("printf *", "exit *")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "run it")
        await settle(app)
        assert not isinstance(app.screen, CommandApproval)
        block = app.query_one(CommandBlock)
        assert list(block.lines) == ["one", "two"]
        assert block.ended is not None and "exit 3" in block.ended
        told = tool_messages(sim)[-1]
        assert told.startswith("Exit code: 3") and "one\ntwo" in told
        assert app.query_one(ChatView).last_answer.text.endswith("Done.")
        await pilot.press("shift+tab")  # the chat's turn: the block unfolds with Enter when focused
        block.focus()
        await pilot.press("enter")
        assert block.unfolded and "two" in str(block._output.render())


@pytest.mark.parametrize("key, runs, told", [
    ("y", True, "Exit code: 0"),
    ("n", False, "The user declined this run_command call"),
])
async def test_an_unlisted_command_waits_for_the_user(app_with, sim, key, runs, told) -> None:
    sim.set_knobs(provider="sambanova", script=script("echo approved-run"))
    app = app_with()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "run it")
        await until(pilot, lambda: isinstance(app.screen, CommandApproval))
        assert app.screen.command == "echo approved-run"
        await pilot.press(key)
        await settle(app)
        blocks = list(app.query(CommandBlock))
        assert bool(blocks) is runs
        if runs:
            assert list(blocks[0].lines) == ["approved-run"]
        assert told in tool_messages(sim)[-1]


async def test_refusing_with_a_reason_tells_the_model_why(app_with, sim) -> None:
    sim.set_knobs(provider="sambanova", script=script("make deploy"))
    app = app_with()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "deploy")
        await until(pilot, lambda: isinstance(app.screen, CommandApproval))
        await pilot.press("R")
        await pilot.press(*"not on a friday")
        await pilot.press("enter")
        await settle(app)
        assert not list(app.query(CommandBlock))
        assert "not on a friday" in tool_messages(sim)[-1]


async def test_always_allows_the_pattern_for_the_session(app_with, sim) -> None:
    sim.set_knobs(provider="sambanova", script=[*script("echo first")[:1], *script("echo second")])
    app = app_with()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "echo twice")
        await until(pilot, lambda: isinstance(app.screen, CommandApproval))
        await pilot.press("a")
        await settle(app)  # the second echo ran unasked
        assert [list(b.lines) for b in app.query(CommandBlock)] == [["first"], ["second"]]
        assert "echo*" in app.toolbox.policy.commands.session_allow


async def test_escape_ends_a_running_command_and_every_process_it_started(app_with, sim) -> None:
    sim.set_knobs(provider="sambanova", script=script("echo started; sleep 30 & sleep 30"))
    app = app_with("echo *", "sleep *")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "wait")
        await until(pilot, lambda: app.tools.commands is not None and app.tools.commands.running
                    and app.tools.commands.running[0].pid is not None)
        run = app.tools.commands.running[0]
        await until(pilot, lambda: list(app.query(CommandBlock)) and app.query_one(CommandBlock).lines)
        await pilot.press("escape")
        await settle(app)
        for _ in range(100):
            if not group_alive(run.pid):
                break
            await asyncio.sleep(0.05)
        assert not group_alive(run.pid), "a process of the command outlived Escape"
        assert run.outcome is not None and run.outcome.status == "stopped"


async def test_escape_sequences_in_the_output_are_shown_neutralised(app_with, sim) -> None:
    sim.set_knobs(provider="sambanova", script=script("printf '\\033[2J\\033]0;pwned\\007red\\n'"))
    app = app_with("printf *")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "colour")
        await settle(app)
        shown = "\n".join(app.query_one(CommandBlock).lines)
        assert "red" in shown and "\x1b" not in shown and "\x07" not in shown


async def test_slash_run_shows_the_output_and_sends_it_with_the_next_question(app_with, sim) -> None:
    app = app_with()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "/run printf 'hello from run\\n'")
        await until(pilot, lambda: list(app.query(CommandBlock)) and app.query_one(CommandBlock).ended)
        block = app.query_one(CommandBlock)
        assert list(block.lines) == ["hello from run"] and "exit 0" in block.ended
        assert sim.last_chat("sambanova") is None  # nothing went to the model yet
        assert app.query_one(PromptInput).text == ""
        await ask(pilot, "why does it say hello?")
        await settle(app)
        sent = sim.last_chat("sambanova").body["messages"][-1]["content"]
        assert sent.startswith("I ran `printf 'hello from run\\n'` in the project folder. Exit code: 0")
        assert "hello from run" in sent and sent.endswith("why does it say hello?")
        assert not app.user_runs.waiting  # sent once, not again


async def test_a_flood_of_output_is_capped_and_the_prompt_still_answers(app_with, sim) -> None:
    sim.set_knobs(provider="sambanova", script=script("seq 100000"))
    app = app_with("seq *")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "count")
        await until(pilot, lambda: list(app.query(CommandBlock)))
        prompt = app.query_one(PromptInput)
        prompt.focus()
        await pilot.press(*"typed")  # while the output pours in
        assert prompt.text == "typed"
        await settle(app)
        block = app.query_one(CommandBlock)
        assert block.total_lines == 100000 and len(block.lines) == 500 and block.lines[-1] == "100000"
        told = tool_messages(sim)[-1]
        assert "100,000 lines" in told and "left out" in told and len(told) < 60_000


async def test_help_and_the_approval_say_a_commands_changes_are_not_undone(app_with, sim) -> None:
    from qwen_tui.ui.screens.help import HelpScreen

    app = app_with()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "what a command changed (run_command, /run) is not in it" in shown
    sim.set_knobs(provider="sambanova", script=script("make"))
    app = app_with()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "build")
        await until(pilot, lambda: isinstance(app.screen, CommandApproval))
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "its changes to files are not undoable" in shown
        await pilot.press("n")
        await settle(app)
