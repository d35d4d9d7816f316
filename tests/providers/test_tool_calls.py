"""Native tool calls: fragments joined by index, arguments read without ever raising, and the
messages that carry calls and results in each dialect's exact shape."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from qwen_tui.providers.base import Message, ToolCall
from qwen_tui.providers.tool_calls import CallAssembler, make_call, read_arguments

ARGS = {"path": "src/ä.py", "content": 'say "hi"\n\tand \\ back \u2603 🚀'}


def fragments_of(text: str, cuts: list[int], index: int = 0, call_id: str = "call_1", name: str = "write_file"):
    points = sorted({c for c in cuts if 0 < c < len(text)})
    bounds = [0, *points, len(text)]
    first = [{"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]
    return [first] + [[{"index": index, "function": {"arguments": text[a:b]}}]
                      for a, b in zip(bounds, bounds[1:], strict=False)]


def test_fragments_cut_inside_every_escape_join_to_the_arguments() -> None:
    text = json.dumps(ARGS, ensure_ascii=False)
    cuts = [i + 1 for i, ch in enumerate(text) if ch == "\\"]  # between each backslash and what it escapes
    assert len(cuts) >= 4
    assembler = CallAssembler()
    named = []
    for chunk in fragments_of(text, cuts):
        named += assembler.feed(chunk)
    assert named == [(0, "write_file")]
    [call] = assembler.take()
    assert call == ToolCall("call_1", "write_file", ARGS, text, None, 0)
    assert not assembler and assembler.take() == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=200), max_size=30))
def test_any_cutting_of_two_interleaved_calls_gives_both(cuts: list[int]) -> None:
    one = json.dumps(ARGS, ensure_ascii=False)
    two = json.dumps({"pattern": r"def \w+\("})
    a, b = fragments_of(one, cuts, 0, "call_a", "write_file"), fragments_of(two, cuts, 1, "call_b", "search")
    assembler = CallAssembler()
    for i in range(max(len(a), len(b))):  # the calls' fragments alternate
        for frags in (a, b):
            if i < len(frags):
                assembler.feed(frags[i])
    calls = assembler.take()
    assert [(c.id, c.name, c.arguments, c.index) for c in calls] == [
        ("call_a", "write_file", ARGS, 0), ("call_b", "search", {"pattern": r"def \w+\("}, 1)]


def test_every_call_numbered_zero_but_with_new_ids_are_separate() -> None:
    assembler = CallAssembler()
    assembler.feed([{"index": 0, "id": "x", "function": {"name": "read_file", "arguments": '{"path": "a"}'}}])
    assembler.feed([{"index": 0, "id": "y", "function": {"name": "read_file", "arguments": '{"path": "b"}'}}])
    assert [c.arguments["path"] for c in assembler.take()] == ["a", "b"]


def test_fragments_without_index_or_id_continue_the_last_call() -> None:
    assembler = CallAssembler()
    assembler.feed([{"function": {"name": "search", "arguments": '{"pat'}}])
    assembler.feed([{"function": {"arguments": 'tern": "x"}'}}])
    [call] = assembler.take()
    assert call.arguments == {"pattern": "x"} and call.id.startswith("call_")  # one made up


def test_a_repeated_name_is_not_doubled_and_object_arguments_are_taken() -> None:
    assembler = CallAssembler()
    assembler.feed([{"index": 0, "id": "c", "function": {"name": "search"}}])
    assembler.feed([{"index": 0, "function": {"name": "search", "arguments": {"pattern": "x"}}}])
    [call] = assembler.take()
    assert call.name == "search" and call.arguments == {"pattern": "x"}


def test_junk_fragments_are_ignored() -> None:
    assembler = CallAssembler()
    assert assembler.feed("nope") == [] and assembler.feed([1, None, {"index": 0}]) == []
    [call] = assembler.take()
    assert call.name == "" and call.arguments == {} and call.error is None


def test_read_arguments_never_raises() -> None:
    assert read_arguments('{"a": 1}') == ({"a": 1}, '{"a": 1}', None)
    assert read_arguments("") == ({}, "", None)
    assert read_arguments(None) == ({}, "{}", None)
    assert read_arguments({"b": 2}) == ({"b": 2}, '{"b": 2}', None)
    args, raw, error = read_arguments('{"path": "a.py"')
    assert (args, raw) == ({}, '{"path": "a.py"') and "not valid JSON" in error
    assert "must be a JSON object" in read_arguments("[1]")[2]
    assert "must be a JSON object" in read_arguments(5)[2]
    assert "not valid JSON" in read_arguments("[" * 100_000)[2]


def test_messages_in_the_openai_shape() -> None:
    call = make_call("read_file", '{"path": "a.py"}', call_id="call_9")
    assert Message("user", "hi").to_wire() == {"role": "user", "content": "hi"}
    assert Message("assistant", "Reading.", tool_calls=(call,)).to_wire() == {
        "role": "assistant", "content": "Reading.",
        "tool_calls": [{"id": "call_9", "type": "function",
                        "function": {"name": "read_file", "arguments": '{"path": "a.py"}'}}]}
    assert Message.tool_result(call, "1: x").to_wire() == {"role": "tool", "tool_call_id": "call_9", "content": "1: x"}


def test_messages_in_the_ollama_shape() -> None:
    call = make_call("read_file", {"path": "a.py"})
    assert Message("assistant", "", tool_calls=(call,)).to_ollama() == {
        "role": "assistant", "content": "",
        "tool_calls": [{"function": {"name": "read_file", "arguments": {"path": "a.py"}}}]}
    assert Message.tool_result(call, "1: x").to_ollama() == {
        "role": "tool", "tool_name": "read_file", "content": "1: x"}
    assert Message("system", "s").to_ollama() == {"role": "system", "content": "s"}


def test_broken_arguments_go_back_as_an_empty_object() -> None:
    call = make_call("read_file", '{"path": ', call_id="c")
    assert call.error and call.raw_arguments == '{"path": '
    assert call.to_openai()["function"]["arguments"] == "{}"
    assert call.to_ollama()["function"]["arguments"] == {}
