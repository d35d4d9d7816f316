"""The ready servers' resources for the context: listed for the picker, read for the prompt.

``McpResourceReader`` is the ``ResourceReader`` the context core is given (``qwen_tui.context.
resources``): it turns every failure (server not ready, gone, slow, refusing) into
``ResourceUnavailable`` with the reason in plain words. Text parts go as they are, capped like a
file; binary parts (``blob``) become a short note. Works on the SDK's objects by their attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qwen_tui.context.reader import DEFAULT_MAX_FILE_BYTES
from qwen_tui.context.resources import ResourceText, ResourceUnavailable
from qwen_tui.mcp.results import _size, cap
from qwen_tui.mcp.status import McpResource, ServerState

if TYPE_CHECKING:
    from qwen_tui.mcp.manager import McpManager


def resource_text(result: Any, limit: int = DEFAULT_MAX_FILE_BYTES) -> ResourceText:
    """The SDK's ``ReadResourceResult`` as text for the prompt."""
    parts: list[str] = []
    notes: list[str] = []
    mime = None
    for item in getattr(result, "contents", None) or []:
        mime = mime or getattr(item, "mimeType", None)
        text = getattr(item, "text", None)
        if isinstance(text, str):
            parts.append(text)
            continue
        kind = getattr(item, "mimeType", None) or "binary"
        note = f"[binary part {getattr(item, 'uri', '')} ({kind}, {_size(getattr(item, 'blob', None))}): not shown]"
        parts.append(note)
        notes.append("binary content not shown")
    text, truncated = cap("\n".join(parts) if parts else "(the resource is empty)", limit)
    if truncated:
        notes.append(f"cut at {limit:,} characters")
    return ResourceText(text, mime, truncated, "; ".join(dict.fromkeys(notes)) or None)


class McpResourceReader:
    """The manager's resources, for the context core and the picker (blocking: call from a thread)."""

    def __init__(self, manager: McpManager, limit: int = DEFAULT_MAX_FILE_BYTES, timeout: float = 15.0) -> None:
        self.manager = manager
        self.limit = limit
        self.timeout = timeout

    def read_resource(self, server: str, uri: str) -> ResourceText:
        from qwen_tui.mcp.connection import ServerGone

        status = self.manager.status(server)
        if status is None:
            raise ResourceUnavailable(f"there is no MCP server {server!r} configured")
        if status.state is not ServerState.READY:
            raise ResourceUnavailable(status.summary())
        try:
            return self.manager.read_resource(server, uri, self.limit, self.timeout)
        except ServerGone as exc:
            raise ResourceUnavailable(str(exc)) from None

    def available(self) -> list[McpResource]:
        """Every ready server's resources, in the config's order (a server that fails to list is skipped)."""
        found: list[McpResource] = []
        for status in self.manager.statuses():
            if status.state is ServerState.READY and status.resources:
                try:
                    found += self.manager.resources(status.name, self.timeout)
                except Exception:  # noqa: BLE001 - one server's failure leaves the others listed
                    continue
        return found
