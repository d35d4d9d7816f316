"""The simulator's scripted tool calls: raw wire shapes in both dialects, the script knob, and the
official ``openai`` and ``ollama`` clients reading the calls and sending results back."""

from __future__ import annotations

import json

import httpx
import ollama
import pytest

from qwen_tui.sim import DEFAULT_REPLY, SimError, Simulator

from .conftest import MESSAGES
from .helpers import chat_request, stream_raw
from .test_official_clients import IDS, TARGETS, Target, _client

TOOLS = [
    {"type": "function", "function": {"name": "read_file", "description": "Read a file.", "parameters": {
        "type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}},
    {"type": "function", "function": {"name": "search", "description": "Search.", "parameters": {
        "type": "object", "properties": {"pattern": {"type": "string"}}, "required": ["pattern"]}}},
]
ARGS = {"path": 'src/ä "q".py'}
PATTERN = {"pattern": "a\\b\n"}
TWO_CALLS = {"text": "Reading.", "tool_calls": [
    {"name": "read_file", "arguments": ARGS, "id": "call_r"}, {"name": "search", "arguments": PATTERN, "id": "call_s"}]}


def tool_deltas(chunks: list[dict]) -> list[dict]:
    return [d for c in chunks if c.get("choices") for d in c["choices"][0]["delta"].get("tool_calls") or []]


def test_openai_wire_streams_fragments_one_read_each(sim: Simulator) -> None:
    sim.set_knobs(provider="openai", tps=200.0, chunk_chars=4, script=[TWO_CALLS])
    raw = stream_raw(sim, "openai", tools=TOOLS)
    chunks = raw.sse_json()
    deltas = tool_deltas(chunks)
    firsts = [d for d in deltas if "id" in d]
    assert firsts == [
        {"index": 0, "id": "call_r", "type": "function", "function": {"name": "read_file", "arguments": ""}},
        {"index": 1, "id": "call_s", "type": "function", "function": {"name": "search", "arguments": ""}}]
    rest = [d for d in deltas if "id" not in d]
    assert all(set(d) == {"index", "function"} and set(d["function"]) == {"arguments"} for d in rest)
    joined = {i: "".join(d["function"]["arguments"] for d in rest if d["index"] == i) for i in (0, 1)}
    assert json.loads(joined[0]) == ARGS and json.loads(joined[1]) == PATTERN
    assert max(len(d["function"]["arguments"]) for d in rest) == 4
    finish = [c["choices"][0]["finish_reason"] for c in chunks if c.get("choices") and c["choices"][0]["finish_reason"]]
    assert finish == ["tool_calls"]
    assert raw.sse_data()[-1] == "[DONE]"
    assert chunks[-1]["usage"]["completion_tokens"] == len(deltas) + 2  # "Reading." in 4-char tokens
    assert len(raw.reads) >= len(deltas)  # paced: every fragment came in its own read


def test_fragments_cut_where_the_script_says(sim: Simulator) -> None:
    text = json.dumps(ARGS, ensure_ascii=False)
    cuts = [text.index("ä") + 1, text.index("\\") + 1]
    sim.set_knobs(provider="openai", script=[{"tool_calls": [{"name": "read_file", "arguments": ARGS, "cuts": cuts}]}])
    pieces = [d["function"]["arguments"] for d in tool_deltas(stream_raw(sim, "openai", tools=TOOLS).sse_json())][1:]
    assert pieces == [text[: cuts[0]], text[cuts[0]: cuts[1]], text[cuts[1]:]]
    assert pieces[1].endswith("\\") and pieces[2].startswith('"')  # the escape is cut in two


def test_ollama_wire_sends_whole_calls_without_ids(sim: Simulator) -> None:
    sim.set_knobs(provider="ollama", script=[TWO_CALLS])
    lines = stream_raw(sim, "ollama", tools=TOOLS).ndjson()
    with_calls = [line for line in lines if line.get("message", {}).get("tool_calls")]
    assert len(with_calls) == 1 and with_calls[0]["done"] is False
    assert with_calls[0]["message"]["tool_calls"] == [
        {"function": {"name": "read_file", "arguments": ARGS}}, {"function": {"name": "search", "arguments": PATTERN}}]
    assert "".join(line["message"]["content"] for line in lines) == "Reading."
    assert lines[-1]["done"] is True and lines[-1]["done_reason"] == "stop"


def test_ollama_separate_calls_come_one_chunk_each(sim: Simulator) -> None:
    sim.set_knobs(provider="ollama", script=[{**TWO_CALLS, "separate": True}])
    lines = stream_raw(sim, "ollama", tools=TOOLS).ndjson()
    assert [len(line["message"]["tool_calls"]) for line in lines if line["message"].get("tool_calls")] == [1, 1]


def test_the_script_advances_per_request_then_the_reply_answers(sim: Simulator) -> None:
    sim.set_knobs(provider="openai", script=["first", {"text": "second"}])
    assert [stream_raw(sim, "openai").content() for _ in range(3)] == ["first", "second", DEFAULT_REPLY]
    sim.set_knobs(provider="openai", script=["again"])  # a new script starts from its first step
    assert stream_raw(sim, "openai").content() == "again"
    assert stream_raw(sim, "huggingface").content() == DEFAULT_REPLY  # other providers: their own knobs


@pytest.mark.parametrize("script", [
    "not a list", [{"tool_calls": [{"arguments": {}}]}], [{"txt": "typo"}], [{}],
    [{"tool_calls": [{"name": "x", "arguments": 5}]}], [{"tool_calls": [{"name": "x", "cuts": "3"}]}]])
def test_bad_scripts_are_refused_with_a_reason(sim: Simulator, script) -> None:
    with pytest.raises(SimError):
        sim.set_knobs(script=script)


def test_the_control_api_takes_a_script(sim: Simulator) -> None:
    with httpx.Client() as client:
        ok = client.post(f"{sim.url}/_sim/knobs",
                         json={"provider": "ollama", "script": [TWO_CALLS], "refuse_tools": False})
        assert ok.status_code == 200 and ok.json()["ollama"]["script"] == [TWO_CALLS]
        bad = client.post(f"{sim.url}/_sim/knobs", json={"script": [{"tool_calls": "x"}]})
        assert bad.status_code == 400 and "tool_calls" in bad.json()["error"]


@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_refuse_tools_is_a_400_naming_them(sim: Simulator, provider: str) -> None:
    sim.set_knobs(provider=provider, refuse_tools=True)
    raw = stream_raw(sim, provider, tools=TOOLS)
    assert raw.status == 400 and "tool" in raw.data.decode()
    assert stream_raw(sim, provider).status == 200  # without tools it answers


def test_tool_messages_are_checked_as_openai_does(sim: Simulator) -> None:
    url, headers, body = chat_request(sim, "openai")
    assistant = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": "{}"}}]}
    cases = {
        "unanswered": [*MESSAGES, assistant, {"role": "user", "content": "?"}],
        "wrong id": [*MESSAGES, assistant, {"role": "tool", "tool_call_id": "c2", "content": "x"}],
        "object arguments": [*MESSAGES, {**assistant, "tool_calls": [
                                 {**assistant["tool_calls"][0], "function": {"name": "read_file", "arguments": {}}}]},
                             {"role": "tool", "tool_call_id": "c1", "content": "x"}],
    }
    with httpx.Client() as client:
        for name, messages in cases.items():
            resp = client.post(url, headers=headers, json={**body, "messages": messages})
            assert resp.status_code == 400, name
            assert resp.json()["error"]["message"], name
        good = client.post(url, headers=headers, json={**body, "messages": [
            *MESSAGES, assistant, {"role": "tool", "tool_call_id": "c1", "content": "x"}]})
        assert good.status_code == 200


def test_ollama_wants_arguments_as_an_object(sim: Simulator) -> None:
    url, headers, body = chat_request(sim, "ollama")
    messages = [*MESSAGES, {"role": "assistant", "content": "", "tool_calls": [
        {"function": {"name": "read_file", "arguments": '{"path": "a"}'}}]}]
    with httpx.Client() as client:
        resp = client.post(url, json={**body, "messages": messages})
    assert resp.status_code == 400 and "unmarshal" in resp.json()["error"]


# ---- the official clients ------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_openai_sdk_assembles_the_calls_and_sends_results_back(sim: Simulator, target: Target) -> None:
    sim.set_knobs(provider=target.provider, chunk_chars=3, script=[TWO_CALLS, "All read."])
    with _client(sim, target) as client:
        with client.chat.completions.stream(model=target.model, messages=MESSAGES, tools=TOOLS) as stream:
            final = stream.get_final_completion()
        choice = final.choices[0]
        assert choice.finish_reason == "tool_calls"
        assert choice.message.content == "Reading."
        calls = choice.message.tool_calls
        assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
            ("call_r", "read_file", ARGS), ("call_s", "search", PATTERN)]
        history = [*MESSAGES, choice.message.model_dump(exclude_none=True, include={"role", "content", "tool_calls"}),
                   *[{"role": "tool", "tool_call_id": c.id, "content": f"result {c.id}"} for c in calls]]
        answer = client.chat.completions.create(model=target.model, messages=history, tools=TOOLS)
    assert answer.choices[0].message.content == "All read."
    sent = sim.last_chat(target.provider).body["messages"]
    assert sent[-2:] == [{"role": "tool", "tool_call_id": "call_r", "content": "result call_r"},
                         {"role": "tool", "tool_call_id": "call_s", "content": "result call_s"}]


def test_openai_sdk_non_streaming_tool_calls(sim: Simulator) -> None:
    sim.set_knobs(provider="openai", script=[TWO_CALLS])
    target = Target("openai", "sim-openai-model")
    with _client(sim, target) as client:
        answer = client.chat.completions.create(model=target.model, messages=MESSAGES, tools=TOOLS)
    message = answer.choices[0].message
    assert answer.choices[0].finish_reason == "tool_calls"
    assert [json.loads(c.function.arguments) for c in message.tool_calls] == [ARGS, PATTERN]


def test_openai_sdk_reads_a_broken_arguments_string_as_sent(sim: Simulator) -> None:
    sim.set_knobs(provider="openai", chunk_chars=2,
                  script=[{"tool_calls": [{"name": "read_file", "arguments": '{"path": '}]}])
    target = Target("openai", "sim-openai-model")
    with _client(sim, target) as client:
        chunks = list(client.chat.completions.create(model=target.model, messages=MESSAGES, tools=TOOLS, stream=True))
    pieces = [t.function.arguments or "" for c in chunks if c.choices for t in c.choices[0].delta.tool_calls or []]
    assert "".join(pieces) == '{"path": '


@pytest.mark.parametrize("stream", [True, False])
def test_ollama_client_reads_whole_calls_and_sends_results_back(sim: Simulator, stream: bool) -> None:
    sim.set_knobs(provider="ollama", script=[TWO_CALLS, "All read."])
    client = ollama.Client(host=sim.base_urls()["ollama"])
    if stream:
        parts = list(client.chat(model="qwen2.5-coder:7b", messages=MESSAGES, tools=TOOLS, stream=True))
        calls = [t for p in parts for t in p.message.tool_calls or []]
        content = "".join(p.message.content or "" for p in parts)
        assert parts[-1].done_reason == "stop"
    else:
        reply = client.chat(model="qwen2.5-coder:7b", messages=MESSAGES, tools=TOOLS)
        calls, content = list(reply.message.tool_calls or []), reply.message.content
    assert content == "Reading."
    assert [(c.function.name, dict(c.function.arguments)) for c in calls] == [("read_file", ARGS), ("search", PATTERN)]
    history = [*MESSAGES, {"role": "assistant", "content": content, "tool_calls": calls},
               *[{"role": "tool", "tool_name": c.function.name, "content": f"result {c.function.name}"} for c in calls]]
    answer = client.chat(model="qwen2.5-coder:7b", messages=history, tools=TOOLS)
    assert answer.message.content == "All read."
    sent = sim.last_chat("ollama").body["messages"]
    assert sent[-3]["tool_calls"][0]["function"] == {"name": "read_file", "arguments": ARGS}
    assert sent[-2:] == [{"role": "tool", "tool_name": "read_file", "content": "result read_file"},
                         {"role": "tool", "tool_name": "search", "content": "result search"}]
