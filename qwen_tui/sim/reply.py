"""The simulated answer and how it is cut into tokens.

The default reply exercises what a chat view must render: prose, a fenced code block, a list,
inline Markdown, and characters of 2, 3 and 4 UTF-8 bytes (so split reads are really tested).
"""

from __future__ import annotations

from typing import Any

DEFAULT_REPLY = """\
Here is a small helper that reads a text file safely (ä 🚀 漢字 included to test Unicode).

```python
from pathlib import Path


def read_text(path: str) -> str:
    \"\"\"Return the file's text, or an empty string when it is missing.\"\"\"
    file = Path(path)
    return file.read_text(encoding="utf-8") if file.exists() else ""
```

Why it works:

- `pathlib` handles paths on every operating system.
- A missing file gives `""` instead of an exception.
- **Bold**, *italic* and `code` are plain Markdown.

Done! 🚀 漢字のテスト: ä ö ü ß.
"""


def chunk_text(text: str, chunk_chars: int) -> list[str]:
    """Cut ``text`` into pieces of ``chunk_chars`` code points: one piece is one 'token'."""
    size = max(1, int(chunk_chars))
    return [text[i : i + size] for i in range(0, len(text), size)]


def estimate_prompt_tokens(body: Any) -> int:
    """A rough prompt size (4 characters a token), enough for a plausible usage block."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return 0
    chars = 0
    for message in messages:
        if isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, str):
                chars += len(content)
            elif isinstance(content, list):  # OpenAI content parts
                chars += sum(len(str(p.get("text", ""))) for p in content if isinstance(p, dict))
        chars += 4  # role and framing
    return max(1, chars // 4)
