"""The one error a tool gives back: plain words the model reads and can act on.

Every expected failure of a tool call (a bad path, a missing argument, an edit that does not match)
is a ``ToolError``; the dispatcher turns it into a failed ``ToolResult``, never a traceback.
"""

from __future__ import annotations


class ToolError(Exception):
    """A tool call that cannot be done; ``message`` is shown to the model as it is."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
