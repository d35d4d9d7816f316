"""Helpers for the streaming renderer tests: a bare app that hosts one StreamingMarkdown."""

from __future__ import annotations

import random

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from qwen_tui.ui.render.markdown_stream import StreamingMarkdown

WIDTH = 80

ANSWER = '''# Plan

Here is **bold**, *em*, `code`, a [link](http://127.0.0.1/) and [b]markup[/b] as typed.
A control character \x1b[31m stays visible, so does a bell \x07.

1. first item
2. second item with a long line that has to wrap because it is wider than the terminal is, really
   - nested bullet
   - another

   a loose paragraph in the item

- tight
- list
---

| name | value |
|------|------:|
| alpha | 1 |
| beta | 22 |

> a quote
> over lines

```python
def greet(name: str) -> str:
    """Say hello.

    Across lines."""
    return f"hello {name}"  # comment
```

Setext heading
--------------

    indented code

```js
// a fence left open at the end
let x = [1, 2, 3];
x.map((v) => v * 2)
'''


def chunks(text: str, seed: int, most: int = 9) -> list[str]:
    """``text`` cut into random token-sized pieces."""
    rnd = random.Random(seed)
    out, i = [], 0
    while i < len(text):
        n = rnd.randint(1, most)
        out.append(text[i : i + n])
        i += n
    return out


class StreamApp(App[None]):
    """One answer widget in a scroll view, as in the chat view."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.initial = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="log"):
            yield StreamingMarkdown(self.initial, id="answer")


@pytest.fixture
def app() -> StreamApp:
    return StreamApp()
