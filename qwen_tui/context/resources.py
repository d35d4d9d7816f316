"""Resources of MCP servers as context entries, beside files: ``mcp://<server>/<uri>``.

Why here, without MCP: the context core only knows a ``ResourceReader`` (a front end hands it
one built on the MCP manager), so the prompt, the budget and the saved selection treat a
resource like a file while nothing here imports the SDK. A resource is read when it is counted
(``measure``) and again when the question is sent (``plan``), both in a thread: what is sent is
what the server gives at that moment. A server that is gone gives a note in the request and a
warning, and the entry stays in the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from qwen_tui.context.reader import FileContent

#: The prefix of a resource's entry id (``mcp://fs/notes://readme``).
RESOURCE_PREFIX = "mcp://"


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """One resource in the context: which server, which URI."""

    server: str
    uri: str

    @property
    def id(self) -> str:
        return f"{RESOURCE_PREFIX}{self.server}/{self.uri}"

    @classmethod
    def parse(cls, entry_id: str) -> ResourceRef | None:
        """``mcp://fs/notes://readme`` -> ``ResourceRef("fs", "notes://readme")``; None when not one."""
        if not entry_id.startswith(RESOURCE_PREFIX):
            return None
        server, _, uri = entry_id.removeprefix(RESOURCE_PREFIX).partition("/")
        return cls(server, uri) if server and uri else None


@dataclass(frozen=True, slots=True)
class ResourceText:
    """What a server gave for a resource, ready for the prompt (binary parts are a short note)."""

    text: str
    mime_type: str | None = None
    truncated: bool = False
    note: str | None = None  # e.g. that a binary part was left out, or that it was cut


class ResourceUnavailable(Exception):
    """The resource cannot be read now (its server is not ready, gone, or refused): in plain words."""


class ResourceReader(Protocol):
    """Reads a resource (blocking: called from a thread, never the event loop)."""

    def read_resource(self, server: str, uri: str) -> ResourceText: ...


def _language(mime: str | None) -> str:
    if not mime:
        return ""
    kind = mime.split(";")[0].strip().lower()
    return {"text/markdown": "markdown", "application/json": "json", "text/x-python": "python",
            "text/html": "html", "application/xml": "xml", "text/xml": "xml", "text/csv": "csv"}.get(kind, "")


def resource_content(ref: ResourceRef, reader: ResourceReader | None) -> tuple[FileContent, str | None]:
    """The resource as a prompt block (labelled with its id), and the problem when it could not be
    read: then the block is a note saying so, so the model knows it is missing."""
    try:
        if reader is None:
            raise ResourceUnavailable("no MCP server is running")
        got = reader.read_resource(ref.server, ref.uri)
    except ResourceUnavailable as exc:
        problem = str(exc) or "unavailable"
        text = f"[MCP resource {ref.uri} of server {ref.server} could not be read: {problem}]"
        return FileContent(ref.id, text, "", note=f"not read: {problem}"), problem
    note = f"MCP resource of {ref.server}" + (f"; {got.note}" if got.note else "")
    return FileContent(ref.id, got.text, _language(got.mime_type), truncated=got.truncated, note=note,
                       size=len(got.text)), None
