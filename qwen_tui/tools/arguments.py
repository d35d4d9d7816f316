"""Checking a tool call's arguments against its spec, with messages a model can act on.

The schemas here are flat (strings, whole numbers, numbers, booleans), so the check is small and
says exactly what was wrong: invalid JSON, a missing, unknown or wrongly typed argument.
"""

from __future__ import annotations

import json
from typing import Any

from qwen_tui.tools.errors import ToolError
from qwen_tui.tools.specs import ToolSpec

_TYPE_WORDS = {"string": "a string", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "an object", "array": "a list"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _matches(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return True


def parse_arguments(spec: ToolSpec, raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """The arguments as a dict, checked; ToolError saying what was wrong otherwise."""
    name = spec.name
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        args: Any = {}
    elif isinstance(raw, str):
        try:
            args = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ToolError(f"{name}: the arguments are not valid JSON ({exc}); send one JSON object") from None
    else:
        args = raw
    if not isinstance(args, dict):
        raise ToolError(f"{name}: the arguments must be a JSON object, got {_json_type(args)}")
    schema = spec.parameters or {}
    props: dict[str, Any] = schema.get("properties", {})
    problems: list[str] = []
    missing = [key for key in schema.get("required", []) if key not in args]
    if missing:
        problems.append("missing " + ", ".join(repr(k) for k in missing))
    if schema.get("additionalProperties") is False:
        extra = [key for key in args if key not in props]
        if extra:
            known = ", ".join(props) or "none"
            problems.append("unknown " + ", ".join(repr(k) for k in extra) + f" (it takes: {known})")
    clean: dict[str, Any] = {}
    for key, value in args.items():
        prop = props.get(key)
        if prop is None:
            continue
        kind = prop.get("type")
        if kind and not _matches(kind, value):
            problems.append(f"{key!r} must be {_TYPE_WORDS.get(kind, kind)}, got {_json_type(value)}")
            continue
        if kind == "integer" and isinstance(value, float):
            value = int(value)
        if "minimum" in prop and value < prop["minimum"]:
            problems.append(f"{key!r} must be at least {prop['minimum']}, got {value}")
            continue
        if "exclusiveMinimum" in prop and value <= prop["exclusiveMinimum"]:
            problems.append(f"{key!r} must be more than {prop['exclusiveMinimum']}, got {value}")
            continue
        clean[key] = value
    if problems:
        raise ToolError(f"{name}: " + "; ".join(problems))
    return clean
