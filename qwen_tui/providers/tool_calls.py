"""Native tool calls off the wire: OpenAI-style fragments joined by ``index``, arguments read.

OpenAI-style servers stream a call in pieces (``delta.tool_calls``): the first piece of each call
has its ``index``, ``id`` and name, the following ones only the index and a slice of the arguments'
JSON text, cut anywhere (inside a string, inside an escape). ``CallAssembler`` keeps the pieces and
hands back whole ``ToolCall``s once the answer says it is finished.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from qwen_tui.providers.base import ToolCall


def make_call_id() -> str:
    """An id for a call that came without one (Ollama, text-form calls)."""
    return f"call_{secrets.token_hex(6)}"


def read_arguments(raw: Any) -> tuple[dict[str, Any], str, str | None]:
    """A call's arguments as (object, JSON text, error). Never raises: a model's broken JSON is
    told back to it, not a crash. Empty arguments are an empty object (a call without any)."""
    if isinstance(raw, dict):
        return raw, json.dumps(raw, ensure_ascii=False), None
    if raw is None:
        return {}, "{}", None
    if not isinstance(raw, str):
        text = json.dumps(raw, ensure_ascii=False)
        return {}, text, f"the arguments must be a JSON object, not {type(raw).__name__}"
    if not raw.strip():
        return {}, raw, None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return {}, raw, f"the arguments are not valid JSON ({exc}); send one JSON object"
    if not isinstance(value, dict):
        return {}, raw, f"the arguments must be a JSON object, not {type(value).__name__}"
    return value, raw, None


def make_call(name: str, raw_arguments: Any, *, call_id: str | None = None, index: int = 0,
              from_text: bool = False, error: str | None = None) -> ToolCall:
    arguments, text, problem = read_arguments(raw_arguments)
    return ToolCall(call_id or make_call_id(), name, arguments, text, error or problem, index, from_text)


class _Pending:
    __slots__ = ("id", "name", "parts")

    def __init__(self, call_id: str) -> None:
        self.id = call_id
        self.name = ""
        self.parts: list[str] = []


class CallAssembler:
    """The ``delta.tool_calls`` fragments of one answer, joined into calls.

    Keyed by ``index``. A fragment with a new ``id`` at an index already in use starts another
    call (some servers number every call 0); a fragment with no index continues the last call.
    """

    __slots__ = ("_calls", "_by_index", "_last")

    def __init__(self) -> None:
        self._calls: list[_Pending] = []
        self._by_index: dict[Any, _Pending] = {}
        self._last: _Pending | None = None

    def __bool__(self) -> bool:
        return bool(self._calls)

    def feed(self, fragments: Any) -> list[tuple[int, str]]:
        """Take one chunk's ``delta.tool_calls``; return (position, name) of calls whose name
        arrived in it (for a "calling …" display)."""
        named: list[tuple[int, str]] = []
        if not isinstance(fragments, list):
            return named
        for fragment in fragments:
            if not isinstance(fragment, dict):
                continue
            index = fragment.get("index")
            call_id = fragment.get("id")
            call = self._by_index.get(index) if index is not None else self._last
            if call is None or (isinstance(call_id, str) and call_id and call.id and call_id != call.id):
                call = _Pending(call_id if isinstance(call_id, str) else "")
                self._calls.append(call)
                self._by_index[index if index is not None else len(self._calls) - 1] = call
            elif isinstance(call_id, str) and call_id and not call.id:
                call.id = call_id
            self._last = call
            function = fragment.get("function")
            if not isinstance(function, dict):
                continue
            name = function.get("name")
            if isinstance(name, str) and name and name != call.name:
                had = bool(call.name)
                call.name = call.name + name if had else name
                if not had:
                    named.append((self._calls.index(call), call.name))
            arguments = function.get("arguments")
            if isinstance(arguments, str):
                if arguments:
                    call.parts.append(arguments)
            elif isinstance(arguments, dict):  # a server that sends the object itself
                call.parts = [json.dumps(arguments, ensure_ascii=False)]
        return named

    def take(self, first_index: int = 0) -> list[ToolCall]:
        """The calls so far, whole, numbered from ``first_index``; the assembler starts empty again."""
        calls = [make_call(c.name, "".join(c.parts), call_id=c.id or None, index=first_index + i)
                 for i, c in enumerate(self._calls)]
        self._calls, self._by_index, self._last = [], {}, None
        return calls
