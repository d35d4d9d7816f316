"""The context core: which project files the model sees, and how they are sent.

No Textual here: the file tree, the context panel, the prompt and ``qwen-tui ask --file`` all use
this package.

- ``files``: ``ProjectIndex``, the gitignore-aware index and safe path resolution
- ``ignore``: the ignore rules (pathspec), compiled once per rules file
- ``reader``: reading one file safely (binary, size cap, encodings)
- ``selection``: ``Selection`` of files, folders and line ranges
- ``builder``: ``build_prompt``, the messages and their token budget
- ``tokens``: ``TokenEstimator``, calibrated from the provider's counts
- ``fuzzy``: ``fuzzy_find``, fzf-like ranking for ``@`` completion and "go to file"
"""

from qwen_tui.context.builder import (
    DEFAULT_CONTEXT_WINDOW,
    DEFAULT_RESERVE_TOKENS,
    DEFAULT_SYSTEM_PROMPT,
    BuiltPrompt,
    build_prompt,
    format_file,
    resolve_context_window,
)
from qwen_tui.context.errors import BinaryFile, ContextError, InvalidSpec, NotFound, OutsideRoot, Unreadable
from qwen_tui.context.files import ProjectIndex
from qwen_tui.context.fuzzy import FuzzyIndex, Match, fuzzy_find
from qwen_tui.context.reader import DEFAULT_MAX_FILE_BYTES, ContextFile, FileContent
from qwen_tui.context.selection import Selection, SelectionEntry, looks_secret, parse_spec
from qwen_tui.context.tokens import TokenEstimator

__all__ = [
    "DEFAULT_CONTEXT_WINDOW",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_RESERVE_TOKENS",
    "DEFAULT_SYSTEM_PROMPT",
    "BinaryFile",
    "BuiltPrompt",
    "ContextError",
    "ContextFile",
    "FileContent",
    "FuzzyIndex",
    "InvalidSpec",
    "Match",
    "NotFound",
    "OutsideRoot",
    "ProjectIndex",
    "Selection",
    "SelectionEntry",
    "TokenEstimator",
    "Unreadable",
    "build_prompt",
    "format_file",
    "fuzzy_find",
    "looks_secret",
    "parse_spec",
    "resolve_context_window",
]
