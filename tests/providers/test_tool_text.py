"""Tool calls written as text: each form recognised, whole or fed in any pieces, and ordinary text
(code, JSON shown as an example, a stray ``<``) passed through untouched."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qwen_tui.providers.tool_text import TextCallScanner, ToolIndex, split_text_calls, strip_text_calls
from qwen_tui.tools.specs import BUILTIN_SPECS, openai_tools

TOOLS = openai_tools(BUILTIN_SPECS)

HERMES = ('I will read it.\n<tool_call>\n'
          '{"name": "read_file", "arguments": {"path": "src/a.py", "limit": 20}}\n</tool_call>')
QWEN3_CODER = (
    "<tool_call>\n<function=edit_file>\n<parameter=path>\nsrc/a.py\n</parameter>\n"
    "<parameter=old_string>\n    return 1\n</parameter>\n<parameter=new_string>\n    return 2\n</parameter>\n"
    "<parameter=replace_all>\nfalse\n</parameter>\n</function>\n</tool_call>"
)
BARE = '{"name": "search", "arguments": {"pattern": "def main"}}'
FENCED = 'Searching.\n```json\n{"name": "list_files", "arguments": {"pattern": "*.py"}}\n```\n'


def fed(text: str, pieces: list[int]) -> tuple[str, list]:
    """``text`` through a scanner, cut at ``pieces`` (offsets)."""
    scanner = TextCallScanner(TOOLS)
    shown, calls = [], []
    bounds = [0, *sorted(set(p for p in pieces if 0 < p < len(text))), len(text)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        out, found = scanner.feed(text[a:b])
        shown.append(out)
        calls.extend(found)
    out, found = scanner.flush()
    return "".join(shown) + out, [*calls, *found]


def test_hermes_call_is_a_call_and_leaves_the_text_before_it() -> None:
    shown, calls = split_text_calls(HERMES, TOOLS)
    assert shown == "I will read it.\n"
    assert len(calls) == 1
    call = calls[0]
    assert (call.name, call.arguments, call.error, call.from_text) == (
        "read_file", {"path": "src/a.py", "limit": 20}, None, True)
    assert json.loads(call.raw_arguments) == call.arguments
    assert call.id.startswith("call_")


def test_qwen3_coder_form_types_values_by_the_schema() -> None:
    shown, calls = split_text_calls(QWEN3_CODER, TOOLS)
    assert shown == ""
    assert [c.name for c in calls] == ["edit_file"]
    assert calls[0].arguments == {"path": "src/a.py", "old_string": "    return 1", "new_string": "    return 2",
                                  "replace_all": False}


def test_qwen3_coder_without_the_tool_call_wrapper() -> None:
    text = ("Reading.\n<function=read_file>\n<parameter=path>\nREADME.md\n</parameter>\n"
            "<parameter=offset>\n5\n</parameter>\n</function>\nok")
    shown, calls = split_text_calls(text, TOOLS)
    assert shown == "Reading.\n\nok"
    assert calls[0].arguments == {"path": "README.md", "offset": 5}


def test_a_string_parameter_that_looks_like_a_number_stays_a_string() -> None:
    _, calls = split_text_calls("<function=search><parameter=pattern>42</parameter></function>", TOOLS)
    assert calls[0].arguments == {"pattern": "42"}


def test_bare_object_opening_the_answer_is_a_call() -> None:
    shown, calls = split_text_calls(BARE, TOOLS)
    assert shown == ""
    assert (calls[0].name, calls[0].arguments) == ("search", {"pattern": "def main"})


def test_fenced_json_call_after_text() -> None:
    shown, calls = split_text_calls(FENCED, TOOLS)
    assert shown == "Searching.\n\n"
    assert (calls[0].name, calls[0].arguments) == ("list_files", {"pattern": "*.py"})


def test_parameters_key_and_string_arguments_are_accepted() -> None:
    _, calls = split_text_calls('{"name": "read_file", "parameters": {"path": "a"}}', TOOLS)
    assert calls[0].arguments == {"path": "a"}
    _, calls = split_text_calls(
        '<tool_call>{"name": "read_file", "arguments": "{\\"path\\": \\"b\\"}"}</tool_call>', TOOLS)
    assert calls[0].arguments == {"path": "b"}


@pytest.mark.parametrize("text", [
    '{"name": "not_a_tool", "arguments": {}}',  # names no offered tool
    '{"name": "search", "arguments": {"pattern": "x"}, "extra": 1}',  # other keys: just JSON
    '{"a": 1}',
    'Here is the config:\n```json\n{"name": "my-package", "version": "1.0"}\n```\n',
    "```python\ndef f(x):\n    return {x: 1}\n```\n",
    "Use a <b>bold</b> tag, or x < y, and `code`.",
    "",
    "   \n",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    shown, calls = split_text_calls(text, TOOLS)
    assert calls == []
    assert shown == text
    assert strip_text_calls(text, TOOLS) == text


def test_broken_json_in_a_tag_is_a_call_with_an_error_not_text() -> None:
    shown, calls = split_text_calls('<tool_call>{"name": "read_file", "arguments": {"path": "a.py"</tool_call>', TOOLS)
    assert shown == ""
    assert calls[0].name == "read_file"
    assert calls[0].arguments == {}
    assert "not valid JSON" in calls[0].error
    assert calls[0].raw_arguments.startswith('{"name": "read_file"')


def test_a_tag_with_no_name_is_a_call_the_loop_can_answer_with_an_error() -> None:
    _, calls = split_text_calls("<tool_call>[1, 2]</tool_call>", TOOLS)
    assert calls[0].name == "" and calls[0].error


def test_several_calls_numbered_in_order() -> None:
    text = HERMES + "\n" + QWEN3_CODER + '\n<tool_call>{"name": "search", "arguments": {"pattern": "x"}}</tool_call>'
    _, calls = split_text_calls(text, TOOLS)
    assert [c.name for c in calls] == ["read_file", "edit_file", "search"]
    assert [c.index for c in calls] == [0, 1, 2]
    assert len({c.id for c in calls}) == 3


def test_unclosed_tool_call_at_the_end_is_read_if_whole() -> None:
    shown, calls = split_text_calls('<tool_call>\n{"name": "read_file", "arguments": {"path": "a"}}', TOOLS)
    assert shown == "" and calls[0].arguments == {"path": "a"}


def test_unclosed_broken_tag_at_the_end_is_shown() -> None:
    text = "Look: <tool_call> is how hermes models call"
    assert split_text_calls(text, TOOLS) == (text, [])


def test_a_bare_object_later_in_the_answer_is_text() -> None:
    text = 'Call it like this: {"name": "search", "arguments": {"pattern": "x"}}'
    assert split_text_calls(text, TOOLS) == (text, [])


def test_strip_text_calls_for_the_shown_text() -> None:
    assert strip_text_calls(HERMES, TOOLS) == "I will read it.\n"
    assert strip_text_calls("a <function=x></function> b") == "a  b"


def test_tool_index_reads_names_and_types() -> None:
    index = ToolIndex([*TOOLS, "mcp__fs__read"])
    assert {"read_file", "edit_file", "mcp__fs__read"} <= index.names
    assert index.types["read_file"]["offset"] == "integer"


def test_the_hot_path_passes_plain_chunks_through_unchanged() -> None:
    scanner = TextCallScanner(TOOLS)
    scanner.feed("Hello")
    for piece in ("plain ", "text ", "with {braces} ", "and (parens)"):
        shown, calls = scanner.feed(piece)
        assert shown is piece and calls == ()


def test_a_possible_opener_cut_at_the_chunk_end_is_held_then_released() -> None:
    scanner = TextCallScanner(TOOLS)
    assert scanner.feed("Hi <tool") == ("Hi ", ())
    shown, calls = scanner.feed("box> done")
    assert shown == "<toolbox> done" and calls == ()


@pytest.mark.parametrize("text", [HERMES, QWEN3_CODER, BARE, FENCED, "x < y and `z` then " + HERMES + " after"])
def test_one_character_at_a_time_gives_the_same_result(text: str) -> None:
    whole_text, whole_calls = split_text_calls(text, TOOLS)
    shown, calls = fed(text, list(range(len(text))))
    assert shown == whole_text
    assert [(c.name, c.arguments) for c in calls] == [(c.name, c.arguments) for c in whole_calls]


@settings(max_examples=150, deadline=None)
@given(
    before=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=12),
    form=st.sampled_from([HERMES, QWEN3_CODER, FENCED]),
)
def test_any_cutting_of_text_and_a_call_keeps_both(before: str, cuts: list[int], form: str) -> None:
    """Whatever the text before the call and however the stream is cut, the call is found once
    and the text outside it is shown exactly (a stray opener in ``before`` may swallow the call
    into text, never into a wrong call)."""
    text = before + "\n" + form
    whole_text, whole_calls = split_text_calls(text, TOOLS)
    shown, calls = fed(text, cuts)
    assert shown == whole_text
    assert [(c.name, c.arguments) for c in calls] == [(c.name, c.arguments) for c in whole_calls]
    if "<" not in before and "`" not in before and "{" not in before:
        assert len(calls) == 1
        assert form not in shown
