"""``mcp__<server>__<tool>``: the name a model sees for a server's tool.

The server's name in the prefix keeps two servers' ``search`` apart. Providers accept
``^[a-zA-Z0-9_-]{1,64}$`` (OpenAI's rule, the strictest in use), so other characters become ``_``
and a longer name is cut, with a short digest so that two long names stay different.
"""

from __future__ import annotations

import hashlib
import re

PREFIX = "mcp__"
MAX_NAME = 64
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]")


def clean(part: str) -> str:
    return _NOT_ALLOWED.sub("_", part) or "_"


def tool_name(server: str, tool: str) -> str:
    """The model's name for ``tool`` of ``server``."""
    name = f"{PREFIX}{clean(server)}__{clean(tool)}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(f"{server}\0{tool}".encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}_{digest}"


def is_mcp_name(name: str) -> bool:
    return name.startswith(PREFIX)
