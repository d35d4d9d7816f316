"""Tool calls written as text, because the server did not parse them into ``tool_calls``.

Three forms are recognised (providers.md, "Qwen quirks"):

- hermes: ``<tool_call>{"name": "read_file", "arguments": {...}}</tool_call>`` (Qwen2.5, Qwen3 on
  a server without a tool parser);
- Qwen3-Coder: ``<function=read_file><parameter=path>a.py</parameter></function>``, with or
  without a ``<tool_call>`` around it;
- a bare JSON object naming an offered tool, ``{"name": ..., "arguments": {...}}`` (or
  ``parameters``), at the start of the answer or in a ```json fence (Qwen2.5-Coder).

A tagged call is a call even when its JSON is broken (the model is told what was wrong); a bare
object is a call only when it names an offered tool and has no other keys, so an answer that
merely shows JSON is left alone. ``TextCallScanner`` does this while the answer streams, holding
back only text that may be a call, so a call is never shown as raw text; ``split_text_calls`` and
``strip_text_calls`` do it on a whole text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from qwen_tui.providers.base import ProviderError, ToolCall
from qwen_tui.providers.tool_calls import make_call

TOOL_CALL_OPEN, TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"
FUNCTION_OPEN, FUNCTION_CLOSE = "<function=", "</function>"
FENCE_OPEN, FENCE_CLOSE = "```json", "```"
_TRIGGERS = (TOOL_CALL_OPEN, FUNCTION_OPEN, FENCE_OPEN)
_NAME_IN_BROKEN_JSON = re.compile(r'"name"\s*:\s*"([^"\\]+)"')
_FUNCTION = re.compile(r"<function=([^>\n]*)>(.*?)(?:</function>|\Z)", re.S)
_PARAMETER = re.compile(r"<parameter=([^>\n]*)>(.*?)(?:</parameter>|(?=<parameter=)|\Z)", re.S)
_BARE_KEYS = frozenset({"name", "arguments", "parameters"})
_NO_CALLS: tuple[ToolCall, ...] = ()


class ToolIndex:
    """What the text forms need to know of the offered tools: names, and each parameter's JSON
    type (Qwen3-Coder writes every value as text; ``5`` for an integer is 5, for a string "5")."""

    __slots__ = ("names", "types")

    def __init__(self, tools: Iterable[dict[str, Any] | str] = ()) -> None:
        self.names: set[str] = set()
        self.types: dict[str, dict[str, str]] = {}
        for tool in tools:
            if isinstance(tool, str):
                self.names.add(tool)
                continue
            function = tool.get("function", tool) if isinstance(tool, dict) else None
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                continue
            self.names.add(function["name"])
            props = (function.get("parameters") or {}).get("properties") or {}
            self.types[function["name"]] = {k: str(v.get("type", "")) for k, v in props.items() if isinstance(v, dict)}


def _tool_index(tools: ToolIndex | Iterable[dict[str, Any] | str]) -> ToolIndex:
    return tools if isinstance(tools, ToolIndex) else ToolIndex(tools)


# ---- one block to calls ------------------------------------------------------------------------


def _trim_value(value: str) -> str:
    """A parameter value without the one newline the format puts on each side."""
    if value.startswith("\n"):
        value = value[1:]
    if value.endswith("\n"):
        value = value[:-1]
    return value


def function_calls(text: str, tools: ToolIndex, first_index: int = 0) -> list[ToolCall]:
    """Qwen3-Coder's ``<function=NAME><parameter=P>value</parameter></function>`` calls."""
    calls = []
    for match in _FUNCTION.finditer(text):
        name = match.group(1).strip()
        types = tools.types.get(name, {})
        arguments: dict[str, Any] = {}
        for param in _PARAMETER.finditer(match.group(2)):
            key, value = param.group(1).strip(), _trim_value(param.group(2))
            kind = types.get(key, "string")
            if kind != "string":
                try:
                    value = json.loads(value)
                except ValueError:
                    pass  # left as text; the argument check tells the model the type it needs
            arguments[key] = value
        calls.append(make_call(name, arguments, index=first_index + len(calls), from_text=True))
    return calls


def _call_from_object(obj: Any, index: int) -> ToolCall | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return None
    arguments = obj.get("arguments", obj.get("parameters"))
    return make_call(obj["name"], arguments if arguments is not None else {}, index=index, from_text=True)


