"""Tool calling per provider over real loopback sockets against the simulator: OpenAI-style
fragments cut inside strings and escapes and split across reads, parallel calls, Ollama's whole
calls, text-form calls, and the exact request bodies that carry the results back."""

from __future__ import annotations

import json
from contextlib import aclosing

import pytest

from qwen_tui.providers.base import (BadResponse, ChatRequest, Finished, Message, ProviderError, TextDelta, ToolCall,
                                     ToolCallStarted, ToolsUnsupported)
from qwen_tui.sim import Fault
from qwen_tui.tools.specs import BUILTIN_SPECS, openai_tools

from .conftest import PROVIDERS

OPENAI_STYLE = ("huggingface", "sambanova", "blaxel", "openai")
TOOLS = openai_tools(BUILTIN_SPECS)
QUESTION = Message("user", "Fix the greeting in src/ä.py")
WRITE_ARGS = {"path": "src/ä.py", "content": 'print("héllo 🚀")\n\tpath = "C:\\\\x"\n'}
SEARCH_ARGS = {"pattern": r"def \w+\(", "path": "src"}


@pytest.fixture
def scripted(sim):
    sim.reset()
    yield sim
    sim.reset()


async def collect(provider, request: ChatRequest):
    events = []
    async with aclosing(provider.stream(request)) as stream:
        async for event in stream:
            events.append(event)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    calls = [e for e in events if isinstance(e, ToolCall)]
    return text, calls, events


