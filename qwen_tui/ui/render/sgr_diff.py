"""Send colour changes, not whole colour states: what SSH carries.

Textual writes every styled segment as a complete style (``ESC[38;5;249;48;5;236m``) followed
by a reset (``ESC[0m``): a highlighted code line of 60 characters costs ~500 bytes, most of it
the same background said again per token. :class:`SGRDiff` rewrites a frame so that the
terminal receives only the difference from the style it already has (``ESC[38;5;73m``); the
screen it draws is the same cell for cell (tests/render/test_sgr_diff.py checks that with a
terminal emulator). Only SGR sequences change; every other byte is passed through as written,
and the style is brought back to what the original had before anything whose effect could
depend on it (erasing, scrolling, any escape other than a cursor move) and at the end of each
write, so nothing outside a frame sees a different state.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.driver import Driver

# A CSI sequence (parameters, intermediates, final byte), or another escape, or text.
_TOKEN = re.compile(r"\x1b\[([0-?]*)([ -/]*)([@-~])|(\x1b[^\[]|[^\x1b\r\n]+|[\r\n]|\x1b)")
_MOVES = frozenset("ABCDGHf")  # cursor movements: they use no colour
_ATTR_ON = {1, 2, 3, 4, 5, 6, 7, 8, 9, 21, 51, 52, 53}
_ATTR_OFF = {22: (1, 2), 23: (3,), 24: (4, 21), 25: (5, 6), 27: (7,), 28: (8,), 29: (9,), 54: (51, 52), 55: (53,)}


class SGRState:
    """A terminal's SGR state: attributes on, foreground and background (as SGR parameters)."""

    __slots__ = ("attrs", "fg", "bg", "_hash")

    def __init__(self, attrs: frozenset[int] = frozenset(), fg: str = "", bg: str = "") -> None:
        self.attrs, self.fg, self.bg = attrs, fg, bg
        self._hash = hash((attrs, fg, bg))  # a cache key thousands of times a frame

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, SGRState) and self._hash == other._hash
                                 and (self.attrs, self.fg, self.bg) == (other.attrs, other.fg, other.bg))

    def __hash__(self) -> int:
        return self._hash

    @property
    def is_default(self) -> bool:
        return not self.attrs and not self.fg and not self.bg

    def params(self) -> list[str]:
        """The parameters that set this style from the default one."""
        out = [str(a) for a in sorted(self.attrs)]
        if self.fg:
            out.append(self.fg)
        if self.bg:
            out.append(self.bg)
        return out


DEFAULT = SGRState()


def apply_sgr(style: SGRState, params: str) -> SGRState | None:
    """``style`` after ``ESC[<params>m``; None for parameters this module does not model."""
    if ":" in params:
        return None  # sub-parameters (curly underlines, colon colours): passed through as is
    codes = params.split(";") if params else ["0"]
    attrs, fg, bg = set(style.attrs), style.fg, style.bg
    i = 0
    while i < len(codes):
        try:
            code = int(codes[i]) if codes[i] else 0
        except ValueError:
            return None
        if code == 0:
            attrs, fg, bg = set(), "", ""
        elif code in _ATTR_ON:
            attrs.add(code)
        elif code in _ATTR_OFF:
            attrs.difference_update(_ATTR_OFF[code])
        elif 30 <= code <= 37 or 90 <= code <= 97:
            fg = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            bg = str(code)
        elif code == 39:
            fg = ""
        elif code == 49:
            bg = ""
        elif code in (38, 48):
            kind = codes[i + 1] if i + 1 < len(codes) else ""
            width = {"5": 1, "2": 3}.get(kind)
            if width is None or i + 1 + width >= len(codes):
                return None
            colour = ";".join(codes[i : i + 2 + width])
            if code == 38:
                fg = colour
            else:
                bg = colour
            i += 1 + width
        else:
            return None
        i += 1
    return SGRState(frozenset(attrs), fg, bg)


