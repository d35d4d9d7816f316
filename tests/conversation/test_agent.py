"""The agent loop end to end against the simulator, per dialect and for SEARCH/REPLACE: a
scripted model reads a file, edits it, and finishes; the file changes exactly; undo restores it
byte for byte. Approval, refusal with a reason, broken calls, the step limit, Escape."""

from __future__ import annotations

import asyncio

import pytest

from qwen_tui.conversation import Turn
from qwen_tui.conversation.agent import AgentSink, Approval, run_agent
from qwen_tui.providers.base import ChatRequest, Message
from qwen_tui.tools.checkpoints import CheckpointStore
from qwen_tui.tools.policy import ApprovalPolicy
from qwen_tui.tools.toolbox import Toolbox

ORIGINAL = b"def greet():\n    return 'helo'\n"
FIXED = b"def greet():\n    return 'hello'\n"
QUESTION = [Message("user", "fix the typo in app.py")]
READ_THEN_EDIT = [
    {"text": "Let me look.", "tool_calls": [{"name": "read_file", "arguments": {"path": "app.py"}}]},
    {"text": "Fixing it.", "tool_calls": [{"name": "edit_file", "arguments": {
        "path": "app.py", "old_string": "'helo'", "new_string": "'hello'"}}]},
    {"text": "Done: the typo is fixed."},
]


class Viewer(AgentSink):
    def __init__(self, answers: list[Approval] | None = None) -> None:
        self.text: list[str] = []
        self.events: list[str] = []
        self.answers = list(answers or [])
        self.asked: list[str] = []

    def on_text(self, text: str) -> None:
        self.text.append(text)

    def on_step(self, step, timing) -> None:
        self.events.append(f"step {step}")

    def on_tool_call(self, call) -> None:
        self.events.append(f"call {call.name}")

    def on_tool_result(self, step) -> None:
        self.events.append(f"result {step.call.name} {'ok' if step.result.ok else 'failed'}")

    def on_note(self, text: str) -> None:
        self.events.append(f"note {text}")

    def on_finish(self, answer) -> None:
        self.events.append("finish")

    def on_error(self, error, answer) -> None:
        self.events.append(f"error {error.message}")

    async def approve(self, result) -> Approval:
        self.asked.append(result.proposal.diff if result.proposal else result.name)
        return self.answers.pop(0) if self.answers else Approval(True)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_bytes(ORIGINAL)
    return root


def toolbox_for(root, tmp_path, **policy) -> Toolbox:
    return Toolbox(root, policy=ApprovalPolicy(**policy), checkpoints=CheckpointStore(root, tmp_path / "checkpoints"))


@pytest.mark.parametrize("kind", ["sambanova", "ollama"])
async def test_read_edit_finish_then_undo_restores_byte_for_byte(kind, make_provider, sim, project, tmp_path) -> None:
    sim.set_knobs(provider=kind, script=READ_THEN_EDIT)
    toolbox = toolbox_for(project, tmp_path)
    viewer = Viewer()
    turn = Turn("fix the typo", provider=kind)
    await run_agent(make_provider(kind), ChatRequest(list(QUESTION)), viewer, turn, toolbox.start_answer())
    assert (project / "app.py").read_bytes() == FIXED
    assert turn.outcome == "complete" and turn.text == "Let me look.\nFixing it.\nDone: the typo is fixed."
    assert viewer.events == ["call read_file", "result read_file ok", "step 2", "call edit_file",
                             "result edit_file ok", "step 3", "finish"]
    assert len(viewer.asked) == 1 and "-    return 'helo'" in viewer.asked[0]
    assert [s.call.name for s in turn.steps] == ["read_file", "edit_file"] and len(turn.step_timings) == 3
    # the results went back in the dialect's shape
    sent = sim.last_chat(kind).body["messages"]
    tools = [m for m in sent if m["role"] == "tool"]
    assert "'helo'" in tools[0]["content"] and len(tools) == 2
    assert toolbox.checkpoints.undo().restored == ["app.py"]
    assert (project / "app.py").read_bytes() == ORIGINAL


@pytest.mark.parametrize("kind", ["sambanova", "ollama"])
async def test_the_viewer_hears_of_a_call_while_it_streams_before_it_is_run(kind, make_provider, sim, project,
                                                                            tmp_path) -> None:
    """OpenAI-style calls are announced by their first fragment, Ollama's whole call as it comes:
    either way before the stream ends, so the screen can be held through the call's last bytes."""
    class Announced(Viewer):
        def on_call_started(self, name: str) -> None:
            self.events.append(f"started {name} after {''.join(self.text)!r}")

    sim.set_knobs(provider=kind, script=READ_THEN_EDIT[:1] + [{"text": "Read."}])
    viewer = Announced()
    await run_agent(make_provider(kind), ChatRequest(list(QUESTION)), viewer, Turn("read", provider=kind),
                    toolbox_for(project, tmp_path).start_answer())
    started = [e for e in viewer.events if e.startswith("started")]
    assert started and set(started) == {"started read_file after 'Let me look.'"}
    assert viewer.events.index(started[0]) < viewer.events.index("call read_file")


async def test_a_refused_edit_changes_nothing_and_the_model_reads_the_reason(make_provider, sim, project,
                                                                           tmp_path) -> None:
    sim.set_knobs(provider="sambanova", script=READ_THEN_EDIT)
    viewer = Viewer([Approval(False, "use double quotes")])
    turn = Turn("fix")
    await run_agent(make_provider("sambanova"), ChatRequest(list(QUESTION)), viewer, turn,
                    toolbox_for(project, tmp_path).start_answer())
    assert (project / "app.py").read_bytes() == ORIGINAL
    refusal = [m for m in sim.last_chat("sambanova").body["messages"] if m["role"] == "tool"][-1]["content"]
    assert "rejected" in refusal and "not changed" in refusal and "use double quotes" in refusal
    assert "result edit_file failed" in viewer.events