def escape_cuts(arguments: dict) -> list[int]:
    """Offsets in the arguments' JSON text right after every backslash (inside an escape) and in
    the middle of every string value."""
    text = json.dumps(arguments, ensure_ascii=False)
    cuts = [i + 1 for i, ch in enumerate(text) if ch == "\\"]
    for value in arguments.values():
        at = text.find(json.dumps(value, ensure_ascii=False)[1:-1])
        cuts.append(at + len(value) // 2)
    return cuts


@pytest.mark.parametrize("kind", OPENAI_STYLE)
async def test_fragmented_calls_across_reads(kind, make_provider, scripted) -> None:
    """Two calls, arguments cut inside strings and escapes, each fragment a separate event on the
    pacing schedule, every frame's bytes split over reads inside multi-byte characters."""
    scripted.set_knobs(provider=kind, tps=400.0, script=[{
        "text": "Let me fix it ✓.",
        "tool_calls": [
            {"name": "write_file", "arguments": WRITE_ARGS, "id": "call_w", "cuts": escape_cuts(WRITE_ARGS)},
            {"name": "search", "arguments": SEARCH_ARGS, "id": "call_s", "cuts": escape_cuts(SEARCH_ARGS)},
        ]}])
    scripted.push_fault(Fault(kind="split_utf8"), provider=kind)
    text, calls, events = await collect(make_provider(kind), ChatRequest([QUESTION], tools=TOOLS))
    assert text == "Let me fix it ✓."
    assert [(c.id, c.name, c.arguments, c.index, c.error) for c in calls] == [
        ("call_w", "write_file", WRITE_ARGS, 0, None), ("call_s", "search", SEARCH_ARGS, 1, None)]
    assert json.loads(calls[0].raw_arguments) == WRITE_ARGS
    assert [(e.index, e.name) for e in events if isinstance(e, ToolCallStarted)] == [(0, "write_file"), (1, "search")]
    final = events[-1]
    assert isinstance(final, Finished) and final.reason == "tool_calls"
    assert final.tool_calls == tuple(calls)
    kinds = [type(e).__name__ for e in events if isinstance(e, TextDelta | ToolCall | Finished)]
    assert kinds.index("ToolCall") > max(i for i, k in enumerate(kinds) if k == "TextDelta")  # text before calls
    body = scripted.last_chat(kind).body
    assert body["tools"] == TOOLS and body["tool_choice"] == "auto"
    assert final.timing.ttft_ms is not None


def results_history(calls: list[ToolCall]) -> list[Message]:
    return [QUESTION, Message("assistant", "Looking.", tool_calls=tuple(calls)),
            *[Message.tool_result(c, f"result of {c.name}") for c in calls]]


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_two_parallel_calls_and_the_results_sent_back(kind, make_provider, scripted) -> None:
    scripted.set_knobs(provider=kind, chunk_chars=2, script=[
        {"text": "Looking.", "tool_calls": [{"name": "read_file", "arguments": {"path": "a.py"}, "id": "call_1"},
                                            {"name": "read_file", "arguments": {"path": "b.py"}, "id": "call_2"}]},
        {"text": "Both files are fine."},
    ])
    provider = make_provider(kind)
    _, calls, events = await collect(provider, ChatRequest([QUESTION], tools=TOOLS))
    assert [(c.name, c.arguments) for c in calls] == [("read_file", {"path": "a.py"}), ("read_file", {"path": "b.py"})]
    assert len({c.id for c in calls}) == 2
    assert events[-1].reason == "tool_calls"
    text, more, events = await collect(provider, ChatRequest(results_history(calls), tools=TOOLS))
    assert text == "Both files are fine." and more == [] and events[-1].reason == "stop"
    body = scripted.last_chat(kind).body
    if kind == "ollama":
        assert body["messages"][1:] == [
            {"role": "assistant", "content": "Looking.", "tool_calls": [
                {"function": {"name": "read_file", "arguments": {"path": "a.py"}}},
                {"function": {"name": "read_file", "arguments": {"path": "b.py"}}}]},
            {"role": "tool", "tool_name": "read_file", "content": "result of read_file"},
            {"role": "tool", "tool_name": "read_file", "content": "result of read_file"},
        ]
        assert body["tools"] == TOOLS and "tool_choice" not in body
    else:
        assert [c.id for c in calls] == ["call_1", "call_2"]
        assert body["messages"][1:] == [
            {"role": "assistant", "content": "Looking.", "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "read_file", "arguments": '{"path": "a.py"}'}},
                {"id": "call_2", "type": "function",
                 "function": {"name": "read_file", "arguments": '{"path": "b.py"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "result of read_file"},
            {"role": "tool", "tool_call_id": "call_2", "content": "result of read_file"},
        ]
        assert body["tools"] == TOOLS and body["tool_choice"] == "auto"


@pytest.mark.parametrize("separate", [False, True])
async def test_ollama_whole_calls_get_ids_and_object_arguments(separate, make_provider, scripted) -> None:
    scripted.set_knobs(provider="ollama", script=[{"tool_calls": [
        {"name": "search", "arguments": SEARCH_ARGS}, {"name": "write_file", "arguments": WRITE_ARGS}],
        "separate": separate}])
    text, calls, events = await collect(make_provider("ollama"), ChatRequest([QUESTION], tools=TOOLS))
    assert text == ""
    assert [(c.name, c.arguments, c.index) for c in calls] == [
        ("search", SEARCH_ARGS, 0), ("write_file", WRITE_ARGS, 1)]
    assert all(c.id.startswith("call_") for c in calls) and calls[0].id != calls[1].id
    assert events[-1].reason == "tool_calls"  # Ollama itself said "stop"
    assert events[-1].tool_calls == tuple(calls)
    assert not any(isinstance(e, ToolCallStarted) for e in events)  # whole calls: nothing streams


HERMES = '<tool_call>\n{"name": "read_file", "arguments": {"path": "src/ä.py"}}\n</tool_call>'
QWEN3 = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/ä.py\n</parameter>\n</function>\n</tool_call>"
BARE = '{"name": "read_file", "arguments": {"path": "src/ä.py"}}'


@pytest.mark.parametrize("kind", PROVIDERS)
@pytest.mark.parametrize("form", [HERMES, QWEN3, BARE], ids=["hermes", "qwen3-coder", "bare-json"])
async def test_text_form_calls_are_calls_never_shown(kind, form, make_provider, scripted) -> None:
    before = "" if form is BARE else "I will read it.\n"
    scripted.set_knobs(provider=kind, chunk_chars=3, script=[{"text": before + form}, {"text": "It greets."}])
    provider = make_provider(kind)
    text, calls, events = await collect(provider, ChatRequest([QUESTION], tools=TOOLS))
    assert text == before
    assert not any("tool_call" in e.text or "{" in e.text or "<" in e.text for e in events if isinstance(e, TextDelta))
    assert [(c.name, c.arguments, c.from_text) for c in calls] == [("read_file", {"path": "src/ä.py"}, True)]
    assert events[-1].reason == "tool_calls"
    text, _, _ = await collect(provider, ChatRequest([QUESTION, Message("assistant", before, tool_calls=tuple(calls)),
                                                      Message.tool_result(calls[0], "1: print()")], tools=TOOLS))
    assert text == "It greets."


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_text_is_not_scanned_without_tools(kind, make_provider, scripted) -> None:
    scripted.set_knobs(provider=kind, script=[{"text": "Example: " + HERMES}])
    text, calls, events = await collect(make_provider(kind), ChatRequest([QUESTION]))
    assert text == "Example: " + HERMES and calls == [] and events[-1].reason == "stop"
    assert "tools" not in scripted.last_chat(kind).body


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_broken_arguments_are_a_call_with_an_error(kind, make_provider, scripted) -> None:
    scripted.set_knobs(provider=kind, script=[
        {"tool_calls": [{"name": "read_file", "arguments": '{"path": "a.py"', "id": "c1"}]},
                                         {"text": "Sorry."}])
    provider = make_provider(kind)
    _, calls, events = await collect(provider, ChatRequest([QUESTION], tools=TOOLS))
    [call] = calls
    assert call.name == "read_file" and call.arguments == {} and "not valid JSON" in call.error
    assert events[-1].reason == "tool_calls"
    history = [QUESTION, Message("assistant", "", tool_calls=(call,)),
               Message.tool_result(call, f"error: {call.error}")]
    text, _, _ = await collect(provider, ChatRequest(history, tools=TOOLS))  # the server takes the history
    assert text == "Sorry."
    sent = scripted.last_chat(kind).body["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert sent == ({} if kind == "ollama" else "{}")


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_a_provider_that_refuses_tools(kind, make_provider, scripted) -> None:
    scripted.set_knobs(provider=kind, refuse_tools=True)
    provider = make_provider(kind)
    with pytest.raises(ToolsUnsupported) as caught:
        await collect(provider, ChatRequest([QUESTION], tools=TOOLS))
    assert caught.value.status == 400 and caught.value.kind == "tools_unsupported"
    assert "tool" in caught.value.message and "SEARCH/REPLACE" in caught.value.fix
    text, _, _ = await collect(provider, ChatRequest([QUESTION]))  # without tools it answers
    assert text


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_other_400s_stay_what_they_were(kind, make_provider, scripted) -> None:
    scripted.push_fault(Fault(kind="status", status=400, message="the context is too long"), provider=kind)
    with pytest.raises(BadResponse) as caught:
        await collect(make_provider(kind), ChatRequest([QUESTION], tools=TOOLS))
    assert type(caught.value) is BadResponse


async def test_an_unanswered_call_is_refused_by_the_simulator_as_by_openai(make_provider, scripted) -> None:
    call = ToolCall("call_x", "read_file", {"path": "a"}, '{"path": "a"}')
    with pytest.raises(ProviderError) as caught:
        await collect(make_provider("openai"), ChatRequest([QUESTION, Message("assistant", "", tool_calls=(call,)),
                                                           Message("user", "and?")], tools=TOOLS))
    assert type(caught.value) is BadResponse and "call_x" in caught.value.message


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_plain_answer_with_tools_offered(kind, make_provider, scripted) -> None:
    scripted.set_knobs(provider=kind, chunk_chars=1, script=[{"text": "No tools needed: x < y, `z`, {a}."}])
    text, calls, events = await collect(make_provider(kind), ChatRequest([QUESTION], tools=TOOLS))
    assert text == "No tools needed: x < y, `z`, {a}." and calls == [] and events[-1].reason == "stop"


@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_calls_run_through_the_toolbox_and_errors_reach_the_model(kind, make_provider, scripted,
                                                                        tmp_path) -> None:
    """The contract the agent loop builds on: each ToolCall goes to ``Answer.run`` (its raw text
    when it could not be read), and each result goes back as ``Message.tool_result``."""
    from qwen_tui.tools.toolbox import Toolbox

    (tmp_path / "a.py").write_text("print('hi')\n")
    scripted.set_knobs(provider=kind, script=[
        {"text": "Reading.", "tool_calls": [{"name": "read_file", "arguments": {"path": "a.py"}},
                                            {"name": "read_file", "arguments": '{"path": '},
                                            {"name": "no_such_tool", "arguments": {}}]},
        {"text": "Done."}])
    provider = make_provider(kind)
    toolbox = Toolbox(tmp_path)
    answer = toolbox.start_answer()
    request = ChatRequest([QUESTION], tools=toolbox.openai_tools())
    text, calls, events = await collect(provider, request)
    results = [answer.run(c.name, c.raw_arguments if c.error else c.arguments, c.id) for c in calls]
    request.messages += [Message("assistant", text, tool_calls=events[-1].tool_calls),
                         *[Message.tool_result(c, r.content) for c, r in zip(calls, results, strict=True)]]
    text, _, _ = await collect(provider, request)
    assert text == "Done."
    sent = [m["content"] for m in scripted.last_chat(kind).body["messages"] if m["role"] == "tool"]
    assert "print('hi')" in sent[0]
    assert sent[1].startswith("Error: read_file: the arguments are not valid JSON")
    assert sent[2].startswith("Error: there is no tool 'no_such_tool'")