def transition(have: SGRState, want: SGRState) -> str:
    """The shortest of: the changed parameters alone, or a reset followed by the whole style."""
    if have == want:
        return ""
    if want.is_default:
        return "\x1b[0m"
    full = "\x1b[0;" + ";".join(want.params()) + "m"
    if not have.attrs <= want.attrs:
        return full
    changed = [str(a) for a in sorted(want.attrs - have.attrs)]
    if want.fg != have.fg:
        changed.append(want.fg or "39")
    if want.bg != have.bg:
        changed.append(want.bg or "49")
    diff = "\x1b[" + ";".join(changed) + "m"
    return diff if len(diff) <= len(full) else full


#: ``apply_sgr`` and ``transition`` by their arguments: a frame says the same few styles
#: thousands of times (a full repaint at 120x40 is about 1,500 SGR sequences), and parsing each
#: again was most of this writer's time. The states they give are interned (one object per
#: style), so that comparing two is an identity check. Bounded: cleared when full.
_APPLIED: dict[tuple[SGRState, str], SGRState | None] = {}
_TRANSITIONS: dict[tuple[SGRState, SGRState], str] = {}
_INTERNED: dict[SGRState, SGRState] = {DEFAULT: DEFAULT}
_CACHE_LIMIT = 4096
_MISSING = object()


def _applied(style: SGRState, params: str) -> SGRState | None:
    """``apply_sgr``, cached, its result interned."""
    key = (style, params)
    found = _APPLIED.get(key, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    if len(_APPLIED) >= _CACHE_LIMIT:  # states interned before stay valid: equal ones then
        _APPLIED.clear()                 # differ only in identity, and their transition is ""
        _TRANSITIONS.clear()
        _INTERNED.clear()
        _INTERNED[DEFAULT] = DEFAULT
    result = apply_sgr(style, params)
    if result is not None:
        result = _INTERNED.setdefault(result, result)
    _APPLIED[key] = result
    return result


def _transition(have: SGRState, want: SGRState) -> str:
    key = (have, want)
    found = _TRANSITIONS.get(key)
    if found is None:
        found = _TRANSITIONS[key] = transition(have, want)
    return found


class SGRDiff:
    """Rewrites terminal output one write at a time (the state carries over between writes,
    and is the original's at the end of each). Its states are always interned ones."""

    def __init__(self) -> None:
        self._sent: SGRState | None = DEFAULT  # what the terminal has; None: not known
        self._want: SGRState | None = DEFAULT  # what the original stream has set by now

    def __call__(self, data: str) -> str:
        if "\x1b[" not in data:
            return data
        out: list[str] = []
        emit = out.append
        applied = _APPLIED.get
        want, sent = self._want, self._sent
        for params, between, final, other in _TOKEN.findall(data):
            if other:  # text, a line break, or an escape that is not a CSI sequence
                if want is not sent and want is not None and other != "\r":
                    emit(_transition(sent, want))  # type: ignore[arg-type] - known together
                    sent = want
                emit(other)
                continue
            if final == "m" and not between and not (params and params[0] in "?<=>"):
                if want is None:
                    style = None
                else:
                    style = applied((want, params), _MISSING)
                    if style is _MISSING:
                        style = _applied(want, params)
                if style is None:  # not modelled: bring the terminal up to date, then pass it on
                    if want is not sent and want is not None:
                        emit(_transition(sent, want))  # type: ignore[arg-type]
                    emit(f"\x1b[{params}m")
                    sent = want = DEFAULT if params in ("", "0") else None
                else:
                    want = style  # type: ignore[assignment]
                continue
            token = f"\x1b[{params}{between}{final}"
            if final in _MOVES and not between and not params.startswith("?"):
                emit(token)  # cursor moves draw nothing
                continue
            if want is not sent and want is not None:
                emit(_transition(sent, want))  # type: ignore[arg-type]
                sent = want
            emit(token)
        if want is not sent and want is not None:
            emit(_transition(sent, want))  # type: ignore[arg-type]
            sent = want
        self._want, self._sent = want, sent
        return "".join(out)


def diffing_driver(base: type[Driver]) -> type[Driver]:
    """``base`` (the platform's Textual driver) writing through an :class:`SGRDiff`."""

    class DiffingDriver(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._sgr_diff = SGRDiff()

        def write(self, data: str) -> None:
            super().write(self._sgr_diff(data))

    DiffingDriver.__name__ = DiffingDriver.__qualname__ = f"Diffing{base.__name__}"
    return DiffingDriver
