"""Render Markdown blocks and open code fences to lines (Strips) at a fixed width.

Why: the streaming widget keeps rendered lines per block so that a finished block is rendered
once. Both the streamed view and the one-shot reference use :func:`render_markdown`, which is
what makes "streamed == one-shot" checkable line by line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.syntax import Syntax, SyntaxTheme
from textual.strip import Strip

from qwen_tui.ui.render import DEFAULT_CODE_THEME
from qwen_tui.ui.render.blocks import PARSER, prepare_source


class ChatMarkdown(Markdown):
    """Rich Markdown with the chat dialect (:data:`PARSER`: no raw HTML)."""

    def __init__(self, markup: str, code_theme: str = DEFAULT_CODE_THEME) -> None:
        # Markdown.__init__ would build (and compile) a new MarkdownIt parser per block: ~0.3 ms
        # each, most of a short block's cost. The shared parser is built once.
        self.markup = markup
        self.parsed = PARSER.parse(markup)
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme


def render_lines(console: Console, renderable: RenderableType, width: int) -> list[Strip]:
    """Lines of ``renderable`` at ``width`` cells, each padded to exactly ``width``.

    Neighbouring segments of one style are joined: each segment costs a full colour sequence on
    the terminal, and a highlighted code line splits into many (``'``, ``fast``, ``'``)."""
    options = console.options.update_width(width).update(height=None, highlight=False)
    return [Strip(line, width).simplify() for line in console.render_lines(renderable, options, pad=True)]


def render_markdown(console: Console, source: str, width: int, code_theme: str) -> list[Strip]:
    """Render sanitised Markdown ``source`` (see :func:`prepare_source`)."""
    return render_block(console, source, width, code_theme).strips


# Top-level blocks whose Rich rendering contains nested elements: Rich emits its blank separator
# line before them on its own, even at the start of a document.
_CONTAINERS = {"bullet_list_open", "ordered_list_open", "blockquote_open", "table_open"}


@dataclass
class RenderedBlock:
    """Lines of one or more consecutive top-level blocks, plus how Rich joins them to others.

    Rich Markdown puts one blank line before a top-level block when the element that closed
    just before it asks for one (every element but a horizontal rule or an image). A block
    with nested elements (list, quote, table) decides that itself,
    so its standalone render already has the right lead; any other block takes the blank line
    from its predecessor.
    """

    strips: list[Strip]
    takes_separator: bool = False
    gives_separator: bool = True


def render_block(console: Console, source: str, width: int, code_theme: str) -> RenderedBlock:
    """Render sanitised Markdown ``source`` as one piece, with its joining rules."""
    if not source.strip():
        return RenderedBlock([], False, False)
    markdown = ChatMarkdown(source, code_theme)
    top = [t for t in markdown.parsed if t.level == 0 and t.nesting >= 0]
    if not top:
        return RenderedBlock([], False, False)
    strips = render_lines(console, markdown, width)
    first = top[0]
    nested = first.type in _CONTAINERS
    last = [t for t in markdown.parsed if t.level == 0][-1]
    return RenderedBlock(strips, not nested, last.type != "hr")


def join_blocks(blocks: list[RenderedBlock], width: int) -> list[Strip]:
    """Concatenate rendered blocks exactly as Rich would render their sources together."""
    lines: list[Strip] = []
    previous: RenderedBlock | None = None
    for block in blocks:
        if not block.strips:
            continue
        if previous is not None and previous.gives_separator and block.takes_separator:
            lines.append(blank_line(width))
        lines.extend(block.strips)
        previous = block
    return lines


def render_answer(
    console: Console, text: str, width: int, code_theme: str = DEFAULT_CODE_THEME
) -> list[Strip]:
    """One-shot render of a whole answer as received: the reference the stream must match."""
    return render_markdown(console, prepare_source(text), width, code_theme)


def blank_line(width: int) -> Strip:
    """The separator Rich Markdown puts between top-level blocks."""
    return Strip.blank(width)


@lru_cache(maxsize=64)
def _lexer(name: str) -> Lexer | None:
    try:
        return get_lexer_by_name(name)
    except ClassNotFound:
        return None


@lru_cache(maxsize=16)
def _theme(name: str) -> SyntaxTheme:
    return Syntax.get_theme(name)


class FenceHighlighter:
    """Highlights an open code fence one line at a time, like Rich's CodeBlock would.

    Each finished line is highlighted once by the caller and its strips kept; lexer state does
    not carry across lines (a docstring spanning lines is approximate until the fence closes
    and the block gets its exact, whole-block render).
    """

    def __init__(self, console: Console, lexer_name: str, code_theme: str, width: int) -> None:
        self._console = console
        self._lexer: Lexer | str = _lexer(lexer_name) or "text"
        self._theme = _theme(code_theme)
        self.width = width
        padded = self._render(" ", padding=1)
        self.top = padded[0]  # the padding row Rich's CodeBlock draws above the code
        self.bottom = padded[-1]

    def _render(self, code: str, padding: int | tuple[int, int]) -> list[Strip]:
        syntax = Syntax(code, self._lexer, theme=self._theme, word_wrap=True, padding=padding)
        return render_lines(self._console, syntax, self.width)

    def line(self, code_line: str) -> list[Strip]:
        """The strips of one code line (more than one when it wraps)."""
        return self._render(code_line, (0, 1))