async def test_auto_approval_asks_nobody(make_provider, sim, project, tmp_path) -> None:
    sim.set_knobs(provider="ollama", script=READ_THEN_EDIT)
    viewer = Viewer()
    await run_agent(make_provider("ollama"), ChatRequest(list(QUESTION)), viewer, Turn("fix"),
                    toolbox_for(project, tmp_path, approve="auto").start_answer())
    assert (project / "app.py").read_bytes() == FIXED and viewer.asked == []


async def test_broken_arguments_and_unknown_tools_go_back_as_errors_and_the_loop_goes_on(
        make_provider, sim, project, tmp_path) -> None:
    sim.set_knobs(provider="sambanova", script=[
        {"tool_calls": [{"name": "read_file", "arguments": '{"path": '}, {"name": "rm_rf", "arguments": {}}]},
        {"text": "Sorry."}])
    viewer = Viewer()
    turn = Turn("q")
    await run_agent(make_provider("sambanova"), ChatRequest(list(QUESTION)), viewer, turn,
                    toolbox_for(project, tmp_path).start_answer())
    sent = [m["content"] for m in sim.last_chat("sambanova").body["messages"] if m["role"] == "tool"]
    assert sent[0].startswith("Error: read_file: the arguments are not valid JSON")
    assert sent[1].startswith("Error: there is no tool 'rm_rf'")
    assert turn.outcome == "complete" and turn.text == "Sorry."


async def test_the_step_limit_ends_the_answer_with_a_note(make_provider, sim, project, tmp_path) -> None:
    sim.set_knobs(provider="sambanova", script=[
        {"tool_calls": [{"name": "list_files", "arguments": {}}]}] * 5)
    viewer = Viewer()
    turn = Turn("q")
    await run_agent(make_provider("sambanova"), ChatRequest(list(QUESTION)), viewer, turn,
                    toolbox_for(project, tmp_path).start_answer(), max_steps=2)
    assert any(e.startswith("note Stopped after 2 tool steps") for e in viewer.events)
    assert turn.outcome == "max_steps" and len(turn.steps) == 2
    assert len([r for r in sim.requests if r.is_chat]) == 2  # the last step's calls ran; no request after them


async def test_a_provider_refusing_tools_falls_back_to_search_replace_blocks(make_provider, sim, project,
                                                                           tmp_path) -> None:
    block = "app.py\n```python\n<<<<<<< SEARCH\n    return 'helo'\n=======\n    return 'hello'\n>>>>>>> REPLACE\n```\n"
    sim.set_knobs(provider="sambanova", refuse_tools=True, reply=block)
    fell_back: list[bool] = []
    viewer = Viewer()
    turn = Turn("fix")
    await run_agent(make_provider("sambanova"), ChatRequest(list(QUESTION)), viewer, turn,
                    toolbox_for(project, tmp_path).start_answer(["app.py"]),  # in the context: seen
                    on_fallback=lambda: fell_back.append(True))
    assert fell_back == [True] and any("SEARCH/REPLACE" in e for e in viewer.events)
    assert (project / "app.py").read_bytes() == FIXED
    system = sim.last_chat("sambanova").body["messages"][0]
    assert system["role"] == "system" and "SEARCH" in system["content"]
    assert "tools" not in sim.last_chat("sambanova").body


async def test_escape_while_waiting_for_approval_keeps_everything_and_writes_nothing(
        make_provider, sim, project, tmp_path) -> None:
    sim.set_knobs(provider="sambanova", script=READ_THEN_EDIT)
    waiting = asyncio.Event()

    class Slow(Viewer):
        async def approve(self, result):
            waiting.set()
            await asyncio.sleep(30)

    viewer = Slow()
    turn = Turn("fix")
    task = asyncio.ensure_future(run_agent(make_provider("sambanova"), ChatRequest(list(QUESTION)), viewer, turn,
                                           toolbox_for(project, tmp_path).start_answer()))
    await asyncio.wait_for(waiting.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert turn.outcome == "cancelled" and turn.text == "Let me look.\nFixing it."
    assert [s.call.name for s in turn.steps] == ["read_file"]
    assert (project / "app.py").read_bytes() == ORIGINAL


async def test_every_step_is_saved_as_it_happens_and_exported(make_provider, sim, project, tmp_path) -> None:
    from qwen_tui.conversation import Conversation
    from qwen_tui.session import SessionStore, export_markdown

    sim.set_knobs(provider="sambanova", script=READ_THEN_EDIT)
    store = SessionStore(tmp_path / "sessions")
    conversation = Conversation(project, store)
    provider = make_provider("sambanova")
    turn = Turn("fix the typo", provider="sambanova", model=provider.settings.model)
    await conversation.answer(turn, provider, list(QUESTION), Viewer(),
                              tools=toolbox_for(project, tmp_path).start_answer())
    await conversation.saved()
    saved = store.load(conversation.session.id).turns[-1]
    assert saved.content == "Let me look.\nFixing it.\nDone: the typo is fixed." and saved.outcome == "complete"
    assert [(t["name"], t["ok"]) for t in saved.tools] == [("read_file", True), ("edit_file", True)]
    assert saved.tools[1]["arguments"]["path"] == "app.py" and "+    return 'hello'" in saved.tools[1]["diff"]
    exported = export_markdown(store.load(conversation.session.id))
    assert "`edit_file` changed app.py (+1 -1)" in exported and "+    return 'hello'" in exported
