"""Fence tags for code blocks, from a file's name: the model reads code better when told its language."""

from __future__ import annotations

from pathlib import PurePosixPath

_BY_SUFFIX = {
    ".py": "python", ".pyi": "python", ".pyx": "cython", ".ipynb": "json",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "jsx",
    ".ts": "typescript", ".tsx": "tsx", ".vue": "vue", ".svelte": "svelte",
    ".rs": "rust", ".go": "go", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp",
    ".hpp": "cpp", ".hh": "cpp", ".m": "objectivec", ".mm": "objectivec", ".java": "java",
    ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala", ".swift": "swift", ".cs": "csharp",
    ".fs": "fsharp", ".rb": "ruby", ".php": "php", ".pl": "perl", ".pm": "perl", ".lua": "lua",
    ".r": "r", ".jl": "julia", ".dart": "dart", ".ex": "elixir", ".exs": "elixir", ".erl": "erlang",
    ".hs": "haskell", ".ml": "ocaml", ".clj": "clojure", ".zig": "zig", ".nim": "nim",
    ".sh": "bash", ".bash": "bash", ".zsh": "zsh", ".fish": "fish", ".ps1": "powershell",
    ".bat": "batch", ".cmd": "batch",
    ".html": "html", ".htm": "html", ".xml": "xml", ".svg": "xml", ".css": "css", ".tcss": "css",
    ".scss": "scss", ".sass": "sass", ".less": "less",
    ".json": "json", ".jsonl": "json", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini", ".env": "bash",
    ".md": "markdown", ".markdown": "markdown", ".rst": "rst", ".tex": "latex", ".txt": "text",
    ".sql": "sql", ".graphql": "graphql", ".proto": "protobuf", ".tf": "hcl", ".hcl": "hcl",
    ".nix": "nix", ".cmake": "cmake", ".gradle": "groovy", ".groovy": "groovy",
    ".diff": "diff", ".patch": "diff", ".csv": "csv", ".log": "text",
}
_BY_NAME = {
    "dockerfile": "dockerfile", "containerfile": "dockerfile", "makefile": "makefile",
    "gnumakefile": "makefile", "cmakelists.txt": "cmake", "justfile": "just", "rakefile": "ruby",
    "gemfile": "ruby", "vagrantfile": "ruby", ".gitignore": "gitignore", ".qwenignore": "gitignore",
    ".bashrc": "bash", ".zshrc": "zsh", ".profile": "bash",
}


def language_for(path: str) -> str:
    """The fence tag for ``path`` ("" when unknown: a plain fence)."""
    name = PurePosixPath(path).name.lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.startswith("dockerfile"):
        return "dockerfile"
    return _BY_SUFFIX.get(PurePosixPath(name).suffix, "")
