"""Scripted answers with tool calls: the ``script`` knob, and the checks real servers make on the
tool messages a client sends back.

A script is a list of steps, one per chat request (the provider's requests advance it; past the
end, requests get the ``reply`` knob). A step is JSON, so the ``/_sim/knobs`` control API takes it::

    {"text": "I will read it."}                                  # a plain answer
    {"text": "optional text first",
     "tool_calls": [{"name": "read_file", "arguments": {"path": "a.py"},
                     "id": "call_1",            # optional (OpenAI-style ids; Ollama sends none)
                     "cuts": [3, 9]}],          # optional: where the arguments' text is cut
     "finish_reason": "tool_calls",             # optional override (OpenAI-style)
     "separate": false}                         # Ollama: each call in its own chunk

``arguments`` is an object (sent as its JSON text, or as the object on Ollama's native API) or a
string sent as it is, broken JSON included. Without ``cuts`` the text is cut every ``chunk_chars``
characters; each fragment is its own SSE event and its own token on the pacing schedule (with
``tps`` set, fragments arrive in separate reads). Text-form calls (``<tool_call>``...) are just
``text``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

STEP_KEYS = frozenset({"text", "tool_calls", "finish_reason", "separate"})
CALL_KEYS = frozenset({"name", "arguments", "id", "cuts"})


class ScriptError(ValueError):
    """A script step that cannot be played."""


@dataclass(frozen=True)
class ScriptCall:
    name: str
    arguments: Any  # dict or str
    id: str
    cuts: tuple[int, ...] | None = None

    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)

    def arguments_object(self) -> Any:
        """For Ollama's native API, which sends an object; a string that is not JSON goes as is."""
        if isinstance(self.arguments, str):
            try:
                return json.loads(self.arguments)
            except ValueError:
                return self.arguments
        return self.arguments

    def fragments(self, chunk_chars: int) -> list[str]:
        text = self.arguments_text()
        if self.cuts is not None:
            points = sorted({c for c in self.cuts if 0 < c < len(text)})
        else:
            points = list(range(chunk_chars, len(text), chunk_chars))
        bounds = [0, *points, len(text)]
        return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


@dataclass(frozen=True)
class ScriptStep:
    text: str
    calls: tuple[ScriptCall, ...]
    finish_reason: str | None
    separate: bool

    @classmethod
    def from_json(cls, data: Any, position: int) -> ScriptStep:
        if isinstance(data, str):
            data = {"text": data}
        if not isinstance(data, dict):
            raise ScriptError(f"script step {position} must be an object or a string")
        unknown = sorted(set(data) - STEP_KEYS)
        if unknown:
            raise ScriptError(f"script step {position}: unknown key(s) {unknown}; known: {sorted(STEP_KEYS)}")
        text = data.get("text", "")
        if not isinstance(text, str):
            raise ScriptError(f"script step {position}: 'text' must be a string")
        raw_calls = data.get("tool_calls", [])
        if not isinstance(raw_calls, list):
            raise ScriptError(f"script step {position}: 'tool_calls' must be a list")
        calls = []
        for number, call in enumerate(raw_calls):
            where = f"script step {position}, call {number}"
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                raise ScriptError(f"{where}: needs a 'name'")
            unknown = sorted(set(call) - CALL_KEYS)
            if unknown:
                raise ScriptError(f"{where}: unknown key(s) {unknown}; known: {sorted(CALL_KEYS)}")
            arguments = call.get("arguments", {})
            if not isinstance(arguments, dict | str):
                raise ScriptError(f"{where}: 'arguments' must be an object or a string")
            cuts = call.get("cuts")
            if cuts is not None and not (isinstance(cuts, list) and all(isinstance(c, int) for c in cuts)):
                raise ScriptError(f"{where}: 'cuts' must be a list of integers")
            call_id = call.get("id") or f"call_s{position}_{number}"
            calls.append(ScriptCall(call["name"], arguments, str(call_id), tuple(cuts) if cuts is not None else None))
        if not text and not calls:
            raise ScriptError(f"script step {position}: give 'text', 'tool_calls' or both")
        finish = data.get("finish_reason")
        if finish is not None and not isinstance(finish, str):
            raise ScriptError(f"script step {position}: 'finish_reason' must be a string")
        return cls(text, tuple(calls), finish, bool(data.get("separate", False)))


def parse_script(value: Any) -> list[ScriptStep]:
    if not isinstance(value, list):
        raise ScriptError("knob 'script' must be a list of steps (or null)")
    return [ScriptStep.from_json(step, i) for i, step in enumerate(value)]


# ---- what servers check in the history ---------------------------------------------------------


def history_problem(body: dict[str, Any], style: str) -> str | None:
    """Why a real server would refuse this request's tool messages, or None.

    OpenAI-style: an assistant message's ``tool_calls`` need ids, type ``function`` and arguments
    as a string, and each must be answered by a ``role: tool`` message with its ``tool_call_id``
    before the next message (the messages are the OpenAI API's own). Ollama's native API needs the
    arguments as an object (a string does not unmarshal into its Go type).
    """
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    if style == "ollama":
        return _ollama_problem(messages)
    pending: list[str] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str) or call_id not in pending:
                return ("Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                        f"message with 'tool_calls' (messages[{i}].tool_call_id = {call_id!r}).")
            pending.remove(call_id)
            continue
        if pending:
            return ("An assistant message with 'tool_calls' must be followed by tool messages responding to "
                    f"each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                    f"{', '.join(pending)}")
        calls = message.get("tool_calls")
        if role == "assistant" and calls:
            for j, call in enumerate(calls if isinstance(calls, list) else [calls]):
                where = f"messages[{i}].tool_calls[{j}]"
                if not isinstance(call, dict) or not isinstance(call.get("id"), str) or not call["id"]:
                    return f"Missing required parameter: '{where}.id'."
                if call.get("type") != "function":
                    return f"Invalid value for '{where}.type': expected 'function'."
                function = call.get("function")
                if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                    return f"Missing required parameter: '{where}.function.name'."
                if not isinstance(function.get("arguments"), str):
                    return f"Invalid type for '{where}.function.arguments': expected a string."
                pending.append(call["id"])
    return None


def _ollama_problem(messages: list[Any]) -> str | None:
    for message in messages:
        if not isinstance(message, dict):
            continue
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else []:
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict) or not isinstance(function.get("arguments", {}), dict):
                return ("json: cannot unmarshal string into Go struct field ToolCallFunction.messages.tool_calls."
                        "function.arguments of type api.ToolCallFunctionArguments")
    return None


def tools_refusal(style: str, model: str) -> str:
    """What a server without function calling says to a request with ``tools``."""
    if style == "ollama":
        return f"registry.ollama.ai/library/{model} does not support tools"
    return '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