def hermes_calls(body: str, tools: ToolIndex, first_index: int = 0) -> list[ToolCall]:
    """The call(s) inside one ``<tool_call>`` block. Always at least one: the tag says the model
    meant to call, so broken JSON becomes a call whose ``error`` says so."""
    body = body.strip()
    if FUNCTION_OPEN in body:
        found = function_calls(body, tools, first_index)
        if found:
            return found
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError) as exc:
        match = _NAME_IN_BROKEN_JSON.search(body)
        name = match.group(1) if match else ""
        error = (f"the tool call is not valid JSON ({exc}); "
                 f"write {TOOL_CALL_OPEN}{{\"name\": ..., \"arguments\": {{...}}}}{TOOL_CALL_CLOSE}")
        return [make_call(name, body, index=first_index, from_text=True, error=error)]
    objs = obj if isinstance(obj, list) else [obj]
    calls = [c for c in (_call_from_object(o, first_index + i) for i, o in enumerate(objs)) if c is not None]
    if calls:
        return calls
    error = 'the tool call must be a JSON object with "name" and "arguments"'
    return [make_call("", body, index=first_index, from_text=True, error=error)]


def bare_calls(text: str, tools: ToolIndex, first_index: int = 0) -> list[ToolCall]:
    """A JSON object (or a list of them) that names offered tools and has no other keys; else []."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return []
    objs = obj if isinstance(obj, list) else [obj]
    if not objs:
        return []
    for o in objs:
        if not (isinstance(o, dict) and o.get("name") in tools.names and set(o) <= _BARE_KEYS):
            return []
        if not isinstance(o.get("arguments", o.get("parameters", {})), dict | str):
            return []
    return [c for c in (_call_from_object(o, first_index + i) for i, o in enumerate(objs)) if c is not None]


# ---- streaming -----------------------------------------------------------------------------------


class TextCallScanner:
    """Feed an answer's text as it streams; get back the text to show and the calls completed.

    Text that may begin a call (``<tool_call>``, ``<function=``, a ```json fence, or a ``{``
    opening the answer) is held until it is whole, then either becomes calls or is shown after
    all. Everything else passes through at once: the common chunk costs two substring tests.
    """

    __slots__ = ("tools", "_held", "_mode", "_scan", "_depth", "_in_string", "_escape", "_started", "count")

    def __init__(self, tools: ToolIndex | Iterable[dict[str, Any] | str]) -> None:
        self.tools = _tool_index(tools)
        self._held = ""  # text not yet shown
        self._mode = ""  # "" (plain), or the opener of the block being held
        self._scan = 0  # where the search for the block's end resumes
        self._depth = 0  # brace depth of a bare object
        self._in_string = False
        self._escape = False
        self._started = False  # some non-blank text has been shown (a bare object must open the answer)
        self.count = 0  # calls found so far

    def feed(self, text: str) -> tuple[str, tuple[ToolCall, ...] | list[ToolCall]]:
        if not self._held and self._started and "<" not in text and "`" not in text:
            return text, _NO_CALLS  # the hot path
        self._held += text
        return self._drain(final=False)

    @property
    def held(self) -> str:
        """Text received but not yet shown (it may begin a call)."""
        return self._held

    def flush(self) -> tuple[str, tuple[ToolCall, ...] | list[ToolCall]]:
        """The end of the answer: an unclosed block is read as a call if it can be, else shown."""
        return self._drain(final=True)

    # -- internals -----------------------------------------------------------------------------
    def _drain(self, *, final: bool) -> tuple[str, tuple[ToolCall, ...] | list[ToolCall]]:
        shown: list[str] = []
        calls: list[ToolCall] = []
        while self._held:
            if not self._mode:
                start, opener = self._find_opener(final)
                if start < 0:  # nothing that may be a call: show all but a possible opener's prefix
                    keep = 0 if final else self._opener_prefix()
                    self._show(shown, self._held[: len(self._held) - keep])
                    self._held = self._held[len(self._held) - keep:]
                    break
                self._show(shown, self._held[:start])
                self._held = self._held[start:]
                self._mode, self._scan = opener, len(opener)
                self._depth, self._in_string, self._escape = 0, False, False
                if opener == "{":
                    self._scan = 0
            end = self._block_end()
            if end < 0 and not final:
                break
            block = self._held if end < 0 else self._held[:end]
            found = self._read_block(block, closed=end >= 0)
            if found:
                calls.extend(found)
                self.count += len(found)
                self._started = True
            else:
                self._show(shown, block)
            self._held = "" if end < 0 else self._held[end:]
            self._mode = ""
        return "".join(shown), calls or _NO_CALLS

    def _show(self, shown: list[str], text: str) -> None:
        if text:
            shown.append(text)
            if not self._started and text.strip():
                self._started = True

    def _find_opener(self, final: bool) -> tuple[int, str]:
        held = self._held
        if not self._started:
            stripped = held.lstrip()
            if stripped.startswith("{"):
                return len(held) - len(stripped), "{"
            if not stripped:
                return -1, ""
        best, opener = -1, ""
        for trigger in _TRIGGERS:
            at = held.find(trigger)
            if at >= 0 and (best < 0 or at < best):
                best, opener = at, trigger
        return best, opener

    def _opener_prefix(self) -> int:
        """How many trailing characters might be the start of an opener (``<tool``, ```` `` ````)."""
        held, n = self._held, len(self._held)
        if not self._started and not held.strip():
            return n  # only blanks so far: a bare object may still open the answer
        keep = 0
        for trigger in _TRIGGERS:
            for i in range(max(0, n - len(trigger) + 1), n):
                if trigger.startswith(held[i:]):
                    keep = max(keep, n - i)
                    break
        return keep

    def _block_end(self) -> int:
        """Where the held block ends (just past its closer), or -1 while it is still open."""
        held, mode = self._held, self._mode
        if mode == "{":
            return self._object_end()
        closer = {TOOL_CALL_OPEN: TOOL_CALL_CLOSE, FUNCTION_OPEN: FUNCTION_CLOSE, FENCE_OPEN: "\n" + FENCE_CLOSE}[mode]
        at = held.find(closer, max(len(mode), self._scan - len(closer)))
        if at < 0:
            self._scan = len(held)
            return -1
        end = at + len(closer)
        if mode == FUNCTION_OPEN and held.startswith(TOOL_CALL_CLOSE, end):  # a stray closer after it
            end += len(TOOL_CALL_CLOSE)
        return end

    def _object_end(self) -> int:
        """The end of a JSON value opening at the start of the held text: braces counted outside
        strings, escapes skipped; scanning resumes where it stopped, so the cost stays linear."""
        held = self._held
        i, depth, in_string, escape = self._scan, self._depth, self._in_string, self._escape
        n = len(held)
        while i < n:
            ch = held[i]
            i += 1
            if in_string:
                if escape:
                    escape = False
                elif ch == "\\":
                    escape = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "{" or ch == "[":
                depth += 1
            elif ch == "}" or ch == "]":
                depth -= 1
                if depth <= 0:
                    return i
        self._scan, self._depth, self._in_string, self._escape = i, depth, in_string, escape
        return -1

    def _read_block(self, block: str, *, closed: bool) -> list[ToolCall]:
        mode = self._mode
        if mode == TOOL_CALL_OPEN:
            body = block[len(TOOL_CALL_OPEN):]
            if closed:
                body = body[: -len(TOOL_CALL_CLOSE)]
            calls = hermes_calls(body, self.tools, self.count)
            if not closed and all(c.error for c in calls):
                return []  # cut off before it was whole: not a call after all, show it
            return calls
        if mode == FUNCTION_OPEN:
            calls = function_calls(block, self.tools, self.count)
            return calls if closed or calls else []
        if mode == FENCE_OPEN:
            inner = block[len(FENCE_OPEN):]
            if closed:
                inner = inner[: -len(FENCE_CLOSE)]
            return bare_calls(inner.strip(), self.tools, self.count)
        return bare_calls(block.strip(), self.tools, self.count) if closed else []


# ---- whole texts -----------------------------------------------------------------------------------


def split_text_calls(text: str, tools: ToolIndex | Iterable[dict[str, Any] | str]) -> tuple[str, list[ToolCall]]:
    """A whole answer's text without its text-form calls, and the calls, in order."""
    scanner = TextCallScanner(tools)
    shown, calls = scanner.feed(text)
    rest, more = scanner.flush()
    return shown + rest, [*calls, *more]


def strip_text_calls(text: str, tools: ToolIndex | Iterable[dict[str, Any] | str] = ()) -> str:
    """The text as it should be shown: text-form calls removed (a bare object only when it names
    one of ``tools``)."""
    return split_text_calls(text, tools)[0]


def keep_held(error: ProviderError, partial: list[str], scanner: TextCallScanner | None) -> None:
    """A stream that fails while the scanner holds text (it might have begun a call) keeps that
    text in the error's partial answer: what arrived is never lost."""
    if scanner is not None and scanner.held:
        error.partial_text = "".join(partial) + scanner.held
