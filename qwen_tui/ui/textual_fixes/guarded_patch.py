"""A patch of Textual that applies only to the Textual it was written against.

Each fix replaces (or overrides) one Textual function. It was written for that function's
source in a tested range of Textual versions; a newer Textual may have fixed the behaviour, or
changed the function so that the replacement would undo other changes. So a patch is applied
only when Textual's version is in the tested range *and* the sha256 of the whole upstream
function's source (``inspect.getsource``) is the one recorded. Otherwise it stands aside:
Textual's behaviour stays, and one debug line says why.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import textual

#: The Textual versions the fixes were tested with: ``low <= version < high`` (pyproject.toml
#: pins the same range).
TESTED_TEXTUAL = ((8, 2, 8), (8, 3))


def textual_version() -> tuple[int, ...] | None:
    """The installed Textual's version as numbers (``None`` when it cannot be read)."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", _textual_version_text())
    if match is None:
        return None
    return tuple(int(part) for part in match.groups(default="0"))


def _textual_version_text() -> str:
    """Textual's version string. ``textual.__version__`` imports ``importlib.metadata`` and
    scans every installed distribution: start-up time before the first frame. The name of
    Textual's own ``.dist-info`` folder, next to the package, says the same; the slow way is
    kept for any other layout (and a version set on the module wins)."""
    if "__version__" in vars(textual):
        return str(textual.__version__)
    site = Path(textual.__file__).resolve().parent.parent
    found = [entry.name for entry in site.glob("textual-*.dist-info")]
    if len(found) == 1:
        return found[0][len("textual-"):-len(".dist-info")]
    return str(getattr(textual, "__version__", ""))


def source_sha256(function: Callable) -> str | None:
    """The sha256 of a function's whole source, or ``None`` when its source cannot be read."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode()).hexdigest()


@dataclass
class GuardedPatch:
    """Set ``owner.attribute`` to ``replacement`` when Textual's ``upstream`` function (by
    default the one being replaced) is the one the replacement was written for."""

    module: str  # the fix's module: its last part names the fix, its logger says why it stood aside
    owner: type
    attribute: str
    replacement: Callable
    sha256: str  # of the upstream function's source in the tested Textual
    upstream: tuple[type, str] | None = None  # (class, name) of the function checked, if not the replaced one
    stood_aside: str | None = None  # why it was not applied (decided once)
    replaced: Callable | None = field(default=None, repr=False)  # what ``owner`` itself held before

    @property
    def name(self) -> str:
        return self.module.rsplit(".", 1)[-1]

    @property
    def in_effect(self) -> bool:
        return self.owner.__dict__.get(self.attribute) is self.replacement

    def install(self) -> bool:
        """Idempotent; True when the fix is in effect."""
        if self.in_effect:
            return True
        if self.stood_aside is not None:
            return False
        reason = self._mismatch()
        if reason is not None:
            self.stood_aside = reason
            logging.getLogger(self.module).debug("Textual fix %s stands aside: %s", self.name, reason)
            return False
        self.replaced = self.owner.__dict__.get(self.attribute)
        setattr(self.owner, self.attribute, self.replacement)
        return True

    def _mismatch(self) -> str | None:
        version = textual_version()
        low, high = TESTED_TEXTUAL
        if version is None or not low <= version < high:
            return (f"Textual {getattr(textual, '__version__', '?')} is outside the tested range "
                    f"{'.'.join(map(str, low))} to <{'.'.join(map(str, high))}")
        owner, attribute = self.upstream or (self.owner, self.attribute)
        function = getattr(owner, attribute, None)
        qualname = f"{owner.__module__}.{owner.__qualname__}.{attribute}"
        if function is None:
            return f"{qualname} is gone"
        found = source_sha256(function)
        if found != self.sha256:
            return f"the source of {qualname} changed (sha256 {found}, written for {self.sha256})"
        return None
