"""Why a file cannot go into the context, in plain words.

Every refusal is an expected situation (a typo, a symlink, a binary file), so each carries a message
fit to show the user as it is; none of them should end in a traceback.
"""

from __future__ import annotations


class ContextError(Exception):
    """A path that cannot be used as context. ``path`` is what the user asked for."""

    reason = "cannot be used"

    def __init__(self, path: str, detail: str = "") -> None:
        self.path = path
        self.detail = detail
        text = f"{path}: {self.reason}"
        if detail:
            text += f" ({detail})"
        super().__init__(text)

    @property
    def message(self) -> str:
        return str(self)


class OutsideRoot(ContextError):
    reason = "outside the project folder"


class NotFound(ContextError):
    reason = "no such file or folder in the project"


class BinaryFile(ContextError):
    reason = "binary file, not sent"


class Unreadable(ContextError):
    reason = "cannot be read"


class InvalidSpec(ContextError):
    """A selection written wrongly, e.g. ``a.py:40-10``."""

    reason = "not a valid file, folder or line range"
